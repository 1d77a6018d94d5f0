"""The holiday calendar over the API: read by clients that show due dates, edited by administrators
(the same services as the /calendar/ pages)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.schemas import Day, ErrorOut
from linli.workdays.selectors import calendar_for_year
from linli.workdays.services import (
    MAX_YEAR,
    MIN_YEAR,
    calendar_day_clear,
    calendar_day_set,
    calendar_year_publish,
    calendar_year_unpublish,
)

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


# ---------------------------------------------------------------- edits (administrators), as on /calendar/


class CalendarDayIn(Schema):
    kind: Literal["holiday", "workday"] = Field(description="holiday (法定节假日) or workday (调休上班)")
    name: str = Field("", max_length=40, description="e.g. 春节")


class CalendarYearStateOut(Schema):
    year: int
    published: bool


@router.put(
    "/calendar/days/{day}",
    response={200: CalendarDayOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="calendar_day_set",
    summary="Mark one day a statutory holiday or a make-up workday (administrators; audited)",
)
def calendar_day_set_api(request: HttpRequest, day: Day, body: CalendarDayIn) -> CalendarDayOut:
    row = calendar_day_set(actor=request.user, day=day, kind=body.kind, name=body.name)
    return CalendarDayOut(date=row.date, kind=row.kind, name=row.name)


@router.delete(
    "/calendar/days/{day}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="calendar_day_clear",
    summary="Return one day to the ordinary weekday/weekend rule",
)
def calendar_day_clear_api(request: HttpRequest, day: Day) -> Status[None]:
    calendar_day_clear(actor=request.user, day=day)
    return Status(204, None)


@router.post(
    "/calendar/{year}/publish",
    response={200: CalendarYearStateOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="calendar_year_publish",
    summary="Publish a year's arrangement: deadlines in it use it instead of weekends only",
)
def calendar_year_publish_api(request: HttpRequest, path: Path[YearPath]) -> CalendarYearStateOut:
    y = calendar_year_publish(actor=request.user, year=path.year)
    return CalendarYearStateOut(year=y.year, published=y.published)


@router.post(
    "/calendar/{year}/unpublish",
    response={200: CalendarYearStateOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="calendar_year_unpublish",
)
def calendar_year_unpublish_api(request: HttpRequest, path: Path[YearPath]) -> CalendarYearStateOut:
    y = calendar_year_unpublish(actor=request.user, year=path.year)
    return CalendarYearStateOut(year=y.year, published=y.published)
