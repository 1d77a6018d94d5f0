"""Deliberation API: mediation cases (调解), their sessions and outcome, and success rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.deliberation.api_meetings import _person, _place
from linli.deliberation.models import MediationCase, MediationOutcome, MediationVenue
from linli.deliberation.selectors import access_case, mediation_rates, visible_cases
from linli.deliberation.selectors_legal import access_venue
from linli.deliberation.services_mediation import mediation_close, mediation_open, mediation_session_add

router = Router(tags=["deliberation"])


def _venue(user: Any, pk: int | None) -> MediationVenue | None:
    if pk is None:
        return None
    try:
        return access_venue(user, pk)
    except NotFound:
        raise NotFound(_("未找到该说事点,或您无权查看"), field="venue_id") from None


ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class DeliberationCaseIn(Schema):
    place_id: int
    title: str = Field(..., max_length=100)
    dispute: str = Field(..., max_length=5000)
    parties: list[str] = Field(..., max_length=20)
    mediator_id: int
    opened_on: Day
    venue_id: int | None = Field(None, description="the 百姓评理说事点 where it is mediated (optional)")


class DeliberationCaseOut(Schema):
    id: int
    place_id: int
    title: str
    parties: list[str]
    mediator: str
    opened_on: dt.date
    outcome: MediationOutcome
    closed_on: dt.date | None
    sessions: int
    venue_id: int | None


class DeliberationCaseListOut(Schema):
    items: list[DeliberationCaseOut]
    next: str | None


class DeliberationSessionIn(Schema):
    held_on: Day
    note: str = Field(..., max_length=5000)


class DeliberationCloseCaseIn(Schema):
    outcome: MediationOutcome
    closed_on: Day
    agreement: str = Field("", max_length=5000)


class DeliberationRatesQuery(Schema):
    node: int
    start: Day
    end: Day


class DeliberationRateOut(Schema):
    place_id: int | None
    label: str
    closed: int
    success: int
    rate_percent: float | None


def case_out(c: MediationCase) -> DeliberationCaseOut:
    return DeliberationCaseOut(
        id=c.pk,
        place_id=c.place_id,
        title=c.title,
        parties=list(c.parties),
        mediator=c.mediator.name,
        opened_on=c.opened_on,
        outcome=MediationOutcome(c.outcome),
        closed_on=c.closed_on,
        sessions=c.sessions.count(),
        venue_id=c.venue_id,
    )


@router.get(
    "/mediation", response={200: DeliberationCaseListOut, 422: ErrorOut}, operation_id="deliberation_mediation_list"
)
def mediation_list(request: HttpRequest, page: Query[PageQuery]) -> DeliberationCaseListOut:
    qs = visible_cases(request.user).prefetch_related("sessions")
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return DeliberationCaseListOut(items=[case_out(c) for c in result.items], next=result.next)


@router.post("/mediation", response={201: DeliberationCaseOut, **ERRORS}, operation_id="deliberation_mediation_create")
def mediation_create(request: HttpRequest, payload: DeliberationCaseIn) -> Status[DeliberationCaseOut]:
    mediator = _person(request.user, payload.mediator_id, "mediator_id")
    assert mediator is not None
    case = mediation_open(
        actor=request.user,
        place=_place(payload.place_id),
        title=payload.title,
        dispute=payload.dispute,
        parties=payload.parties,
        mediator=mediator,
        opened_on=payload.opened_on,
        venue=_venue(request.user, payload.venue_id),
    )
    return Status(201, case_out(case))


@router.post(
    "/mediation/{case_id}/sessions",
    response={201: DeliberationCaseOut, **ERRORS},
    operation_id="deliberation_mediation_session_add",
)
def mediation_session(
    request: HttpRequest, case_id: int, payload: DeliberationSessionIn
) -> Status[DeliberationCaseOut]:
    case = access_case(request.user, case_id)
    mediation_session_add(actor=request.user, case=case, held_on=payload.held_on, note=payload.note)
    return Status(201, case_out(case))


@router.post(
    "/mediation/{case_id}/close",
    response={200: DeliberationCaseOut, **ERRORS},
    operation_id="deliberation_mediation_close",
)
def mediation_close_api(request: HttpRequest, case_id: int, payload: DeliberationCloseCaseIn) -> DeliberationCaseOut:
    case = mediation_close(
        actor=request.user,
        case=access_case(request.user, case_id),
        outcome=payload.outcome,
        closed_on=payload.closed_on,
        agreement=payload.agreement,
    )
    return case_out(case)


@router.get(
    "/mediation-rates",
    response={200: list[DeliberationRateOut], 404: ErrorOut, 422: ErrorOut},
    operation_id="deliberation_mediation_rates",
    summary="Mediation success rate of cases closed in [start, end] under a node and per child node",
)
def mediation_rates_api(request: HttpRequest, q: Query[DeliberationRatesQuery]) -> list[DeliberationRateOut]:
    rows = mediation_rates(request.user, node=_place(q.node), start=q.start, end=q.end)
    return [
        DeliberationRateOut(
            place_id=r.place.pk if r.place else None,
            label=r.label,
            closed=r.closed,
            success=r.success,
            rate_percent=r.rate,
        )
        for r in rows
    ]
