"""Make point entries append-only at the database: an UPDATE that changes an entry is refused on
SQLite and PostgreSQL, like the audit log (``audit/0002_append_only``) and request events.

Three changes stay possible because other rules need them: ``place_path`` (``place_move`` rewrites
the denormalised path under a moved subtree) and ``actor_id`` / ``approved_by_id`` becoming NULL
(the foreign keys' ``SET_NULL``). Amount, reason, source and time are fixed once written.
"""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

COLUMNS = ("id", "account_id", "amount", "reason", "note", "source_key", "expires_on", '"at"')
NULLABLE = ("actor_id", "approved_by_id")

SQLITE_UP = f"""
CREATE TRIGGER volunteering_pointentry_no_update BEFORE UPDATE ON volunteering_pointentry
WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)}
  OR {" OR ".join(f"(NEW.{c} IS NOT OLD.{c} AND NEW.{c} IS NOT NULL)" for c in NULLABLE)}
BEGIN SELECT RAISE(ABORT, 'point entries are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS volunteering_pointentry_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION volunteering_pointentry_refuse_update() RETURNS trigger AS $$
BEGIN
  IF (to_jsonb(NEW) - 'place_path' - 'actor_id' - 'approved_by_id')
       IS DISTINCT FROM (to_jsonb(OLD) - 'place_path' - 'actor_id' - 'approved_by_id')
     OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL)
     OR (NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id AND NEW.approved_by_id IS NOT NULL) THEN
    RAISE EXCEPTION 'point entries are append-only';
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER volunteering_pointentry_no_update BEFORE UPDATE ON volunteering_pointentry
FOR EACH ROW EXECUTE FUNCTION volunteering_pointentry_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS volunteering_pointentry_no_update ON volunteering_pointentry;
DROP FUNCTION IF EXISTS volunteering_pointentry_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("volunteering", "0001_initial")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
