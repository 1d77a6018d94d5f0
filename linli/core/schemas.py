from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, BaseModel, Field

from linli.core.dates import FIRST, LAST, aware, in_calendar


def _bounded_day(value: dt.date) -> dt.date:
    if not in_calendar(value):
        raise ValueError(f"date must lie within {FIRST.isoformat()} … {LAST.isoformat()}")
    return value


def _bounded_moment(value: dt.datetime) -> dt.datetime:
    """Bounded like a day; a time without an offset is the server's local time (Asia/Shanghai), so that
    one sent with an offset and one without compare (a TypeError, a 500, when they were mixed)."""
    _bounded_day(value.date())
    return aware(value)


# Every date and time an API input takes: pydantic accepts 0001-01-01 and 9999-12-31, and a record
# dated in year 1 is nonsense (and at UTC+8 overflows the database's conversion to UTC: a 500).
# The same bounds as ``core.dates`` for pages.
Day = Annotated[dt.date, AfterValidator(_bounded_day)]
Moment = Annotated[dt.datetime, AfterValidator(_bounded_moment)]


class OutSchema(BaseModel):
    """Base of response shapes the code builds itself (dicts and instances of these classes).

    ninja's ``Schema`` wraps every object it validates in a ``DjangoGetter`` so that it can read ORM
    objects' attributes; a response built as plain dicts pays that wrapper on every field of every
    nested object — a sixth of a 50-row request page's CPU (docs/scaling.md). These shapes take dicts
    and their own instances only, and pydantic validates them directly. The OpenAPI schema is the same.
    """


class ErrorOut(Schema):
    error: str
    detail: str
    field: str | None = None


class PageQuery(Schema):
    """Keyset page parameters shared by every list endpoint."""

    cursor: str | None = Field(None, description="opaque; pass back the previous page's `next`")
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")
