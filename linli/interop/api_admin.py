"""Administrators' interop settings over the API, as on /interop/: Open311 keys (issue, list,
revoke), webhook subscribers (register, list, stop), their delivery log and the replay of a failed
delivery. A new key or signing secret is returned once, in the create answer, and never again."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.interop.keys import open311_key_create, open311_key_revoke
from linli.interop.models import DeliveryStatus, WebhookDelivery
from linli.interop.selectors import access_subscriber, deliveries_of, keys_for_admin, subscribers_visible
from linli.interop.webhooks import webhook_replay, webhook_subscriber_create, webhook_subscriber_disable

router = Router(tags=["interop"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Open311KeyIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    jurisdiction_id: int | None = Field(None, description="a street; empty = every street")
    rate_per_minute: int = Field(60, ge=1, le=10000)


class Open311KeyOut(Schema):
    id: int
    name: str
    prefix: str
    jurisdiction_id: int | None
    rate_per_minute: int
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class Open311KeyCreatedOut(Open311KeyOut):
    api_key: str = Field(description="shown once; only its hash is kept")


class Open311KeyListOut(Schema):
    items: list[Open311KeyOut]
    next: str | None


def _key_out(k: Any) -> dict[str, Any]:
    return {
        "id": k.pk,
        "name": k.name,
        "prefix": k.prefix,
        "jurisdiction_id": k.jurisdiction_id,
        "rate_per_minute": k.rate_per_minute,
        "created_at": k.created_at,
        "last_used_at": k.last_used_at,
        "revoked_at": k.revoked_at,
    }


@router.get(
    "/open311-keys",
    response={200: Open311KeyListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="open311_keys_list",
    summary="Open311 API keys (administrators)",
)
def open311_keys_list(request: HttpRequest, page: Query[PageQuery]) -> Open311KeyListOut:
    result = keyset_page(keys_for_admin(request.user), key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return Open311KeyListOut(items=[Open311KeyOut(**_key_out(k)) for k in result.items], next=result.next)


@router.post(
    "/open311-keys",
    response={201: Open311KeyCreatedOut, **ERRORS},
    operation_id="open311_keys_create",
    summary="Issue an Open311 key for a client, limited to a jurisdiction (audited)",
)
def open311_keys_create(request: HttpRequest, body: Open311KeyIn) -> Status[Open311KeyCreatedOut]:
    row, raw = open311_key_create(
        actor=request.user, name=body.name, jurisdiction_id=body.jurisdiction_id, rate_per_minute=body.rate_per_minute
    )
    return Status(201, Open311KeyCreatedOut(**_key_out(row), api_key=raw))


@router.post(
    "/open311-keys/{key_id}/revoke",
    response={200: Open311KeyOut, **ERRORS},
    operation_id="open311_keys_revoke",
)
def open311_keys_revoke(request: HttpRequest, key_id: int) -> Open311KeyOut:
    return Open311KeyOut(**_key_out(open311_key_revoke(actor=request.user, key_id=key_id)))


class WebhookSubscriberIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=1000, description="http(s) receiver; stored encrypted")
    place_id: int = Field(description="requests under this place are sent")
    events: list[Literal["created", "status_changed", "rated"]] = Field(min_length=1)


class WebhookSubscriberOut(Schema):
    id: int
    name: str
    place_id: int
    events: list[str]
    active: bool
    created_at: dt.datetime
    failed_deliveries: int | None = None


class WebhookSubscriberCreatedOut(WebhookSubscriberOut):
    secret: str = Field(description="HMAC-SHA256 signing secret, shown once")


class WebhookSubscriberListOut(Schema):
    items: list[WebhookSubscriberOut]
    next: str | None


def _sub_out(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "place_id": s.place_id,
        "events": list(s.events or []),
        "active": s.active,
        "created_at": s.created_at,
        "failed_deliveries": getattr(s, "n_failed", None),
    }


@router.get(
    "/webhooks",
    response={200: WebhookSubscriberListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="webhooks_list",
    summary="Webhook subscribers (administrators), with their failed-delivery counts",
)
def webhooks_list(request: HttpRequest, page: Query[PageQuery]) -> WebhookSubscriberListOut:
    result = keyset_page(subscribers_visible(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return WebhookSubscriberListOut(items=[WebhookSubscriberOut(**_sub_out(s)) for s in result.items], next=result.next)


@router.post(
    "/webhooks",
    response={201: WebhookSubscriberCreatedOut, **ERRORS},
    operation_id="webhooks_create",
    summary="Register a receiver of signed request events under a place",
)
def webhooks_create(request: HttpRequest, body: WebhookSubscriberIn) -> Status[WebhookSubscriberCreatedOut]:
    row, secret = webhook_subscriber_create(
        actor=request.user, name=body.name, url=body.url, place_id=body.place_id, events=list(body.events)
    )
    return Status(201, WebhookSubscriberCreatedOut(**_sub_out(row), secret=secret))


@router.post(
    "/webhooks/{subscriber_id}/disable",
    response={200: WebhookSubscriberOut, **ERRORS},
    operation_id="webhooks_disable",
)
def webhooks_disable(request: HttpRequest, subscriber_id: int) -> WebhookSubscriberOut:
    sub = access_subscriber(request.user, subscriber_id)
    return WebhookSubscriberOut(**_sub_out(webhook_subscriber_disable(actor=request.user, subscriber_id=sub.pk)))


class WebhookDeliveryOut(Schema):
    id: int
    subscriber_id: int
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None


class WebhookDeliveryListOut(Schema):
    items: list[WebhookDeliveryOut]
    next: str | None


class WebhookDeliveryFilter(Schema):
    status: DeliveryStatus | None = None
    cursor: str | None = Field(None, description="opaque; pass back the previous page's `next`")
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


def _delivery_out(d: WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=d.pk,
        subscriber_id=d.subscriber_id,
        event=d.event,
        status=d.status,
        attempts=d.attempts,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
        last_attempt_at=d.last_attempt_at,
        delivered_at=d.delivered_at,
    )


@router.get(
    "/webhooks/{subscriber_id}/deliveries",
    response={200: WebhookDeliveryListOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="webhooks_deliveries_list",
    summary="The delivery log of one subscriber, newest first",
)
def webhooks_deliveries_list(
    request: HttpRequest, subscriber_id: int, q: Query[WebhookDeliveryFilter]
) -> WebhookDeliveryListOut:
    qs = deliveries_of(access_subscriber(request.user, subscriber_id))
    if q.status is not None:
        qs = qs.filter(status=q.status)
    result = keyset_page(qs, key="id", cursor=q.cursor, limit=q.limit, descending=True)
    return WebhookDeliveryListOut(items=[_delivery_out(d) for d in result.items], next=result.next)


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    response={200: WebhookDeliveryOut, **ERRORS},
    operation_id="webhooks_delivery_replay",
    summary="Send a failed delivery again (same payload, fresh signature and retries)",
)
def webhooks_delivery_replay(request: HttpRequest, delivery_id: int) -> WebhookDeliveryOut:
    row = get_or_not_found(WebhookDelivery.objects.all(), delivery_id, message=_("未找到该推送记录"))
    access_subscriber(request.user, row.subscriber_id)
    return _delivery_out(webhook_replay(actor=request.user, delivery_id=row.pk))
