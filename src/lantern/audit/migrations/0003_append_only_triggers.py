"""On PostgreSQL, the database itself refuses to change or remove audit rows.

Row-level BEFORE UPDATE / BEFORE DELETE triggers on the event and subject tables
raise an error, so the application's database role cannot alter or delete an
audit row, whatever code runs. The chain head may only move forward.

TRUNCATE does not fire row-level triggers, so the database owner can still empty
the tables: Django's test flush relies on that. For the strongest protection,
run migrations as the owner and serve Lantern with a role that is granted only
SELECT and INSERT on these tables (and not TRUNCATE); only the owner can disable
triggers.

On SQLite nothing is added: Django's test flush deletes rows there, and the hash
chain and the anchors are the protection.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION lantern_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE OR REPLACE FUNCTION lantern_audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'The audit log is append-only: DELETE on % is refused', TG_TABLE_NAME;
    END IF;
    IF NEW.last_seq < OLD.last_seq THEN
        RAISE EXCEPTION 'The audit log is append-only: its head cannot move back from % to %',
            OLD.last_seq, NEW.last_seq;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION lantern_audit_refuse_change();
CREATE TRIGGER audit_auditsubject_append_only
    BEFORE UPDATE OR DELETE ON audit_auditsubject
    FOR EACH ROW EXECUTE FUNCTION lantern_audit_refuse_change();
CREATE TRIGGER audit_auditchainhead_forward_only
    BEFORE UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION lantern_audit_head_forward_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_auditsubject_append_only ON audit_auditsubject;
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS lantern_audit_head_forward_only();
DROP FUNCTION IF EXISTS lantern_audit_refuse_change();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: "%" in RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head_row")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
