"""Quarters: the unit a 公示 covers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, after - dt.timedelta(days=1)


def current_quarter(today: dt.date | None = None) -> tuple[int, int]:
    return quarter_of(today or timezone.localdate())


def previous_quarter(today: dt.date | None = None) -> tuple[int, int]:
    year, quarter = current_quarter(today)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def months_of(year: int, quarter: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(3 * (quarter - 1) + 1, 3 * quarter + 1)]
