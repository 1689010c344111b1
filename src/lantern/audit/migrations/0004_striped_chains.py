"""The log becomes eight chains (ADR 0005): a chain number on every event, a head per chain.

Every event written so far is in chain 1, numbered as it was, with the hash it
had: chain 1's documents are the ones the single chain used (see `chain.py`), so
the log verifies unchanged. Chains 2 to 8 start empty, after 64 zeros. The
number 8 is written out here, not imported: a migration must not change when
`chain.CHAINS` does; a later change of CHAINS needs a migration of its own.
"""

from django.db import migrations, models

GENESIS_HASH = "0" * 64
CHAINS = 8


def create_heads(apps, schema_editor):
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    heads = AuditChainHead.objects.using(schema_editor.connection.alias)
    # Chain 1's head is the single chain's head (migration 0002), already in place.
    for chain in range(2, CHAINS + 1):
        heads.get_or_create(pk=chain, defaults={"last_seq": 0, "last_hash": GENESIS_HASH})


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_triggers")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="Which of the 8 chains the event is in (1 to 8)."
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(help_text="1, 2, 3... with no gaps, within its chain."),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="audit_event_chain_seq"
            ),
        ),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["chain", "seq"]}),
        migrations.RemoveConstraint(model_name="auditchainhead", name="audit_head_one_row"),
        migrations.AddConstraint(
            model_name="auditchainhead",
            constraint=models.CheckConstraint(
                condition=models.Q(("id__gte", 1), ("id__lte", 8)),
                name="audit_head_one_per_chain",
            ),
        ),
        migrations.RunPython(create_heads, migrations.RunPython.noop),
    ]
