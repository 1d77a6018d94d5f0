"""Volunteering API, service areas (服务区域, seed 000: 划分党员服务责任区): a team's areas (list, add, remove),
the teams and activities serving where the caller lives, and service coverage under a node. Mounted under
/api/v1/volunteering by ``linli.volunteering.api``; the writes are ``services_areas``, the pages' own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.schemas import ErrorOut
from linli.volunteering import services_areas as sa
from linli.volunteering.selectors_areas import coverage_node, service_coverage, serving_home, team_areas
from linli.volunteering.selectors_covenants import access_team

router = Router(tags=["volunteering"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class TeamAreaIn(Schema):
    place_id: int = Field(description="a community, compound or grid the caller manages")


class TeamAreaOut(Schema):
    team_id: int
    place_id: int
    place_name: str
    place_kind: str
    added_at: dt.datetime


class ServingTeamOut(Schema):
    team_id: int
    name: str
    kind: str
    registered_here: bool = Field(description="registered at the caller's home or a node above it")
    area_place_ids: list[int] = Field(description="the team's service areas that reach the caller's home")


class ServingActivityOut(Schema):
    id: int
    title: str
    starts_at: dt.datetime
    place_id: int
    serves_id: int | None
    team_id: int | None


class ServingOut(Schema):
    home_place_id: int | None
    teams: list[ServingTeamOut]
    activities: list[ServingActivityOut]


class ServiceCoverageQuery(Schema):
    place_id: int | None = Field(None, description="a node the caller is staff of; omitted: their widest")


class ServiceCoverageRowOut(Schema):
    place_id: int
    name: str
    grids: int
    covered: int = Field(description="grids with a service area at the grid or a node above it")
    rate: float | None = Field(description="covered ÷ grids, percent; null without grids")
    teams: int = Field(description="distinct teams with a service area there")


class ServiceCoverageOut(Schema):
    total: ServiceCoverageRowOut
    communities: list[ServiceCoverageRowOut]


@router.get(
    "/teams/{team_id}/areas",
    response={200: list[TeamAreaOut], 404: ErrorOut},
    operation_id="volunteering_team_areas_list",
    summary="The places a team serves beyond where it is registered (anyone who may see the team)",
)
def areas_list(request: HttpRequest, team_id: int) -> list[TeamAreaOut]:
    team = access_team(request.user, team_id)
    return [
        TeamAreaOut(team_id=team.pk, place_id=a.place_id, place_name=a.place.name, place_kind=a.place.kind,
                added_at=a.added_at)
        for a in team_areas(team)
    ]  # fmt: skip


@router.post(
    "/teams/{team_id}/areas",
    response={201: TeamAreaOut, **ERRORS},
    operation_id="volunteering_team_areas_add",
    summary="The team serves this community, compound or grid too (managers of the team's node and of the place);"
    " twice is 409; audited",
)
def areas_add(request: HttpRequest, team_id: int, payload: TeamAreaIn) -> Status[TeamAreaOut]:
    a = sa.team_area_add(actor=request.user, team_id=team_id, place_id=payload.place_id)
    return Status(
        201,
        TeamAreaOut(team_id=a.team_id, place_id=a.place_id, place_name=a.place.name, place_kind=a.place.kind,
                added_at=a.added_at),
    )  # fmt: skip


@router.delete(
    "/teams/{team_id}/areas/{place_id}",
    response={204: None, **ERRORS},
    operation_id="volunteering_team_areas_remove",
    summary="The team no longer serves the place (managers of the team's node or of the place); audited",
)
def areas_remove(request: HttpRequest, team_id: int, place_id: int) -> Status[None]:
    sa.team_area_remove(actor=request.user, team_id=team_id, place_id=place_id)
    return Status(204, None)


@router.get(
    "/serving",
    response={200: ServingOut},
    operation_id="volunteering_serving",
    summary="服务我家: teams serving where the caller lives and coming activities held for it",
)
def serving(request: HttpRequest) -> ServingOut:
    s = serving_home(request.user)
    return ServingOut(
        home_place_id=s.home.pk if s.home else None,
        teams=[
            ServingTeamOut(team_id=r.team.pk, name=r.team.name, kind=r.team.kind, registered_here=r.registered_here,
                           area_place_ids=[p.pk for p in r.areas])
            for r in s.teams
        ],
        activities=[
            ServingActivityOut(id=a.pk, title=a.title, starts_at=a.starts_at, place_id=a.place_id,
                               serves_id=a.serves_id, team_id=a.team_id)
            for a in s.activities
        ],
    )  # fmt: skip


def _row(r: Any) -> ServiceCoverageRowOut:
    return ServiceCoverageRowOut(
        place_id=r.place.pk, name=r.place.name, grids=r.grids, covered=r.covered, rate=r.rate, teams=r.teams
    )


@router.get(
    "/service-coverage",
    response={200: ServiceCoverageOut, 404: ErrorOut},
    operation_id="volunteering_service_coverage",
    summary="服务覆盖 under a node: grids, those a team serves, the teams — per community",
)
def coverage(request: HttpRequest, q: Query[ServiceCoverageQuery]) -> ServiceCoverageOut:
    c = service_coverage(coverage_node(request.user, q.place_id))
    return ServiceCoverageOut(total=_row(c.total), communities=[_row(r) for r in c.rows])
