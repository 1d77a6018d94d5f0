"""The electorate, ballots, approval marks and events of an election are records: an UPDATE of any column is
refused on SQLite and PostgreSQL (like deliberation's ballots), so a result is always recounted from what was cast."""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

TABLES = ["elections_electionvoter", "elections_electionballot", "elections_electionmark", "elections_electionevent"]

SQLITE_UP = [
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{t} rows are append-only'); END;"
    for t in TABLES
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {t}_no_update;" for t in TABLES]

PG_UP = [
    """
CREATE OR REPLACE FUNCTION elections_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only';
END; $$ LANGUAGE plpgsql;
""",
    *[
        f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION elections_refuse_update();"
        for t in TABLES
    ],
]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {t}_no_update ON {t};" for t in TABLES],
    "DROP FUNCTION IF EXISTS elections_refuse_update();",
]


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_initial")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
