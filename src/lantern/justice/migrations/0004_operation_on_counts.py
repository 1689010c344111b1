"""Counts and sentences carry their operation (and the count its defendant, the sentence
its case), copied from the case, so that an operation's totals read one table."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    Charge = apps.get_model("justice", "Charge")
    Sentence = apps.get_model("justice", "Sentence")
    for charge in Charge.objects.select_related(
        "court_case__investigation", "court_case__defendant"
    ):
        Charge.objects.filter(pk=charge.pk).update(
            operation_id=charge.court_case.investigation.operation_id,
            defendant_id=charge.court_case.defendant.person_id,
        )
    for sentence in Sentence.objects.select_related("charge"):
        Sentence.objects.filter(pk=sentence.pk).update(
            operation_id=sentence.charge.operation_id,
            court_case_id=sentence.charge.court_case_id,
        )


def nullable(model, name, to, related="+"):
    return migrations.AddField(
        model_name=model,
        name=name,
        field=models.ForeignKey(
            null=True, on_delete=django.db.models.deletion.PROTECT, related_name=related, to=to
        ),
    )


def required(model, name, to, related="+"):
    return migrations.AlterField(
        model_name=model,
        name=name,
        field=models.ForeignKey(
            on_delete=django.db.models.deletion.PROTECT, related_name=related, to=to
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("justice", "0003_sentence_ends"),
        ("people", "0001_initial"),
    ]

    operations = [
        nullable("charge", "operation", "justice.operation"),
        nullable("charge", "defendant", "people.person"),
        nullable("sentence", "operation", "justice.operation"),
        nullable("sentence", "court_case", "justice.courtcase"),
        migrations.RunPython(fill, migrations.RunPython.noop),
        required("charge", "operation", "justice.operation"),
        required("charge", "defendant", "people.person"),
        required("sentence", "operation", "justice.operation"),
        required("sentence", "court_case", "justice.courtcase"),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                fields=["operation", "charged_on"], name="justice_cha_operati_1f6dc3_idx"
            ),
        ),
    ]
