"""Worker events (入职, 岗位/等级调整, 离职) and training attendances are records: an UPDATE of any column is refused on
SQLite and PostgreSQL, like the grants' events. "Who held which grade on date X" is read from these rows, so they
are never rewritten; a mistake is answered by a later, dated change."""

from django.db import migrations

from linli.core.migration_ops import vendor_sql

TABLES = ["workforce_workerevent", "workforce_attendance"]

SQLITE_UP = [
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{t} rows are append-only'); END;"
    for t in TABLES
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {t}_no_update;" for t in TABLES]

PG_UP = [
    """
CREATE OR REPLACE FUNCTION workforce_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only';
END; $$ LANGUAGE plpgsql;
""",
    *[
        f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION workforce_refuse_update();"
        for t in TABLES
    ],
]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {t}_no_update ON {t};" for t in TABLES],
    "DROP FUNCTION IF EXISTS workforce_refuse_update();",
]


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial")]
    operations = [vendor_sql(sqlite=(SQLITE_UP, SQLITE_DOWN), postgresql=(PG_UP, PG_DOWN))]
