"""Item events (新建, 公布, 修改, 停办) and the list's publications (公示 versions) are records: an UPDATE of any column
is refused on SQLite and PostgreSQL, like the workforce's events. "What did the list say on date X" and "which items
changed" are read from these rows, so they are never rewritten; a change is a new event, a new version."""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

TABLES = ["guide_serviceitemevent", "guide_listpublication"]

SQLITE_UP = [
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{t} rows are append-only'); END;"
    for t in TABLES
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {t}_no_update;" for t in TABLES]

PG_UP = [
    """
CREATE OR REPLACE FUNCTION guide_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only';
END; $$ LANGUAGE plpgsql;
""",
    *[
        f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION guide_refuse_update();"
        for t in TABLES
    ],
]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {t}_no_update ON {t};" for t in TABLES],
    "DROP FUNCTION IF EXISTS guide_refuse_update();",
]


class Migration(migrations.Migration):
    dependencies = [("guide", "0001_initial")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
