"""Idle timeout: a staff session that sees no request for LINLI_IDLE_TIMEOUT_MINUTES ends."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from linli.audit.services import audit_record

SESSION_KEY = "_linli_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            if last is not None and now - int(last) > settings.IDLE_TIMEOUT_MINUTES * 60:
                audit_record(action="logout.idle", actor=user, request=request)
                logout(request)
            else:
                request.session[SESSION_KEY] = now
        return self.get_response(request)
