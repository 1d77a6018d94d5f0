"""``core.prepared.prepared_cursor``: on PostgreSQL the statement is prepared on the connection and run
from there; everywhere it is an ordinary Django cursor (logged and counted like any other)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.prepared import prepared_cursor

pytestmark = pytest.mark.django_db

SQL = "SELECT username FROM accounts_user WHERE username = %s"


def test_a_prepared_statement_answers_as_the_ordinary_cursor_and_is_counted(users):
    with connection.cursor() as cursor:
        cursor.execute(SQL, ["street"])
        expected = cursor.fetchall()
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            with prepared_cursor("default") as cursor:
                cursor.execute(SQL, ["street"])
                assert cursor.fetchall() == expected == [("street",)]
    assert len(ctx.captured_queries) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite has no prepared statements")
def test_postgresql_keeps_the_statement_prepared_on_the_connection(users):
    with prepared_cursor("default") as cursor:
        cursor.execute(SQL, ["grid"])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%FROM accounts_user%"])
        assert cursor.fetchone()[0] == 1
