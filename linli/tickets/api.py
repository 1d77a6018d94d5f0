"""The request API (a stable contract for mini-programs and integrations): /requests, /metrics, /categories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.renderers import JSONRenderer
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import NotFound
from linli.core.i18n import translated
from linli.core.ratelimit import rate_limit
from linli.core.schemas import ErrorOut, OutSchema
from linli.insights.periods import Period
from linli.insights.selectors import children_figures, ranking_of, request_figures
from linli.tickets.api_categories import CategoryOut, category_out
from linli.tickets.api_categories import router as categories_router
from linli.tickets.api_problems import router as problems_router
from linli.tickets.deadlines import deadline_warning, due_text
from linli.tickets.list_cache import list_page_body, queue_page_keys
from linli.tickets.metrics import (
    DEFINITIONS,
    MIN_REQUESTS_FOR_RANKING,
    MetricsFilter,
    MetricsOut,
    RankedOut,
    default_period,
    figures_out,
    node_for,
)
from linli.tickets.models import Source, Ticket
from linli.tickets.models import Status as TicketStatus
from linli.tickets.selectors import (
    TicketFilters,
    access_ticket,
    event_actor_name,
    shown_phone,
    timeline,
)
from linli.tickets.services import photo_for, ticket_photo_add
from linli.tickets.transitions import ticket_act
from linli.tickets.workflow import allowed_actions

router = Router(tags=["tickets"])
router.add_router("", categories_router)  # /categories
router.add_router("", problems_router)  # /problems (api_problems.py)
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
JSON = JSONRenderer()  # NinjaAPI's renderer: the list answers bytes it renders itself (list_cache)
JSON_CONTENT_TYPE = f"{JSON.media_type}; charset={JSON.charset}"


class TicketIn(Schema):
    description: str
    title: str | None = None
    category_id: int | None = None
    place_id: int | None = None
    lat: Decimal | None = None
    lng: Decimal | None = None
    public: bool = Field(
        default=True,
        description="The reporter agrees to publication: once staff accept the request it may go on the order "
        "board for volunteers, and its description is published in the Open311 feed (phone and ID numbers masked, "
        "coordinates rounded to ~100 m). Nothing is published before acceptance.",
    )
    anonymous: bool = Field(default=False, description="Staff and volunteers do not see the reporter's name or number")
    contact_phone: str | None = None
    source: str = "api"
    kind: str = Field(
        default="help",
        description="诉求类型: help 求助, complaint 投诉, suggestion 建议, consult 咨询, report 举报, praise 表扬",
    )
    reporter_name: str | None = None


class PlaceRef(OutSchema):
    id: int
    name: str
    kind: str


class UnitOut(OutSchema):
    kind: str
    name: str
    place_id: int | None = None
    organisation_id: int | None = None


class DeadlinesOut(OutSchema):
    response_due: dt.datetime | None
    resolve_due: dt.datetime | None
    ack_due: dt.datetime | None
    overdue: bool
    paused: bool
    due_text: str
    calendar_warning: str | None


class PhotoOut(OutSchema):
    id: int
    kind: str
    url: str
    width: int
    height: int


class TicketOut(OutSchema):
    id: int
    number: str
    status: str
    status_label: str
    title: str
    description: str
    category: CategoryOut | None
    place: PlaceRef
    lat: Decimal | None
    lng: Decimal | None
    public: bool
    anonymous: bool
    source: str
    kind: str = Field(description="诉求类型 (help/complaint/suggestion/consult/report/praise); empty for old requests")
    priority: str
    contact_phone: str
    deadlines: DeadlinesOut
    handling_unit: UnitOut | None
    submitted_at: dt.datetime
    resolution: str
    resolved_on_spot: bool = Field(
        description="现场即办: resolved in one step by the worker who recorded it (action resolve_on_the_spot)"
    )
    rating: str
    rating_disputed: bool
    supervision_count: int
    merged_into: str | None
    actions: list[str]


class EventOut(OutSchema):
    action: str
    from_status: str
    to_status: str
    at: dt.datetime
    actor: str
    note: str
    data: dict[str, Any]


class TicketDetailOut(TicketOut):
    photos: list[PhotoOut]
    events: list[EventOut]


class TicketListOut(OutSchema):
    items: list[TicketOut]
    next: str | None


class RequestListFilter(Schema):
    status: TicketStatus | None = None
    category_id: int | None = None
    source: Source | None = None
    overdue: bool | None = None
    place_id: int | None = None
    mine: bool = False
    queue: Literal["mine", "unit", "subtree"] | None = None
    q: str | None = None
    care_tag: int | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


class ActionIn(Schema):
    note: str = ""
    rating: str | None = None
    place_id: int | None = None
    organisation_id: int | None = None
    master_id: int | None = None
    ack_hours: int | None = None
    category_id: int | None = None  # recategorise (改分类)


def _unit(t: Ticket) -> UnitOut | None:
    if t.handling_org_id:
        org = t.handling_org
        return UnitOut(kind=org.kind, name=org.name, organisation_id=org.pk)  # type: ignore[union-attr]
    if t.handling_place_id:
        p = t.handling_place
        return UnitOut(kind=p.kind, name=p.name, place_id=p.pk)  # type: ignore[union-attr]
    return None


def ticket_out(t: Ticket, user: Any, *, listed: bool = False) -> dict[str, Any]:
    """One request as the API shows it. ``listed``: a row of a list page, which must read the same for
    every viewer (``list_cache`` serves one rendered page to anyone whose page holds the same rows): no
    actions and no contact number, which only the request's own answer shows, to those who may see it."""
    return {
        "id": t.pk,
        "number": t.number,
        "status": t.status,
        "status_label": t.status_label,
        "title": t.title,
        "description": t.description,
        "category": category_out(t.category),
        "place": PlaceRef(id=t.place.pk, name=t.place.name, kind=t.place.kind),
        "lat": t.lat,
        "lng": t.lng,
        "public": t.public,
        "anonymous": t.anonymous,
        "source": t.source,
        "kind": t.kind,
        "priority": t.priority,
        "contact_phone": "" if listed else shown_phone(t, user),
        "deadlines": DeadlinesOut(
            response_due=t.response_due,
            resolve_due=t.resolve_due,
            ack_due=t.ack_due,
            overdue=t.is_overdue,
            paused=t.paused_at is not None,
            due_text=due_text(t),
            calendar_warning=deadline_warning(t) if t.is_open else None,
        ),
        "handling_unit": _unit(t),
        "submitted_at": t.submitted_at,
        "resolution": t.resolution,
        "resolved_on_spot": t.resolved_on_spot,
        "rating": t.rating,
        "rating_disputed": t.rating_disputed,
        "supervision_count": t.supervision_count,
        "merged_into": t.merged_into.number if t.merged_into_id else None,  # type: ignore[union-attr]
        "actions": [] if listed else allowed_actions(user, t),
    }


def detail_out(t: Ticket, user: Any, *, new: bool = False) -> TicketDetailOut:
    """One request with its photos and timeline; ``new``: just created, so it has no photos yet."""
    from django.urls import reverse

    photos = (
        []
        if new
        else [
            PhotoOut(
                id=p.pk,
                kind=p.kind,
                url=reverse("api:requests_photo_read", kwargs={"ticket_id": t.pk, "photo_id": p.pk}),
                width=p.width,
                height=p.height,
            )
            for p in t.photos.all()
        ]
    )
    events = [
        EventOut(
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            at=e.at,
            actor=event_actor_name(e, t, user),
            note=e.note,
            data=e.data,
        )
        # A request just created carries the events written with it, which are its whole timeline.
        for e in (getattr(t, "written_events", None) if new else None) or timeline(t)
    ]
    return TicketDetailOut(**ticket_out(t, user), photos=photos, events=events)


@router.post(
    "/requests",
    response={201: TicketDetailOut, **ERRORS, 429: ErrorOut},
    operation_id="requests_create",
    summary="Report a problem; retries with the same Idempotency-Key return the first result",
)
def requests_create(request: HttpRequest, payload: TicketIn) -> Status[TicketDetailOut]:
    if payload.source in (Source.APP, Source.API):  # residents' self-service intake: rate-limited (issue 13)
        rate_limit(purpose="intake.user", key=str(request.user.pk), request=request)
    from linli.routing.services import intake_submit

    # Smart dispatch, as at the page intake: the suggested category is recorded and, when the model is
    # sure, the request is created with it (routing.services.intake_submit).
    ticket, created = intake_submit(
        actor=request.user,
        description=payload.description,
        title=payload.title or "",
        category_id=payload.category_id,
        place_id=payload.place_id,
        lat=payload.lat,
        lng=payload.lng,
        public=payload.public,
        anonymous=payload.anonymous,
        contact_phone=payload.contact_phone or "",
        source=payload.source,
        kind=payload.kind,
        reporter_name=payload.reporter_name or "",
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    if not created:  # a retry with the same key: the first request, answered as GET answers it
        return Status(201, detail_out(access_ticket(request.user, ticket.pk), request.user))
    # The answer is built from the request in hand (the submitter may always see it; a dispatched
    # category and unit were set on it too) instead of reading it back like GET (eight queries fewer).
    return Status(201, detail_out(ticket, request.user, new=True))


@router.post(
    "/requests/{ticket_id}/photos",
    response={201: TicketDetailOut, **ERRORS},
    operation_id="requests_photo_add",
    summary="Attach a photo (multipart field `photo`; `kind` report or result)",
)
def requests_photo_add(
    request: HttpRequest, ticket_id: int, photo: File[UploadedFile], kind: Form[str] = "report"
) -> Status[TicketDetailOut]:
    ticket_photo_add(actor=request.user, ticket_id=ticket_id, upload=photo, kind=kind)
    return Status(201, detail_out(access_ticket(request.user, ticket_id), request.user))


@router.get(
    "/requests/{ticket_id}/photos/{photo_id}",
    response={200: None, 404: ErrorOut},
    operation_id="requests_photo_read",
    summary="The image bytes of one photo (scoped like the request)",
)
def requests_photo_read(request: HttpRequest, ticket_id: int, photo_id: int) -> FileResponse:
    p = photo_for(actor=request.user, photo_id=photo_id)
    if p.ticket_id != ticket_id:
        raise NotFound(_("未找到该照片,或您无权查看"))
    response = FileResponse(p.image.open("rb"), content_type=p.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/requests",
    response={200: TicketListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="requests_list",
    summary="Requests the caller may see, newest first, keyset-paginated",
)
def requests_list(request: HttpRequest, filters: Query[RequestListFilter]) -> HttpResponse:
    f = TicketFilters(
        status=filters.status,
        category_id=filters.category_id,
        source=filters.source,
        overdue=filters.overdue,
        place_id=filters.place_id,
        mine=filters.mine,
        queue=filters.queue,
        q=filters.q,
        care_tag=filters.care_tag,
    )
    page = queue_page_keys(user=request.user, filters=f, cursor=filters.cursor, limit=filters.limit)
    body = list_page_body(page=page, render=lambda rows, next_cursor: _list_json(request, rows, next_cursor))
    return HttpResponse(body, content_type=JSON_CONTENT_TYPE)


def _list_json(request: HttpRequest, rows: list[Ticket], next_cursor: str | None) -> bytes:
    """The page as django-ninja would answer it (validated against ``TicketListOut``), as bytes for
    ``list_cache``. The rows are plain dicts: building the schema objects here as well doubled the
    cost of a 50-row page (docs/scaling.md)."""
    page = TicketListOut.model_validate(
        {"items": [ticket_out(t, request.user, listed=True) for t in rows], "next": next_cursor}
    )
    return JSON.render(request, page.model_dump(), response_status=200).encode()


@router.get(
    "/requests/{ticket_id}",
    response={200: TicketDetailOut, 404: ErrorOut},
    operation_id="requests_read",
    summary="One request with its photos and its events timeline",
)
def requests_read(request: HttpRequest, ticket_id: int) -> TicketDetailOut:
    return detail_out(access_ticket(request.user, ticket_id), request.user)


@router.post(
    "/requests/{ticket_id}/actions/{action}",
    response={200: TicketDetailOut, **ERRORS},
    operation_id="requests_action",
    summary="Apply a workflow action (accept, decline, assign, publish, claim, start, resolve, rate, …; "
    "resolve_on_the_spot for the recorder of a request settled as it was recorded)",
)
def requests_action(request: HttpRequest, ticket_id: int, action: str, payload: ActionIn) -> TicketDetailOut:
    ticket_act(actor=request.user, ticket_id=ticket_id, action=action, **payload.dict())
    return detail_out(access_ticket(request.user, ticket_id), request.user)


@router.get(
    "/metrics",
    response={200: MetricsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="metrics_read",
    summary="Received, response, resolution, satisfaction and on-time rates for a node and period",
)
def metrics_read(request: HttpRequest, filters: Query[MetricsFilter]) -> MetricsOut:
    """The figures of docs/metrics.md from the insights rollups, which hold exactly what the event fold
    (``metrics.compute``, the definition ``check_rollups`` and the tests hold them to) computes: a district's
    month took seconds folded on the 1M database. The period is therefore at most three years, as on the page."""
    d_since, d_until = default_period()
    period = Period(filters.since or d_since, filters.until or d_until)
    node = node_for(request.user, filters.node)
    children = children_figures(node, period)
    return MetricsOut(
        node_id=node.pk,
        node_name=node.name,
        since=period.since,
        until=period.until,
        figures=figures_out(request_figures(node, period)),
        rankings=[
            RankedOut(place_id=b.place.pk, name=b.place.name, kind=b.place.kind, figures=figures_out(b.figures))
            for b in ranking_of(children, MIN_REQUESTS_FOR_RANKING)
        ],
        min_requests_for_ranking=MIN_REQUESTS_FOR_RANKING,
        definitions=translated(DEFINITIONS),
    )
