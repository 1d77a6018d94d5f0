"""Working-day arithmetic on the official calendar, and the edits that keep the calendar current.

Deadlines in Linli are "N working days": the end (23:59:59, Beijing time) of the N-th working day
after the day a request arrived. A working day is Monday–Friday unless the published calendar
says otherwise (statutory holidays rest, make-up workdays 调休上班 work). A year nobody has
published yet is computed weekends-only and ``calendar_warning`` says so; nothing here raises
because a span reaches into such a year.

Per-year overrides are cached in process memory: computing 10,000 deadlines reads each year
once. Edits clear the cache at once (and again on commit); other processes (the Huey worker)
pick an edit up within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.scoping import scope_for
from linli.workdays.models import CalendarDay, CalendarYear, DayKind, YearSource
from linli.workdays.package import package_days, package_year_set, package_years

CHINA_TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)
ONE_DAY = dt.timedelta(days=1)
CACHE_SECONDS = 60.0
MIN_YEAR, MAX_YEAR = 1949, 2200


# --- the per-process cache -------------------------------------------------------------------


@dataclass(frozen=True)
class _Year:
    published: bool
    overrides: dict[dt.date, str] = field(default_factory=dict)


_cache: dict[int, tuple[float, _Year]] = {}
_cache_lock = threading.Lock()


def _year(year: int) -> _Year:
    now = time.monotonic()
    hit = _cache.get(year)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    state = CalendarYear.objects.filter(year=year).values_list("published", flat=True).first()
    overrides: dict[dt.date, str] = {}
    if state is None and year in package_year_set():
        # Nothing stored for a year the package knows (a flushed or hand-restored database):
        # the package is the official source, so use it rather than fall back to weekends.
        published, overrides = True, {day: kind for day, kind, _name in package_days(year)}
    else:
        published = bool(state)
        if published:  # drafts of an unpublished year do not move deadlines until they are published
            overrides = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    entry = _Year(published=published, overrides=overrides)
    with _cache_lock:
        _cache[year] = (now, entry)
    return entry


def calendar_cache_clear(year: int | None = None) -> None:
    """Forget cached overrides (one year, or all): the next lookup reads the database."""
    with _cache_lock:
        if year is None:
            _cache.clear()
        else:
            _cache.pop(year, None)


def _invalidate(year: int) -> None:
    calendar_cache_clear(year)  # the editor sees the change inside their transaction …
    transaction.on_commit(lambda: calendar_cache_clear(year))  # … and readers after it commits


# --- arithmetic --------------------------------------------------------------------------------


def _local_date(value: dt.datetime, name: str) -> dt.date:
    if not isinstance(value, dt.datetime):
        raise InvalidInput(_("需要日期和时间"), field=name)
    if timezone.is_naive(value):
        raise InvalidInput(_("时间必须带时区"), field=name)
    return value.astimezone(CHINA_TZ).date()


def is_working_day(day: dt.date) -> bool:
    """Is ``day`` a working day? Years without a published calendar fall back to Monday–Friday.

    Given an aware datetime, the question is about its day in Beijing.
    """
    if isinstance(day, dt.datetime):
        day = _local_date(day, "day")
    kind = _year(day.year).overrides.get(day)
    if kind == DayKind.HOLIDAY:
        return False
    if kind == DayKind.WORKDAY:
        return True
    return day.weekday() < 5


def _next_working_day(day: dt.date, *, limit: int) -> dt.date:
    for _step in range(limit):
        day += ONE_DAY
        if is_working_day(day):
            return day
    raise Conflict(_("节假日日历中连续 %(n)d 天没有工作日,请检查日历设置") % {"n": limit})


def add_working_days(start: dt.datetime, *, days: int) -> dt.datetime:
    """The end (23:59:59 Asia/Shanghai) of the ``days``-th working day after ``start``'s day.

    A request that arrives on a working day starts counting the next working day; one that
    arrives on a rest day counts from the first working day after it. ``days=0`` means by the
    end of the same day if it is a working day, else the end of the next one.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise InvalidInput(_("工作日数应为非负整数"), field="days")
    day = _local_date(start, "start")
    limit = 400  # no real calendar has 400 rest days in a row; a broken one must not hang us
    if days == 0 and not is_working_day(day):
        day = _next_working_day(day, limit=limit)
    for _n in range(days):
        day = _next_working_day(day, limit=limit)
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=CHINA_TZ)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day (negative if end is earlier).

    The inverse of ``add_working_days``: ``working_days_between(t, add_working_days(t, days=n)) == n``.
    """
    first, last = _local_date(start, "start"), _local_date(end, "end")
    if last < first:
        return -working_days_between(end, start)
    count = 0
    day = first
    while day < last:
        day += ONE_DAY
        if is_working_day(day):
            count += 1
    return count


def unpublished_years(start: dt.datetime, end: dt.datetime) -> list[int]:
    """Years touched by the span whose holiday calendar has not been published."""
    first, last = sorted((_local_date(start, "start"), _local_date(end, "end")))
    return [y for y in range(first.year, last.year + 1) if not _year(y).published]


def calendar_warning(start: dt.datetime, end: dt.datetime) -> str | None:
    """A warning to show beside a deadline whose span touches an unpublished year, else None."""
    years = unpublished_years(start, end)
    if not years:
        return None
    return _("%(years)s年节假日安排尚未公布,按周末计算") % {"years": "、".join(str(y) for y in years)}


# --- edits (system administrators only) ----------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not scope_for(actor).everything:
        raise Forbidden(_("只有系统管理员可以修改节假日日历"))


def _check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(_("年份应在 %(a)d 到 %(b)d 之间") % {"a": MIN_YEAR, "b": MAX_YEAR}, field="year")
    return year


def _materialise(*, actor: Any, year: int) -> None:
    """Before editing a year the package knows but the database lacks, store the package's version,
    so one edit changes one day rather than replacing the whole official year."""
    if year in package_year_set() and not CalendarYear.objects.filter(year=year).exists():
        calendar_seed_from_package(actor=actor, years=[year])


@transaction.atomic
def calendar_day_set(*, actor: Any, day: dt.date, kind: str, name: str = "") -> CalendarDay:
    """Mark ``day`` as a statutory holiday or a make-up workday (replacing what it was)."""
    _require_admin(actor)
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise InvalidInput(_("请填写日期"), field="day")
    _check_year(day.year)
    if kind not in DayKind.values:
        raise InvalidInput(_("类型应为法定节假日或调休上班"), field="kind")
    name = (name or "").strip()
    if len(name) > 50:
        raise InvalidInput(_("名称不能超过50个字"), field="name")
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        raise InvalidInput(_("调休上班日应为周六或周日"), field="day")
    _materialise(actor=actor, year=day.year)
    CalendarYear.objects.get_or_create(year=day.year, defaults={"source": YearSource.MANUAL})
    row, created = CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "name": name})
    audit_record(
        action="calendar.day_set", actor=actor, target=row, day=day.isoformat(), kind=kind, name=name, created=created
    )
    _invalidate(day.year)
    return row


@transaction.atomic
def calendar_day_clear(*, actor: Any, day: dt.date) -> None:
    """Return ``day`` to the ordinary week (Monday–Friday work)."""
    _require_admin(actor)
    _materialise(actor=actor, year=day.year)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise NotFound(_("%(day)s 没有特殊安排") % {"day": day.isoformat()})
    audit_record(action="calendar.day_cleared", actor=actor, target=row, day=day.isoformat(), kind=row.kind)
    row.delete()
    _invalidate(day.year)


@transaction.atomic
def calendar_year_publish(*, actor: Any, year: int) -> CalendarYear:
    """Declare ``year``'s calendar complete: from now on its deadlines follow it. Idempotent."""
    _require_admin(actor)
    _materialise(actor=actor, year=_check_year(year))
    row, _created = CalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"source": YearSource.MANUAL}
    )
    if row.published:
        return row
    if not CalendarDay.objects.filter(date__year=year, kind=DayKind.HOLIDAY).exists():
        raise Conflict(_("%(year)d年还没有录入任何法定节假日,不能发布") % {"year": year})
    row.published = True
    row.published_at = timezone.now()
    row.save(update_fields=["published", "published_at", "updated_at"])
    audit_record(action="calendar.year_published", actor=actor, target=row, year=year)
    _invalidate(year)
    return row


@transaction.atomic
def calendar_year_unpublish(*, actor: Any, year: int) -> CalendarYear:
    """Withdraw a publication made by mistake: the year falls back to weekends-only again."""
    _require_admin(actor)
    _materialise(actor=actor, year=_check_year(year))
    row = CalendarYear.objects.select_for_update().filter(year=year, published=True).first()
    if row is None:
        raise Conflict(_("%(year)d年尚未发布") % {"year": year})
    row.published = False
    row.published_at = None
    row.save(update_fields=["published", "published_at", "updated_at"])
    audit_record(action="calendar.year_unpublished", actor=actor, target=row, year=year)
    _invalidate(year)
    return row


@transaction.atomic
def calendar_seed_from_package(
    *, actor: Any = None, years: Iterable[int] | None = None, replace: bool = False
) -> list[int]:
    """Load years from the ``chinesecalendar`` package; returns the years written.

    Without ``replace`` a year already in the database (perhaps edited by hand) is left alone.
    ``actor=None`` is the management command run by whoever operates the server.
    """
    if actor is not None:
        _require_admin(actor)
    known = set(package_years())
    wanted = sorted(set(years)) if years is not None else sorted(known)
    for year in wanted:
        if year not in known:
            raise InvalidInput(
                _("chinese-calendar 软件包还没有%(year)d年的安排,请在日历页面手工录入") % {"year": year},
                field="years",
            )
    existing = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    written: list[int] = []
    for year in wanted:
        if year in existing and not replace:
            continue
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=day, kind=kind, name=name) for day, kind, name in package_days(year)]
        )
        CalendarYear.objects.update_or_create(
            year=year,
            defaults={"published": True, "source": YearSource.PACKAGE, "published_at": timezone.now()},
        )
        _invalidate(year)
        written.append(year)
    if written:
        audit_record(action="calendar.seeded", actor=actor, actor_label="" if actor else "seed_calendar", years=written)
    return written
