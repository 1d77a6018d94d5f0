"""Progress reports, disbursements (拨付) and project events are records: an UPDATE of any column is refused on
SQLite and PostgreSQL, like fund entries and points. A mistake is answered by the records, never rewritten."""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

TABLES = ["grants_progressreport", "grants_disbursement", "grants_projectevent"]

SQLITE_UP = [
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{t} rows are append-only'); END;"
    for t in TABLES
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {t}_no_update;" for t in TABLES]

PG_UP = [
    """
CREATE OR REPLACE FUNCTION grants_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only';
END; $$ LANGUAGE plpgsql;
""",
    *[
        f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION grants_refuse_update();"
        for t in TABLES
    ],
]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {t}_no_update ON {t};" for t in TABLES],
    "DROP FUNCTION IF EXISTS grants_refuse_update();",
]


class Migration(migrations.Migration):
    dependencies = [("grants", "0001_rounds_projects_reviews_payments")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
