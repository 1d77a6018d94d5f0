"""Fund entries are a ledger: an UPDATE of any column is refused on SQLite and PostgreSQL, like
request events and points entries. A correction is a new entry, so the history stays readable."""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

SQLITE_UP = """
CREATE TRIGGER cobuilding_fundentry_no_update BEFORE UPDATE ON cobuilding_fundentry
BEGIN SELECT RAISE(ABORT, 'fund entries are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS cobuilding_fundentry_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION cobuilding_fundentry_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'fund entries are append-only';
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER cobuilding_fundentry_no_update BEFORE UPDATE ON cobuilding_fundentry
FOR EACH ROW EXECUTE FUNCTION cobuilding_fundentry_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS cobuilding_fundentry_no_update ON cobuilding_fundentry;
DROP FUNCTION IF EXISTS cobuilding_fundentry_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("cobuilding", "0001_property_rating_partners_funds")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
