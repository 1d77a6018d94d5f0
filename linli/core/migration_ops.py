"""Migration helpers shared by apps (kept stable: landed migrations import them).

``vendor_sql`` runs hand-written (up, down) SQL per engine. ``append_only`` writes that SQL for the common
append-only shape — a trigger per table refusing UPDATE (and DELETE if asked) on SQLite and PostgreSQL — so a new
ledger or record table needs one line instead of four SQL lists. A migration whose triggers differ (column
exceptions, their own message, extra statements) keeps writing its SQL out with ``vendor_sql``.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

SQL = str | list[str]  # one script, or statements run one by one (SQLite runs one statement per call)

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

PG_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only';
END; $$ LANGUAGE plpgsql;
"""


class VendorSQL(migrations.RunPython):
    """The operation ``vendor_sql`` returns: a ``RunPython`` that keeps the SQL it runs readable as ``sql``
    (engine → (up, down)), so tests can read the triggers a migration creates without running it."""

    sql: dict[str, tuple[SQL, SQL]]


def vendor_sql(*, sqlite: tuple[SQL, SQL], postgresql: tuple[SQL, SQL]) -> VendorSQL:
    """A reversible operation running (up, down) SQL for the connected engine; other engines do nothing.

    Used for the append-only triggers on records and ledgers (directly where a table's triggers are its own,
    through ``append_only`` for the common shape), for the version triggers of the request list's page cache, and
    for column changes SQLite must make without rebuilding a table.
    """

    def run(schema_editor: Any, index: int) -> None:
        sql = {"sqlite": sqlite, "postgresql": postgresql}.get(schema_editor.connection.vendor)
        if sql is not None:
            for statement in [sql[index]] if isinstance(sql[index], str) else sql[index]:
                schema_editor.execute(statement)

    def forwards(apps: Any, schema_editor: Any) -> None:
        run(schema_editor, 0)

    def backwards(apps: Any, schema_editor: Any) -> None:
        run(schema_editor, 1)

    operation = VendorSQL(forwards, backwards)
    operation.sql = {"sqlite": sqlite, "postgresql": postgresql}
    return operation


def append_only(tables: list[str], *, function: str, refuse: tuple[str, ...] = ("UPDATE",)) -> VendorSQL:
    """Make ``tables`` append-only at the database: each statement in ``refuse`` ("UPDATE", "DELETE") is refused.

    SQLite: a ``<table>_no_update`` / ``<table>_no_delete`` trigger per table raising ``'<table> rows are
    append-only'``. PostgreSQL: one plpgsql ``function`` raising the same message (from ``TG_TABLE_NAME``) and a
    trigger per table and statement calling it. Down drops the triggers, then the function. The statements are
    exactly what guide 0002, elections 0002, grants 0002 and workforce 0002 wrote by hand (tests/test_migration_ops.py).
    """
    if not tables or not refuse or len(set(refuse)) != len(refuse) or not set(refuse) <= {"UPDATE", "DELETE"}:
        raise ValueError(f"append_only needs tables and refuse among UPDATE, DELETE: {tables!r}, {refuse!r}")
    for name in [*tables, function]:
        if not IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")
    triggers = [(table, f"{table}_no_{statement.lower()}", statement) for table in tables for statement in refuse]
    return vendor_sql(
        sqlite=(
            [
                f"CREATE TRIGGER {trigger} BEFORE {statement} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END;"
                for table, trigger, statement in triggers
            ],
            [f"DROP TRIGGER IF EXISTS {trigger};" for _, trigger, _ in triggers],
        ),
        postgresql=(
            [
                PG_REFUSE_FUNCTION.format(function=function),
                *[
                    f"CREATE TRIGGER {trigger} BEFORE {statement} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {function}();"
                    for table, trigger, statement in triggers
                ],
            ],
            [
                *[f"DROP TRIGGER IF EXISTS {trigger} ON {table};" for table, trigger, _ in triggers],
                f"DROP FUNCTION IF EXISTS {function}();",
            ],
        ),
    )
