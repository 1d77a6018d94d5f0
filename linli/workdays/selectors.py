"""Reads of the holiday calendar (public information: any signed-in user may see it)."""

from __future__ import annotations

from dataclasses import dataclass

from linli.workdays.models import CalendarDay, CalendarYear, DayKind, YearSource
from linli.workdays.package import package_days, package_year_set


@dataclass(frozen=True)
class YearCalendar:
    year: int
    published: bool
    source: str
    source_label: str
    days: list[CalendarDay]

    @property
    def holidays(self) -> list[CalendarDay]:
        return [d for d in self.days if d.kind == DayKind.HOLIDAY]

    @property
    def workdays(self) -> list[CalendarDay]:
        return [d for d in self.days if d.kind == DayKind.WORKDAY]


def calendar_for_year(year: int) -> YearCalendar:
    """The year's overrides as stored (drafts included), and whether the year is published."""
    row = CalendarYear.objects.filter(year=year).first()
    if row is None and year in package_year_set():
        # Not stored (flushed or restored database): show what deadlines use, the package's version.
        return YearCalendar(
            year=year,
            published=True,
            source=YearSource.PACKAGE,
            source_label=str(YearSource.PACKAGE.label),
            days=[CalendarDay(date=day, kind=kind, name=name) for day, kind, name in package_days(year)],
        )
    source = row.source if row else ""
    return YearCalendar(
        year=year,
        published=bool(row and row.published),
        source=source,
        source_label=str(YearSource(source).label) if source else "",
        days=list(CalendarDay.objects.filter(date__year=year).order_by("date")),
    )


def calendar_years() -> list[CalendarYear]:
    return list(CalendarYear.objects.order_by("year"))
