"""A small fixed-window rate limiter shared by every app server: counters live in the database.

``rate_limit(purpose="otp.phone", key=phone)`` counts one call in the current window and raises
``RateLimited`` (HTTP 429 with ``Retry-After`` and a Chinese message) once the window's budget is
spent. Limits come from ``settings.RATE_LIMITS`` (``purpose: (calls, seconds)``), falling back to
``DEFAULTS``. Keys are stored only as keyed hashes (a phone number never lands in this table).

Call it *outside* any transaction that the refusal rolls back, or the count is undone with it.
The first refused call of a window is audited (``ratelimit.exceeded``), later ones are not, so a
flood cannot flood the audit log too.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import ngettext

from linli.core import crypto
from linli.core.errors import RetryLater
from linli.core.prepared import prepared_cursor

DEFAULTS: dict[str, tuple[int, int]] = {
    "login.address": (30, 60),
    "otp.phone": (5, 3600),
    "otp.address": (20, 3600),
    "intake.address": (60, 3600),
    "intake.user": (30, 3600),
    "open311.address": (20, 60),
    "ledger.id_conflict": (10, 3600),  # ID numbers refused as registered elsewhere (people.services)
    "reveal.user": (60, 3600),  # full numbers shown, all three reveals together (reveal_budget)
}


class RateLimited(RetryLater):
    """Too many calls in the current window (HTTP 429); ``retry_after`` in seconds."""

    status = 429
    code = "rate_limited"
    default_retry_after = 60


def limit_for(purpose: str) -> tuple[int, int]:
    configured: dict[str, tuple[int, int]] = getattr(settings, "RATE_LIMITS", {}) or {}
    if purpose in configured:
        return configured[purpose]
    if purpose in DEFAULTS:
        return DEFAULTS[purpose]
    raise KeyError(f"no rate limit configured for {purpose!r}")


def _refusal(seconds: int) -> str:
    if seconds < 120:
        return ngettext("操作过于频繁,请 %(n)d 秒后再试", "操作过于频繁,请 %(n)d 秒后再试", seconds) % {"n": seconds}
    minutes = (seconds + 59) // 60
    return ngettext("操作过于频繁,请 %(n)d 分钟后再试", "操作过于频繁,请 %(n)d 分钟后再试", minutes) % {"n": minutes}


def rate_limit(
    *,
    purpose: str,
    key: str,
    request: Any = None,
    actor: Any = None,
    limit: int | None = None,
    window_seconds: int | None = None,
    message: str = "",
) -> int:
    """Count one call for ``purpose`` + ``key``; return the window's count, or raise ``RateLimited``.
    The refusal's audit event names ``actor``, else the request's user."""
    from linli.accounts.models import RateCounter

    calls, seconds = limit_for(purpose) if limit is None or window_seconds is None else (limit, window_seconds)
    now = timezone.now()
    epoch = int(now.timestamp())
    start = epoch - epoch % seconds
    window_start = dt.datetime.fromtimestamp(start, tz=dt.UTC)
    digest = crypto.keyed_hash("ratelimit", f"{purpose}\x1f{key}")
    count = _count_one(purpose=purpose, digest=digest, window_start=window_start)
    if count == 1 and secrets.randbelow(100) == 0:  # a new window: now and then forget those over a day old
        RateCounter.objects.filter(window_start__lt=now - dt.timedelta(days=1)).delete()
    if count > calls:
        retry = start + seconds - epoch
        if count == calls + 1:
            from linli.audit.services import audit_record

            audit_record(
                action="ratelimit.exceeded",
                actor=actor or getattr(request, "user", None),
                success=False,
                request=request,
                purpose=purpose,
                limit=calls,
                window_seconds=seconds,
            )
        raise RateLimited(message or _refusal(retry), retry_after=retry)
    return count


def reveal_budget(*, actor: Any, request: Any = None) -> None:
    """Count one full-number reveal (a resident's ID and phone, a worker's certificate, a project contact's phone)
    against the actor's hourly budget, shared by the three; past it, 429 (audited once). A role with ``reveal``
    needs a few a day; an account revealing hundreds an hour is copying the ledger, whoever holds it. Like every
    ``rate_limit``, call it outside a transaction the refusal would roll back (the reveals are not atomic)."""
    rate_limit(purpose="reveal.user", key=str(actor.pk), actor=actor, request=request)


def _count_one(*, purpose: str, digest: str, window_start: dt.datetime) -> int:
    """Count one call in the window and return the window's count: one upsert statement
    (``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, PostgreSQL and SQLite ≥ 3.35), atomic under
    concurrency on every app server (was an UPDATE, an INSERT in a savepoint when the window was new,
    then a SELECT: two to five statements)."""
    from linli.accounts.models import RateCounter

    q = connection.ops.quote_name
    table = q(RateCounter._meta.db_table)
    purpose_, key_, start_, count_ = (q(n) for n in ("purpose", "key", "window_start", "count"))
    sql = (
        f"INSERT INTO {table} ({purpose_}, {key_}, {start_}, {count_}) VALUES (%s, %s, %s, 1) "  # noqa: S608 - names from metadata
        f"ON CONFLICT ({purpose_}, {key_}, {start_}) DO UPDATE SET {count_} = {table}.{count_} + 1 "
        f"RETURNING {count_}"
    )
    with prepared_cursor(connection.alias) as cursor:  # its text never varies: planned once (core.prepared)
        cursor.execute(sql, [purpose, digest, connection.ops.adapt_datetimefield_value(window_start)])
        return int(cursor.fetchone()[0])


def address_of(request: Any) -> str:
    from linli.audit.services import client_ip

    return client_ip(request) or "-"
