"""Ballots and secret choices are a ledger: the database refuses UPDATE on SQLite and PostgreSQL."""

from django.db import migrations

TABLES = ["deliberation_ballot", "deliberation_secretchoice"]


def _sqlite_up(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ballots are append-only'); END;"
    )


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION deliberation_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'ballots are append-only'; END; $$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(_sqlite_up(table))
    elif vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION deliberation_refuse_update();"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS deliberation_refuse_update();")


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
