"""Outgoing webhooks: subscribers, the event scan, signed delivery with retries, replay.

Nothing in ``linli.tickets`` knows about webhooks. A periodic task reads new ``TicketEvent``
rows after a cursor (the events are the workflow's own append-only log), writes one delivery
row per matching subscriber, and queues each for a worker. Deliveries carry a fixed payload
and are signed with HMAC-SHA256 over ``"{timestamp}.{body}"``::

    X-Linli-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

A receiver recomputes the HMAC with its secret, compares in constant time, and refuses
timestamps older than a few minutes (replays). ``verify_signature`` below does exactly that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.interop.keys import require_admin
from linli.interop.models import (
    DeliveryStatus,
    EventCursor,
    Handover,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscriber,
)
from linli.interop.open311_format import EXTENDED_STATUS, iso, open_or_closed
from linli.interop.open311_selectors import PUBLIC_NOTE_ACTIONS
from linli.places.models import Place
from linli.tickets.models import TicketEvent

CURSOR = "webhooks"
MAX_ATTEMPTS = 6  # the first try and five retries: 30 s, 1, 2, 4, 8 minutes apart
TIMEOUT_SECONDS = 5.0
SCAN_BATCH = 500
# Events younger than this wait for the next scan, so a transaction that took an earlier id but
# committed a moment later is not skipped by the cursor.
SCAN_LAG_SECONDS = 5
SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "X-Linli-Signature"
USER_AGENT = "Linli-Webhooks/1"

_url_validator = URLValidator(schemes=["http", "https"])


# --- signing --------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: str, header: str, body: bytes, *, tolerance: int = SIGNATURE_TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """What a receiver does: parse ``t=…,v1=…``, check the age, compare the HMAC in constant time."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# --- subscribers ----------------------------------------------------------------------------------


@transaction.atomic
def webhook_subscriber_create(
    *, actor: Any, name: str, url: str, place_id: int, events: list[str]
) -> tuple[WebhookSubscriber, str]:
    """Register a receiver for requests under ``place``; returns the row and the signing secret,
    shown once."""
    require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("请填写订阅名称(不超过100字)"), field="name")
    url = (url or "").strip()
    try:
        _url_validator(url)
    except ValidationError:
        raise InvalidInput(_("请填写接收地址(http 或 https 的完整网址)"), field="url") from None
    if len(url) > 1000:
        raise InvalidInput(_("接收地址过长"), field="url")
    chosen = sorted(set(events or []))
    if not chosen or not set(chosen) <= set(WebhookEvent.values):
        raise InvalidInput(_("请选择至少一种事件:新诉求、状态变化、居民评价"), field="events")
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise InvalidInput(_("所选区域不存在"), field="place")
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WebhookSubscriber.objects.create(
        name=name,
        place=place,
        place_path=place.path,
        url_enc=crypto.encrypt(url),
        secret_enc=crypto.encrypt(secret),
        events=chosen,
        created_by=actor,
    )
    EventCursor.objects.get_or_create(name=CURSOR, defaults={"last_id": _latest_event_id()})
    audit_record(action="webhook_subscriber.created", actor=actor, target=row, place=place.path, events=chosen)
    return row, secret


@transaction.atomic
def webhook_subscriber_disable(*, actor: Any, subscriber_id: int) -> WebhookSubscriber:
    """Stop sending (deliveries stay in the log)."""
    require_admin(actor)
    row = WebhookSubscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if row is None:
        raise NotFound(_("未找到该推送订阅"))
    if row.active:
        row.active = False
        row.save(update_fields=["active"])
        audit_record(action="webhook_subscriber.disabled", actor=actor, target=row)
    return row


# --- scanning events into deliveries --------------------------------------------------------------


def _latest_event_id() -> int:
    return TicketEvent.objects.aggregate(m=Max("id"))["m"] or 0


def kinds_of(event: TicketEvent) -> list[str]:
    if event.action == "submit":
        return [WebhookEvent.CREATED.value]
    kinds: list[str] = []
    if event.action == "rate":
        kinds.append(WebhookEvent.RATED)
    if event.from_status != event.to_status:
        kinds.append(WebhookEvent.STATUS_CHANGED)
    return kinds


def payload_for(event: TicketEvent, kind: str, external: Handover | None) -> dict[str, Any]:
    t = event.ticket
    return {
        "event": kind,
        "event_id": event.pk,
        "occurred_at": iso(event.at),
        "transition": {
            "action": event.action,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note if event.action in PUBLIC_NOTE_ACTIONS else "",
        },
        "request": {
            "id": t.pk,
            "number": t.number,
            "status": t.status,
            "open311_status": open_or_closed(t.status),
            "extended_status": EXTENDED_STATUS.get(t.status, "OPEN"),
            "title": t.title,
            "category_id": t.category_id,
            "place": {"id": t.place_id, "name": t.place.name, "path": t.place_path},
            "source": t.source,
            "submitted_at": iso(t.submitted_at),
            "resolve_due": iso(t.resolve_due),
            "resolution": t.resolution,
            "rating": t.rating,
        },
        "external": {"system": external.system, "id": external.external_id} if external else None,
    }


def webhook_scan(*, lag_seconds: int = SCAN_LAG_SECONDS, batch: int = SCAN_BATCH) -> list[int]:
    """Turn new request events into deliveries and queue them. Returns the new delivery ids."""
    with transaction.atomic():
        EventCursor.objects.get_or_create(name=CURSOR, defaults={"last_id": _latest_event_id()})
        cursor = EventCursor.objects.select_for_update().get(name=CURSOR)
        cutoff = timezone.now() - dt.timedelta(seconds=lag_seconds)
        events = list(
            TicketEvent.objects.filter(id__gt=cursor.last_id).select_related("ticket__place").order_by("id")[:batch]
        )
        subscribers = list(WebhookSubscriber.objects.filter(active=True))
        externals = {h.ticket_id: h for h in Handover.objects.filter(ticket_id__in={e.ticket_id for e in events})}
        rows: list[WebhookDelivery] = []
        last_id = cursor.last_id
        for event in events:
            if event.at > cutoff:
                break  # later ids wait with it, so the cursor never passes an uncommitted neighbour
            last_id = event.pk
            for kind in kinds_of(event):
                for sub in subscribers:
                    hears = kind in sub.events and event.place_path.startswith(sub.place_path)
                    if hears and event.at >= sub.created_at:
                        payload = payload_for(event, kind, externals.get(event.ticket_id))
                        rows.append(
                            WebhookDelivery(subscriber=sub, ticket_event_id=event.pk, event=kind, payload=payload)
                        )
        created = WebhookDelivery.objects.bulk_create(rows)
        EventCursor.objects.filter(name=CURSOR).update(last_id=last_id, updated_at=timezone.now())
        ids = [d.pk for d in created]
        _queue(ids)
    return ids


def _queue(ids: list[int]) -> None:
    from linli.interop.tasks import webhook_deliver_task

    for delivery_id in ids:
        transaction.on_commit(partial(webhook_deliver_task, delivery_id), robust=True)


# --- delivering -----------------------------------------------------------------------------------


class DeliveryError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    if not url.startswith(("http://", "https://")):
        raise DeliveryError("URL must be http or https")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (checked)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (checked)
            response.read(1024)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}", exc.code) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"network: {getattr(exc, 'reason', exc)}") from exc


def webhook_deliver(*, delivery_id: int) -> None:
    """Runs in the worker: one attempt. Raises ``DeliveryError`` while retries remain (Huey
    retries with backoff); after the last attempt the row is marked failed and kept for replay."""
    delivery = WebhookDelivery.objects.select_related("subscriber").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.DELIVERED or not delivery.subscriber.active:
        return
    sub = delivery.subscriber
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Linli-Event": delivery.event,
        "X-Linli-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(sub.secret, int(time.time()), body),
    }
    now = timezone.now()
    rows = WebhookDelivery.objects.filter(pk=delivery.pk)
    try:
        status = _post(sub.url, body, headers)
    except DeliveryError as exc:
        attempts = delivery.attempts + 1
        final = attempts >= MAX_ATTEMPTS
        rows.update(
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            last_status_code=exc.status,
            last_error=str(exc)[:300],
            status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING,
        )
        if not final:
            raise
        return
    rows.update(
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        last_status_code=status,
        last_error="",
        status=DeliveryStatus.DELIVERED,
        delivered_at=now,
    )


@transaction.atomic
def webhook_replay(*, actor: Any, delivery_id: int) -> WebhookDelivery:
    """Send a failed delivery again (same payload, fresh signature), with a fresh set of retries."""
    require_admin(actor)
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("未找到该推送记录"))
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.RETRYING):
        raise Conflict(_("只有发送失败的推送可以重发"))
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.save(update_fields=["status", "attempts"])
    audit_record(action="webhook_delivery.replayed", actor=actor, target=delivery)
    _queue([delivery.pk])
    return delivery
