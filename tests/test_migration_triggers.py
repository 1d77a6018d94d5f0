"""Every database trigger the migrations create is still there once all migrations have run.

SQLite cannot add a NOT NULL column or change one in place, so Django rebuilds the table (create, copy, drop,
rename) — and the drop takes the table's triggers with it, silently: the append-only guards on audit events,
request events, points and fund entries, and the request list cache's version and generation triggers. A
migration that changes a table with triggers must add its column with ``ALTER TABLE … ADD COLUMN`` (tickets
0012) or create the triggers again. This test reads the trigger names out of each migration's ``SQLITE_UP`` /
``PG_UP`` — or, for a migration without them (``append_only(...)``), out of the SQL its ``vendor_sql`` operations
keep — (creations, minus the ones a later migration drops) and looks for them in the test database."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from tests.support import migration_modules

pytestmark = pytest.mark.django_db

CREATE = re.compile(r"CREATE TRIGGER (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
DROP = re.compile(r"DROP TRIGGER (?:IF EXISTS )?(\w+)", re.IGNORECASE)


def statements(value: object) -> str:
    return value if isinstance(value, str) else " ; ".join(value) if isinstance(value, list) else ""


def operations_up_sql(module: object, vendor: str) -> str:
    """The up SQL of a migration's ``vendor_sql`` / ``append_only`` operations for ``vendor``."""
    operations = list(getattr(getattr(module, "Migration", None), "operations", []))
    operations += [inner for op in operations for inner in getattr(op, "database_operations", [])]
    return " ; ".join(statements(op.sql[vendor][0]) for op in operations if vendor in getattr(op, "sql", {}))


def expected_triggers(attribute: str) -> set[str]:
    expected: set[str] = set()
    for module in migration_modules():
        if hasattr(module, attribute):
            sql = statements(getattr(module, attribute))
        else:
            sql = operations_up_sql(module, "sqlite" if attribute == "SQLITE_UP" else "postgresql")
        expected -= set(DROP.findall(sql))
        expected |= set(CREATE.findall(sql))
    return expected


def present_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def test_every_trigger_the_migrations_create_survives_the_later_migrations():
    attribute = "SQLITE_UP" if connection.vendor == "sqlite" else "PG_UP"
    expected = expected_triggers(attribute)
    assert len(expected) >= 10, expected  # the append-only guards and the list cache's triggers at least
    missing = expected - present_triggers()
    assert not missing, f"triggers lost (a later migration rebuilt their table?): {sorted(missing)}"
