from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("synth", "0002_true_identity_household"),
    ]

    operations = [
        migrations.AddField(
            model_name="scenariomember",
            name="harm_on",
            field=models.DateField(
                blank=True,
                help_text="The day the planted serious harm happened to this person (empty for "
                "those not planted at risk): early identification is measured as an alert "
                "before it.",
                null=True,
            ),
        ),
    ]
