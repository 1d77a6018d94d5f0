"""Make request events append-only at the database: an UPDATE that changes an event is refused on
SQLite and PostgreSQL, like the audit log (``audit/0002_append_only``).

Two changes stay possible because other rules need them: ``place_path`` (``place_move`` rewrites
the denormalised path of everything under a moved subtree) and ``actor_id`` becoming NULL (the
foreign key's ``SET_NULL``). Everything else — who, when, what, the note, the data — is fixed.
"""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

COLUMNS = ("id", "ticket_id", '"at"', "action", "from_status", "to_status", "note", "data")

SQLITE_UP = f"""
CREATE TRIGGER tickets_ticketevent_no_update BEFORE UPDATE ON tickets_ticketevent
WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)}
  OR (NEW.actor_id IS NOT OLD.actor_id AND NEW.actor_id IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS tickets_ticketevent_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION tickets_ticketevent_refuse_update() RETURNS trigger AS $$
BEGIN
  IF (to_jsonb(NEW) - 'place_path' - 'actor_id') IS DISTINCT FROM (to_jsonb(OLD) - 'place_path' - 'actor_id')
     OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL) THEN
    RAISE EXCEPTION 'ticket events are append-only';
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER tickets_ticketevent_no_update BEFORE UPDATE ON tickets_ticketevent
FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS tickets_ticketevent_no_update ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_ticketevent_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
