"""Session security on every request: idle and absolute timeouts, session tracking, the 2FA gate.

- Idle: a session that sees no request for ``IDLE_TIMEOUT_MINUTES`` (30) ends. The last-seen time is
  written at most every thirtieth of the timeout (every minute at 30), so a page view does not rewrite
  the session row each time; the session may end up to that much *before* the full timeout, never after.
- Absolute: a session ends ``SESSION_ABSOLUTE_HOURS`` (12) after login, however busy.
- Tracking: each logged-in session has a ``UserSession`` row (ip, user agent, created, last seen,
  touched at most every ``TOUCH_SECONDS``) so its owner and administrators can end it.
- Two-factor gate: a session of a user who must use 2FA and has not passed it this login may only
  reach the 2FA pages and logout; pages redirect there, the API answers 403.

All state lives in the session, so an ordinary request costs no extra query, and most cost no write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from linli.audit.services import audit_record

SESSION_KEY = "_linli_last_seen"
AUTH_AT = "_linli_auth_at"
MFA = "_linli_mfa"  # "ok" (passed, or force-logged-in by tests) | "exempt" (re-checked) | absent
MFA_CHECKED = "_linli_mfa_checked"
TRACKED = "_linli_tracked"
SEEN_DB = "_linli_seen_db"
REAUTH_AT = "_linli_reauth_at"
PASSWORD_EXPIRED = "_linli_password_expired"  # noqa: S105 - a session key
TOUCH_SECONDS = 300
EXEMPT_RECHECK_SECONDS = 300
OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")


def seen_every() -> int:
    """Seconds between two writes of the last-seen time: a thirtieth of the idle timeout, at most 60."""
    return min(60, settings.IDLE_TIMEOUT_MINUTES * 2)


def mark_two_factor_passed(session: Any) -> None:
    """The session passed its second factor (or, in tests, stands for a fully authenticated login)."""
    session[MFA] = "ok"


def start_session_clock(session: Any) -> None:
    now = int(time.time())
    session[AUTH_AT] = now
    session[SESSION_KEY] = now


def recently_reauthenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_AT)
    return at is not None and int(time.time()) - int(at) <= settings.REAUTH_MINUTES * 60


def _end(request: HttpRequest, user: Any, action: str, reason: str) -> None:
    from linli.accounts.services import session_ended

    audit_record(action=action, actor=user, request=request)
    if request.session.session_key:
        session_ended(session_key=request.session.session_key, reason=reason)
    logout(request)


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            blocked = self._check(request, user)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        auth_at = session.setdefault(AUTH_AT, now)
        last = session.get(SESSION_KEY)
        if now - int(auth_at) > settings.SESSION_ABSOLUTE_HOURS * 3600:
            _end(request, user, "logout.absolute", "absolute_timeout")
            return None
        if last is not None and now - int(last) > settings.IDLE_TIMEOUT_MINUTES * 60:
            _end(request, user, "logout.idle", "idle")
            return None
        if last is None or now - int(last) >= seen_every():
            session[SESSION_KEY] = now
        self._track(request, user, now)
        return self._two_factor_gate(request, user, now)

    def _track(self, request: HttpRequest, user: Any, now: int) -> None:
        from linli.accounts.services import session_register, session_touch

        key = request.session.session_key
        if not key:
            return
        if not request.session.get(TRACKED):
            session_register(user=user, session_key=key, request=request)
            request.session[TRACKED] = True
            request.session[SEEN_DB] = now
        elif now - int(request.session.get(SEEN_DB, 0)) > TOUCH_SECONDS:
            session_touch(session_key=key)
            request.session[SEEN_DB] = now

    def _two_factor_gate(self, request: HttpRequest, user: Any, now: int) -> HttpResponse | None:
        from linli.accounts.services import needs_two_factor

        state = request.session.get(MFA)
        if state == "ok":
            return None
        if state == "exempt" and now - int(request.session.get(MFA_CHECKED, 0)) < EXEMPT_RECHECK_SECONDS:
            return None
        if not needs_two_factor(user):
            request.session[MFA] = "exempt"
            request.session[MFA_CHECKED] = now
            return None
        request.session.pop(MFA, None)
        if request.path.startswith(OPEN_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": "two_factor_required", "detail": "请先完成两步验证", "field": None}, status=403
            )
        return redirect(f"/accounts/2fa/?next={quote(request.path)}")


# The settings name this middleware by its first job.
IdleTimeoutMiddleware = SessionSecurityMiddleware
