"""Migration helpers shared by apps (kept stable: landed migrations import them)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def vendor_sql(*, sqlite: tuple[str, str], postgresql: tuple[str, str]) -> migrations.RunPython:
    """A reversible operation running (up, down) SQL for the connected engine; other engines do nothing.

    Used for the append-only triggers on audit events, request events and points entries.
    """

    def run(schema_editor: Any, index: int) -> None:
        sql = {"sqlite": sqlite, "postgresql": postgresql}.get(schema_editor.connection.vendor)
        if sql is not None:
            schema_editor.execute(sql[index])

    def forwards(apps: Any, schema_editor: Any) -> None:
        run(schema_editor, 0)

    def backwards(apps: Any, schema_editor: Any) -> None:
        run(schema_editor, 1)

    return migrations.RunPython(forwards, backwards)
