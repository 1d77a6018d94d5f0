"""Reporting periods: a closed range of local days, the named ones a leader asks for (a month, a quarter, a year,
last month), and the half-open datetime bounds the module figures filter on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from linli.core.errors import InvalidInput


@dataclass(frozen=True)
class Period:
    since: dt.date
    until: dt.date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise InvalidInput(gettext("开始日期不能晚于结束日期"), field="since")
        if (self.until - self.since).days > 3 * 366:
            raise InvalidInput(gettext("统计区间不能超过三年"), field="until")

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def label(self) -> str:
        dates = {"since": f"{self.since:%Y-%m-%d}", "until": f"{self.until:%Y-%m-%d}"}
        return gettext("%(since)s 至 %(until)s") % dates


def default_period() -> Period:
    today = timezone.localdate()
    return Period(today - dt.timedelta(days=29), today)


def first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    return Period(start, first_of_next_month(start) - dt.timedelta(days=1))


def quarter_period(year: int, quarter: int) -> Period:
    first = month_period(year, 3 * quarter - 2)
    last = month_period(year, 3 * quarter)
    return Period(first.since, last.until)


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def last_month(today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return month_period(first.year, first.month)


def period_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(period.since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end
