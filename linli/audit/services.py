"""The one helper that writes audit events."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from linli.audit.models import AuditEvent


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
    return AuditEvent.objects.create(
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
