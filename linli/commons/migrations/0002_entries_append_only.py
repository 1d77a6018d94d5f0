"""Entries of the shared-income ledger are append-only: an UPDATE of any column is refused on SQLite and
PostgreSQL, like fund entries and points. A correction is a reversing entry, so the history stays readable."""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

SQLITE_UP = """
CREATE TRIGGER commons_entry_no_update BEFORE UPDATE ON commons_entry
BEGIN SELECT RAISE(ABORT, 'shared-income entries are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS commons_entry_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION commons_entry_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'shared-income entries are append-only';
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER commons_entry_no_update BEFORE UPDATE ON commons_entry
FOR EACH ROW EXECUTE FUNCTION commons_entry_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS commons_entry_no_update ON commons_entry;
DROP FUNCTION IF EXISTS commons_entry_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("commons", "0001_initial")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
