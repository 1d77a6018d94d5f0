"""Which days are rest days, from the official calendar (``linli.workdays``): never "Saturday and Sunday".

A statutory holiday on a weekday is a rest day; a make-up workday (调休上班) on a Saturday is not. A year the
calendar has not published is weekends-only, as ``workdays.services.is_working_day`` says. Names (春节, 国庆节 …)
come from the calendar's rows, or from the ``chinese-calendar`` package for a year the database does not hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from linli.workdays.models import CalendarDay, CalendarYear, DayKind
from linli.workdays.package import package_days, package_year_set
from linli.workdays.services import is_working_day

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    rest: bool
    name: str  # the holiday's name on a statutory rest day (春节, 劳动节 …); else ""

    @property
    def holiday(self) -> bool:
        """A statutory holiday (named), not an ordinary weekend."""
        return self.rest and bool(self.name)

    @property
    def makeup_workday(self) -> bool:
        """调休上班: a weekend day that works."""
        return not self.rest and self.day.weekday() >= 5


def is_rest_day(day: dt.date) -> bool:
    return not is_working_day(day)


def span(since: dt.date, until: dt.date) -> list[dt.date]:
    days: list[dt.date] = []
    day = since
    while day <= until:
        days.append(day)
        day += ONE_DAY
    return days


def rest_days(since: dt.date, until: dt.date) -> list[dt.date]:
    return [d for d in span(since, until) if is_rest_day(d)]


def _names(since: dt.date, until: dt.date) -> dict[dt.date, tuple[str, str]]:
    """day → (kind, name) of the calendar's overrides in the span (one query, plus one for the years)."""
    years = set(range(since.year, until.year + 1))
    stored = set(CalendarYear.objects.filter(year__in=sorted(years)).values_list("year", flat=True))
    found = {row.date: (row.kind, row.name) for row in CalendarDay.objects.filter(date__gte=since, date__lte=until)}
    for year in sorted(years - stored):
        if year in package_year_set():
            found.update({d: (kind, name) for d, kind, name in package_days(year) if since <= d <= until})
    return found


def day_infos(since: dt.date, until: dt.date) -> list[DayInfo]:
    """Each day of the span: rest or work (as deadlines count it) and its holiday name."""
    names = _names(since, until)
    out: list[DayInfo] = []
    for day in span(since, until):
        rest = is_rest_day(day)
        kind, name = names.get(day, ("", ""))
        out.append(DayInfo(day=day, rest=rest, name=name if rest and kind == DayKind.HOLIDAY else ""))
    return out
