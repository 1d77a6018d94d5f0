"""Open311 API keys: issue, revoke, authenticate, rate-limit. Only digests are stored.

A key is shown once, when it is issued. Checking a key costs one indexed lookup on its digest;
the per-minute counter is one UPDATE with F() on the key's row, so concurrent requests from
several workers count correctly without a cache.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.ratelimit import RateLimited as _RateLimited
from linli.core.ratelimit import address_of, rate_limit
from linli.core.scoping import scope_for
from linli.interop.models import DEFAULT_RATE_PER_MINUTE, Open311Key
from linli.places.models import Place, PlaceKind

KEY_PREFIX = "o311_"


def random_key_body() -> str:
    """43 random URL-safe characters whose first is a letter or digit: operators type the key's first
    eight as its prefix on a command line (``open311_key revoke PREFIX``), where a leading "-" reads as
    an option (one key in 32 had one)."""
    while True:
        body = secrets.token_urlsafe(32)
        if body[0].isalnum():
            return body


# One 429 error for the whole project (issue 13): carries Retry-After; re-exported for the views.
RateLimited = _RateLimited


def is_admin(user: Any) -> bool:
    """System administrators: superusers and holders of a position with ``admin``."""
    return bool(getattr(user, "is_authenticated", False) and scope_for(user).everything)


def require_admin(user: Any) -> None:
    if not is_admin(user):
        raise Forbidden(_("只有系统管理员可以管理对接密钥和推送订阅"))


def street_by_id(jurisdiction_id: Any) -> Place:
    """A street, by primary key or by its 12-digit division code (Open311 ``jurisdiction_id``)."""
    text = str(jurisdiction_id or "").strip()
    street = None
    if text.isascii() and text.isdigit():
        street = Place.objects.filter(kind=PlaceKind.STREET).filter(Q(code=text) | Q(pk=parse_id(text) or 0)).first()
    if street is None:
        raise NotFound(_("jurisdiction_id “%(text)s” 不是本平台的街道") % {"text": text})
    return street


@transaction.atomic
def open311_key_create(
    *,
    actor: Any,
    name: str,
    jurisdiction_id: Any = None,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
    actor_label: str = "",
) -> tuple[Open311Key, str]:
    """Issue a key; returns the row and the clear key (never stored). ``actor=None`` is the CLI."""
    if actor is not None:
        require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise InvalidInput(_("请填写密钥名称(不超过64字)"), field="name")
    if not 1 <= int(rate_per_minute) <= 10_000:
        raise InvalidInput(_("每分钟调用上限应在 1 到 10000 之间"), field="rate_per_minute")
    street = street_by_id(jurisdiction_id) if jurisdiction_id not in (None, "") else None
    key = KEY_PREFIX + random_key_body()
    user_model: Any = get_user_model()
    account = user_model(username=f"open311-{key[5:13]}", first_name=name[:150], is_active=True)
    account.set_unusable_password()
    account.save()
    row = Open311Key.objects.create(
        name=name,
        prefix=key[5:13],
        digest=crypto.token_digest(key),
        user=account,
        jurisdiction=street,
        rate_per_minute=int(rate_per_minute),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="open311.key_issued",
        actor=actor,
        actor_label=actor_label,
        target=row,
        jurisdiction=street.pk if street else None,
    )
    return row, key


@transaction.atomic
def open311_key_revoke(*, actor: Any, key_id: int, actor_label: str = "") -> Open311Key:
    if actor is not None:
        require_admin(actor)
    row = Open311Key.objects.select_for_update().filter(pk=key_id).first()
    if row is None:
        raise NotFound(_("未找到该密钥"))
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        audit_record(action="open311.key_revoked", actor=actor, actor_label=actor_label, target=row)
    return row


def open311_key_check(raw: str, *, request: Any = None) -> Open311Key:
    """The active key for ``raw`` after counting this call, or ``Forbidden`` / ``RateLimited``."""
    raw = (raw or "").strip()
    row = None
    if raw.startswith(KEY_PREFIX):
        row = Open311Key.objects.select_related("user", "jurisdiction").filter(digest=crypto.token_digest(raw)).first()
    if row is None or row.revoked_at is not None:
        # Guessing keys: refused calls are also limited per address (issue 13).
        rate_limit(
            purpose="open311.address",
            key=address_of(request),
            request=request,
            message="too many calls with a missing, unknown or revoked api_key; retry later",
        )
        audit_record(
            action="open311.key_refused",
            actor_label=f"open311:{raw[5:13]}" if raw else "open311:-",
            success=False,
            request=request,
            reason="revoked" if row is not None else ("missing" if not raw else "unknown"),
        )
        raise Forbidden("api_key is missing, unknown or revoked")
    _count_call(row, request=request)
    return row


def _count_call(row: Open311Key, *, request: Any) -> None:
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    same = Open311Key.objects.filter(pk=row.pk, window_start=minute)
    if not same.update(window_count=F("window_count") + 1, last_used_at=now):
        # First call of a new minute (or a race with another first call: both then count in).
        Open311Key.objects.filter(pk=row.pk).exclude(window_start=minute).update(window_start=minute, window_count=0)
        same.update(window_count=F("window_count") + 1, last_used_at=now)
    count = Open311Key.objects.filter(pk=row.pk).values_list("window_count", flat=True).get()
    if count > row.rate_per_minute:
        if count == row.rate_per_minute + 1:  # one audit row per key and minute, not one per refused call
            audit_record(
                action="open311.rate_limited",
                actor=row.user,
                target=row,
                success=False,
                request=request,
                limit=row.rate_per_minute,
            )
        retry = 60 - int((now - minute) / dt.timedelta(seconds=1))
        raise RateLimited(
            f"rate limit of {row.rate_per_minute} calls per minute exceeded; retry in {retry} s", retry_after=retry
        )
