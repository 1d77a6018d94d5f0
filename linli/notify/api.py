"""The inbox over the API: every signed-in user (resident or staff) reads their own messages."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut
from linli.notify.api_robots import router as robots_router
from linli.notify.models import Notification
from linli.notify.selectors import inbox_for, unread_count
from linli.notify.services import notification_mark_read

router = Router(tags=["notify"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxFilter(Schema):
    unread: bool = Field(False, description="only unread messages")
    cursor: str | None = None
    limit: int = Field(30, ge=1, le=200, description="page size, 1–200")


class InboxOut(Schema):
    items: list[NotificationOut]
    next: str | None
    unread: int = Field(description="unread messages, counted up to 100")


class MarkReadIn(Schema):
    ids: list[int] | None = Field(None, description="messages to mark read; leave out (or null) with all=true")
    all: bool = Field(False, description="mark every unread message read")


class MarkReadOut(Schema):
    marked: int
    unread: int


def _out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk, kind=n.kind, title=n.title, body=n.body, link=n.link, created_at=n.created_at, read_at=n.read_at
    )


@router.get("/inbox", response={200: InboxOut, 401: ErrorOut, 422: ErrorOut}, operation_id="inbox_list")
def inbox_list(request: HttpRequest, filters: Query[InboxFilter]) -> InboxOut:
    qs = inbox_for(request.user)
    if filters.unread:
        qs = qs.unread()
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return InboxOut(items=[_out(n) for n in page.items], next=page.next, unread=unread_count(request.user))


@router.post("/inbox/read", response={200: MarkReadOut, 401: ErrorOut, 422: ErrorOut}, operation_id="inbox_mark_read")
def inbox_mark_read(request: HttpRequest, payload: MarkReadIn) -> MarkReadOut:
    if payload.all == (payload.ids is not None):
        raise InvalidInput(_("请给出要标为已读的消息编号 ids,或者 all=true(二选一)"), field="ids")
    marked = notification_mark_read(user=request.user, ids=None if payload.all else payload.ids)
    return MarkReadOut(marked=marked, unread=unread_count(request.user))


router.add_router("", robots_router)  # /robots (api_robots.py)
