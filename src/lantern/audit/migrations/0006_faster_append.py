"""An append costs less (ADR 11).

- `lantern_audit_append` takes the document's five pieces as text parameters
  (`chain.document_pieces`), not seven inside the event's JSON: the client sends
  half as much, and neither side escapes them twice. It takes a free head and reads
  it in one statement, where it took two.
- The log keeps no foreign keys in the database: not from an event to the user who
  acted (the event keeps the actor's name and agency as they were, and Django still
  refuses to delete a user who acted), nor from a subject to its event (subjects are
  written only by the append, with their event, and are hashed into it, so `verify`
  finds any added, changed or removed by hand). Each append skipped three checks
  queued to commit and a share lock on the user's row, which every one of that
  user's concurrent writes took too.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION lantern_audit_append(
    p_chain integer, p_chains integer, p_event jsonb,
    p_a text, p_b text, p_c text, p_d text, p_e text,
    OUT event_id bigint, OUT chain integer, OUT seq bigint,
    OUT previous_hash text, OUT hash text
) LANGUAGE plpgsql AS $$
#variable_conflict use_variable
BEGIN
    IF p_chain IS NULL THEN  -- the first head no other transaction holds
        SELECT h.id, h.last_seq + 1, h.last_hash INTO chain, seq, previous_hash
          FROM audit_auditchainhead AS h ORDER BY h.id LIMIT 1 FOR UPDATE SKIP LOCKED;
    END IF;
    IF chain IS NULL THEN  -- the chain asked for; or every head is held: wait for one
        chain := coalesce(p_chain, pg_backend_pid() % p_chains + 1);
        SELECT h.last_seq + 1, h.last_hash INTO seq, previous_hash
          FROM audit_auditchainhead AS h WHERE h.id = chain FOR UPDATE;
        IF NOT FOUND THEN  -- no head row (after a test flush)
            RETURN;
        END IF;
    END IF;
    -- chain.document_pieces: chain 1's document has no chain in it and is format 1;
    -- the others have the chain and are format 2.
    hash := encode(sha256(convert_to(
        p_a || CASE WHEN chain = 1 THEN '' ELSE ',"chain":' || chain::text END
        || p_b || CASE WHEN chain = 1 THEN '1' ELSE '2' END
        || p_c || previous_hash || p_d || seq::text || p_e, 'UTF8')), 'hex');
    UPDATE audit_auditchainhead AS h SET last_seq = seq, last_hash = hash WHERE h.id = chain;
    INSERT INTO audit_auditevent (
        chain, seq, previous_hash, hash, occurred_at, actor_id, actor_username, actor_agency,
        action, operation, purpose, outcome, recipient, request_path, request_method,
        ip_address, user_agent, request_id, detail
    )
    SELECT chain, seq, previous_hash, hash, e.occurred_at, e.actor_id, e.actor_username,
           e.actor_agency, e.action, e.operation, e.purpose, e.outcome, e.recipient,
           e.request_path, e.request_method, e.ip_address, e.user_agent, e.request_id,
           e.detail
      FROM jsonb_populate_record(NULL::audit_auditevent, p_event) AS e
    RETURNING audit_auditevent.id INTO event_id;
    IF jsonb_array_length(p_event->'subjects') > 0 THEN
        INSERT INTO audit_auditsubject (event_id, record_type, record_id, person_id)
        SELECT event_id, s.record_type, s.record_id, s.person_id
          FROM jsonb_to_recordset(p_event->'subjects')
               AS s(record_type text, record_id text, person_id bigint);
    END IF;
END
$$;
DROP FUNCTION IF EXISTS lantern_audit_append(integer, integer, jsonb);
"""

DROP = "DROP FUNCTION IF EXISTS lantern_audit_append(integer, integer, jsonb, text, text, text, text, text);"  # noqa: E501


def _on_postgresql(*sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in sql:  # None: "%" is the modulo, not a placeholder
                schema_editor.execute(statement, params=None)

    return run


def _previous_function():
    return importlib.import_module("lantern.audit.migrations.0005_append_function").CREATE


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_append_function"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="Empty when Lantern itself acted (an import, a scheduled job).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_events",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditsubject",
            name="event",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="subjects",
                to="audit.auditevent",
            ),
        ),
        migrations.RunPython(
            _on_postgresql(CREATE),
            lambda apps, schema_editor: _on_postgresql(DROP, _previous_function())(
                apps, schema_editor
            ),
        ),
    ]
