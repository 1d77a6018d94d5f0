"""Statements PostgreSQL plans once per connection instead of on every execution.

Django binds parameters on the client (psycopg's ``ClientCursor``), so PostgreSQL parses and plans every
statement it is sent. For the two statements a reload of the request list consists of — the token sign-in
and the list generations — planning was ~80% of their database time (0.24–0.32 ms planned against
0.05 ms executed for the sign-in; docs/scaling.md, session 11). ``prepared_cursor`` gives a Django cursor
(logged, counted by ``CaptureQueriesContext``, wrapped like any other) over a psycopg cursor with
server-side binding that prepares what it executes: the first execution on a connection prepares, later
ones run the prepared statement, and PostgreSQL switches to a generic plan once it is no dearer than the
custom ones. Only for statements whose text does not vary and whose plan does not depend on the values
(equality on keys); a ``LIKE`` on a parameter would keep being planned (custom plans) and gain nothing.

Needs a direct connection or a pooler that keeps prepared statements per client (PgBouncer ≥ 1.21 with
``max_prepared_statements``); on other databases it is the ordinary cursor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]
# One model's part of a row: the model, its columns' attribute names, and per column (expression, converters).
Part = tuple[type[Model], list[str], list[tuple[Any, list[Converter]]]]


class _PreparingCursor(psycopg.Cursor[Any]):
    """Server-side binding, and every statement prepared (psycopg keeps them per connection, by text)."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True, **kwargs)


class _DebugWrapper(CursorDebugWrapper):
    """Logs the statement as written, with its parameters beside it: psycopg keeps no interpolated
    text of a statement bound on the server, which Django's wrapper would log."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor(alias: str) -> Any:
    """A cursor on database ``alias`` whose statements are prepared on PostgreSQL (use as a context manager)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    if connection.connection.prepare_threshold is None:
        # Django turns psycopg's preparing off on each new connection (for poolers); a statement executed
        # with prepare=True is then not prepared either. Django's own cursors bind on the client and
        # never prepare, whatever the threshold: only the statements sent through here are.
        connection.connection.prepare_threshold = 0
    raw = _PreparingCursor(connection.connection)
    return _DebugWrapper(raw, connection) if connection.queries_logged else CursorWrapper(raw, connection)


def text_in(column: str, vendor: str) -> str:
    """SQL for ``column`` equal to one of the texts passed as one parameter (``texts_parameter``): one statement
    text whatever their number, so it is prepared once."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s::text[])"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a column name from the caller; SQLite JSON1


def texts_parameter(texts: list[str], vendor: str) -> Any:
    """The parameter ``text_in`` takes: a text array on PostgreSQL, a JSON array on SQLite."""
    return texts if vendor == "postgresql" else json.dumps(texts)


def model_columns(model: type[Model], table_alias: str, alias: str) -> tuple[list[str], Part]:
    """The select list of every concrete column of ``model`` read through ``table_alias`` (primary key
    first), and how to make an instance of them (``instances``): for statements written as SQL so they
    can be prepared, whose rows still become model instances as a queryset's would."""
    connection = connections[alias]
    q = connection.ops.quote_name
    fields: list[Field[Any, Any]] = list(model._meta.concrete_fields)
    assert fields[0].primary_key
    select, columns = [], []
    for field in fields:
        select.append(f"{table_alias}.{q(field.column)}")
        expression = field.get_col(table_alias)
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        columns.append((expression, converters))
    return select, (model, [f.attname for f in fields], columns)


def instances(alias: str, parts: Sequence[Part], row: Sequence[Any]) -> list[Model | None]:
    """One instance per part from a row laid out as ``model_columns`` gave; ``None`` for a part whose
    primary key is NULL (a LEFT JOIN that found nothing)."""
    connection = connections[alias]
    made: list[Model | None] = []
    start = 0
    for model, attnames, columns in parts:
        values = list(row[start : start + len(columns)])
        start += len(columns)
        if values[0] is None:
            made.append(None)
            continue
        for i, (expression, converters) in enumerate(columns):
            for convert in converters:
                values[i] = convert(values[i], expression, connection)
        made.append(model.from_db(alias, attnames, values))
    return made
