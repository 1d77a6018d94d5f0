"""The visits API (/api/v1/visits): record and read visits, photos, findings to requests,
coverage and report figures. Every list is scoped to the caller."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from linli.core import uploads
from linli.core.i18n import translated
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, Moment
from linli.visits import selectors as s
from linli.visits.api_plans import router as plans_router
from linli.visits.coverage import coverage
from linli.visits.figures import DEFINITIONS, VisitFigures, compute_figures, default_period
from linli.visits.models import Visit, VisitKind
from linli.visits.services import (
    VisitInput,
    finding_add,
    finding_solve_on_spot,
    finding_to_request,
    visit_feedback_set,
    visit_record,
)

router = Router(tags=["visits"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class VisitIn(Schema):
    household_id: int | None = None
    hazard_id: int | None = None
    visited_at: Moment | None = None
    kind: VisitKind = VisitKind.ROUTINE
    template_id: int | None = None
    answers: dict[str, str] = Field(default_factory=dict)
    notes: str = Field("", max_length=2000)
    person_ids: list[int] = Field(default_factory=list, max_length=50)
    people_served: int | None = Field(None, ge=0, le=200)
    findings: list[str] = Field(default_factory=list, max_length=20)
    feedback_superior: bool = False
    feedback_party: bool = False
    feedback_resident: bool = False


class FindingOut(Schema):
    id: int
    text: str
    solved_on_spot: bool
    ticket_id: int | None
    ticket_number: str | None


class VisitOut(Schema):
    id: int
    kind: str
    visited_at: dt.datetime
    household_id: int | None
    hazard_id: int | None
    place_id: int
    visitor: str
    template_id: int | None
    answers: dict[str, str]
    notes: str
    person_ids: list[int]
    people_served: int
    feedback_superior: bool
    feedback_party: bool
    feedback_resident: bool
    findings: list[FindingOut]
    photo_ids: list[int]


class VisitListOut(Schema):
    items: list[VisitOut]
    next: str | None


class VisitListFilter(Schema):
    node_id: int | None = None
    kind: VisitKind | None = None
    mine: bool = False
    household_id: int | None = None
    hazard_id: int | None = None
    since: Day | None = None
    until: Day | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


class RequestRef(Schema):
    finding_id: int
    ticket_id: int
    ticket_number: str


class FindingRequestIn(Schema):
    category_id: int | None = None


class KeyHouseholdOut(Schema):
    household_id: int
    name: str
    tags: list[str]
    last_visit_at: dt.datetime | None
    frequency_days: int
    overdue: bool


class ProgressOut(Schema):
    person: str
    position: str
    place: str
    period: str
    mode: str
    done: int
    target: int
    expected: int
    behind: bool


class CoverageOut(Schema):
    node_id: int
    node_name: str
    households: int
    visited_last_90_days: int
    never_visited: int
    key_households: list[KeyHouseholdOut]
    key_overdue: int
    progress: list[ProgressOut]


class NodeFilter(Schema):
    node: int | None = None


class FiguresFilter(Schema):
    node: int | None = None
    since: Day | None = None
    until: Day | None = None


class VisitCountsOut(Schema):
    visits: int
    households: int
    people_served: int
    hazard_checks: int
    problems_found: int
    to_requests: int
    problems_solved: int
    solve_rate: float | None


class ChildFiguresOut(Schema):
    place_id: int
    name: str
    kind: str
    figures: VisitCountsOut


class VisitFiguresOut(Schema):
    node_id: int
    node_name: str
    since: dt.date
    until: dt.date
    figures: VisitCountsOut
    children: list[ChildFiguresOut]
    definitions: dict[str, str]


def visit_out(v: Visit) -> VisitOut:
    person = v.visitor_person
    return VisitOut(
        id=v.pk,
        kind=v.kind,
        visited_at=v.visited_at,
        household_id=v.household_id,
        hazard_id=v.hazard_id,
        place_id=v.place_id,
        visitor=person.name if person else "",
        template_id=v.template_id,
        answers=v.answers,
        notes=v.notes,
        person_ids=[p.pk for p in v.persons.all()],
        people_served=v.people_served,
        feedback_superior=v.feedback_superior,
        feedback_party=v.feedback_party,
        feedback_resident=v.feedback_resident,
        findings=[
            FindingOut(
                id=f.pk,
                text=f.text,
                solved_on_spot=f.solved_on_spot,
                ticket_id=f.ticket_id,
                ticket_number=f.ticket.number if f.ticket else None,
            )
            for f in v.findings.all()
        ],
        photo_ids=[p.pk for p in v.photos.all()],
    )


def _figures(f: VisitFigures) -> VisitCountsOut:
    return VisitCountsOut(**{name: getattr(f, name) for name in VisitCountsOut.model_fields})


@router.post(
    "",
    response={201: VisitOut, **ERRORS},
    operation_id="visits_create",
    summary="Record a visit; a retry with the same Idempotency-Key returns the first visit",
)
def visits_create(request: HttpRequest, payload: VisitIn) -> Status[VisitOut]:
    data = VisitInput(**payload.dict(), idempotency_key=request.headers.get("Idempotency-Key", ""))
    visit, _created = visit_record(actor=request.user, data=data)
    return Status(201, visit_out(s.access_visit(request.user, visit.pk)))


@router.post(
    "/{visit_id}/photos",
    response={201: VisitOut, **ERRORS},
    operation_id="visits_photo_add",
    summary="Attach a photo to a visit (multipart field `photo`)",
)
def visits_photo_add(request: HttpRequest, visit_id: int, photo: File[UploadedFile]) -> Status[VisitOut]:
    from linli.visits.services import visit_photo_add

    visit_photo_add(actor=request.user, visit_id=visit_id, upload=photo)
    return Status(201, visit_out(s.access_visit(request.user, visit_id)))


@router.get(
    "/photos/{photo_id}",
    response={200: None, 404: ErrorOut},
    operation_id="visits_photo_read",
    summary="The image bytes of one visit photo (scoped like the visit)",
)
def visits_photo_read(request: HttpRequest, photo_id: int) -> FileResponse:
    p = s.photo_for(request.user, photo_id)
    return uploads.serve_upload(p.image, content_type=p.content_type)


class FeedbackIn(Schema):
    step: Literal["superior", "party", "resident"] = Field(
        ...,
        description="六查六反馈 (seed 001: 向上级、当事人、群众反馈): superior = the level above, "
        "party = the person concerned (当事人), resident = the public (群众)",
    )
    done: bool = True


class FindingIn(Schema):
    text: str = Field(..., description="the problem found, as the page's finding field")


class FindingSolveIn(Schema):
    note: str = Field("", description="how it was solved on the spot, at most 500 characters")


@router.post(
    "/{visit_id}/feedback",
    response={200: VisitOut, **ERRORS},
    operation_id="visits_feedback_set",
    summary="Mark one feedback step (superior, party org, resident) done or not done",
)
def visits_feedback_set(request: HttpRequest, visit_id: int, payload: FeedbackIn) -> VisitOut:
    visit_feedback_set(actor=request.user, visit_id=visit_id, step=payload.step, done=payload.done)
    return visit_out(s.access_visit(request.user, visit_id))


@router.post(
    "/{visit_id}/findings",
    response={201: VisitOut, **ERRORS},
    operation_id="visits_findings_add",
    summary="Add a problem found to a visit after the fact (the visitor and staff who follow up)",
)
def visits_findings_add(request: HttpRequest, visit_id: int, payload: FindingIn) -> Status[VisitOut]:
    finding_add(actor=request.user, visit_id=visit_id, text=payload.text)
    return Status(201, visit_out(s.access_visit(request.user, visit_id)))


@router.post(
    "/findings/{finding_id}/solve",
    response={200: VisitOut, **ERRORS},
    operation_id="visits_finding_solve",
    summary="Mark a finding solved on the spot; 409 when already solved or turned into a request",
)
def visits_finding_solve(request: HttpRequest, finding_id: int, payload: FindingSolveIn) -> VisitOut:
    finding = finding_solve_on_spot(actor=request.user, finding_id=finding_id, note=payload.note)
    return visit_out(s.access_visit(request.user, finding.visit_id))


@router.get(
    "",
    response={200: VisitListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="visits_list",
    summary="Visits the caller may see, newest first, keyset-paginated",
)
def visits_list(request: HttpRequest, filters: Query[VisitListFilter]) -> VisitListOut:
    f = s.VisitFilters(
        node_id=filters.node_id,
        kind=filters.kind,
        mine=filters.mine,
        household_id=filters.household_id,
        hazard_id=filters.hazard_id,
        since=filters.since,
        until=filters.until,
    )
    qs = s.filter_visits(s.visit_list_qs(request.user).prefetch_related("persons", "photos"), request.user, f)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return VisitListOut(items=[visit_out(v) for v in page.items], next=page.next)


@router.post(
    "/findings/{finding_id}/request",
    response={200: RequestRef, **ERRORS},
    operation_id="visits_finding_to_request",
    summary="Turn a finding into a request (source visit), linked both ways; repeating returns the same request",
)
def visits_finding_to_request(request: HttpRequest, finding_id: int, payload: FindingRequestIn) -> RequestRef:
    ticket = finding_to_request(actor=request.user, finding_id=finding_id, category_id=payload.category_id)
    return RequestRef(finding_id=finding_id, ticket_id=ticket.pk, ticket_number=ticket.number)


@router.get(
    "/coverage",
    response={200: CoverageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="visits_coverage",
    summary="Households visited and never visited, key households overdue, who is behind their quota",
)
def visits_coverage(request: HttpRequest, filters: Query[NodeFilter]) -> CoverageOut:
    node = s.node_for(request.user, filters.node)
    c = coverage(request.user, node)
    return CoverageOut(
        node_id=node.pk,
        node_name=node.name,
        households=c.households,
        visited_last_90_days=c.visited_90,
        never_visited=c.never_visited_count,
        key_households=[
            KeyHouseholdOut(
                household_id=k.household.pk,
                name=f"{k.household.place.name} {k.household.room}",
                tags=k.tags,
                last_visit_at=k.last_visit_at,
                frequency_days=k.frequency_days,
                overdue=k.overdue,
            )
            for k in c.key
        ],
        key_overdue=len(c.key_overdue),
        progress=[
            ProgressOut(
                person=p.person_name,
                position=p.position_label,
                place=p.place_name,
                period=p.rule.period,
                mode=p.rule.mode,
                done=p.done,
                target=p.target,
                expected=p.expected,
                behind=p.behind,
            )
            for p in c.progress
        ],
    )


@router.get(
    "/figures",
    response={200: VisitFiguresOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="visits_figures",
    summary="Visits made, households reached, people served, problems found and solved, per node and period",
)
def visits_figures(request: HttpRequest, filters: Query[FiguresFilter]) -> VisitFiguresOut:
    node = s.node_for(request.user, filters.node)
    d_since, d_until = default_period()
    report = compute_figures(node, filters.since or d_since, filters.until or d_until)
    return VisitFiguresOut(
        node_id=node.pk,
        node_name=node.name,
        since=report.since,
        until=report.until,
        figures=_figures(report.total),
        children=[
            ChildFiguresOut(place_id=c.pk, name=c.name, kind=c.kind, figures=_figures(f)) for c, f in report.children
        ],
        definitions=translated(DEFINITIONS),
    )


# Registered last, on its own router added after the plans router: "/{visit_id}" would otherwise
# swallow /coverage, /figures and the plans router's /hazards and /rules.
read_router = Router(tags=["visits"])


@read_router.get(
    "/{visit_id}",
    response={200: VisitOut, 404: ErrorOut},
    operation_id="visits_read",
    summary="One visit with its checklist answers, findings and photo ids",
)
def visits_read(request: HttpRequest, visit_id: int) -> VisitOut:
    return visit_out(s.access_visit(request.user, visit_id))


router.add_router("", plans_router)
router.add_router("", read_router)
