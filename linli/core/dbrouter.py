"""Read replicas: reads go to a replica, writes and the reads that follow them go to the primary.

Configured by ``DATABASE_REPLICA_URLS`` (comma-separated database URLs; settings turns them into
aliases ``replica1``, ``replica2`` … and installs this router and ``PinPrimaryMiddleware`` only
when there is at least one). Rules, in order:

1. Every write goes to ``default`` (the primary) and **pins** the rest of the request to it, so a
   page that saves and then lists shows what it saved, not a replica that is milliseconds behind.
2. Reads inside a transaction on the primary (``select_for_update``, services) stay on the primary.
3. A request that is not safe (POST, PUT, PATCH, DELETE) is pinned from its start.
4. After a request that wrote, the response sets a short-lived cookie (``REPLICA_PIN_SECONDS``,
   default 5) so the *next* request of the same browser (the redirect after a form) also reads the
   primary: replication lag never shows a user an older state than the one they just created.
5. Otherwise a read goes to one of the replicas (chosen at random per query).

Sign-in state (sessions, API tokens) and the audit trail are read from the primary too: those are
primary-key lookups or an administrator's log, and a session created a moment ago must work on the
very next request. Their writes, bookkeeping that says nothing about what the user sees (the
session's last-seen time, an API token's last use, the audit event of a refused page or an export,
models listed in ``REPLICA_PIN_IGNORE``), go to the primary without pinning, or every signed-in
request would pin itself and replicas would serve nobody.

Outside a request (management commands, Huey tasks) the pin lives in the current context: after a
write the rest of the context reads the primary, which is the safe direction.
Migrations run on the primary only; replicas receive them through replication.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
PIN_COOKIE = "linli_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Sign-in state, and the audit trail: read from the primary (a session made a moment ago must work at once; the
# audit log shows its newest events), written without pinning. An audit event is written on every refused page
# (404/403) and every export; pinning on it sent a browser's next reads, for REPLICA_PIN_SECONDS, to the primary
# for a write the user does not read back (tests/test_dbrouter_read_only_replica.py found it).
BOOKKEEPING = frozenset(
    {
        "sessions.session",
        "accounts.apitoken",
        "accounts.usersession",
        "audit.auditevent",
        "audit.auditseal",
        "audit.auditchainhead",
    }
)

_pinned: ContextVar[bool] = ContextVar("linli_primary_pinned", default=False)
_wrote: ContextVar[bool] = ContextVar("linli_primary_wrote", default=False)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def pin_to_primary() -> None:
    _pinned.set(True)


def unpin() -> None:
    _pinned.set(False)
    _wrote.set(False)


def is_pinned() -> bool:
    return _pinned.get()


def _in_transaction() -> bool:
    """Inside ``transaction.atomic`` on the primary (the test runner's own wrapping block aside)."""
    return any(not getattr(block, "_from_testcase", False) for block in connections[PRIMARY].atomic_blocks)


class PrimaryReplicaRouter:
    """Django database router; see the module docstring for the rules."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        replicas = replica_aliases()
        if not replicas or _pinned.get() or _in_transaction():
            return PRIMARY
        if model._meta.label_lower in BOOKKEEPING:
            return PRIMARY  # sign-in state: a session or token made a moment ago must work at once
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            return PRIMARY  # related objects of a row read from the primary
        return random.choice(replicas)  # load spreading, not security

    def db_for_write(self, model: Any, **hints: Any) -> str:
        ignore = BOOKKEEPING | frozenset(getattr(settings, "REPLICA_PIN_IGNORE", ()))
        if model._meta.label_lower in ignore:
            return PRIMARY
        _pinned.set(True)
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


class PinPrimaryMiddleware:
    """Starts every request unpinned (or pinned: unsafe method, or the cookie of a recent write)
    and hands the cookie to a browser whose request wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        unpin()
        if request.method not in SAFE_METHODS or request.COOKIES.get(PIN_COOKIE):
            pin_to_primary()
        try:
            response = self.get_response(request)
            if _wrote.get():
                seconds = int(getattr(settings, "REPLICA_PIN_SECONDS", 5))
                response.set_cookie(PIN_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax")
            return response
        finally:
            unpin()
