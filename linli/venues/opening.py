"""When a venue is open, and which of its time is free: plain arithmetic on its weekly hours and the official calendar.

A venue has one window per weekday (or none: closed that weekday). The official calendar (``linli.workdays``)
decides the rest:

- a **statutory holiday** (法定节假日 — a weekday the calendar rests, or a weekend day inside a holiday such as the
  Saturday of 国庆节) closes the venue, unless it says it opens on holidays; then that weekday's window applies;
- a **make-up workday** (调休上班, a weekend day that works) opens with Monday's window, the ordinary working-day
  hours, since the community office and the partner unit work that day;
- any other day follows its weekday's window.

A year the calendar has not published is weekends-only, as ``workdays.services.is_working_day`` says. Every time
here is Beijing time and lies on a half hour (``models.SLOT_UNIT_MINUTES``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core.errors import InvalidInput
from linli.venues.models import SLOT_UNIT_MINUTES
from linli.workdays.models import CalendarDay, CalendarYear, DayKind
from linli.workdays.package import package_days, package_year_set
from linli.workdays.services import is_working_day

ONE_DAY = dt.timedelta(days=1)
HOLIDAY, MAKEUP, ORDINARY = "holiday", "makeup", ""
WEEKDAYS = [  # message ids: translated where shown
    gettext_noop("周一"),
    gettext_noop("周二"),
    gettext_noop("周三"),
    gettext_noop("周四"),
    gettext_noop("周五"),
    gettext_noop("周六"),
    gettext_noop("周日"),
]


def weekday_label(day: dt.date) -> str:
    return _(WEEKDAYS[day.weekday()])


# ----------------------------------------------------------------------------- times


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def from_minutes(m: int) -> dt.time:
    return dt.time(m // 60, m % 60) if m < 24 * 60 else dt.time(23, 59)


def hm(m: int) -> str:
    """Minutes since midnight as ``HH:MM`` (24:00 for the end of the day)."""
    return f"{m // 60:02d}:{m % 60:02d}"


def parse_hm(raw: Any, *, field: str, label: str, required: bool = True) -> int | None:
    """``HH:MM`` on a half hour → minutes since midnight (``24:00`` allowed as an end); blank → None."""
    text = str(raw or "").strip().replace(":", ":")
    if not text:
        if required:
            raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
        return None
    hours, sep, mins = text.partition(":")
    if not (sep and hours.isascii() and hours.isdigit() and mins.isascii() and mins.isdigit() and len(mins) == 2):
        raise InvalidInput(_("%(label)s应为“时:分”,如 09:30") % {"label": label}, field=field)
    value = int(hours) * 60 + int(mins)
    if int(mins) >= 60 or value > 24 * 60:
        raise InvalidInput(_("%(label)s应为“时:分”,如 09:30") % {"label": label}, field=field)
    if value % SLOT_UNIT_MINUTES:
        raise InvalidInput(_("%(label)s须为整点或半点,如 09:00、09:30") % {"label": label}, field=field)
    return value


def require_hm(raw: Any, *, field: str, label: str) -> int:
    value = parse_hm(raw, field=field, label=label)
    if value is None:  # parse_hm refuses a blank required time; this keeps the type checker sure of it
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
    return value


def half_hours(first: int = 6 * 60, last: int = 22 * 60) -> list[str]:
    return [hm(m) for m in range(first, last + 1, SLOT_UNIT_MINUTES)]


@dataclass(frozen=True)
class Window:
    opens: int  # minutes since midnight
    closes: int

    @property
    def label(self) -> str:
        return f"{hm(self.opens)}–{hm(self.closes)}"

    @property
    def length(self) -> int:
        return self.closes - self.opens


def weekly_windows(stored: Any) -> list[Window | None]:
    """The seven windows (Monday first) of ``Venue.weekly_hours``."""
    out: list[Window | None] = []
    rows = list(stored) if isinstance(stored, list | tuple) else []
    for n in range(7):
        row = rows[n] if n < len(rows) else None
        if not row:
            out.append(None)
            continue
        opens = parse_hm(row[0], field="hours", label="") or 0
        closes = parse_hm(row[1], field="hours", label="") or 0
        out.append(Window(opens, closes) if closes > opens else None)
    return out


def clean_hours(raw: Iterable[Any]) -> list[list[str] | None]:
    """Seven ``(opens, closes)`` pairs (blank both: closed that day) → what ``Venue.weekly_hours`` stores."""
    rows = list(raw)
    if len(rows) != 7:
        raise InvalidInput(_("请按周一到周日填写开放时间"), field="hours")
    out: list[list[str] | None] = []
    for n, row in enumerate(rows):
        pair = list(row) if isinstance(row, list | tuple) else []
        opens_raw, closes_raw = [*pair, "", ""][:2]
        day = _(WEEKDAYS[n])
        field = f"hours_{n}"
        opens = parse_hm(opens_raw, field=field, label=_("%(day)s开始时间") % {"day": day}, required=False)
        closes = parse_hm(closes_raw, field=field, label=_("%(day)s结束时间") % {"day": day}, required=False)
        if opens is None and closes is None:
            out.append(None)
            continue
        if opens is None or closes is None:
            raise InvalidInput(_("%(day)s请同时填写开始和结束时间,或都不填(不开放)") % {"day": day}, field=field)
        if closes <= opens:
            raise InvalidInput(_("%(day)s的结束时间须晚于开始时间") % {"day": day}, field=field)
        out.append([hm(opens), hm(closes)])
    if not any(out):
        raise InvalidInput(_("请至少填写一天的开放时间"), field="hours")
    return out


def hours_summary(stored: Any) -> list[tuple[str, str]]:
    """(周一, 08:30–17:30) … for display; consecutive days with the same window are one row (周一至周五)."""
    windows = weekly_windows(stored)
    rows: list[tuple[str, str]] = []
    n = 0
    while n < 7:
        m = n
        while m + 1 < 7 and windows[m + 1] == windows[n]:
            m += 1
        days = _(WEEKDAYS[n]) if m == n else _("%(a)s至%(b)s") % {"a": _(WEEKDAYS[n]), "b": _(WEEKDAYS[m])}
        window = windows[n]
        rows.append((days, window.label if window else _("不开放")))
        n = m + 1
    return rows


# ----------------------------------------------------------------------------- the calendar


def span(since: dt.date, until: dt.date) -> list[dt.date]:
    days, day = [], since
    while day <= until:
        days.append(day)
        day += ONE_DAY
    return days


def _override_names(since: dt.date, until: dt.date) -> dict[dt.date, tuple[str, str]]:
    """day → (holiday|workday, name) of the published calendar's overrides in the span (two queries at most)."""
    years = set(range(since.year, until.year + 1))
    stored = dict(CalendarYear.objects.filter(year__in=sorted(years)).values_list("year", "published"))
    found: dict[dt.date, tuple[str, str]] = {}
    published = sorted(y for y, p in stored.items() if p)
    if published:
        rows = CalendarDay.objects.filter(date__gte=since, date__lte=until, date__year__in=published)
        found.update({r.date: (r.kind, r.name) for r in rows})
    for year in sorted(years - set(stored)):
        if year in package_year_set():
            found.update({d: (kind, name) for d, kind, name in package_days(year) if since <= d <= until})
    return found


def day_kinds(since: dt.date, until: dt.date) -> dict[dt.date, tuple[str, str]]:
    """day → (HOLIDAY | MAKEUP | ORDINARY, the holiday's name) for each day of the span."""
    names = _override_names(since, until)
    out: dict[dt.date, tuple[str, str]] = {}
    for day in span(since, until):
        rest = not is_working_day(day)
        kind, name = names.get(day, ("", ""))
        if rest and (day.weekday() < 5 or kind == DayKind.HOLIDAY):
            out[day] = (HOLIDAY, name if kind == DayKind.HOLIDAY else "")
        elif not rest and day.weekday() >= 5:
            out[day] = (MAKEUP, name if kind == DayKind.WORKDAY else "")
        else:
            out[day] = (ORDINARY, "")
    return out


@dataclass(frozen=True)
class DayOpening:
    day: dt.date
    window: Window | None
    kind: str  # HOLIDAY, MAKEUP or ORDINARY
    holiday_name: str
    closed_reason: str  # empty when open

    @property
    def open(self) -> bool:
        return self.window is not None

    @property
    def weekday(self) -> str:
        return weekday_label(self.day)


def opening_on(
    day: dt.date, kinds: dict[dt.date, tuple[str, str]], windows: list[Window | None], open_on_holidays: bool
) -> DayOpening:
    kind, name = kinds.get(day, (ORDINARY, ""))
    if kind == HOLIDAY and not open_on_holidays:
        reason = _("法定节假日(%(name)s)不开放") % {"name": name} if name else _("法定节假日不开放")
        return DayOpening(day, None, kind, name, reason)
    window = windows[0] if kind == MAKEUP else windows[day.weekday()]
    if window is None:
        return DayOpening(day, None, kind, name, _("%(day)s不开放") % {"day": weekday_label(day)})
    return DayOpening(day, window, kind, name, "")


def openings(venue: Any, since: dt.date, until: dt.date, kinds: dict[dt.date, Any] | None = None) -> list[DayOpening]:
    kinds = kinds if kinds is not None else day_kinds(since, until)
    windows = weekly_windows(venue.weekly_hours)
    return [opening_on(day, kinds, windows, venue.open_on_holidays) for day in span(since, until)]


def open_minutes(venue: Any, since: dt.date, until: dt.date, kinds: dict[dt.date, Any]) -> int:
    """Minutes the venue is open in the span (as its hours are now), from the day it was set up."""
    first = max(since, timezone.localdate(venue.created_at)) if venue.created_at else since
    if first > until:
        return 0
    windows = weekly_windows(venue.weekly_hours)
    total = 0
    for day in span(first, until):
        window = opening_on(day, kinds, windows, venue.open_on_holidays).window
        total += window.length if window else 0
    return total


# ----------------------------------------------------------------------------- free and busy


@dataclass(frozen=True)
class Band:
    start: int
    end: int
    state: str  # free, busy, past
    title: str = ""  # an approved public booking's title; empty otherwise

    @property
    def label(self) -> str:
        return f"{hm(self.start)}–{hm(self.end)}"

    @property
    def start_hm(self) -> str:
        return hm(self.start)

    @property
    def end_hm(self) -> str:
        return hm(self.end)


def bands(window: Window, busy: list[tuple[int, int, str]], *, now: int | None = None, step: int = 30) -> list[Band]:
    """The window cut into free and busy bands. ``busy``: (start, end, title) in minutes, clipped to the window;
    ``now`` (today only): free time before it is past, up to the next bookable start on the ``step`` grid."""
    out: list[Band] = []
    cursor = window.opens
    for start, end, title in sorted(busy):
        start, end = max(start, window.opens), min(end, window.closes)
        if end <= start:
            continue
        if start > cursor:
            out.extend(_free(cursor, start, now, window.opens, step))
        out.append(Band(start, end, "busy", title))
        cursor = max(cursor, end)
    if cursor < window.closes:
        out.extend(_free(cursor, window.closes, now, window.opens, step))
    return out


def _free(start: int, end: int, now: int | None, opens: int, step: int) -> list[Band]:
    if now is None or now <= start:
        return [Band(start, end, "free")]
    cut = opens + -(-(now - opens) // step) * step  # the first bookable start at or after now
    if cut >= end:
        return [Band(start, end, "past")]
    return [Band(start, cut, "past"), Band(cut, end, "free")]
