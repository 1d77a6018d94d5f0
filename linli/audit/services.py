"""The one helper that writes audit events, and the hash chain that makes them tamper-evident.

``audit_record`` inserts the event in the caller's transaction. After that transaction commits,
``audit_seal_pending`` links the event into the chain in its own short transaction, holding the
chain head's row lock (``SELECT … FOR UPDATE``; SQLite serialises writers anyway). Sealing after
commit keeps a long business transaction from holding the global chain lock (no deadlocks, no
waiting), and an event whose transaction rolls back is never sealed. Events a crash left unsealed
are sealed by the next ``verify_audit`` run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.models import AuditChainHead, AuditEvent, AuditSeal
from linli.core.errors import InvalidInput

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 180


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind the street's reverse proxy set LINLI_TRUST_X_FORWARDED_FOR; we do not guess.
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    success: bool = True,
    request: HttpRequest | None = None,
    actor_label: str = "",
    **detail: Any,
) -> AuditEvent:
    """Record one audit event. ``actor`` may be anonymous (failed login): name it in ``actor_label``."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label or (user.get_username() if user else ""),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label or (str(target)[:200] if target is not None else ""),
        success=success,
        ip=client_ip(request),
        detail=detail,
    )
    transaction.on_commit(lambda: audit_seal_pending(event_ids=[event.pk]))
    return event


def event_digest(event: AuditEvent, prev_hash: str) -> str:
    """SHA-256 over the previous link and the event's canonical fields (as stored in the database)."""
    at = event.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [
        prev_hash,
        str(event.pk),
        at,
        str(event.actor_id or ""),
        event.actor_label,
        event.action,
        event.target_type,
        event.target_id,
        event.target_label,
        "1" if event.success else "0",
        event.ip or "",
        json.dumps(event.detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str),
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _head_for_update() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a flushed test database; migrations create it otherwise
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def audit_seal_pending(*, event_ids: Iterable[int] | None = None) -> int:
    """Link unsealed events into the chain, oldest id first; returns how many were sealed.

    ``event_ids`` limits the work to events just committed (the normal path); ``None`` seals every
    unsealed event (a full scan: for ``verify_audit``, not for request paths).
    """
    with transaction.atomic():
        head = _head_for_update()
        pending = AuditEvent.objects.filter(seal__isnull=True).order_by("id")
        if event_ids is not None:
            ids = list(event_ids)
            if not ids:
                return 0
            pending = pending.filter(pk__in=ids)
        now = timezone.now()
        seals = []
        seq, prev = head.last_seq, head.last_hash
        for event in pending.iterator(chunk_size=1000):
            seq += 1
            digest = event_digest(event, prev)
            seals.append(AuditSeal(seq=seq, event=event, prev_hash=prev, hash=digest, sealed_at=now))
            prev = digest
            if len(seals) >= 1000:
                AuditSeal.objects.bulk_create(seals)
                seals = []
        AuditSeal.objects.bulk_create(seals)
        sealed = seq - head.last_seq
        if sealed:
            AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
        return sealed


@dataclass
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    unsealed_before: int
    broken_seq: int | None = None
    broken_event_id: int | None = None
    reason: str = ""


def audit_verify_chain() -> ChainReport:
    """Seal stragglers, then walk the chain from the retention anchor; stop at the first broken link."""
    unsealed = audit_seal_pending()
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    report = ChainReport(ok=True, checked=0, head_seq=head.last_seq, head_hash=head.last_hash, unsealed_before=unsealed)

    def broken(seq: int, event_id: int | None, reason: str) -> ChainReport:
        report.ok, report.broken_seq, report.broken_event_id, report.reason = False, seq, event_id, reason
        return report

    purge = AuditEvent.objects.filter(action="audit.purged").order_by("-id").first()
    if head.anchor_seq and (
        purge is None
        or purge.detail.get("anchor_seq") != head.anchor_seq
        or purge.detail.get("anchor_hash") != head.anchor_hash
    ):
        return broken(head.anchor_seq, None, "保留期锚点与最近一次清理记录不一致")
    expected_seq, prev = head.anchor_seq, head.anchor_hash if head.anchor_seq else GENESIS
    seals = AuditSeal.objects.filter(seq__gt=head.anchor_seq).select_related("event").order_by("seq")
    for seal in seals.iterator(chunk_size=2000):
        expected_seq += 1
        if seal.seq != expected_seq:
            return broken(expected_seq, None, f"第 {expected_seq} 环缺失(链接被删除)")
        if seal.prev_hash != prev:
            return broken(seal.seq, seal.event_id, "前一环哈希不符(链接被删除或改动)")
        if event_digest(seal.event, prev) != seal.hash:
            return broken(seal.seq, seal.event_id, "事件内容与哈希不符(记录被改动)")
        prev = seal.hash
        report.checked += 1
    if expected_seq != head.last_seq or prev != (head.last_hash if head.last_seq else GENESIS):
        return broken(expected_seq + 1, None, "链尾与链头记录不符(最新的链接被删除)")
    return report


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)))


def audit_purge(*, older_than_days: int | None = None, actor_label: str = "manage.py purge_audit") -> int:
    """Delete sealed events older than the retention period (never fewer than 180 days).

    Only a prefix of the chain is removed, so the rest still verifies from the new anchor, which
    is recorded on the head and in a chained ``audit.purged`` event. Returns the rows removed.
    """
    days = retention_days() if older_than_days is None else older_than_days
    if days < retention_days():
        raise InvalidInput(_("审计记录至少保留 %(days)s 天") % {"days": retention_days()}, field="older_than_days")
    cutoff = timezone.now() - dt.timedelta(days=days)
    with transaction.atomic():
        head = _head_for_update()
        first_young = (
            AuditSeal.objects.filter(seq__gt=head.anchor_seq, event__at__gte=cutoff)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        last_old = (first_young - 1) if first_young is not None else head.last_seq
        if last_old <= head.anchor_seq:
            return 0
        anchor = AuditSeal.objects.get(seq=last_old)
        doomed = AuditSeal.objects.filter(seq__gt=head.anchor_seq, seq__lte=last_old)
        event_ids = list(doomed.values_list("event_id", flat=True))
        doomed.delete()
        AuditEvent.objects.filter(pk__in=event_ids).delete()
        AuditChainHead.objects.filter(pk=1).update(anchor_seq=anchor.seq, anchor_hash=anchor.hash)
        audit_record(
            action="audit.purged",
            actor_label=actor_label,
            removed=len(event_ids),
            cutoff=cutoff.isoformat(),
            anchor_seq=anchor.seq,
            anchor_hash=anchor.hash,
        )
        return len(event_ids)
