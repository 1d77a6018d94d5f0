"""Group robots (企业微信 / 钉钉 群机器人) over the API, as on /inbox/robots/: node managers list,
add, test and remove them. The webhook URL and secret carry the robot's key: never returned."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import Forbidden
from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut, PageQuery
from linli.core.scoping import access, scope_for
from linli.notify.models import Delivery, NodeWebhook
from linli.notify.outbox import deliveries_for_admin, delivery_retry
from linli.notify.selectors import webhooks_visible
from linli.notify.services import webhook_add, webhook_remove, webhook_test
from linli.places.selectors import access_place

router = Router(tags=["notify"])


class RobotIn(Schema):
    place_id: int
    kind: Literal["wecom", "dingtalk"]
    name: str = Field(min_length=1, max_length=100, description="the group's name, e.g. 五长工作群")
    url: str = Field(min_length=1, max_length=1000, description="the robot's webhook address (stored encrypted)")
    secret: str = Field("", max_length=200, description="DingTalk signing secret, optional")
    cascade: bool = True


class RobotOut(Schema):
    id: int
    place_id: int
    place_name: str
    kind: str
    name: str
    cascade: bool
    active: bool
    created_at: dt.datetime
    last_sent_at: dt.datetime | None
    last_error: str
    failures: int


class RobotListOut(Schema):
    items: list[RobotOut]
    next: str | None


class RobotTestOut(Schema):
    id: int
    queued: bool


def _require_manager(user: object) -> None:
    if scope_for(user, "manage").empty:  # type: ignore[arg-type]
        raise Forbidden(_("只有社区及以上的管理人员可以设置群机器人"))


def _out(h: NodeWebhook) -> RobotOut:
    return RobotOut(
        id=h.pk,
        place_id=h.place_id,
        place_name=h.place.name,
        kind=h.kind,
        name=h.name,
        cascade=h.cascade,
        active=h.active,
        created_at=h.created_at,
        last_sent_at=h.last_sent_at,
        last_error=h.last_error,
        failures=h.failures,
    )


@router.get(
    "/robots",
    response={200: RobotListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="robots_list",
    summary="Group robots on the nodes the caller manages",
)
def robots_list(request: HttpRequest, page: Query[PageQuery]) -> RobotListOut:
    _require_manager(request.user)
    result = keyset_page(webhooks_visible(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return RobotListOut(items=[_out(h) for h in result.items], next=result.next)


@router.post(
    "/robots",
    response={201: RobotOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="robots_add",
    summary="Attach a group robot to a node (audited); its URL is checked and stored encrypted",
)
def robots_add(request: HttpRequest, body: RobotIn) -> Status[RobotOut]:
    _require_manager(request.user)
    place = access_place(request.user, body.place_id)
    hook = webhook_add(
        actor=request.user,
        place=place,
        kind=body.kind,
        name=body.name,
        url=body.url,
        secret=body.secret,
        cascade=body.cascade,
    )
    return Status(201, _out(webhooks_visible(request.user).get(pk=hook.pk)))


@router.post(
    "/robots/{robot_id}/test",
    response={202: RobotTestOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="robots_test",
    summary="Queue a hello message to the group",
)
def robots_test(request: HttpRequest, robot_id: int) -> Status[RobotTestOut]:
    hook: NodeWebhook = access(NodeWebhook.objects.select_related("place"), request.user, robot_id)
    webhook_test(actor=request.user, hook=hook)
    return Status(202, RobotTestOut(id=hook.pk, queued=True))


@router.delete(
    "/robots/{robot_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    operation_id="robots_remove",
)
def robots_remove(request: HttpRequest, robot_id: int) -> Status[None]:
    hook: NodeWebhook = access(NodeWebhook.objects.all(), request.user, robot_id)
    webhook_remove(actor=request.user, hook=hook)
    return Status(204, None)


# --- outbox of SMS / robot messages (administrators), as on /inbox/deliveries/ ------------------------


class DeliveryOut(Schema):
    id: int
    channel: Literal["sms", "robot"]
    status: Literal["pending", "sending", "sent", "failed", "skipped"]
    attempts: int
    person_id: int | None = Field(description="the resident an SMS goes to (the phone number is never returned)")
    robot_id: int | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str


class DeliveryListOut(Schema):
    items: list[DeliveryOut]
    next: str | None


class DeliveryQuery(PageQuery):
    status: Literal["", "pending", "sending", "sent", "failed", "skipped"] = ""


def _delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.pk,
        channel=d.channel,  # type: ignore[arg-type]
        status=d.status,  # type: ignore[arg-type]
        attempts=d.attempts,
        person_id=d.person_id,
        robot_id=d.hook_id,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at,
        sent_at=d.sent_at,
        last_error=d.last_error,
    )


@router.get(
    "/deliveries",
    response={200: DeliveryListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="deliveries_list",
    summary="SMS and group-robot messages in the outbox, newest first (administrators)",
)
def deliveries_list(request: HttpRequest, query: Query[DeliveryQuery]) -> DeliveryListOut:
    qs = deliveries_for_admin(request.user, status=query.status)
    result = keyset_page(qs, key="id", cursor=query.cursor, limit=query.limit, descending=True)
    return DeliveryListOut(items=[_delivery_out(d) for d in result.items], next=result.next)


@router.post(
    "/deliveries/{delivery_id}/retry",
    response={202: DeliveryOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="deliveries_retry",
    summary="Send a failed or skipped message again (same idempotency key; audited)",
)
def deliveries_retry(request: HttpRequest, delivery_id: int) -> Status[DeliveryOut]:
    return Status(202, _delivery_out(delivery_retry(actor=request.user, delivery_id=delivery_id)))
