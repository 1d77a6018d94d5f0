"""Visit reads: scoped lists, one visit, a household's visit history, the node a page is about.

Coverage and quotas are in ``linli.visits.coverage``; report figures in ``linli.visits.figures``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import dates
from linli.core.errors import NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import access, scope_for_any
from linli.people.models import Person
from linli.places.models import Household, Place, PlaceKind
from linli.visits.models import (
    STAFF_CAPABILITIES,
    CarePlan,
    ChecklistTemplate,
    Finding,
    HazardPoint,
    Visit,
    VisitPhoto,
)

HOUSEHOLD_VISITS_SHOWN = 50


def visit_list_qs(user: Any) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .select_related("household__place", "hazard", "visitor_person", "template")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.select_related("ticket")))
    )


@dataclass
class VisitFilters:
    node_id: int | None = None
    kind: str | None = None
    mine: bool = False
    household_id: int | None = None
    hazard_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def filter_visits(qs: QuerySet[Visit], user: Any, f: VisitFilters) -> QuerySet[Visit]:
    if f.node_id is not None:
        path = Place.objects.filter(pk=f.node_id).values_list("path", flat=True).first()
        qs = qs.filter(place_path__under=path) if path else qs.none()
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.mine:
        qs = qs.filter(visitor=user)
    if f.household_id is not None:
        qs = qs.filter(household_id=f.household_id)
    if f.hazard_id is not None:
        qs = qs.filter(hazard_id=f.hazard_id)
    if f.since is not None:
        qs = qs.filter(visited_at__gte=day_start(f.since))
    if f.until is not None:
        qs = qs.filter(visited_at__lt=day_start(f.until + dt.timedelta(days=1)))
    return qs


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def access_visit(user: Any, pk: Any) -> Visit:
    qs = Visit.objects.select_related(
        "household__place", "hazard", "visitor_person", "visitor", "template", "place"
    ).prefetch_related(
        Prefetch("findings", queryset=Finding.objects.select_related("ticket")),
        Prefetch("persons", queryset=Person.objects.order_by("id")),
        Prefetch("photos", queryset=VisitPhoto.objects.order_by("id")),
    )
    return access(qs, user, pk)  # type: ignore[arg-type]


def checklist_rows(visit: Visit) -> list[tuple[str, str]]:
    """(item label, answer) in the template's order; unanswered items show as empty."""
    if visit.template is None:
        return []
    return [(item["label"], visit.answers.get(item["key"], "")) for item in visit.template.items]


def photo_for(user: Any, photo_id: Any) -> VisitPhoto:
    pk = parse_id(photo_id)
    photo = VisitPhoto.objects.filter(pk=pk).select_related("visit").first() if pk else None
    if photo is None or not Visit.objects.visible_to(user).filter(pk=photo.visit_id).exists():
        raise NotFound(_("未找到该照片,或您无权查看"))
    return photo


def active_templates() -> list[ChecklistTemplate]:
    return list(ChecklistTemplate.objects.filter(active=True))


def node_for(user: Any, node_id: Any) -> Place:
    """The node a coverage or figures page is about: one in the user's staff scope, else 404."""
    scope = scope_for_any(user, STAFF_CAPABILITIES)  # what visits they may see
    if node_id in (None, ""):
        if scope.everything:
            root = Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()
        else:
            root = Place.objects.filter(path__in=scope.paths).order_by("path").first()
        if root is None:
            raise NotFound(_("您没有可统计的辖区"))
        return root
    try:
        place = Place.objects.get(pk=int(node_id))
    except (Place.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("未找到该节点,或不在您的辖区内")) from None
    if not scope.covers(place.path):
        raise NotFound(_("未找到该节点,或不在您的辖区内"))
    return place


parse_day = dates.parse_day  # the one date parser (linli.core.dates), under the name this app's callers use


def buildings_for_visit(user: Any) -> QuerySet[Place]:
    from linli.visits.services import recording_q

    return Place.objects.filter(recording_q(user, "path"), kind=PlaceKind.BUILDING).order_by("path")


def households_in_building(user: Any, building_id: Any) -> list[Household]:
    from linli.visits.services import recording_q

    pk = parse_id(building_id)
    building = Place.objects.filter(recording_q(user, "path"), kind=PlaceKind.BUILDING, pk=pk).first() if pk else None
    if building is None:
        raise NotFound(_("未找到该楼栋,或不在您的走访范围内"))
    rows = (
        Household.objects.filter(place_path__under=building.path)
        .select_related("place")
        .annotate(last_visit=Max("visits__visited_at"))
        .order_by("place_path", "room")
    )
    return list(rows)


def hazards_for(user: Any) -> QuerySet[HazardPoint]:
    return HazardPoint.objects.visible_to(user).select_related("place", "responsible")


def access_hazard(user: Any, pk: Any) -> HazardPoint:
    return access(hazards_for(user), user, pk)  # type: ignore[arg-type]


@dataclass
class HouseholdVisits:
    household: Household
    visits: list[Visit]
    care_plan: CarePlan | None
    last_visit_at: dt.datetime | None
    next_due: dt.datetime | None

    @property
    def overdue(self) -> bool:
        return bool(self.next_due and self.next_due < timezone.now())


def visits_for_household(*, user: Any, household: Household) -> HouseholdVisits:
    """A household's visits the user may see, newest first (for the ledger's household page).

    Three queries: visits with their visitor and template, their findings, the care plan.
    """
    visits = list(
        Visit.objects.visible_to(user)
        .filter(household=household)
        .select_related("visitor_person", "template")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.select_related("ticket")))
        .order_by("-visited_at", "-id")[:HOUSEHOLD_VISITS_SHOWN]
    )
    plan = (
        CarePlan.objects.visible_to(user).filter(household=household, active=True).select_related("responsible").first()
    )
    last = visits[0].visited_at if visits else None
    next_due = None
    if plan is not None:
        next_due = (last or plan.created_at) + dt.timedelta(days=plan.frequency_days)
    return HouseholdVisits(household=household, visits=visits, care_plan=plan, last_visit_at=last, next_due=next_due)


def responsible_choices(household_path: str) -> list[Any]:
    """People holding a position today at or above a node: who may answer for a care plan."""
    from linli.people.models import Position

    today = timezone.localdate()
    prefixes = [household_path[:i] for i in range(4, len(household_path) + 1, Place.steplen)]
    return list(
        Position.objects.filter(place__path__in=prefixes, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exclude(kind="volunteer")
        .select_related("person", "place")
        .order_by("place__path", "kind")
    )
