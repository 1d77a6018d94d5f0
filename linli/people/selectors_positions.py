"""The forces under a node (seed 001: 整合……“五老”……以及“4050”人员、低保户等力量; seed 002: 选聘物业监督员300多人):
how many people hold each appointable position on a date and who they are, place by place, and how many residents
carry each care tag.

Figures (docs/metrics.md, "力量名册"), each in one statement whatever the size of the subtree:

- 物业监督员 / 民意联络员 N 人: distinct people holding the position at a place under the node on the day
  (``start_date <= day`` and no end or ``end_date >= day``); a person holding it in two compounds counts once in
  the total and once in each part.
- tag counts: distinct residents under the node, not moved out and not anonymised, carrying the active tag;
  sensitive tags only for a reader holding ``sensitive`` at the node.

Who reads: the staff who see the dashboards (``manage`` at the node, ``insights.selectors.dashboard_node``);
anyone else gets the 404 of a missing node.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core.scoping import capabilities_at, get_or_not_found, scope_for
from linli.people.models import CareTag, Person, PersonTag, Position
from linli.people.positions import APPOINTABLE_KINDS, POSITION_KINDS
from linli.places.models import Place

ROSTER_LIMIT = 500  # holders listed on a page; the counts are exact


def current_on(day: dt.date) -> Q:
    """Positions held on ``day`` (start and end inclusive)."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def holders_under(path: str, kind: str, day: dt.date) -> QuerySet[Position]:
    return Position.objects.filter(current_on(day), place_path__under=path, kind=kind)


def holder_sets(path: str, part_length: int, kinds: tuple[str, ...], day: dt.date) -> dict[str, dict[str, set[int]]]:
    """kind → part path (``path[:part_length]``, and ``""`` for the whole node) → the people holding it there on the
    day, in one statement (one row per holder and place)."""
    out: dict[str, dict[str, set[int]]] = {kind: defaultdict(set) for kind in kinds}
    rows = (
        Position.objects.filter(current_on(day), place_path__under=path, kind__in=kinds)
        .values_list("kind", "place_path", "person_id")
        .distinct()
    )
    for kind, place_path, person in rows:
        out[kind][""].add(person)
        out[kind][place_path[:part_length]].add(person)
    return out


@dataclass
class KindCount:
    kind: str
    label: str
    total: int
    parts: dict[str, int] = field(default_factory=dict)


@dataclass
class TagCount:
    tag: CareTag
    people: int


@dataclass
class PartRow:
    place: Place
    counts: dict[str, int]


@dataclass
class Forces:
    node: Place
    on: dt.date
    kinds: list[KindCount]
    parts: list[PartRow]
    tags: list[TagCount]


def forces_figures(user: Any, node: Place, *, on: dt.date) -> Forces:
    """The appointable positions' holders and the tag counts under ``node`` on ``on`` (see the module's docstring):
    three statements (the parts, the holders, the tags) and one more for the tags' names."""
    part_length = len(node.path) + Place.steplen
    parts = list(Place.objects.filter(path__under=node.path, depth=node.depth + 1).order_by("path")[:200])
    kinds = tuple(APPOINTABLE_KINDS)
    sets = holder_sets(node.path, part_length, kinds, on)
    counts = [
        KindCount(
            kind=kind,
            label=_(POSITION_KINDS[kind].label),
            total=len(sets[kind][""]),
            parts={p.path: len(sets[kind].get(p.path, ())) for p in parts},
        )
        for kind in kinds
    ]
    rows = [PartRow(place=p, counts={c.kind: c.parts[p.path] for c in counts}) for p in parts]
    return Forces(node=node, on=on, kinds=counts, parts=rows, tags=tag_counts(user, node))


def tag_counts(user: Any, node: Place) -> list[TagCount]:
    """Residents under ``node`` (living there: not moved out, not anonymised) per active tag, the sensitive tags
    only for a reader with ``sensitive`` at the node. One grouped statement and the tags' own."""
    sees_sensitive = "sensitive" in capabilities_at(user, node.path)
    tags = [t for t in CareTag.objects.filter(active=True) if sees_sensitive or not t.sensitive]
    living = Person.objects.filter(
        place_path__under=node.path, moved_out_on__isnull=True, anonymised_at__isnull=True
    ).values("pk")
    grouped = dict(
        PersonTag.objects.filter(tag__in=[t.pk for t in tags], person__in=living)
        .values("tag")
        .annotate(n=Count("person", distinct=True))
        .values_list("tag", "n")
    )
    return [TagCount(tag=t, people=grouped.get(t.pk, 0)) for t in tags]


@dataclass
class RosterGroup:
    place: Place
    positions: list[Position]


def roster(node: Place, kind: str, *, on: dt.date, limit: int = ROSTER_LIMIT) -> tuple[list[RosterGroup], int]:
    """Who holds ``kind`` under ``node`` on ``on``, place by place (a compound's 物业监督员 together), and the number of
    positions (the list stops at ``limit``): two statements."""
    qs = holders_under(node.path, kind, on)
    total = qs.count()
    groups: dict[int, RosterGroup] = {}
    for position in qs.select_related("person", "place").order_by("place_path", "person__name", "id")[:limit]:
        group = groups.setdefault(position.place_id, RosterGroup(place=position.place, positions=[]))
        group.positions.append(position)
    return list(groups.values()), total


def access_appointment(user: Any, pk: Any) -> Position:
    """A position staff appoint here (物业监督员, 民意联络员) at a place the user manages; otherwise the 404 of a
    missing id — a grid worker learns nothing about another grid's liaisons."""
    scope = scope_for(user, "manage")
    qs = Position.objects.filter(scope.q("place_path"), kind__in=list(APPOINTABLE_KINDS))
    return get_or_not_found(qs.select_related("person", "place"), pk)  # type: ignore[no-any-return]


def access_candidate(user: Any, pk: Any) -> Person:
    """A person the user may appoint: one in their own ledger scope, not anonymised (a missing or unseen id is one
    404, named on ``person_id``)."""
    qs = Person.objects.visible_to(user).filter(anonymised_at__isnull=True)
    return get_or_not_found(qs, pk, message=_("台账中未找到该居民"), field="person_id")  # type: ignore[no-any-return]


def places_for(user: Any, kind: str, node: Place, *, limit: int = 500) -> list[Place]:
    """The places under ``node`` the user manages where ``kind`` is held (the appoint form's choices)."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    qs = Place.objects.filter(scope.q("path"), path__under=node.path, kind__in=list(APPOINTABLE_KINDS[kind]))
    return list(qs.order_by("path")[:limit])
