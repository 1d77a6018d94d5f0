"""Outbox for external channels: each SMS / robot message is delivered exactly once.

Why an outbox: the earlier design enqueued a Huey task per message after commit. A worker killed
while the gateway was taking the message either lost it (Huey had already dequeued the task) or,
with retries, sent it twice. Now:

1. ``delivery_add`` writes a ``Delivery`` row in the caller's transaction (with the notification or
   the request transition that causes it) and, after commit, enqueues ``delivery_send_task`` so the
   message leaves at once. Nothing is sent for a rolled-back change; a committed one is on disk.
2. ``deliveries_claim`` moves due ``pending`` rows to ``sending`` with a lease (``SELECT … FOR
   UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never take the same row; SQLite serialises
   writers with ``BEGIN IMMEDIATE``), and the conditional UPDATE makes the claim a compare-and-set
   on every engine.
3. ``delivery_send`` sends with the row's ``key`` as the idempotency key and marks the row ``sent``;
   a failure schedules the next attempt with exponential backoff, and after
   ``LINLI_NOTIFY_MAX_ATTEMPTS`` the row is ``failed`` (audited, listed for administrators).
4. ``deliveries_recover`` (every minute, from the worker) puts rows stuck in ``sending`` past their
   lease back to ``pending``: the worker died mid-send. The resend carries the same key, so a
   gateway that had already taken the message drops the copy — exactly one delivery.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, NotFound
from linli.core.masking import mask_phone
from linli.core.scoping import scope_for
from linli.notify.models import Delivery, DeliveryChannel, DeliveryStatus, NodeWebhook, Notification
from linli.notify.robots import robot_post
from linli.notify.sms import send_sms

log = logging.getLogger("linli.notify")

CLAIM_BATCH = 50


def lease_seconds() -> int:
    return int(getattr(settings, "NOTIFY_LEASE_SECONDS", 120))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most an hour."""
    return dt.timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


# --- writing -------------------------------------------------------------------------------------------


def delivery_add(
    *,
    channel: str,
    text: str,
    person_id: int | None = None,
    hook_id: int | None = None,
    notification: Notification | None = None,
) -> Delivery:
    """Queue one message in the caller's transaction; it is sent after commit (and retried from the table)."""
    if channel == DeliveryChannel.SMS and person_id is None:
        raise ValueError("an SMS delivery needs a person")
    if channel == DeliveryChannel.ROBOT and hook_id is None:
        raise ValueError("a robot delivery needs a hook")
    delivery = Delivery.objects.create(
        channel=channel,
        text=text,
        person_id=person_id,
        hook_id=hook_id,
        notification=notification,
        key=uuid.uuid4(),
    )
    from linli.notify.tasks import delivery_send_task

    transaction.on_commit(partial(delivery_send_task, delivery.pk), robust=True)
    return delivery


# --- the worker's side -------------------------------------------------------------------------------


def deliveries_claim(*, delivery_id: int | None = None, limit: int = CLAIM_BATCH) -> list[int]:
    """Take due pending rows for this worker: they become ``sending`` with a lease. Returns their ids."""
    now = timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        if delivery_id is not None:
            due = due.filter(pk=delivery_id)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        claimed = []
        for pk in ids:  # compare-and-set: a row another worker took meanwhile is left alone
            changed = Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SENDING,
                attempts=F("attempts") + 1,
                lease_until=now + dt.timedelta(seconds=lease_seconds()),
            )
            if changed:
                claimed.append(pk)
    return claimed


def _target(delivery: Delivery) -> tuple[str, str, str, str] | None:
    """(kind, address, secret, label for logs) to send to, or None when there is nothing to send to any more."""
    if delivery.channel == DeliveryChannel.SMS:
        from linli.people.models import Person

        if delivery.person_id is None:
            return None
        person = Person.objects.filter(pk=delivery.person_id, anonymised_at__isnull=True).first()
        phone = person.phone if person is not None else ""
        if not phone or phone.startswith("["):
            return None
        return ("sms", phone, "", mask_phone(phone))
    if delivery.hook_id is None:
        return None
    hook = NodeWebhook.objects.filter(pk=delivery.hook_id, active=True).first()
    if hook is None:
        return None
    return (hook.kind, hook.url, hook.secret, f"robot {hook.pk} ({hook.name})")


def delivery_send(*, delivery_id: int) -> str:
    """Send one claimed (``sending``) row; returns its new status. Call only after ``deliveries_claim``."""
    delivery = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).first()
    if delivery is None:
        return "not-claimed"
    mine = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts)
    target = _target(delivery)
    if target is None:
        mine.update(status=DeliveryStatus.SKIPPED, lease_until=None, last_error="没有可用的手机号或机器人")
        log.warning("delivery %s skipped: no usable target", delivery.pk)
        return DeliveryStatus.SKIPPED
    kind, address, secret, label = target
    key = str(delivery.key)
    try:
        if kind == "sms":
            send_sms(phone=address, text=delivery.text, key=key)
        else:
            robot_post(kind=kind, url=address, secret=secret, text=delivery.text, key=key)
    except Exception as exc:  # any gateway failure: try again later, or give up after the last attempt
        error = str(exc)[:300]
        final = delivery.attempts >= max_attempts()
        log.warning(
            "delivery %s to %s failed (attempt %s, %s): %s",
            delivery.pk,
            label,
            delivery.attempts,
            "final" if final else "will retry",
            error,
        )
        if delivery.hook_id:
            NodeWebhook.objects.filter(pk=delivery.hook_id).update(failures=F("failures") + 1, last_error=error)
        if final:
            mine.update(status=DeliveryStatus.FAILED, lease_until=None, last_error=error)
            audit_record(
                action="notify.delivery_failed",
                target=delivery,
                success=False,
                channel=delivery.channel,
                attempts=delivery.attempts,
                error=error,
            )
            return DeliveryStatus.FAILED
        mine.update(
            status=DeliveryStatus.PENDING,
            lease_until=None,
            last_error=error,
            next_attempt_at=timezone.now() + backoff(delivery.attempts),
        )
        return DeliveryStatus.PENDING
    now = timezone.now()
    mine.update(status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_error="")
    if delivery.hook_id:
        NodeWebhook.objects.filter(pk=delivery.hook_id).update(last_sent_at=now, last_error="")
    return DeliveryStatus.SENT


def deliveries_recover() -> int:
    """Put rows whose worker died mid-send (``sending`` past the lease) back to ``pending``, due now."""
    now = timezone.now()
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_until__lt=now).update(
        status=DeliveryStatus.PENDING, lease_until=None, next_attempt_at=now, last_error="租约过期,重新发送"
    )


@dataclass(frozen=True)
class DrainOutcome:
    recovered: int
    sent: int
    retrying: int
    failed: int
    skipped: int


def deliveries_drain(*, limit: int = CLAIM_BATCH) -> DrainOutcome:
    """One pass of the worker loop: recover expired leases, then claim and send what is due."""
    recovered = deliveries_recover()
    counts = {s: 0 for s in DeliveryStatus.values}
    for pk in deliveries_claim(limit=limit):
        outcome = delivery_send(delivery_id=pk)
        counts[outcome] = counts.get(outcome, 0) + 1
    return DrainOutcome(
        recovered=recovered,
        sent=counts[DeliveryStatus.SENT],
        retrying=counts[DeliveryStatus.PENDING],
        failed=counts[DeliveryStatus.FAILED],
        skipped=counts[DeliveryStatus.SKIPPED],
    )


# --- administrators ------------------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and scope_for(actor).everything):
        raise Forbidden(_("只有系统管理员可以查看和重发外部消息"))


def deliveries_for_admin(actor: Any, *, status: str = "") -> QuerySet[Delivery]:
    """Deliveries an administrator reviews (newest first); others are refused."""
    _require_admin(actor)
    qs = Delivery.objects.select_related("hook").order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return qs


@transaction.atomic
def delivery_retry(*, actor: Any, delivery_id: int) -> Delivery:
    """An administrator sends a failed (or skipped) message again: same key, attempts start over."""
    _require_admin(actor)
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("未找到该消息"))
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        raise Conflict(_("只有发送失败或未发送的消息可以重发"))
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(action="notify.delivery_retried", actor=actor, target=delivery, channel=delivery.channel)
    from linli.notify.tasks import delivery_send_task

    transaction.on_commit(partial(delivery_send_task, delivery.pk), robust=True)
    return delivery
