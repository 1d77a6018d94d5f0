"""What the rota pages show: a desk's month grid (days × people), its gaps, and the public "今日值班" card with the
next seven days' opening. Each costs a fixed number of queries (the calendar's per-process cache aside).

Privacy (DESIGN.md): the public card names the on-duty worker by surname and role only (``public_name``: 王社工) and
shows the desk's office phone, never a personal number.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.rota.days import DayInfo, day_infos
from linli.rota.models import DutyDesk, DutyShift
from linli.rota.staffing import roster

GAP_DAYS = 14
OPENING_DAYS = 7


def public_name(name: str) -> str:
    """王小明 → 王社工: the surname and the role, as residents address community workers."""
    surname = (name or "").strip()[:1]
    return _("%(surname)s社工") % {"surname": surname} if surname else _("值班社工")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    return first, last


# ----------------------------------------------------------------------------- the month grid


@dataclass
class Cell:
    info: DayInfo
    shift: DutyShift | None
    eligible: bool
    state: str  # "", planned, checked_in, missed


@dataclass
class GridRow:
    person_id: int
    name: str
    label: str  # the person's staff positions, or "" for someone on a shift who no longer holds one
    own: bool
    cells: list[Cell] = field(default_factory=list)

    @property
    def shifts(self) -> int:
        return sum(1 for c in self.cells if c.shift is not None)


@dataclass
class DayColumn:
    info: DayInfo
    count: int
    short: bool  # a rest day with fewer people than the desk requires


@dataclass
class Grid:
    desk: DutyDesk
    first: dt.date
    last: dt.date
    columns: list[DayColumn]
    rows: list[GridRow]
    shifts: list[DutyShift]

    @property
    def previous(self) -> dt.date:
        return (self.first - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        return self.last + dt.timedelta(days=1)


def month_grid(desk: DutyDesk, month: dt.date, *, today: dt.date | None = None) -> Grid:
    """Days × people for one month: the desk's staff (own staff first) and anyone on a shift then. Two queries."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    infos = day_infos(first, last)
    shifts = list(
        DutyShift.objects.filter(desk=desk, day__gte=first, day__lte=last)
        .select_related("person")
        .order_by("day", "id")
    )
    staff = roster(desk, first, last)
    by_cell = {(s.person_id, s.day): s for s in shifts}
    people: dict[int, GridRow] = {
        m.person_id: GridRow(person_id=m.person_id, name=m.name, label=m.kind_label, own=m.own) for m in staff.values()
    }
    for s in shifts:
        people.setdefault(s.person_id, GridRow(person_id=s.person_id, name=s.person.name, label="", own=False))
    counts: dict[dt.date, int] = defaultdict(int)
    for s in shifts:
        counts[s.day] += 1
    for row in people.values():
        member = staff.get(row.person_id)
        for info in infos:
            shift = by_cell.get((row.person_id, info.day))
            row.cells.append(
                Cell(
                    info=info,
                    shift=shift,
                    eligible=member is not None and member.on(info.day),
                    state=shift.state_on(today) if shift else "",
                )
            )
    columns = [
        DayColumn(info=i, count=counts[i.day], short=i.rest and counts[i.day] < desk.required_people) for i in infos
    ]
    rows = sorted(people.values(), key=lambda r: (not r.own, r.name, r.person_id))
    return Grid(desk=desk, first=first, last=last, columns=columns, rows=rows, shifts=shifts)


# ----------------------------------------------------------------------------- gaps


@dataclass
class Gap:
    info: DayInfo
    have: int
    need: int


def gaps(desk: DutyDesk, *, today: dt.date | None = None, days: int = GAP_DAYS) -> list[Gap]:
    """Rest days from today over the next ``days`` days with fewer people on duty than the desk requires."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=days - 1)
    infos = [i for i in day_infos(today, until) if i.rest]
    if not infos:
        return []
    counts = dict(
        DutyShift.objects.filter(desk=desk, day__in=[i.day for i in infos])
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    return [
        Gap(info=i, have=counts.get(i.day, 0), need=desk.required_people)
        for i in infos
        if counts.get(i.day, 0) < desk.required_people
    ]


def gaps_for(desks: list[DutyDesk], *, today: dt.date | None = None) -> dict[int, int]:
    """desk id → how many rest days of the next fortnight are short (one query for all the desks)."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=GAP_DAYS - 1)
    rest = [i.day for i in day_infos(today, until) if i.rest]
    if not desks or not rest:
        return {d.pk: 0 for d in desks}
    counts: dict[tuple[int, dt.date], int] = {
        (r["desk_id"], r["day"]): r["n"]
        for r in DutyShift.objects.filter(desk__in=desks, day__in=rest)
        .values("desk_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return {d.pk: sum(1 for day in rest if counts.get((d.pk, day), 0) < d.required_people) for d in desks}


# ----------------------------------------------------------------------------- the public card


@dataclass
class Opening:
    info: DayInfo
    open: bool  # staffed: a workday (usual hours) or a rest day with someone on duty
    starts_at: dt.time | None
    ends_at: dt.time | None
    on_duty: list[str]  # public names (surname + 社工)
    checked_in: bool = False


@dataclass
class TodayCard:
    desk: DutyDesk
    today: Opening
    week: list[Opening]


def _opening(desk: DutyDesk, info: DayInfo, shifts: list[DutyShift]) -> Opening:
    if not info.rest:
        return Opening(info=info, open=True, starts_at=desk.opens_at, ends_at=desk.closes_at, on_duty=[])
    if not shifts:
        return Opening(info=info, open=False, starts_at=None, ends_at=None, on_duty=[])
    return Opening(
        info=info,
        open=True,
        starts_at=min(s.starts_at for s in shifts),
        ends_at=max(s.ends_at for s in shifts),
        on_duty=[public_name(s.person.name) for s in shifts],
        checked_in=any(s.status == "checked_in" for s in shifts),
    )


def today_cards(desks: list[DutyDesk], *, today: dt.date | None = None) -> list[TodayCard]:
    """Each desk's today and next seven days (one query for all of them)."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=OPENING_DAYS)
    infos = day_infos(today, until)
    by_desk_day: dict[tuple[int, dt.date], list[DutyShift]] = defaultdict(list)
    if desks:
        for s in (
            DutyShift.objects.filter(desk__in=desks, day__gte=today, day__lte=until)
            .select_related("person")
            .order_by("day", "starts_at", "id")
        ):
            by_desk_day[(s.desk_id, s.day)].append(s)
    cards = []
    for desk in desks:
        openings = [_opening(desk, i, by_desk_day[(desk.pk, i.day)]) for i in infos]
        cards.append(TodayCard(desk=desk, today=openings[0], week=openings[1:]))
    return cards


def today_card(desk: DutyDesk, *, today: dt.date | None = None) -> TodayCard:
    return today_cards([desk], today=today)[0]


def month_param(raw: Any, today: dt.date) -> dt.date:
    """``?month=2026-05`` → its first day; anything else (blank, malformed, outside 1900–2999) → this month."""
    text = str(raw or "").strip()
    try:
        year, month = (int(part) for part in text.split("-")[:2]) if text.count("-") == 1 else (0, 0)
        day = dt.date(year, month, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)
    return day if 1900 <= day.year <= 2999 else today.replace(day=1)
