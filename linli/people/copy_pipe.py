"""Bulk inserts for the importer; on PostgreSQL, COPY on a worker thread while the next chunk is built.

The commit alternates Python work (decrypting a staged chunk, encrypting identifiers, building
rows) with PostgreSQL work (COPY into indexed tables, foreign-key checks). One after the other,
each waited for the other: the 100k import's commit spent more time waiting for PostgreSQL than
running Python. Here a chunk's COPY statements are queued (``add``) and sent by ``start`` on one
worker thread, over the same connection and so inside the same transaction, while the main
thread builds the next chunk; psycopg releases the GIL while it waits for the server.

One rule makes this safe: nothing else may use the connection while a COPY is in flight.
``settle()`` waits for it (re-raising its error in the caller's thread) and must come before any
other statement; ``start()`` settles first. (Should a statement come early anyway, psycopg holds
the connection's lock for the whole COPY, so it would wait rather than interleave.) A failed COPY
aborts the transaction, so the caller's ``atomic`` block rolls back everything, as with a
synchronous insert.

Other engines insert at once with ``executemany`` (SQLite writes in-process: nothing to overlap).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from typing import Any

import psycopg
from django.db import connection, models
from django.db.transaction import TransactionManagementError
from psycopg.copy import FileWriter

Rows = Sequence[Sequence[Any]]
SPARE_FORMATTERS = 3  # one per table a chunk writes: people, residence rows, tags


class Columns:
    """A model's columns for bulk inserts: the ``given`` attnames first, in that order, then every
    other column with its field default (timestamps get ``now``). Rows are tuples in that order:
    ``given`` values followed by ``tail``."""

    def __init__(self, model: type[models.Model], given: Sequence[str], *, now: Any) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.names = ", ".join(quote(fields[name].column) for name in given) + "".join(
            f", {quote(f.column)}" for f in rest
        )
        self.width = len(given) + len(rest)
        self.tail = tuple(_default(f, now) for f in rest)


def _default(field: models.Field[Any, Any], now: Any) -> Any:
    stamped = getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)
    return now if stamped else field.get_db_prep_save(field.get_default(), connection)


class CopyPipe:
    def __init__(self) -> None:
        self.background = connection.vendor == "postgresql"
        if self.background and not connection.in_atomic_block:
            # Each COPY would commit on its own: a failure half-way would leave earlier chunks written.
            raise TransactionManagementError("CopyPipe writes inside transaction.atomic only")
        self._queued: list[tuple[Columns, bytes]] = []
        self._running: Future[None] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._spare: list[tuple[psycopg.Copy, io.BytesIO]] = []
        if self.background:
            connection.ensure_connection()
            self._cursor = connection.connection.cursor()  # formats only, never sends

    def add(self, columns: Columns, rows: Rows) -> None:
        """Queue rows for ``start`` (PostgreSQL, formatted for COPY here, so the worker thread only
        sends bytes and seldom needs the GIL); other engines insert them now."""
        if not rows:
            return
        if self.background:
            self._queued.append((columns, self._format(rows)))
            return
        placeholders = ", ".join(["%s"] * columns.width)
        sql = f"INSERT INTO {columns.table} ({columns.names}) VALUES ({placeholders})"  # noqa: S608 - names from model metadata, values bound
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def _format(self, rows: Rows) -> bytes:
        """COPY text of ``rows``, by psycopg's own formatter writing to memory. Making a formatter
        uses the connection (it reads the client encoding), so one is only made while no COPY is
        in flight. (Binary COPY was tried: a sixth of the Python time, but more PostgreSQL time,
        which is what the commit waits for.)"""
        if self._running is not None and not self._spare:
            self.settle()
        copy, buffer = self._spare.pop() if self._spare else self._formatter()
        with copy:
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def _formatter(self) -> tuple[psycopg.Copy, io.BytesIO]:
        buffer = io.BytesIO()
        return psycopg.Copy(self._cursor, writer=FileWriter(buffer)), buffer

    def start(self) -> None:
        """Send what is queued, in the background; the connection is busy until ``settle``."""
        self.settle()
        if not self._queued:
            return
        queued, self._queued = self._queued, []
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linli-copy")
        # Formatters for the next chunk's tables, made now that the connection is idle.
        self._spare = [self._formatter() for _ in range(SPARE_FORMATTERS)]
        self._running = self._pool.submit(_copy, connection.connection, queued)

    def settle(self) -> None:
        """Wait until the connection is free again; a failed COPY raises here."""
        running, self._running = self._running, None
        if running is not None:
            running.result()

    def close(self) -> None:
        """Send what is still queued and wait for it."""
        try:
            self.start()
            self.settle()
        finally:
            self._shutdown()

    def abandon(self) -> None:
        """After an error elsewhere: wait for a COPY in flight (its own error no longer matters; the
        transaction rolls back) so the rollback finds the connection free, and drop the queue."""
        self._queued = []
        with suppress(Exception):  # the error being handled is the one to report
            self.settle()
        self._shutdown()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _copy(conn: Any, queued: list[tuple[Columns, bytes]]) -> None:
    with conn.cursor() as cursor:
        for columns, data in queued:
            with cursor.copy(f"COPY {columns.table} ({columns.names}) FROM STDIN") as copy:
                copy.write(data)
