"""Reads of a street's offices, 职责清单, 准入事项 and the tasks pushed down to it, and the figures.

The two lists and the offices are public: ``public_street`` finds any street by id (404 for anything else, the
same as a missing id). Tasks are read through ``visible_tasks``: those landing where the user holds ``manage``
(the street's staff see all of the street's, a community's staff those that reached their community) and those
from a department the user is the liaison of. Grid workers, building heads and residents see none.

Every function here costs a fixed number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import day_bounds
from linli.core.errors import NotFound
from linli.core.identifiers import parse_id
from linli.core.lookups import ancestor_paths
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found, liaison_organisations, scope_for
from linli.duties.models import (
    DutyCategory,
    EntryItem,
    ListedDuty,
    ListStatus,
    PushedTask,
    StreetOffice,
    TaskStatus,
)
from linli.duties.permissions import may_manage_street
from linli.places.models import Place, PlaceKind

STREET_NOT_FOUND = "未找到该街道"


# ----------------------------------------------------------------------------- streets


def public_street(pk: Any, *, field: str | None = None) -> Place:
    """Any street, by id: its lists are public. Another kind of place is the 404 of a missing id."""
    qs = Place.objects.filter(kind=PlaceKind.STREET)
    return get_or_not_found(qs, pk, message=_(STREET_NOT_FOUND), field=field)  # type: ignore[no-any-return]


def managed_streets(user: Any) -> list[Place]:
    """The streets where the user holds ``manage`` (their own street, every street of their district)."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind=PlaceKind.STREET).order_by("path")[:100])


def access_managed_street(user: Any, pk: Any, *, field: str | None = None) -> Place:
    """A street the user manages; any other id (a street elsewhere, a community, nothing) is the same 404."""
    street = Place.objects.filter(kind=PlaceKind.STREET, pk=parse_id(pk) or 0).first()
    if street is None or not may_manage_street(user, street):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return street


def home_streets(user: Any) -> list[Place]:
    """The streets the user's positions lie in or above (a community worker's or grid worker's own street; a
    resident's street from where they live), for links to the public lists."""
    scope = scope_for(user)
    paths: set[str] = set()
    if scope.everything:
        return list(Place.objects.filter(kind=PlaceKind.STREET).order_by("path")[:100])
    for root in scope.paths:
        paths.update(ancestor_paths(root, Place.steplen))
    person: Any = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    home = str(getattr(person, "place_path", "") or "")
    if home:
        paths.update(ancestor_paths(home, Place.steplen))
    condition = Q(path__in=sorted(paths))
    for root in scope.paths:
        condition |= Q(path__under=root)
    if not paths and scope.empty:
        return []
    return list(Place.objects.filter(condition, kind=PlaceKind.STREET).order_by("path")[:100])


def street_communities(street: Place) -> list[Place]:
    return list(Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path"))


def street_departments_qs(street: Place) -> QuerySet[Any]:
    """Departments registered at the street or above it (the ones that hand work down to it)."""
    from linli.orgs.models import Organisation, OrganisationKind

    paths = ancestor_paths(street.path, Place.steplen)
    return Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT, place_path__in=paths)


def street_departments(street: Place) -> list[Any]:
    return list(street_departments_qs(street).order_by("name", "id"))


def liaison_departments(user: Any) -> list[Any]:
    """The departments the user is the current liaison of (``department_liaison``): they register their own
    department's tasks."""
    from linli.orgs.models import Organisation, OrganisationKind

    liaison = liaison_organisations(user) if getattr(user, "is_authenticated", False) else set()
    if not liaison:
        return []
    return list(
        Organisation.objects.filter(pk__in=sorted(liaison), kind=OrganisationKind.DEPARTMENT).order_by("name", "id")
    )


def liaison_streets(departments: list[Any]) -> list[Place]:
    """The streets those departments hand work down to: every street at or below where each is registered."""
    if not departments:
        return []
    condition = Q()
    for department in departments:
        condition |= Q(path__under=department.place_path) if department.place_path else Q()
    return list(Place.objects.filter(condition, kind=PlaceKind.STREET).order_by("path")[:100])


def may_review(user: Any, street: Place) -> bool:
    return may_manage_street(user, street)


def may_register_somewhere(user: Any, street: Place) -> bool:
    """Street staff, or the liaison of a department serving the street (for their own department's tasks)."""
    if may_manage_street(user, street):
        return True
    liaison = liaison_organisations(user) if getattr(user, "is_authenticated", False) else set()
    return bool(liaison) and street_departments_qs(street).filter(pk__in=sorted(liaison)).exists()


# ----------------------------------------------------------------------------- offices and lists


def categories(*, active_only: bool = True) -> list[DutyCategory]:
    qs = DutyCategory.objects.all()
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("sort", "id"))


def offices(street: Place, *, active_only: bool = False) -> list[StreetOffice]:
    qs = StreetOffice.objects.filter(street=street)
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("-active", "sort", "id"))


def office_duty_counts(street: Place) -> dict[int, int]:
    """In-force duties per office (one grouped query)."""
    rows = (
        ListedDuty.objects.filter(street=street, status=ListStatus.IN_FORCE)
        .values("office_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["office_id"]: row["n"] for row in rows}


def duties(street: Place, *, status: str | None = ListStatus.IN_FORCE, category: Any = None) -> QuerySet[ListedDuty]:
    """The street's 职责清单 by category order, then title (one query with its category and office)."""
    qs = ListedDuty.objects.filter(street=street).select_related("category", "office")
    if status:
        qs = qs.filter(status=status)
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by("category__sort", "category_id", "title", "id")


def entries(street: Place, *, status: str | None = ListStatus.IN_FORCE) -> QuerySet[EntryItem]:
    qs = EntryItem.objects.filter(street=street).select_related("department")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("level", "department_name", "title", "id")


def access_duty_managed(user: Any, pk: Any) -> ListedDuty:
    """A duty of a street the user manages (else the 404 of a missing id)."""
    streets = [s.pk for s in managed_streets(user)]
    qs = ListedDuty.objects.filter(street_id__in=streets).select_related("street", "category", "office")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def access_entry_managed(user: Any, pk: Any) -> EntryItem:
    streets = [s.pk for s in managed_streets(user)]
    qs = EntryItem.objects.filter(street_id__in=streets).select_related("street", "department")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def access_office_managed(user: Any, pk: Any) -> StreetOffice:
    streets = [s.pk for s in managed_streets(user)]
    return get_or_not_found(  # type: ignore[no-any-return]
        StreetOffice.objects.filter(street_id__in=streets).select_related("street"), pk
    )


# ----------------------------------------------------------------------------- tasks


def visible_tasks(user: Any) -> QuerySet[PushedTask]:
    scope = scope_for(user, "manage")
    condition = scope.q("place_path") if not scope.empty else Q(pk__in=[])
    liaison = liaison_organisations(user) if getattr(user, "is_authenticated", False) else set()
    if liaison:
        condition |= Q(department_id__in=sorted(liaison))
    return PushedTask.objects.filter(condition)


def sees_tasks(user: Any) -> bool:
    """Whether the user has any place where tasks could reach them (``manage`` somewhere) or is a liaison."""
    if not scope_for(user, "manage").empty:
        return True
    return bool(getattr(user, "is_authenticated", False) and liaison_organisations(user))


def access_task(user: Any, pk: Any) -> PushedTask:
    qs = visible_tasks(user).select_related("street", "target", "entry", "department", "decided_by", "created_by")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def task_events(task: PushedTask) -> list[Any]:
    return list(task.events.select_related("actor").order_by("at", "id"))


# ----------------------------------------------------------------------------- figures


@dataclass
class DepartmentRow:
    department: str
    registered: int = 0
    accepted: int = 0
    approved: int = 0
    returned: int = 0

    @property
    def return_rate(self) -> float | None:
        decided = self.accepted + self.approved + self.returned
        return round(self.returned / decided, 4) if decided else None


@dataclass
class Figures:
    street: Place
    since: dt.date
    until: dt.date
    duties_in_force: int
    entries_in_force: int
    registered: int
    accepted: int
    approved: int
    returned: int
    pending: int
    departments: list[DepartmentRow] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return self.accepted + self.approved + self.returned

    @property
    def return_rate(self) -> float | None:
        """退回率: tasks returned / tasks decided in the period (None when none was decided)."""
        return round(self.returned / self.decided, 4) if self.decided else None


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far."""
    day = today or timezone.localdate()
    return day.replace(month=1, day=1), day


def figures(street: Place, *, since: dt.date, until: dt.date) -> Figures:
    """Counted from the records, exactly: duty-list and entry-list items in force now; tasks registered in the
    period (by registration time) and tasks decided in the period by decision (准入, 特批准入, 退回, by decision
    time); tasks still waiting for review now; and the same per department (by the department's name as
    registered). Two queries, however many rows."""
    start, end = day_bounds(since, until)
    in_force = {"street": OuterRef("pk"), "status": ListStatus.IN_FORCE}
    duties_n, entries_n = (
        Place.objects.filter(pk=street.pk)
        .annotate(
            d=Coalesce(Subquery(_count(ListedDuty.objects.filter(**in_force))), 0),
            e=Coalesce(Subquery(_count(EntryItem.objects.filter(**in_force))), 0),
        )
        .values_list("d", "e")
        .get()
    )
    registered_q = Q(created_at__gte=start, created_at__lt=end)
    decided_q = Q(decided_at__gte=start, decided_at__lt=end)
    grouped = (
        PushedTask.objects.filter(street=street)
        .filter(registered_q | decided_q | Q(status=TaskStatus.REGISTERED))
        .values("department_name", "status")
        .annotate(registered_n=Count("pk", filter=registered_q), decided_n=Count("pk", filter=decided_q), n=Count("pk"))
        .order_by()
    )
    rows: dict[str, DepartmentRow] = {}
    totals: dict[str, int] = defaultdict(int)
    for r in grouped:
        row = rows.setdefault(r["department_name"], DepartmentRow(department=r["department_name"]))
        row.registered += r["registered_n"]
        totals["registered"] += r["registered_n"]
        if r["status"] == TaskStatus.REGISTERED:
            totals["pending"] += r["n"]
        elif r["decided_n"]:
            setattr(row, r["status"], getattr(row, r["status"]) + r["decided_n"])
            totals[r["status"]] += r["decided_n"]
    return Figures(
        street=street,
        since=since,
        until=until,
        duties_in_force=duties_n,
        entries_in_force=entries_n,
        registered=totals["registered"],
        accepted=totals[TaskStatus.ACCEPTED],
        approved=totals[TaskStatus.APPROVED],
        returned=totals[TaskStatus.RETURNED],
        pending=totals["pending"],
        departments=sorted(
            (r for r in rows.values() if r.registered or r.accepted or r.approved or r.returned),
            key=lambda d: (-d.registered, d.department),
        ),
    )


def _count(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.order_by().values("street").annotate(n=Count("pk")).values("n")


def dashboard_figures(user: Any, node: Place, *, since: dt.date, until: dt.date) -> Figures | None:
    """The dashboard's tile: the figures of a street node the user manages (None for any other node)."""
    if node.kind != PlaceKind.STREET or not may_manage_street(user, node):
        return None
    return figures(node, since=since, until=until)
