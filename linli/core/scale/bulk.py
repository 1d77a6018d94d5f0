"""Bulk loading of model rows: ``COPY … FROM STDIN`` on PostgreSQL, ``bulk_create`` elsewhere.

Rows are dicts of attribute names (``place_id``, not ``place``); a missing attribute takes the
field's default. Primary keys are given by the caller (allocated with ``next_ids``), so related
rows can point at each other without reading anything back; ``fix_sequence`` moves the
PostgreSQL sequence past them afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.db.models import Max
from django.db.models.fields import NOT_PROVIDED


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
    chunk: list[models.Model] = []
    for row in rows:
        chunk.append(model(**{**defaults, **row}))
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
