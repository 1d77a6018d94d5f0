"""小区内解决 / 街道内解决 (docs/metrics.md): the ``in_compound`` and ``in_street`` counters of ``RequestFact`` and
``RequestRollup``.

Added with ``ALTER TABLE … ADD COLUMN … DEFAULT … NOT NULL`` on both engines, not Django's AddField (as tickets
0012): on SQLite AddField of a NOT NULL column rebuilds the table (create, copy, drop, rename) — which would drop
any trigger on it (tests/test_migration_triggers.py) and copy every row of a table that has one per request. The
columns keep their database default, so bulk loads that do not name them still load.

The columns start at 0/false: this migration does not refold (at district scale, a million requests, that is too
slow for a migration). Until ``python manage.py rebuild_rollups`` is run after upgrading, the two new figures read
0 and ``python manage.py check_rollups`` reports every resolved request's fact and rollup row as different."""

from django.db import migrations, models

from linli.core.migration_ops import vendor_sql

COLUMNS = [
    ("insights_requestfact", "requestfact", "in_compound", models.BooleanField(default=False)),
    ("insights_requestfact", "requestfact", "in_street", models.BooleanField(default=False)),
    ("insights_requestrollup", "requestrollup", "in_compound", models.IntegerField(default=0)),
    ("insights_requestrollup", "requestrollup", "in_street", models.IntegerField(default=0)),
]
SQL_TYPES = {
    # engine: (flag on a fact, counter on a rollup row)
    "sqlite": ("bool DEFAULT 0", "integer DEFAULT 0"),
    "postgresql": ("boolean DEFAULT false", "integer DEFAULT 0"),
}


def _sql(vendor: str, table: str, column: str, field: models.Field) -> tuple[str, str]:
    flag, counter = SQL_TYPES[vendor]
    kind = flag if isinstance(field, models.BooleanField) else counter
    return (
        f"ALTER TABLE {table} ADD COLUMN {column} {kind} NOT NULL",
        f"ALTER TABLE {table} DROP COLUMN {column}",
    )


def _column(table: str, model: str, column: str, field: models.Field) -> migrations.SeparateDatabaseAndState:
    return migrations.SeparateDatabaseAndState(
        database_operations=[
            vendor_sql(
                sqlite=_sql("sqlite", table, column, field),
                postgresql=_sql("postgresql", table, column, field),
            )
        ],
        state_operations=[migrations.AddField(model_name=model, name=column, field=field)],
    )


class Migration(migrations.Migration):
    dependencies = [("insights", "0004_rollup_index_street_led")]

    operations = [_column(*column) for column in COLUMNS]
