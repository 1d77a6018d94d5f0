"""Dates and times typed into a form or a query string: one parser for every page and report filter.

``dt.date.fromisoformat`` takes ``0001-01-01`` and ``9999-12-31``, and the report code built on it then
adds a day or a period to them and overflows (a 500). Civic records here start in the 20th century and
plans do not reach the 30th: anything outside ``FIRST``–``LAST`` is refused with the field named.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput

FIRST = dt.date(1900, 1, 1)
LAST = dt.date(2999, 12, 31)
FIRST_YEAR, LAST_YEAR = FIRST.year, LAST.year


def in_calendar(day: dt.date) -> bool:
    """Whether ``day`` lies within ``FIRST``–``LAST`` (pages, API schemas and Open311 share the bound)."""
    return FIRST <= day <= LAST


def valid_day(value: Any, *, field: str, label: str) -> dt.date:
    """``value`` if it is a date (not a datetime) within the calendar the app accepts, else ``InvalidInput``
    naming ``field`` ("请填写有效的<label>"): for services given dates already parsed by a schema or a form."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime) or not in_calendar(value):
        raise InvalidInput(_("请填写有效的%(label)s") % {"label": label}, field=field)
    return value


def aware(moment: dt.datetime) -> dt.datetime:
    """``moment`` with a zone: one given without an offset is the server's local time (Asia/Shanghai)."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_day(raw: Any, field: str) -> dt.date | None:
    """``YYYY-MM-DD`` (or a date already) → a date within ``FIRST``–``LAST``; blank → ``None``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        day = raw
    else:
        text = str(raw).strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(_("日期“%(raw)s”无效,请用 YYYY-MM-DD") % {"raw": text[:20]}, field=field) from None
    if not in_calendar(day):
        raise InvalidInput(
            _("日期应在 %(first)s 到 %(last)s 之间") % {"first": FIRST.isoformat(), "last": LAST.isoformat()},
            field=field,
        )
    return day


def require_day(raw: Any, field: str) -> dt.date:
    """``parse_day`` for a date that must be given."""
    day = parse_day(raw, field)
    if day is None:
        raise InvalidInput(_("请填写日期(YYYY-MM-DD)"), field=field)
    return day


def parse_moment(raw: Any, field: str) -> dt.datetime | None:
    """``YYYY-MM-DD[ T]HH:MM[:SS]`` (a browser's ``datetime-local``) → an aware time; blank → ``None``.

    A time without a zone is the server's local time. The day must lie within ``FIRST``–``LAST``: year 1
    at UTC+8 is before year 1 in UTC, and the database's conversion of it overflowed (a 500).
    """
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("时间“%(raw)s”无效,请用 YYYY-MM-DD HH:MM") % {"raw": text[:25]}, field=field) from None
    parse_day(moment.date(), field)
    return aware(moment)


def require_moment(raw: Any, field: str) -> dt.datetime:
    """``parse_moment`` for a time that must be given."""
    moment = parse_moment(raw, field)
    if moment is None:
        raise InvalidInput(_("请填写时间(YYYY-MM-DD HH:MM)"), field=field)
    return moment


def check_year(year: int, field: str = "year") -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            _("年份应在 %(first)d 到 %(last)d 之间") % {"first": FIRST_YEAR, "last": LAST_YEAR}, field=field
        )
    return year


def period_or_default(query: Any, default: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date, InvalidInput | None]:
    """The period a page was asked for (``from``, ``to``; each defaults to ``default``'s end), or the default with
    the error to show beside it: a page keeps working with a bad date and says what was wrong."""
    first, last = default
    try:
        since = parse_day(query.get("from"), "from") or first
        until = parse_day(query.get("to"), "to") or last
        if since > until:
            raise InvalidInput(_("开始日期不能晚于结束日期"), field="from")
    except InvalidInput as exc:
        return first, last, exc
    return since, until, None


def day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in Beijing time covering the days ``since`` to ``until``, both included."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end
