"""``append_only``: the one helper that writes the append-only triggers for the common shape (core/migration_ops.py).

Landed migrations switched to it must keep running exactly the SQL they ran before, so the first test holds a frozen
copy of what guide 0002 wrote by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction

from linli.core.migration_ops import append_only

GUIDE_TABLES = ["guide_serviceitemevent", "guide_listpublication"]

# guide/migrations/0002_records_append_only.py as it was written by hand (commit 7c3bb8b), statement by statement.
GUIDE_SQLITE_UP = [
    "CREATE TRIGGER guide_serviceitemevent_no_update BEFORE UPDATE ON guide_serviceitemevent BEGIN SELECT "
    "RAISE(ABORT, 'guide_serviceitemevent rows are append-only'); END;",
    "CREATE TRIGGER guide_listpublication_no_update BEFORE UPDATE ON guide_listpublication BEGIN SELECT "
    "RAISE(ABORT, 'guide_listpublication rows are append-only'); END;",
]
GUIDE_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS guide_serviceitemevent_no_update;",
    "DROP TRIGGER IF EXISTS guide_listpublication_no_update;",
]
GUIDE_PG_UP = [
    """
CREATE OR REPLACE FUNCTION guide_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only';
END; $$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER guide_serviceitemevent_no_update BEFORE UPDATE ON guide_serviceitemevent "
    "FOR EACH ROW EXECUTE FUNCTION guide_refuse_update();",
    "CREATE TRIGGER guide_listpublication_no_update BEFORE UPDATE ON guide_listpublication "
    "FOR EACH ROW EXECUTE FUNCTION guide_refuse_update();",
]
GUIDE_PG_DOWN = [
    "DROP TRIGGER IF EXISTS guide_serviceitemevent_no_update ON guide_serviceitemevent;",
    "DROP TRIGGER IF EXISTS guide_listpublication_no_update ON guide_listpublication;",
    "DROP FUNCTION IF EXISTS guide_refuse_update();",
]


class Recorder:
    """A schema editor that only writes down what it is asked to execute."""

    def __init__(self, vendor: str) -> None:
        self.connection = SimpleNamespace(vendor=vendor)
        self.statements: list[str] = []

    def execute(self, sql: str, params: object = ()) -> None:
        self.statements.append(sql)


def run(operation, vendor: str, direction: str) -> list[str]:
    recorder = Recorder(vendor)
    (operation.code if direction == "up" else operation.reverse_code)(None, recorder)
    return recorder.statements


def test_the_helper_writes_the_same_triggers_the_guide_migration_wrote():
    operation = append_only(GUIDE_TABLES, function="guide_refuse_update")
    assert run(operation, "sqlite", "up") == GUIDE_SQLITE_UP
    assert run(operation, "sqlite", "down") == GUIDE_SQLITE_DOWN
    assert run(operation, "postgresql", "up") == GUIDE_PG_UP
    assert run(operation, "postgresql", "down") == GUIDE_PG_DOWN
    assert run(operation, "mysql", "up") == [] and run(operation, "mysql", "down") == []
    assert operation.sql == {"sqlite": (GUIDE_SQLITE_UP, GUIDE_SQLITE_DOWN), "postgresql": (GUIDE_PG_UP, GUIDE_PG_DOWN)}


def test_refusing_delete_too_adds_a_no_delete_trigger_per_table_calling_the_same_function():
    operation = append_only(["ledger_entry"], function="ledger_refuse_change", refuse=("UPDATE", "DELETE"))
    assert run(operation, "sqlite", "up") == [
        "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger_entry rows are append-only'); END;",
        "CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger_entry rows are append-only'); END;",
    ]
    assert run(operation, "postgresql", "up")[1:] == [
        "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();",
        "CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();",
    ]
    assert run(operation, "postgresql", "down") == [
        "DROP TRIGGER IF EXISTS ledger_entry_no_update ON ledger_entry;",
        "DROP TRIGGER IF EXISTS ledger_entry_no_delete ON ledger_entry;",
        "DROP FUNCTION IF EXISTS ledger_refuse_change();",
    ]


@pytest.mark.parametrize(
    "tables, function, refuse",
    [
        ([], "x_refuse_update", ("UPDATE",)),
        (["t"], "x_refuse_update", ()),
        (["t"], "x_refuse_update", ("INSERT",)),
        (["t"], "x_refuse_update", ("UPDATE", "UPDATE")),
        (["t; DROP TABLE u"], "x_refuse_update", ("UPDATE",)),
        (["t"], "x_refuse_update()", ("UPDATE",)),
    ],
)
def test_the_helper_refuses_what_it_cannot_write_as_plain_triggers(tables, function, refuse):
    with pytest.raises(ValueError):
        append_only(tables, function=function, refuse=refuse)


class CursorEditor:
    """Enough of a schema editor for ``vendor_sql``: Django's own refuses to start inside a SQLite test transaction."""

    def __init__(self, cursor) -> None:
        self.connection = connection
        self.cursor = cursor

    def execute(self, sql: str, params: object = ()) -> None:
        self.cursor.execute(sql)


@pytest.mark.django_db
def test_the_triggers_refuse_update_and_delete_on_the_test_database_and_go_away_when_reversed():
    operation = append_only(["core_append_only_probe"], function="core_probe_refuse", refuse=("UPDATE", "DELETE"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE core_append_only_probe (id integer PRIMARY KEY, note varchar(20))")
        operation.code(None, CursorEditor(cursor))
        cursor.execute("INSERT INTO core_append_only_probe (id, note) VALUES (1, 'kept')")
        for statement in ("UPDATE core_append_only_probe SET note = 'changed'", "DELETE FROM core_append_only_probe"):
            refused = pytest.raises(DatabaseError, match="core_append_only_probe rows are append-only")
            with refused, transaction.atomic():
                cursor.execute(statement)
        operation.reverse_code(None, CursorEditor(cursor))
        cursor.execute("UPDATE core_append_only_probe SET note = 'changed'")
        cursor.execute("SELECT note FROM core_append_only_probe")
        assert cursor.fetchall() == [("changed",)]
        cursor.execute("DROP TABLE core_append_only_probe")
