"""Reads for “四位一体” (seed 001): the legal advisers a user sees, the four parties' presence at a meeting, and the
figures per community (docs/metrics.md, 四位一体).

For a node and a period, each community under it (or the one above a compound):

- *held*: 四位一体联席会议 recorded as held (minutes recorded) whose start falls in the period, at the community
  or a compound in it;
- *all four*: of those, the meetings with a presence recorded for each of the four parties (居委会, 业委会, 物业公司,
  法律顾问);
- *adviser*: the community has a 法律顾问 in force on the period's last day.

Three statements whatever the subtree (test-asserted); nothing is read per community.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from linli.core.dates import day_bounds
from linli.core.scoping import access
from linli.deliberation.models import (
    FourParty,
    LegalAdviser,
    Meeting,
    MeetingKind,
    MeetingPartyPresence,
    MeetingStatus,
)
from linli.deliberation.selectors_legal import check_node_and_period
from linli.places.models import Place, PlaceKind

COMMUNITY_LEN = 3 * Place.steplen  # district / street / community


def visible_advisers(user: Any) -> QuerySet[LegalAdviser]:
    """Staff see the advisers of the communities under their nodes; a resident those of their own community."""
    return LegalAdviser.objects.visible_to(user).select_related("community")


def access_adviser(user: Any, pk: Any) -> LegalAdviser:
    return access(LegalAdviser.objects.select_related("community"), user, pk)  # type: ignore[arg-type]


def advisers_in_force(advisers: QuerySet[LegalAdviser], day: dt.date) -> QuerySet[LegalAdviser]:
    return advisers.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)


@dataclass
class PartyRow:
    party: str
    label: str
    presence: MeetingPartyPresence | None


def meeting_parties(meeting: Meeting) -> list[PartyRow]:
    """The four parties in order, each with its recorded presence or none. One statement."""
    found = {
        p.party: p
        for p in MeetingPartyPresence.objects.filter(meeting=meeting).select_related("organisation", "adviser")
    }
    return [PartyRow(party=p.value, label=str(p.label), presence=found.get(p.value)) for p in FourParty]


def meeting_advisers(meeting: Meeting) -> list[LegalAdviser]:
    """The legal advisers of the meeting's community in force on its day (whom staff may record as present)."""
    from django.utils import timezone

    from linli.core.lookups import ancestor_paths

    here = ancestor_paths(meeting.place_path, Place.steplen)
    day = timezone.localtime(meeting.starts_at).date()
    return list(advisers_in_force(LegalAdviser.objects.filter(place_path__in=here), day).order_by("name", "pk"))


@dataclass
class CommunityFourInOne:
    community_id: int
    name: str
    path: str
    held: int = 0
    all_four: int = 0
    advisers: list[str] = field(default_factory=list)  # in force on the period's last day

    @property
    def all_four_rate(self) -> float | None:
        return round(self.all_four * 100 / self.held, 1) if self.held else None


@dataclass
class FourInOneFigures:
    node: Place
    start: dt.date
    end: dt.date
    communities: list[CommunityFourInOne]
    total: CommunityFourInOne

    @property
    def communities_with_adviser(self) -> int:
        return sum(1 for c in self.communities if c.advisers)


def four_in_one_figures(user: Any, *, node: Place, start: dt.date, end: dt.date) -> FourInOneFigures:
    """The figures under ``node`` for [start, end] (docs/metrics.md, 四位一体). Three statements."""
    check_node_and_period(user, node=node, start=start, end=end)
    first, after = day_bounds(start, end)
    base = node.path[:COMMUNITY_LEN] if node.kind in (PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING) else None
    rows: dict[str, CommunityFourInOne] = {
        c.path: CommunityFourInOne(c.pk, c.name, c.path)
        for c in Place.objects.filter(
            Q(path=base) if base else Q(path__under=node.path), kind=PlaceKind.COMMUNITY
        ).order_by("path")
    }
    meetings = (
        Meeting.objects.filter(
            kind=MeetingKind.FOUR_IN_ONE,
            status=MeetingStatus.HELD,
            place_path__under=node.path,
            starts_at__gte=first,
            starts_at__lt=after,
        )
        .order_by()
        .annotate(parties=Count("parties_present"))
        .values_list("place_path", "parties")
    )
    for path, parties in meetings:
        row = rows.get(path[:COMMUNITY_LEN])
        if row is None:
            continue
        row.held += 1
        row.all_four += parties == len(FourParty)
    for path, name in (
        advisers_in_force(LegalAdviser.objects.filter(place_path__in=list(rows)), end)
        .order_by("starts_on", "pk")
        .values_list("place_path", "name")
    ):
        rows[path].advisers.append(name)
    total = CommunityFourInOne(node.pk, node.name, node.path)
    communities = list(rows.values())
    for row in communities:
        total.held += row.held
        total.all_four += row.all_four
    return FourInOneFigures(node=node, start=start, end=end, communities=communities, total=total)
