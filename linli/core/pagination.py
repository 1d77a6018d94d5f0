"""Keyset pagination: ``WHERE key > last ORDER BY key LIMIT n`` — constant cost at any depth.

The cursor is an opaque base64 of the last row's key; clients pass back ``next`` unchanged.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet
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
    _check_limit(limit)
    ordered = _after_cursor(qs, key=key, cursor=cursor, descending=descending).order_by(
        f"-{key}" if descending else key
    )
    return _page(list(ordered[: limit + 1]), key=key, limit=limit)


def _check_limit(limit: int) -> None:
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(_("每页条数应在 1 到 %(max)d 之间") % {"max": MAX_LIMIT}, field="limit")


def _after_cursor(qs: QuerySet[Any], *, key: str, cursor: str | None, descending: bool) -> QuerySet[Any]:
    if not cursor:
        return qs
    return qs.filter(**{f"{key}__{'lt' if descending else 'gt'}": cursor_key(qs, key=key, cursor=cursor)})


def cursor_key(qs: QuerySet[Any], *, key: str, cursor: str) -> Any:
    """The key a cursor holds, as the key column's type: a cursor that decodes to anything else (text
    for an id, a list, ``null``, an integer beyond 64 bits) is 422 on ``cursor``, never a 500."""
    value = decode_cursor(cursor)
    field = qs.model._meta.pk if key in ("pk", qs.model._meta.pk.name) else qs.model._meta.get_field(key)
    invalid = InvalidInput(_("分页游标无效"), field="cursor")
    if value is None or isinstance(value, bool | list | dict | float):
        raise invalid
    try:
        value = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        raise invalid from None
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise invalid
    return value


def _page(rows: list[Any], *, key: str, limit: int) -> Page[Any]:
    """The first ``limit`` of up to ``limit + 1`` rows read, and the cursor after them if there are more."""
    items = rows[:limit]
    more = len(rows) > limit and items
    return Page(items=items, next=encode_cursor(getattr(items[-1], key)) if more else None)


def keyset_keys(
    qs: QuerySet[Any],
    parts: list[Q] | None,
    *,
    key: str,
    cursor: str | None,
    limit: int,
    descending: bool = False,
    columns: tuple[Any, ...] = (),
) -> Page[Any]:
    """The keys of the page ``keyset_page(qs, …)`` would return, and its cursor, without reading
    the rows: a narrow query an index can often answer alone.

    With ``parts`` (``qs`` is covered by ``qs.filter(part)`` for the parts together; a row may be in
    several), each part's next ``limit + 1`` keys are read on their own and the page is the first
    ``limit + 1`` of their union — worth it when one query with the parts OR-ed together would walk
    past many rows that belong to none of them (``tickets.selectors.ticket_page_keys``). Where the
    database can order and limit each member of a ``UNION`` (PostgreSQL), that is one statement;
    elsewhere one per part.

    With ``columns`` (field names or expressions), each item is a tuple ``(key, *columns)``, read by
    key around the key query (PostgreSQL: in the same statement): asking the key query itself for
    columns its index does not carry made PostgreSQL read and sort all of a street's open requests
    instead of walking 51 index entries (6.4 ms against 0.1; docs/scaling.md, session 10)."""
    _check_limit(limit)
    order = f"-{key}" if descending else key
    bounded = _after_cursor(qs, key=key, cursor=cursor, descending=descending)
    keys: QuerySet[Any] | list[Any]
    if parts is None:
        keys = bounded.order_by(order).values_list(key, flat=True)[: limit + 1]
    elif len(parts) > 1 and connections[qs.db].features.supports_slicing_ordering_in_compound:
        members = [bounded.filter(part).order_by(order).values_list(key, flat=True)[: limit + 1] for part in parts]
        keys = members[0].union(*members[1:]).order_by(order)[: limit + 1]  # UNION: a row in several parts once
    else:
        found: set[Any] = set()
        for part in parts:
            found.update(bounded.filter(part).order_by(order).values_list(key, flat=True)[: limit + 1])
        keys = sorted(found, reverse=descending)[: limit + 1]
    if isinstance(keys, list):  # read already, one statement per part: the page and its cursor are known
        more, keys = len(keys) > limit, keys[:limit]
    rows = list(_with_columns(qs, keys, key=key, order=order, columns=columns) if columns else keys)
    if not isinstance(keys, list):  # one statement: what it read decides whether there is more
        more = len(rows) > limit
    items = rows[:limit]
    last = (items[-1][0] if columns else items[-1]) if more else None
    return Page(items=items, next=encode_cursor(last) if more else None)


def _with_columns(qs: QuerySet[Any], keys: Any, *, key: str, order: str, columns: tuple[Any, ...]) -> QuerySet[Any]:
    """``(key, *columns)`` of the rows with these keys (a list, or a query: then a subquery), in order."""
    model: Any = qs.model
    return model._base_manager.using(qs.db).filter(**{f"{key}__in": keys}).order_by(order).values_list(key, *columns)
