"""On PostgreSQL, one function appends an event: `lantern_audit_append(...)` (ADR 0005).

It picks a chain, locks that chain's head, works out the event's hash from the
document Python prepared in pieces (`chain.document_pieces`), moves the head on,
and inserts the event and its subjects: what `services._append_in_one_statement`
calls, in one round trip. The event comes as one JSON object (its columns by
name, the document's pieces, the subjects), which costs the client far less to
send than thirty parameters. A function rather than one long statement because
PostgreSQL keeps the plans of a function's statements for the session: planning
the long statement every time cost about as much as running it.

Which chain: the first head (by id) that no other transaction holds (`FOR UPDATE
SKIP LOCKED`); only when every head is held does it wait, on the head its
backend's pid names. A transaction never waits while it holds a head (see the
comment in `services.py`). Given `p_chain`, it takes that chain (tests do).

It returns no event (`event_id` NULL) when the chain has no head row, after a
test flush: the ORM way then makes the heads again.

Also: the plain index on the event's actor goes, since the (actor, occurred_at)
index serves every query it did; one index fewer to write per event.
"""

from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION lantern_audit_append(
    p_chain integer, p_chains integer, p_event jsonb,
    OUT event_id bigint, OUT chain integer, OUT seq bigint,
    OUT previous_hash text, OUT hash text
) LANGUAGE plpgsql AS $$
#variable_conflict use_variable
BEGIN
    chain := p_chain;
    IF chain IS NULL THEN
        SELECT h.id INTO chain FROM audit_auditchainhead AS h
         ORDER BY h.id LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN  -- another transaction holds every head: wait for one
            chain := pg_backend_pid() % p_chains + 1;
        END IF;
    END IF;
    SELECT h.last_seq + 1, h.last_hash INTO seq, previous_hash
      FROM audit_auditchainhead AS h WHERE h.id = chain FOR UPDATE;
    IF NOT FOUND THEN  -- no head row (after a test flush)
        RETURN;
    END IF;
    IF chain = 1 THEN  -- chain 1's document has no chain in it (chain.py)
        hash := encode(sha256(convert_to(
            (p_event->>'p0') || previous_hash || (p_event->>'p1') || seq::text
            || (p_event->>'p2'), 'UTF8')), 'hex');
    ELSE
        hash := encode(sha256(convert_to(
            (p_event->>'q0') || chain::text || (p_event->>'q1') || previous_hash
            || (p_event->>'q2') || seq::text || (p_event->>'q3'), 'UTF8')), 'hex');
    END IF;
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
"""

DROP = "DROP FUNCTION IF EXISTS lantern_audit_append(integer, integer, jsonb);"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: "%" is the modulo, not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_striped_chains"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty when Lantern itself acted (an import, a scheduled job).",
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="audit_events",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
