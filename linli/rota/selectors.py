"""Reads of the duty rota: scoped access to desks, shifts, swaps and compensatory days, a person's balance, the
approvals queue, and the figures (``figures``: exact definitions in its docstring).

A desk's staff side (its grid, its shifts with names, its figures) is read by those with ``manage`` at its place
(``visible_desks``); anyone else gets the 404 of a missing id. A person always reads their own shifts, swaps and
compensatory days. The public side (``public_desk``, ``desks_serving``) carries no personal data but the on-duty
worker's surname (``board.public_name``).

Every function here costs a fixed number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import NotFound
from linli.core.identifiers import parse_id
from linli.core.lookups import ancestor_paths
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found, scope_for, scope_for_any
from linli.places.models import Place, PlaceKind
from linli.rota.days import rest_days
from linli.rota.models import (
    CompDay,
    CompStatus,
    DutyDesk,
    DutyShift,
    ShiftStatus,
    ShiftSwap,
    SwapStatus,
)
from linli.rota.permissions import APPROVE, may_manage_place

# ----------------------------------------------------------------------------- desks


def visible_desks(user: Any) -> QuerySet[DutyDesk]:
    """Desks at places where the user holds ``manage`` (their community's, every desk of their street …)."""
    scope = scope_for(user, "manage")
    return DutyDesk.objects.filter(scope.q("place_path"))


def access_desk(user: Any, pk: Any, *, field: str | None = None) -> DutyDesk:
    return get_or_not_found(  # type: ignore[no-any-return]
        visible_desks(user).select_related("place"), pk, field=field
    )


def public_desk(pk: Any) -> DutyDesk:
    """Any active desk, by id: its phone, place, hours and today's duty are public."""
    return get_or_not_found(DutyDesk.objects.filter(active=True).select_related("place"), pk)  # type: ignore[no-any-return]


def desks_serving(path: str) -> list[DutyDesk]:
    """The active desks at a place and the places above it (a resident's community's, their street's)."""
    if not path:
        return []
    paths = ancestor_paths(path, Place.steplen)
    return list(
        DutyDesk.objects.filter(active=True, place_path__in=paths).select_related("place").order_by("-place_path")
    )


def places_without_desk(user: Any) -> list[Place]:
    """Communities and streets the user manages that have no desk yet (for the set-up form)."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    have = DutyDesk.objects.filter(place=OuterRef("pk"))
    return list(
        Place.objects.filter(scope.q("path"), kind__in=[PlaceKind.COMMUNITY, PlaceKind.STREET])
        .exclude(Exists(have))
        .order_by("path")[:200]
    )


def managed_places(user: Any, pk: Any, *, field: str = "place_id") -> Place:
    """A community or street the user manages (the 404 of a missing id for any other)."""
    place = Place.objects.filter(pk=parse_id(pk) or 0, kind__in=[PlaceKind.COMMUNITY, PlaceKind.STREET]).first()
    if place is None or not may_manage_place(user, place.path):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return place


# ----------------------------------------------------------------------------- shifts, swaps, comp days


def managed_shifts(user: Any) -> QuerySet[DutyShift]:
    return DutyShift.objects.filter(scope_for(user, "manage").q("place_path"))


def access_shift_managed(user: Any, pk: Any, *, field: str | None = None) -> DutyShift:
    return get_or_not_found(  # type: ignore[no-any-return]
        managed_shifts(user).select_related("desk", "person"), pk, field=field
    )


def own_shifts(user: Any) -> QuerySet[DutyShift]:
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    return DutyShift.objects.filter(person_id=person_id or 0)


def access_own_shift(user: Any, pk: Any, *, field: str | None = None) -> DutyShift:
    return get_or_not_found(own_shifts(user).select_related("desk", "person"), pk, field=field)  # type: ignore[no-any-return]


def readable_shifts(user: Any) -> QuerySet[DutyShift]:
    """Shifts of desks the user manages, and their own."""
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    condition = scope_for(user, "manage").q("place_path")
    if person_id:
        condition |= Q(person_id=person_id)
    return DutyShift.objects.filter(condition)


def my_swaps(user: Any) -> QuerySet[ShiftSwap]:
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    return ShiftSwap.objects.filter(Q(from_person_id=person_id or 0) | Q(to_person_id=person_id or 0))


def access_swap(user: Any, pk: Any) -> ShiftSwap:
    return get_or_not_found(  # type: ignore[no-any-return]
        my_swaps(user).select_related("shift__desk", "from_person", "to_person"), pk
    )


def approvable_comp_days(user: Any) -> QuerySet[CompDay]:
    """Compensatory days at desks where the user holds ``lead`` or ``manage``."""
    return CompDay.objects.filter(scope_for_any(user, sorted(APPROVE - {"admin"})).q("place_path"))


def may_approve_somewhere(user: Any) -> bool:
    return not scope_for_any(user, sorted(APPROVE - {"admin"})).empty


def readable_comp_days(user: Any) -> QuerySet[CompDay]:
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    condition = scope_for_any(user, sorted(APPROVE - {"admin"})).q("place_path")
    if person_id:
        condition |= Q(person_id=person_id)
    return CompDay.objects.filter(condition)


def access_comp(user: Any, pk: Any) -> CompDay:
    return get_or_not_found(  # type: ignore[no-any-return]
        readable_comp_days(user).select_related("desk", "person", "shift"), pk
    )


def pending_count(user: Any) -> int:
    """How many requests wait for the user's decision (one query; none when they approve nowhere)."""
    if not may_approve_somewhere(user):
        return 0
    person_id = getattr(user, "person_id", None) or 0
    return approvable_comp_days(user).filter(status=CompStatus.PENDING).exclude(person_id=person_id).count()


def approvals_queue(user: Any, *, limit: int = 200) -> list[CompDay]:
    """Pending requests the user may decide: at their desks, never their own, oldest first (one query)."""
    person_id = getattr(user, "person_id", None) or 0
    qs = approvable_comp_days(user).filter(status=CompStatus.PENDING).exclude(person_id=person_id)
    return list(qs.select_related("desk", "person", "shift").order_by("created_at", "id")[:limit])


# ----------------------------------------------------------------------------- balance


@dataclass
class Balance:
    """A person's compensatory days. Every checked-in rest-day shift earns one; each earned day is in exactly one
    state: taken (an approved request), pending (a request waiting), expired (no request, its deadline passed) or
    available (no request, still within its deadline). earned = taken + pending + expired + available."""

    earned: int = 0
    taken: int = 0
    pending: int = 0
    expired: int = 0
    available: int = 0
    shifts: list[DutyShift] = field(default_factory=list)  # the available ones, soonest deadline first


def _with_comp(qs: QuerySet[DutyShift]) -> QuerySet[DutyShift]:
    approved = CompDay.objects.filter(shift=OuterRef("pk"), status=CompStatus.APPROVED)
    pending = CompDay.objects.filter(shift=OuterRef("pk"), status=CompStatus.PENDING)
    return qs.annotate(comp_approved=Exists(approved), comp_pending=Exists(pending))


def earned_shifts(qs: QuerySet[DutyShift]) -> QuerySet[DutyShift]:
    return qs.filter(status=ShiftStatus.CHECKED_IN, rest_day=True)


def balance(person_id: int | None, *, today: dt.date | None = None) -> Balance:
    """One query over the person's earning shifts."""
    today = today or timezone.localdate()
    result = Balance()
    if not person_id:
        return result
    rows = _with_comp(earned_shifts(DutyShift.objects.filter(person_id=person_id))).select_related("desk")
    for shift in rows.order_by("comp_until", "day", "id"):
        result.earned += 1
        if shift.comp_approved:  # type: ignore[attr-defined]
            result.taken += 1
        elif shift.comp_pending:  # type: ignore[attr-defined]
            result.pending += 1
        elif shift.comp_until is not None and shift.comp_until < today:
            result.expired += 1
        else:
            result.available += 1
            result.shifts.append(shift)
    return result


# ----------------------------------------------------------------------------- figures


@dataclass
class DeskFigures:
    desk: DutyDesk
    rest_days: int
    covered: int = 0
    shifts: int = 0
    checked_in: int = 0
    earned: int = 0
    taken: int = 0
    pending: int = 0
    expired: int = 0
    outstanding: int = 0

    @property
    def coverage_rate(self) -> float | None:
        return round(self.covered / self.rest_days, 4) if self.rest_days else None

    @property
    def check_in_rate(self) -> float | None:
        return round(self.checked_in / self.shifts, 4) if self.shifts else None


@dataclass
class RotaFigures:
    node: Place
    since: dt.date
    until: dt.date
    end: dt.date  # the last day counted: ``until``, or today when the period reaches past it
    rest_days: int
    desks: list[DeskFigures] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.desks)

    @property
    def covered(self) -> int:
        return self._sum("covered")

    @property
    def slots(self) -> int:
        """desk-days to cover: desks × rest days."""
        return len(self.desks) * self.rest_days

    @property
    def coverage_rate(self) -> float | None:
        """休息日值守率: covered desk-days / (desks × rest days)."""
        return round(self.covered / self.slots, 4) if self.slots else None

    @property
    def shifts(self) -> int:
        return self._sum("shifts")

    @property
    def checked_in(self) -> int:
        return self._sum("checked_in")

    @property
    def check_in_rate(self) -> float | None:
        return round(self.checked_in / self.shifts, 4) if self.shifts else None

    @property
    def earned(self) -> int:
        return self._sum("earned")

    @property
    def taken(self) -> int:
        return self._sum("taken")

    @property
    def pending(self) -> int:
        return self._sum("pending")

    @property
    def expired(self) -> int:
        return self._sum("expired")

    @property
    def outstanding(self) -> int:
        return self._sum("outstanding")


def may_read_figures(user: Any, node: Place) -> bool:
    from linli.core.scoping import capabilities_at

    return bool(capabilities_at(user, node.path) & APPROVE)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This month so far."""
    day = today or timezone.localdate()
    return day.replace(day=1), day


def figures(user: Any, node: Place, since: dt.date, until: dt.date) -> RotaFigures:
    """The rota's figures for the active desks at ``node`` and under it, over ``since``–``until`` (only days up to
    today count: a day to come is neither covered nor missed). Exactly:

    - **rest days**: days of the period that are rest days by the official calendar (``workdays``: statutory
      holidays rest, make-up workdays work, a year not published falls back to weekends);
    - **covered** (per desk): rest days on which at least the desk's ``required_people`` shifts were checked in;
    - **休息日值守率**: covered desk-days / (desks × rest days);
    - **rest-day shifts**: shifts planned on a rest day (``rest_day``) dated in the period; **checked in**: those
      checked in; **check-in rate**: checked in / rest-day shifts;
    - **comp days earned**: checked-in rest-day shifts dated in the period (one each), split exactly into
      **taken** (an approved 调休), **pending** (a request waiting), **expired** (no request and its deadline
      before today) and **outstanding** (no request, deadline today or later): earned = taken + pending + expired
      + outstanding.

    Four queries, whatever the number of desks and days. Anyone without ``lead`` or ``manage`` at the node gets
    the 404 of a missing id."""
    if not may_read_figures(user, node):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="node")
    today = timezone.localdate()
    end = min(until, today)
    days = rest_days(since, end) if since <= end else []
    desks = list(
        DutyDesk.objects.filter(place_path__under=node.path, active=True).select_related("place").order_by("place_path")
    )
    result = RotaFigures(node=node, since=since, until=until, end=end, rest_days=len(days))
    rows = {d.pk: DeskFigures(desk=d, rest_days=len(days)) for d in desks}
    result.desks = list(rows.values())
    if not desks or since > end:
        return result
    ids = sorted(rows)
    per_day = (
        DutyShift.objects.filter(desk_id__in=ids, day__in=days, status=ShiftStatus.CHECKED_IN)
        .values("desk_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in per_day:
        row = rows[r["desk_id"]]
        if r["n"] >= row.desk.required_people:
            row.covered += 1
    checked = Q(status=ShiftStatus.CHECKED_IN)
    free = checked & Q(comp_approved=False, comp_pending=False)
    grouped = (
        _with_comp(DutyShift.objects.filter(desk_id__in=ids, rest_day=True, day__gte=since, day__lte=end))
        .values("desk_id")
        .annotate(
            shifts=Count("pk"),
            checked_in=Count("pk", filter=checked),
            taken=Count("pk", filter=checked & Q(comp_approved=True)),
            pending=Count("pk", filter=checked & Q(comp_approved=False, comp_pending=True)),
            expired=Count("pk", filter=free & Q(comp_until__lt=today)),
            outstanding=Count("pk", filter=free & Q(comp_until__gte=today)),
        )
        .order_by()
    )
    for r in grouped:
        row = rows[r["desk_id"]]
        row.shifts, row.checked_in = r["shifts"], r["checked_in"]
        row.earned = r["checked_in"]
        row.taken, row.pending, row.expired, row.outstanding = r["taken"], r["pending"], r["expired"], r["outstanding"]
    return result


def figure_nodes(user: Any) -> list[Place]:
    """Streets and communities the user may read figures for (for the node picker)."""
    scope = scope_for_any(user, sorted(APPROVE - {"admin"}))
    if scope.empty:
        return []
    return list(
        Place.objects.filter(
            scope.q("path"), kind__in=[PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY]
        ).order_by("path")[:200]
    )


def swaps_offered_to(user: Any) -> list[ShiftSwap]:
    person_id = getattr(user, "person_id", None) or 0
    qs = ShiftSwap.objects.filter(to_person_id=person_id, status=SwapStatus.OFFERED)
    return list(qs.select_related("shift__desk", "from_person").order_by("shift__day", "id"))
