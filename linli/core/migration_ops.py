"""Migration helpers shared by apps (kept stable: landed migrations import them)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQL = str | list[str]  # one script, or statements run one by one (SQLite runs one statement per call)


def vendor_sql(*, sqlite: tuple[SQL, SQL], postgresql: tuple[SQL, SQL]) -> migrations.RunPython:
    """A reversible operation running (up, down) SQL for the connected engine; other engines do nothing.

    Used for the append-only triggers on audit events, request events and points entries, and for
    the version triggers of the request list's page cache.
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

    return migrations.RunPython(forwards, backwards)
