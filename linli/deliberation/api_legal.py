"""Deliberation API: 百姓评理说事点 (mediation venues), “四员一律”进小区 sessions, and their figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.deliberation.api_mediation import _venue
from linli.deliberation.api_meetings import _person, _place
from linli.deliberation.models import (
    IntakeKind,
    LegalIntake,
    LegalRole,
    LegalSession,
    LegalSessionStatus,
    MediationVenue,
    VenueKind,
)
from linli.deliberation.selectors_legal import (
    access_legal_session,
    access_venue,
    legal_figures,
    public_venues,
    visible_legal_sessions,
    visible_venues,
)
from linli.deliberation.services_legal import (
    Attendee,
    legal_intake_mediation,
    legal_intake_request,
    legal_session_cancel,
    legal_session_hold,
    legal_session_plan,
)
from linli.deliberation.services_venues import venue_create, venue_retire, venue_update
from linli.people.models import Person

router = Router(tags=["deliberation"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ----------------------------------------------------------------------------- schemas


class DeliberationVenueIn(Schema):
    place_id: int
    name: str = Field(..., max_length=64)
    kind: VenueKind
    address: str = Field("", max_length=200)
    opening_hours: str = Field("", max_length=100)
    on_duty_ids: list[int] = Field(default_factory=list, max_length=20)


class DeliberationVenueEditIn(Schema):
    name: str = Field(..., max_length=64)
    kind: VenueKind
    address: str = Field("", max_length=200)
    opening_hours: str = Field("", max_length=100)
    on_duty_ids: list[int] = Field(default_factory=list, max_length=20)


class DeliberationVenueDutyOut(Schema):
    person_id: int
    name: str


class DeliberationVenueOut(Schema):
    id: int
    place_id: int
    place_name: str
    name: str
    kind: VenueKind
    address: str
    opening_hours: str
    on_duty: list[DeliberationVenueDutyOut]
    active: bool
    retired_on: dt.date | None


class DeliberationVenueListOut(Schema):
    items: list[DeliberationVenueOut]
    next: str | None


class DeliberationPublicVenueOut(Schema):
    """What a resident sees: public facts, the on-duty people's names masked (张*丰)."""

    id: int
    name: str
    kind: VenueKind
    place_name: str
    address: str
    opening_hours: str
    on_duty: list[str]


class DeliberationLegalAttendeeIn(Schema):
    role: LegalRole
    name: str = Field(..., max_length=32)
    unit: str = Field("", max_length=64)


class DeliberationLegalAttendeeOut(Schema):
    role: LegalRole
    name: str
    unit: str


class DeliberationLegalSessionIn(Schema):
    place_id: int
    venue_id: int | None = None
    scheduled_on: Day
    topics: str = Field(..., max_length=2000)
    attendees: list[DeliberationLegalAttendeeIn] = Field(default_factory=list, max_length=30)


class DeliberationLegalHoldIn(Schema):
    held_on: Day
    residents_consulted: int = Field(..., ge=0, le=100_000)
    attendees: list[DeliberationLegalAttendeeIn] = Field(..., max_length=30)
    summary: str = Field("", max_length=5000)


class DeliberationLegalCancelIn(Schema):
    reason: str = Field(..., max_length=200)


class DeliberationLegalSessionOut(Schema):
    id: int
    place_id: int
    place_name: str
    venue_id: int | None
    venue_name: str | None
    scheduled_on: dt.date
    topics: str
    status: LegalSessionStatus
    held_on: dt.date | None
    residents_consulted: int
    summary: str
    cancel_reason: str
    attendees: list[DeliberationLegalAttendeeOut]
    intakes: int


class DeliberationLegalSessionListOut(Schema):
    items: list[DeliberationLegalSessionOut]
    next: str | None


class DeliberationLegalMediationIn(Schema):
    title: str = Field(..., max_length=100)
    dispute: str = Field(..., max_length=5000)
    parties: list[str] = Field(..., max_length=20)
    mediator_id: int
    opened_on: Day


class DeliberationLegalRequestIn(Schema):
    title: str = Field("", max_length=100)
    description: str = Field(..., max_length=5000)


class DeliberationLegalIntakeOut(Schema):
    id: int
    session_id: int
    kind: IntakeKind
    case_id: int | None
    ticket_id: int | None


class DeliberationLegalFiguresQuery(Schema):
    node: int
    start: Day
    end: Day


class DeliberationLegalRoleCount(Schema):
    role: LegalRole
    sessions: int


class DeliberationVenueRateOut(Schema):
    venue_id: int | None
    label: str
    closed: int
    success: int
    rate_percent: float | None


class DeliberationLegalFiguresOut(Schema):
    node_id: int
    start: dt.date
    end: dt.date
    sessions_held: int = Field(description="四员一律 sessions recorded as held with held_on in [start, end]")
    sessions_by_role: list[DeliberationLegalRoleCount] = Field(description="held sessions with that role present")
    residents_consulted: int
    cases_taken_in: int = Field(description="consultations of those sessions taken in (mediation + requests)")
    mediation_taken_in: int
    requests_taken_in: int
    venues_active: int = Field(description="百姓评理说事点 under the node not retired, now")
    mediation_closed: int
    mediation_success: int
    mediation_success_rate_percent: float | None
    by_venue: list[DeliberationVenueRateOut]


# ----------------------------------------------------------------------------- helpers


def venue_out(v: MediationVenue) -> DeliberationVenueOut:
    return DeliberationVenueOut(
        id=v.pk,
        place_id=v.place_id,
        place_name=v.place.name,
        name=v.name,
        kind=VenueKind(v.kind),
        address=v.address,
        opening_hours=v.opening_hours,
        on_duty=[DeliberationVenueDutyOut(person_id=p.pk, name=p.name) for p in v.on_duty.all()],
        active=v.active,
        retired_on=v.retired_on,
    )


def session_out(s: LegalSession, intakes: int | None = None) -> DeliberationLegalSessionOut:
    return DeliberationLegalSessionOut(
        id=s.pk,
        place_id=s.place_id,
        place_name=s.place.name,
        venue_id=s.venue_id,
        venue_name=s.venue.name if s.venue else None,
        scheduled_on=s.scheduled_on,
        topics=s.topics,
        status=LegalSessionStatus(s.status),
        held_on=s.held_on,
        residents_consulted=s.residents_consulted,
        summary=s.summary,
        cancel_reason=s.cancel_reason,
        attendees=[
            DeliberationLegalAttendeeOut(role=LegalRole(a.role), name=a.name, unit=a.unit) for a in s.attendees.all()
        ],
        intakes=intakes if intakes is not None else getattr(s, "intake_count", 0),
    )


def intake_out(i: LegalIntake) -> DeliberationLegalIntakeOut:
    return DeliberationLegalIntakeOut(
        id=i.pk, session_id=i.session_id, kind=IntakeKind(i.kind), case_id=i.case_id, ticket_id=i.ticket_id
    )


def _people(user: Any, ids: list[int]) -> list[Person]:
    found = [_person(user, pk, "on_duty_ids") for pk in dict.fromkeys(ids)]
    return [p for p in found if p is not None]


def _attendees(rows: list[DeliberationLegalAttendeeIn]) -> list[Attendee]:
    return [Attendee(role=r.role, name=r.name, unit=r.unit) for r in rows]


def _session_read(user: Any, pk: int) -> DeliberationLegalSessionOut:
    session = access_legal_session(user, pk)
    return session_out(session, intakes=session.intakes.count())


# ----------------------------------------------------------------------------- venues


@router.get(
    "/venues",
    response={200: DeliberationVenueListOut, 422: ErrorOut},
    operation_id="deliberation_venues_list",
    summary="百姓评理说事点 in the caller's scope (staff), retired ones included",
)
def venues_list(request: HttpRequest, page: Query[PageQuery]) -> DeliberationVenueListOut:
    result = keyset_page(visible_venues(request.user), key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return DeliberationVenueListOut(items=[venue_out(v) for v in result.items], next=result.next)


@router.get(
    "/venues/public",
    response={200: list[DeliberationPublicVenueOut]},
    operation_id="deliberation_venues_public",
    summary="The active 百姓评理说事点 of the community the caller lives in (public facts, names masked)",
)
def venues_public(request: HttpRequest) -> list[DeliberationPublicVenueOut]:
    return [
        DeliberationPublicVenueOut(
            id=v.id,
            name=v.name,
            kind=VenueKind(v.kind),
            place_name=v.place_name,
            address=v.address,
            opening_hours=v.opening_hours,
            on_duty=v.on_duty,
        )
        for v in public_venues(request.user)
    ]


@router.post("/venues", response={201: DeliberationVenueOut, **ERRORS}, operation_id="deliberation_venues_create")
def venues_create(request: HttpRequest, payload: DeliberationVenueIn) -> Status[DeliberationVenueOut]:
    venue = venue_create(
        actor=request.user,
        place=_place(payload.place_id),
        name=payload.name,
        kind=payload.kind,
        address=payload.address,
        opening_hours=payload.opening_hours,
        on_duty=_people(request.user, payload.on_duty_ids),
    )
    return Status(201, venue_out(access_venue(request.user, venue.pk)))


@router.get(
    "/venues/{venue_id}",
    response={200: DeliberationVenueOut, 404: ErrorOut},
    operation_id="deliberation_venues_read",
)
def venues_read(request: HttpRequest, venue_id: int) -> DeliberationVenueOut:
    return venue_out(access_venue(request.user, venue_id))


@router.put(
    "/venues/{venue_id}", response={200: DeliberationVenueOut, **ERRORS}, operation_id="deliberation_venues_update"
)
def venues_update(request: HttpRequest, venue_id: int, payload: DeliberationVenueEditIn) -> DeliberationVenueOut:
    venue = access_venue(request.user, venue_id)
    venue_update(
        actor=request.user,
        venue=venue,
        name=payload.name,
        kind=payload.kind,
        address=payload.address,
        opening_hours=payload.opening_hours,
        on_duty=_people(request.user, payload.on_duty_ids),
    )
    return venue_out(access_venue(request.user, venue_id))


@router.post(
    "/venues/{venue_id}/retire",
    response={200: DeliberationVenueOut, **ERRORS},
    operation_id="deliberation_venues_retire",
    summary="Retire (撤销) a venue: it leaves the residents' list; its cases keep naming it. Repeats change nothing",
)
def venues_retire(request: HttpRequest, venue_id: int) -> DeliberationVenueOut:
    venue_retire(actor=request.user, venue=access_venue(request.user, venue_id))
    return venue_out(access_venue(request.user, venue_id))


# ----------------------------------------------------------------------------- sessions


@router.get(
    "/legal-sessions",
    response={200: DeliberationLegalSessionListOut, 422: ErrorOut},
    operation_id="deliberation_legal_sessions_list",
)
def legal_sessions_list(request: HttpRequest, page: Query[PageQuery]) -> DeliberationLegalSessionListOut:
    result = keyset_page(
        visible_legal_sessions(request.user), key="id", cursor=page.cursor, limit=page.limit, descending=True
    )
    return DeliberationLegalSessionListOut(items=[session_out(s) for s in result.items], next=result.next)


@router.post(
    "/legal-sessions",
    response={201: DeliberationLegalSessionOut, **ERRORS},
    operation_id="deliberation_legal_sessions_create",
    summary="Plan a “四员一律”进小区 session; retries with the same Idempotency-Key return the first one",
)
def legal_sessions_create(request: HttpRequest, payload: DeliberationLegalSessionIn) -> Status[Any]:
    session = legal_session_plan(
        actor=request.user,
        place=_place(payload.place_id),
        venue=_venue(request.user, payload.venue_id),
        scheduled_on=payload.scheduled_on,
        topics=payload.topics,
        attendees=_attendees(payload.attendees),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _session_read(request.user, session.pk))


@router.get(
    "/legal-sessions/{legal_session_id}",
    response={200: DeliberationLegalSessionOut, 404: ErrorOut},
    operation_id="deliberation_legal_sessions_read",
)
def legal_sessions_read(request: HttpRequest, legal_session_id: int) -> DeliberationLegalSessionOut:
    return _session_read(request.user, legal_session_id)


@router.post(
    "/legal-sessions/{legal_session_id}/hold",
    response={200: DeliberationLegalSessionOut, **ERRORS},
    operation_id="deliberation_legal_sessions_hold",
    summary="Record a planned session as held, with who came and how many residents were consulted",
)
def legal_sessions_hold(
    request: HttpRequest, legal_session_id: int, payload: DeliberationLegalHoldIn
) -> DeliberationLegalSessionOut:
    legal_session_hold(
        actor=request.user,
        session=access_legal_session(request.user, legal_session_id),
        held_on=payload.held_on,
        residents_consulted=payload.residents_consulted,
        attendees=_attendees(payload.attendees),
        summary=payload.summary,
    )
    return _session_read(request.user, legal_session_id)


@router.post(
    "/legal-sessions/{legal_session_id}/cancel",
    response={200: DeliberationLegalSessionOut, **ERRORS},
    operation_id="deliberation_legal_sessions_cancel",
)
def legal_sessions_cancel(
    request: HttpRequest, legal_session_id: int, payload: DeliberationLegalCancelIn
) -> DeliberationLegalSessionOut:
    legal_session_cancel(
        actor=request.user, session=access_legal_session(request.user, legal_session_id), reason=payload.reason
    )
    return _session_read(request.user, legal_session_id)


@router.post(
    "/legal-sessions/{legal_session_id}/mediation",
    response={201: DeliberationLegalIntakeOut, **ERRORS},
    operation_id="deliberation_legal_sessions_to_mediation",
    summary="Take a dispute heard at a held session in as a mediation case (at the session's place and venue); "
    "retries with the same Idempotency-Key return the first intake",
)
def legal_sessions_to_mediation(
    request: HttpRequest, legal_session_id: int, payload: DeliberationLegalMediationIn
) -> Status[DeliberationLegalIntakeOut]:
    session = access_legal_session(request.user, legal_session_id)
    mediator = _person(request.user, payload.mediator_id, "mediator_id")
    assert mediator is not None
    intake = legal_intake_mediation(
        actor=request.user,
        session=session,
        title=payload.title,
        dispute=payload.dispute,
        parties=payload.parties,
        mediator=mediator,
        opened_on=payload.opened_on,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, intake_out(intake))


@router.post(
    "/legal-sessions/{legal_session_id}/request",
    response={201: DeliberationLegalIntakeOut, **ERRORS},
    operation_id="deliberation_legal_sessions_to_request",
    summary="Take a matter heard at a held session in as a request (诉求, source 会议收集); retries with the same "
    "Idempotency-Key return the first intake",
)
def legal_sessions_to_request(
    request: HttpRequest, legal_session_id: int, payload: DeliberationLegalRequestIn
) -> Status[DeliberationLegalIntakeOut]:
    intake = legal_intake_request(
        actor=request.user,
        session=access_legal_session(request.user, legal_session_id),
        title=payload.title,
        description=payload.description,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, intake_out(intake))


@router.get(
    "/legal-figures",
    response={200: DeliberationLegalFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="deliberation_legal_figures",
    summary="四员一律 sessions, residents consulted, cases taken in, venues and mediation by venue under a node",
)
def legal_figures_api(request: HttpRequest, q: Query[DeliberationLegalFiguresQuery]) -> DeliberationLegalFiguresOut:
    f = legal_figures(request.user, node=_place(q.node), start=q.start, end=q.end)
    assert f.mediation is not None
    return DeliberationLegalFiguresOut(
        node_id=f.node.pk,
        start=f.start,
        end=f.end,
        sessions_held=f.sessions_held,
        sessions_by_role=[DeliberationLegalRoleCount(role=LegalRole(c), sessions=n) for c, _label, n in f.roles()],
        residents_consulted=f.residents_consulted,
        cases_taken_in=f.cases_taken_in,
        mediation_taken_in=f.mediation_taken_in,
        requests_taken_in=f.requests_taken_in,
        venues_active=f.venues_active,
        mediation_closed=f.mediation.closed,
        mediation_success=f.mediation.success,
        mediation_success_rate_percent=f.mediation.rate,
        by_venue=[
            DeliberationVenueRateOut(
                venue_id=r.venue.pk if r.venue else None,
                label=r.label,
                closed=r.closed,
                success=r.success,
                rate_percent=r.rate,
            )
            for r in f.by_venue
        ],
    )
