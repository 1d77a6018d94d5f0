"""The holiday calendar over the API: read-only, for clients that show due dates."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from linli.core.schemas import ErrorOut
from linli.workdays.selectors import calendar_for_year
from linli.workdays.services import MAX_YEAR, MIN_YEAR

router = Router(tags=["workdays"])


class CalendarDayOut(Schema):
    date: dt.date
    kind: str = Field(description="holiday (法定节假日) or workday (调休上班)")
    name: str


class CalendarYearOut(Schema):
    year: int
    published: bool = Field(description="false: deadlines in this year are computed weekends-only")
    source: str = Field(description="package, manual, or empty when nothing has been entered")
    warning: str | None
    days: list[CalendarDayOut]


class YearPath(Schema):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)


@router.get(
    "/calendar/{year}",
    response={200: CalendarYearOut, 401: ErrorOut, 422: ErrorOut},
    operation_id="calendar_year_read",
    summary="One year's statutory holidays and make-up workdays",
)
def calendar_year_read(request: HttpRequest, path: Path[YearPath]) -> CalendarYearOut:
    cal = calendar_for_year(path.year)
    return CalendarYearOut(
        year=cal.year,
        published=cal.published,
        source=cal.source,
        warning=None if cal.published else _("%(years)s年节假日安排尚未公布,按周末计算") % {"years": cal.year},
        days=[CalendarDayOut(date=d.date, kind=d.kind, name=d.name) for d in cal.days],
    )
