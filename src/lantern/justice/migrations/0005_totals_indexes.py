"""Indexes that hold every column an operation's totals read, so that each total is
counted from an index in operation order, not from the table (see
selectors.operations_totals):

- the counts by operation, day charged and defendant (people charged). It starts with the
  columns of the index it replaces (operation, day charged), so it serves what that did;
- the counts with a guilty plea or verdict, with their days (convictions, people
  convicted): a partial index, about two counts in five;
- custodial and life sentences by operation and case, with the day passed, the kind and
  when each ends (effective custody, life sentences): a partial index.

Indexes only: no data changes, and the totals mean what they meant.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("justice", "0004_operation_on_counts"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="charge",
            name="justice_cha_operati_1f6dc3_idx",
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                fields=["operation", "charged_on", "defendant"],
                name="justice_charge_op_day_person",
            ),
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                fields=[
                    "operation",
                    "defendant",
                    "charged_on",
                    "plea",
                    "plea_on",
                    "verdict",
                    "verdict_on",
                ],
                condition=models.Q(plea="guilty") | models.Q(verdict="guilty"),
                name="justice_charge_convicted",
            ),
        ),
        migrations.AddIndex(
            model_name="sentence",
            index=models.Index(
                fields=["operation", "court_case", "sentenced_on", "kind", "ends_after_months"],
                condition=models.Q(kind__in=["custody", "life"]),
                name="justice_sentence_custodial",
            ),
        ),
    ]
