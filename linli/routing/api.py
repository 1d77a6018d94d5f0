"""Routing API. ``router`` is mounted at /routing; ``paths_router`` at the API root for the paths the
issue fixes elsewhere (``/requests/{id}/similar``, ``/insights/hotspots``). Same selectors and services
as the pages; scope is checked the same way (outside your scope = 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from linli.accounts.roles import is_staff_like
from linli.core.errors import Forbidden, InvalidInput
from linli.core.schemas import ErrorOut
from linli.routing.engine import Candidate, suggest
from linli.routing.selectors import hot_groups_for, model_versions, similar_to_ticket, top_problems
from linli.routing.services import model_train
from linli.tickets.metrics import node_for
from linli.tickets.selectors import access_ticket

router = Router(tags=["routing"])
paths_router = Router(tags=["routing"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _staff(user: Any) -> None:
    if not is_staff_like(user):
        raise Forbidden(_("仅供工作人员使用"))


class RoutingSuggestIn(Schema):
    title: str = Field("", max_length=100)
    description: str = Field(..., min_length=1, max_length=5000)


class RoutingCategoryOut(Schema):
    id: int
    name: str
    path: list[str]


class RoutingCandidateOut(Schema):
    category: RoutingCategoryOut
    score: float = Field(..., ge=0, le=1)


class RoutingModelInfoOut(Schema):
    version: int = Field(..., description="0 = no learned model yet: category keywords")
    trained_on: int
    kind: str
    fallback_reason: str = ""


class RoutingSuggestOut(Schema):
    candidates: list[RoutingCandidateOut]
    model: RoutingModelInfoOut


def candidate_out(c: Candidate) -> RoutingCandidateOut:
    return RoutingCandidateOut(
        category=RoutingCategoryOut(id=c.category.pk, name=c.category.name, path=c.path), score=c.score
    )


@router.post("/suggest", response={200: RoutingSuggestOut, **ERRORS}, operation_id="routing_suggest")
def suggest_api(request: HttpRequest, payload: RoutingSuggestIn) -> RoutingSuggestOut:
    """Top 3 categories for a request text, best first, with the model version that ranked them."""
    _staff(request.user)
    p = suggest(title=payload.title, description=payload.description)
    return RoutingSuggestOut(
        candidates=[candidate_out(c) for c in p.candidates],
        model=RoutingModelInfoOut(
            version=p.version, trained_on=p.trained_on, kind=p.kind, fallback_reason=p.fallback_reason
        ),
    )


class RoutingVersionOut(Schema):
    version: int
    kind: str
    trained_at: dt.datetime
    trained_on: int
    categories: int
    macro_f1: float | None
    accuracy: float | None
    seconds: float
    trigger: str


class RoutingVersionListOut(Schema):
    items: list[RoutingVersionOut]


def version_out(m: Any) -> RoutingVersionOut:
    return RoutingVersionOut(
        version=m.version,
        kind=m.kind,
        trained_at=m.trained_at,
        trained_on=m.trained_on,
        categories=m.categories,
        macro_f1=m.macro_f1,
        accuracy=m.accuracy,
        seconds=m.seconds,
        trigger=m.trigger,
    )


@router.get("/models", response={200: RoutingVersionListOut, 403: ErrorOut}, operation_id="routing_models_list")
def models_api(request: HttpRequest) -> RoutingVersionListOut:
    """The latest 20 trained versions, newest first (bounded; no paging needed)."""
    _staff(request.user)
    return RoutingVersionListOut(items=[version_out(m) for m in model_versions(20)])


@router.post("/models", response={201: RoutingVersionOut, **ERRORS}, operation_id="routing_models_train")
def train_api(request: HttpRequest) -> tuple[int, RoutingVersionOut]:
    """Train a new version now (administrators); 409 with the reason when there are too few labelled requests."""
    return 201, version_out(model_train(actor=request.user, trigger="manual"))


class RoutingTopProblemsQuery(Schema):
    node: int | None = None
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default: last month")


class RoutingPlaceCountOut(Schema):
    place: str
    count: int


class RoutingProblemOut(Schema):
    category_id: int | None
    category: str
    count: int
    open: int
    places: list[RoutingPlaceCountOut]


class RoutingTopProblemsOut(Schema):
    node_id: int
    start: dt.date
    end: dt.date
    items: list[RoutingProblemOut]


def month_bounds(raw: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    if raw:
        try:
            start = dt.date(int(raw[:4]), int(raw[5:7]), 1)
        except ValueError:
            raise InvalidInput(_("月份应为 YYYY-MM"), field="month") from None
    else:
        start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start, end


@router.get("/top-problems", response={200: RoutingTopProblemsOut, **ERRORS}, operation_id="routing_top_problems")
def top_problems_api(request: HttpRequest, q: Query[RoutingTopProblemsQuery]) -> RoutingTopProblemsOut:
    """每月一题: the month's most frequent problems under a node (10 at most)."""
    from django.utils import timezone

    _staff(request.user)
    node = node_for(request.user, q.node)
    start, end = month_bounds(q.month, timezone.localdate())
    rows = top_problems(node, start, end)
    return RoutingTopProblemsOut(
        node_id=node.pk,
        start=start,
        end=end,
        items=[
            RoutingProblemOut(
                category_id=r["category_id"],
                category=r["category"],
                count=r["count"],
                open=r["open"],
                places=[RoutingPlaceCountOut(place=n, count=c) for n, c in r["places"]],
            )
            for r in rows
        ],
    )


# --- paths at the API root ------------------------------------------------------------------------


class RoutingSimilarQuery(Schema):
    days: int = Field(30, ge=1, le=365)
    limit: int = Field(5, ge=1, le=20)


class RoutingSimilarOut(Schema):
    id: int
    number: str
    title: str
    place_id: int
    place_name: str
    status: str
    submitted_at: dt.datetime
    score: float
    text_score: float
    place_score: float


class RoutingSimilarListOut(Schema):
    items: list[RoutingSimilarOut]


@paths_router.get(
    "/requests/{ticket_id}/similar", response={200: RoutingSimilarListOut, **ERRORS}, operation_id="requests_similar"
)
def similar_api(request: HttpRequest, ticket_id: int, q: Query[RoutingSimilarQuery]) -> RoutingSimilarListOut:
    """Open requests in the same community within ``days`` that look like this one, best first."""
    _staff(request.user)
    ticket = access_ticket(request.user, ticket_id)
    found = similar_to_ticket(request.user, ticket, days=q.days, limit=q.limit)
    return RoutingSimilarListOut(
        items=[
            RoutingSimilarOut(
                id=s.ticket.pk,
                number=s.ticket.number,
                title=s.ticket.title,
                place_id=s.ticket.place_id,
                place_name=s.ticket.place.name,
                status=s.ticket.status,
                submitted_at=s.ticket.submitted_at,
                score=s.score,
                text_score=s.text_score,
                place_score=s.place_score,
            )
            for s in found
        ]
    )


class RoutingHotspotQuery(Schema):
    node: int | None = None
    days: int = Field(30, ge=7, le=180)


class RoutingHotspotOut(Schema):
    place_id: int
    place_name: str
    category_id: int | None
    topic: str
    total: int
    recent: int
    recent_days: int
    baseline: float
    growing: bool
    ticket_ids: list[int]
    case_ticket_id: int | None


class RoutingHotspotListOut(Schema):
    node_id: int
    days: int
    items: list[RoutingHotspotOut]


@paths_router.get(
    "/insights/hotspots", response={200: RoutingHotspotListOut, **ERRORS}, operation_id="insights_hotspots"
)
def hotspots_api(request: HttpRequest, q: Query[RoutingHotspotQuery]) -> RoutingHotspotListOut:
    """Recent requests under a node grouped by compound and topic, fast-growing groups first (50 at most)."""
    _staff(request.user)
    node = node_for(request.user, q.node)
    groups = hot_groups_for(request.user, node=node, days=q.days)
    return RoutingHotspotListOut(
        node_id=node.pk,
        days=q.days,
        items=[
            RoutingHotspotOut(
                place_id=g.place.pk,
                place_name=g.place.name,
                category_id=g.category.pk if g.category else None,
                topic=g.topic,
                total=g.total,
                recent=g.recent,
                recent_days=g.recent_days,
                baseline=g.baseline,
                growing=g.growing,
                ticket_ids=g.ticket_ids[:200],
                case_ticket_id=g.hotspot.case_ticket_id if g.hotspot else None,
            )
            for g in groups
        ],
    )
