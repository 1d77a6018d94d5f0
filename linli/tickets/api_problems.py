"""The community problem list (问题清单) over the API, as on /requests/problems/: list (scoped,
keyset), add an item, list a request on it, sign an item off (责任销号)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut
from linli.tickets.models import ProblemItem, ProblemStatus
from linli.tickets.problems import problem_add, problem_add_from_ticket, problem_sign_off

router = Router(tags=["tickets"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ProblemIn(Schema):
    community_id: int
    title: str = Field(min_length=1, max_length=200)
    responsible_id: int = Field(description="a person holding a current position in the community or above")
    due_date: Day
    ticket_id: int | None = Field(None, description="a request of the same community, listed once")


class ProblemFromTicketIn(Schema):
    responsible_id: int
    due_date: Day
    title: str = Field("", max_length=200, description="defaults to the request's title")


class ProblemSignOffIn(Schema):
    note: str = Field(min_length=1, max_length=2000, description="销号说明")


class ProblemOut(Schema):
    id: int
    community_id: int
    community_name: str
    title: str
    ticket_id: int | None
    ticket_number: str | None
    responsible_id: int
    responsible_name: str
    due_date: dt.date
    status: str
    signed_off_at: dt.datetime | None
    sign_off_note: str


class ProblemListOut(Schema):
    items: list[ProblemOut]
    next: str | None


class ProblemFilter(Schema):
    community_id: int | None = None
    status: ProblemStatus | None = None
    cursor: str | None = Field(None, description="opaque; pass back the previous page's `next`")
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


def _out(item: ProblemItem) -> ProblemOut:
    return ProblemOut(
        id=item.pk,
        community_id=item.community_id,
        community_name=item.community.name,
        title=item.title,
        ticket_id=item.ticket_id,
        ticket_number=item.ticket.number if item.ticket else None,
        responsible_id=item.responsible_id,
        responsible_name=item.responsible.name,
        due_date=item.due_date,
        status=item.status,
        signed_off_at=item.signed_off_at,
        sign_off_note=item.sign_off_note,
    )


def _visible(user: Any) -> Any:
    return ProblemItem.objects.visible_to(user).select_related("community", "ticket", "responsible")


@router.get(
    "/problems",
    response={200: ProblemListOut, 422: ErrorOut},
    operation_id="problems_list",
    summary="Items on the problem lists the caller may see (by community, status), keyset-paginated",
)
def problems_list(request: HttpRequest, q: Query[ProblemFilter]) -> ProblemListOut:
    qs = _visible(request.user)
    if q.community_id is not None:
        qs = qs.filter(community_id=q.community_id)
    if q.status is not None:
        qs = qs.filter(status=q.status)
    page = keyset_page(qs, key="id", cursor=q.cursor, limit=q.limit)
    return ProblemListOut(items=[_out(i) for i in page.items], next=page.next)


@router.post(
    "/problems",
    response={201: ProblemOut, **ERRORS},
    operation_id="problems_create",
    summary="Put an item on a community's problem list (community managers and leaders)",
)
def problems_create(request: HttpRequest, body: ProblemIn) -> Status[ProblemOut]:
    item = problem_add(actor=request.user, **body.dict())
    return Status(201, _out(_visible(request.user).get(pk=item.pk)))


@router.post(
    "/requests/{ticket_id}/problem",
    response={201: ProblemOut, **ERRORS},
    operation_id="problems_from_request",
    summary="List an overdue, escalated or supervised request on its community's problem list",
)
def problems_from_request(request: HttpRequest, ticket_id: int, body: ProblemFromTicketIn) -> Status[ProblemOut]:
    item = problem_add_from_ticket(actor=request.user, ticket_id=ticket_id, **body.dict())
    return Status(201, _out(_visible(request.user).get(pk=item.pk)))


@router.post(
    "/problems/{item_id}/sign-off",
    response={200: ProblemOut, **ERRORS},
    operation_id="problems_sign_off",
    summary="责任销号: close an item once its request is dealt with, with a note",
)
def problems_sign_off(request: HttpRequest, item_id: int, body: ProblemSignOffIn) -> ProblemOut:
    item = problem_sign_off(actor=request.user, item_id=item_id, note=body.note)
    return _out(_visible(request.user).get(pk=item.pk))
