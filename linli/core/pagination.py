"""Keyset pagination: ``WHERE key > last ORDER BY key LIMIT n`` — constant cost at any depth.

The cursor is an opaque base64 of the last row's key; clients pass back ``next`` unchanged.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 200


@dataclass
class Page(Generic[T]):
    items: list[T]
    next: str | None


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except Exception:
        raise InvalidInput(_("分页游标无效"), field="cursor") from None


def keyset_page(qs: QuerySet[Any], *, key: str, cursor: str | None, limit: int, descending: bool = False) -> Page[Any]:
    """One page ordered by a unique column ``key`` (``id``, ``path`` …)."""
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(_("每页条数应在 1 到 %(max)d 之间") % {"max": MAX_LIMIT}, field="limit")
    ordered = qs.order_by(f"-{key}" if descending else key)
    if cursor:
        last = decode_cursor(cursor)
        ordered = ordered.filter(**{f"{key}__{'lt' if descending else 'gt'}": last})
    rows = list(ordered[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], key)) if has_more and rows else None
    return Page(items=rows, next=next_cursor)
