"""盟约 API (/api/v1/volunteering/covenants): a volunteer team's service covenant with a community, its
fulfilment (履约) and the figures over the covenants the caller sees.

Reads: community staff (manage, handle or lead at the community or above) and the team's leader. Writes:
staff who manage the community, through ``services_covenants``. Dates, hours and choices are checked by
the services, which name the field in Chinese (422).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.volunteering import services_covenants as cov
from linli.volunteering.models import TeamCovenant
from linli.volunteering.selectors_covenants import (
    FILTERS,
    Fulfilment,
    covenant_figures,
    covenant_page,
    covenant_with_fulfilment,
    filtered_covenants,
)

router = Router(tags=["volunteering"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CovenantFulfilmentOut(Schema):
    state: str = Field(..., description="active (生效), expired (期满, derived from the dates) or terminated (解约)")
    state_label: str
    hours_promised: Decimal
    hours_delivered: Decimal = Field(..., description="confirmed volunteer hours of the team's activities in the term")
    activities_held: int
    attendances: int = Field(..., description="confirmed sign-ups (volunteer attendances, 人次)")
    rate: Decimal = Field(..., description="履约率: hours delivered ÷ promised, percent")
    elapsed_share: Decimal = Field(..., description="percent of the term elapsed (to today or to its end)")
    expected_to_date: Decimal = Field(..., description="hours promised × elapsed share")
    behind: bool = Field(..., description="in force and delivered below the expectation to date")


class CovenantOut(Schema):
    id: int
    team_id: int
    team_name: str
    community_id: int
    community_name: str
    title: str
    services: list[str]
    starts_on: dt.date
    ends_on: dt.date
    signed_on: dt.date
    signed_by: str | None
    team_signatory_id: int | None
    team_signatory_name: str
    terminated_on: dt.date | None
    termination_reason: str
    fulfilment: CovenantFulfilmentOut


class CovenantListOut(Schema):
    items: list[CovenantOut]
    next: str | None


class CovenantFilter(PageQuery):
    state: str | None = Field(None, description="in_force, behind (in force and behind schedule) or ended")
    community_id: int | None = None
    team_id: int | None = None


class CovenantSignIn(Schema):
    team_id: int
    community_id: int
    title: str = Field(..., description="1–100 characters")
    services: list[str] = Field(..., description="the services promised, one per item (法律援助, 心理咨询 …)")
    hours_promised: Decimal = Field(..., description="hours over the term, > 0, one decimal place")
    starts_on: Day
    ends_on: Day = Field(..., description="not before starts_on; a term of at most five years")
    signed_on: Day | None = Field(None, description="default today; not in the future")
    signatory_person_id: int | None = Field(None, description="the team's signatory, a member of the team")
    signatory_name: str = Field("", description="or the signatory's name (1–64 characters)")


class CovenantAmendIn(Schema):
    title: str | None = None
    services: list[str] | None = None
    hours_promised: Decimal | None = None
    ends_on: Day | None = None
    signatory_person_id: int | None = None
    signatory_name: str | None = None


class CovenantTerminateIn(Schema):
    reason: str = Field(..., description="1–200 characters")
    terminated_on: Day | None = Field(None, description="default today; not in the future, not before signing")


class CovenantFiguresQuery(Schema):
    community_id: int | None = None
    team_id: int | None = None


class CovenantFiguresOut(Schema):
    in_force: int
    behind: int
    expired: int
    terminated: int
    hours_promised: Decimal = Field(..., description="over the covenants in force")
    hours_delivered: Decimal
    expected_to_date: Decimal
    rate: Decimal = Field(..., description="hours delivered ÷ promised over the covenants in force, percent")


def fulfilment_out(f: Fulfilment) -> CovenantFulfilmentOut:
    return CovenantFulfilmentOut(
        state=f.state, state_label=f.state_label, hours_promised=f.promised, hours_delivered=f.delivered,
        activities_held=f.held, attendances=f.attendances, rate=f.rate, elapsed_share=f.elapsed_share,
        expected_to_date=f.expected, behind=f.behind,
    )  # fmt: skip


def covenant_out(c: TeamCovenant, f: Fulfilment) -> CovenantOut:
    return CovenantOut(
        id=c.pk, team_id=c.team_id, team_name=c.team.name, community_id=c.community_id,
        community_name=c.community.name, title=c.title, services=list(c.services), starts_on=c.starts_on,
        ends_on=c.ends_on, signed_on=c.signed_on, signed_by=c.signed_by.get_username() if c.signed_by else None,
        team_signatory_id=c.team_signatory_id, team_signatory_name=c.team_signatory_name,
        terminated_on=c.terminated_on, termination_reason=c.termination_reason, fulfilment=fulfilment_out(f),
    )  # fmt: skip


def _read(user: Any, covenant_id: int) -> CovenantOut:
    c, f = covenant_with_fulfilment(user, covenant_id)
    return covenant_out(c, f)


@router.get(
    "/covenants",
    response={200: CovenantListOut, 422: ErrorOut},
    operation_id="volunteering_covenants_list",
    summary="盟约 the caller may read (community staff, the team's leader), newest first, with fulfilment",
)
def covenants_list(request: HttpRequest, filters: Query[CovenantFilter]) -> CovenantListOut:
    if filters.state and filters.state not in FILTERS:
        raise InvalidInput(_("状态筛选无效"), field="state")
    page = covenant_page(
        request.user, state=filters.state or "", community_id=filters.community_id, team_id=filters.team_id,
        cursor=filters.cursor, limit=filters.limit,
    )  # fmt: skip
    return CovenantListOut(items=[covenant_out(c, f) for c, f in page.items], next=page.next)


@router.get(
    "/covenants/figures",
    response={200: CovenantFiguresOut, 422: ErrorOut},
    operation_id="volunteering_covenants_figures",
    summary="履约 figures: covenants by state and the hours of those in force (promised, delivered, expected)",
)
def covenants_figures(request: HttpRequest, q: Query[CovenantFiguresQuery]) -> CovenantFiguresOut:
    fig = covenant_figures(filtered_covenants(request.user, community_id=q.community_id, team_id=q.team_id))
    return CovenantFiguresOut(
        in_force=fig.in_force, behind=fig.behind, expired=fig.expired, terminated=fig.terminated,
        hours_promised=fig.promised, hours_delivered=fig.delivered, expected_to_date=fig.expected, rate=fig.rate,
    )  # fmt: skip


@router.get(
    "/covenants/{covenant_id}",
    response={200: CovenantOut, 404: ErrorOut},
    operation_id="volunteering_covenants_read",
    summary="One 盟约 with its fulfilment; 404 alike for one outside the caller's scope and one that does not exist",
)
def covenants_read(request: HttpRequest, covenant_id: int) -> CovenantOut:
    return _read(request.user, covenant_id)


@router.post(
    "/covenants",
    response={201: CovenantOut, **ERRORS},
    operation_id="volunteering_covenants_sign",
    summary="Sign a 盟约 between a team and a community the caller manages; a repeat of the same is 409",
)
def covenants_sign(request: HttpRequest, payload: CovenantSignIn) -> Status[CovenantOut]:
    c = cov.covenant_sign(
        actor=request.user, team_id=payload.team_id, community_id=payload.community_id, title=payload.title,
        services=payload.services, hours_promised=payload.hours_promised, starts_on=payload.starts_on,
        ends_on=payload.ends_on, signed_on=payload.signed_on, signatory_person_id=payload.signatory_person_id,
        signatory_name=payload.signatory_name,
    )  # fmt: skip
    return Status(201, _read(request.user, c.pk))


@router.patch(
    "/covenants/{covenant_id}",
    response={200: CovenantOut, **ERRORS},
    operation_id="volunteering_covenants_amend",
    summary="Amend a 盟约 in force (omitted fields unchanged); expired or terminated is 409; audited",
)
def covenants_amend(request: HttpRequest, covenant_id: int, payload: CovenantAmendIn) -> CovenantOut:
    cov.covenant_amend(
        actor=request.user, covenant_id=covenant_id, title=payload.title, services=payload.services,
        hours_promised=payload.hours_promised, ends_on=payload.ends_on,
        signatory_person_id=payload.signatory_person_id, signatory_name=payload.signatory_name,
    )  # fmt: skip
    return _read(request.user, covenant_id)


@router.post(
    "/covenants/{covenant_id}/terminate",
    response={200: CovenantOut, **ERRORS},
    operation_id="volunteering_covenants_terminate",
    summary="解约: end a 盟约 in force early with a reason; it stays on record",
)
def covenants_terminate(request: HttpRequest, covenant_id: int, payload: CovenantTerminateIn) -> CovenantOut:
    cov.covenant_terminate(
        actor=request.user, covenant_id=covenant_id, reason=payload.reason, terminated_on=payload.terminated_on
    )
    return _read(request.user, covenant_id)
