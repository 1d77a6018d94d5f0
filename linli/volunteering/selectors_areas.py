"""Reads for service areas (服务区域, seed 000: 划分党员服务责任区): a team's areas, the teams and activities that serve
where a resident lives, and service coverage under a node (docs/metrics.md, 服务覆盖)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import NotFound
from linli.core.identifiers import parse_id
from linli.places.models import Place, PlaceKind
from linli.volunteering.activities import visible_activities
from linli.volunteering.common import STEP, ancestors, staff_q
from linli.volunteering.models import ActivityStatus, Team, TeamServiceArea


def team_areas(team: Team) -> list[TeamServiceArea]:
    return list(TeamServiceArea.objects.filter(team=team).select_related("place").order_by("place_path"))


@dataclass
class ServingTeam:
    team: Team
    registered_here: bool  # registered at the resident's home or a node above it
    areas: list[Place] = field(default_factory=list)  # the service areas that reach the resident's home


@dataclass
class ServingHome:
    home: Place | None
    teams: list[ServingTeam]
    activities: list[Any]


def serving_home(user: Any) -> ServingHome:
    """Teams that serve where the user lives — those with a service area at their home or above it (their grid,
    compound, community), and those registered there or above — and the coming published activities held for it.
    Four statements (the home, the areas, the registered teams, the activities), however many rows."""
    person = getattr(user, "person", None)
    if person is None or not person.place_path:
        return ServingHome(home=None, teams=[], activities=[])
    above = ancestors(person.place_path)
    by_team: dict[int, ServingTeam] = {}
    for area in (
        TeamServiceArea.objects.filter(place_path__in=above).select_related("team", "place").order_by("place_path")
    ):
        row = by_team.setdefault(area.team_id, ServingTeam(team=area.team, registered_here=False))
        row.areas.append(area.place)
    for team in Team.objects.filter(place_path__in=above).order_by("name"):
        by_team.setdefault(team.pk, ServingTeam(team=team, registered_here=True)).registered_here = True
    activities = list(
        visible_activities(user)
        .filter(status=ActivityStatus.PUBLISHED, ends_at__gte=timezone.now())
        .filter(Q(place_path__in=above) | Q(serves__path__in=above))
        .select_related("place", "serves", "team")
        .order_by("starts_at", "id")[:50]
    )
    teams = sorted(by_team.values(), key=lambda r: (not r.areas, r.team.name, r.team.pk))
    return ServingHome(home=person.place, teams=teams, activities=activities)


@dataclass
class CoverageRow:
    place: Place
    grids: int = 0
    covered: int = 0  # grids with at least one team serving them
    teams: int = 0  # distinct teams with a service area at or under the place

    @property
    def rate(self) -> float | None:
        return round(100 * self.covered / self.grids, 1) if self.grids else None


@dataclass
class Coverage:
    node: Place
    total: CoverageRow
    rows: list[CoverageRow]


def coverage_node(user: Any, place_id: Any = None) -> Place:
    """The node to count under: one the user has a staff position over (default: their widest)."""
    from linli.volunteering.views_common import top_node

    mine = Place.objects.filter(staff_q(user, field="path"))
    if place_id not in (None, ""):
        node = mine.filter(pk=parse_id(place_id) or 0).first()
    else:
        top = top_node(user)
        node = mine.filter(path=top).first() if top else None
    if node is None:
        raise NotFound(_("未找到,或您无权查看"))
    return node


def service_coverage(node: Place) -> Coverage:
    """服务覆盖 under ``node`` (the caller has checked the user may read it): per community, the grids, those with a
    team serving them (a service area at the grid or at a node above it), and the teams with an area there. Three
    statements (communities, grids, areas) whatever the subtree."""
    above = ancestors(node.path)[:-1]
    areas = list(
        TeamServiceArea.objects.filter(Q(place_path__under=node.path) | Q(place_path__in=above)).values_list(
            "place_path", "team_id"
        )
    )
    area_paths = {p for p, _team in areas}
    communities = list(
        Place.objects.filter(Q(path__under=node.path) | Q(path__in=above), kind=PlaceKind.COMMUNITY).order_by("path")
    )
    rows = {c.path: CoverageRow(place=c) for c in communities}
    total = CoverageRow(place=node)
    for grid_path in Place.objects.filter(path__under=node.path, kind=PlaceKind.GRID).values_list("path", flat=True):
        covered = any(p in area_paths for p in ancestors(grid_path))
        row = rows.get(grid_path[: 3 * STEP])
        for r in (row, total) if row is not None else (total,):
            r.grids += 1
            r.covered += covered
    for row in rows.values():
        row.teams = len({t for p, t in areas if p.startswith(row.place.path) or row.place.path.startswith(p)})
    total.teams = len({t for _p, t in areas})
    shown = [r for r in rows.values() if r.place.path.startswith(node.path) or node.path.startswith(r.place.path)]
    return Coverage(node=node, total=total, rows=shown)
