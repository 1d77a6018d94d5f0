"""Bulk loading of model rows: ``COPY … FROM STDIN`` on PostgreSQL, ``bulk_create`` elsewhere.

Rows are dicts of attribute names (``place_id``, not ``place``); a missing attribute takes the
field's default. Primary keys are given by the caller (allocated with ``next_ids``), so related
rows can point at each other without reading anything back; ``fix_sequence`` moves the
PostgreSQL sequence past them afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.db.models import Max
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone


def next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.default is not NOT_PROVIDED:
            out[f.attname] = f.default() if callable(f.default) else f.default
        elif f.null:
            out[f.attname] = None
        else:
            out[f.attname] = ""
    return out


def _copy_value(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    return value


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], *, batch: int = 5000) -> int:
    """Insert every row; returns how many. One COPY per call on PostgreSQL."""
    fields = list(model._meta.concrete_fields)
    defaults = _defaults(model)
    count = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    values = {**defaults, **row}
                    copy.write_row([_copy_value(f, values[f.attname]) for f in fields])
                    count += 1
        return count
    return _bulk_create(model, (model(**{**defaults, **row}) for row in rows), batch)


def _bulk_create(model: type[models.Model], instances: Iterable[models.Model], batch: int) -> int:
    """``bulk_create`` in batches of ``batch`` (the databases without COPY); returns how many."""
    count = 0
    chunk: list[models.Model] = []
    for instance in instances:
        chunk.append(instance)
        if len(chunk) >= batch:
            model._default_manager.bulk_create(chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        model._default_manager.bulk_create(chunk)
        count += len(chunk)
    return count


def fix_sequence(model: type[models.Model]) -> None:
    """After explicit ids: let the next ordinary insert take max(id) + 1 (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    pk = model._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            # names come from model metadata, never from input
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({pk}) FROM {table}), 1))",  # noqa: S608
            [table, pk],
        )


def insert_tuples(
    model: type[models.Model], columns: list[str], rows: Iterable[tuple[Any, ...]], *, batch: int = 5000
) -> int:
    """Like ``insert_rows`` for millions of narrow rows: each row a tuple of ``columns`` (attribute names), every
    other column its field's default (computed once, not merged into a dict per row). One COPY on PostgreSQL,
    ``bulk_create`` in batches elsewhere. Returns how many rows."""
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in by_name]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {unknown}")
    defaults = _defaults(model)
    now = timezone.now()
    for f in _stamped(model):
        defaults[f.attname] = now  # what a save would have stamped
    pk = model._meta.pk
    # The primary key, when not given, is the database's to assign (its sequence), as for a save.
    rest = [f for f in model._meta.concrete_fields if f.attname not in columns and f is not pk]
    fixed = tuple(_copy_value(f, defaults[f.attname]) for f in rest)
    count = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        names = [by_name[c].column for c in columns] + [f.column for f in rest]
        cols = ", ".join(connection.ops.quote_name(n) for n in names)
        json_at = [i for i, c in enumerate(columns) if isinstance(by_name[c], models.JSONField)]
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    if json_at:
                        row = tuple(
                            _copy_value(by_name[columns[i]], v) if i in json_at else v for i, v in enumerate(row)
                        )
                    copy.write_row(row + fixed)
                    count += 1
        return count
    constant = {f.attname: defaults[f.attname] for f in rest}
    with _times_as_given(model):
        return _bulk_create(model, (model(**constant, **dict(zip(columns, row, strict=True))) for row in rows), batch)


def _stamped(model: type[models.Model]) -> list[Any]:
    """The fields a save stamps with the present (``auto_now`` / ``auto_now_add``)."""
    return [
        f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


@contextmanager
def _times_as_given(model: type[models.Model]) -> Iterator[None]:
    """``bulk_create`` stamps ``auto_now``/``auto_now_add`` fields with the present; rows of past years carry
    their own times (as ``COPY`` writes them), so the stamping is off while they are inserted."""
    stamped = _stamped(model)
    saved = [(f.auto_now, f.auto_now_add) for f in stamped]
    for f in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (now, add) in zip(stamped, saved, strict=True):
            f.auto_now, f.auto_now_add = now, add
