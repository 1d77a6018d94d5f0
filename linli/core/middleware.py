"""Middleware: service errors as pages (404/403/409/422/429/503), no-store caching, Content-Security-Policy."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from linli.core.errors import Busy, Conflict, InvalidInput, LinliError, NotFound, RetryLater

log = logging.getLogger(__name__)


class LinliErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if unique_violation(exception):
            # Two submits raced past a service's check and the database's unique constraint stopped the
            # second: nothing was written twice; the loser is told so instead of getting a 500.
            log.warning("unique constraint on %s %s: %s", request.method, request.path, exception)
            exception = Conflict(_("这条记录已经存在(可能是重复提交),请刷新后查看"))
        if not isinstance(exception, LinliError):
            return None
        if isinstance(exception, NotFound) or exception.status == 403:
            from linli.audit.services import audit_record

            if request.user.is_authenticated:
                audit_record(
                    action="permission.denied",
                    actor=request.user,
                    success=False,
                    request=request,
                    path=request.path[:200],
                    reason=exception.code,
                )
        return error_response(request, exception)


def error_response(request: HttpRequest, error: LinliError) -> HttpResponse:
    """A service error as the APIs' JSON error (under /api/ and /open311/) or as the error page, ``Retry-After``
    included."""
    response: HttpResponse
    if request.path.startswith(("/api/", "/open311/")):
        response = JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    else:
        response = TemplateResponse(request, "error.html", {"error": error}, status=error.status)
        response.render()
    if isinstance(error, RetryLater):  # 429 rate limited, 503 busy
        response["Retry-After"] = str(error.retry_after)
    return response


class RefuseNulMiddleware:
    """422 for a request carrying a NUL character in a parameter, a form field or a JSON string, naming
    the field. PostgreSQL cannot store NUL in text (the write would be a 500), SQLite would store it
    silently, and no person types one: it is a fuzzer's or a broken client's input."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = nul_field(request)
        if field is not None:
            return error_response(request, InvalidInput(_("输入中含有空字符(\\0),请删除后重试"), field=field))
        return self.get_response(request)


def nul_field(request: HttpRequest) -> str | None:
    """The first parameter or field whose value holds a NUL character ("" for one deeper in a JSON body)."""
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            return name.replace("\x00", "")
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.content_type == "application/json":
        if b"\\u0000" not in request.body:
            return None
        try:
            body = json.loads(request.body)
        except ValueError:
            return None  # the view's own parser names the broken JSON
        return _nul_in(body, "")
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                return name.replace("\x00", "")
    return None


def _nul_in(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_in(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response except static files.

    Pages and API answers carry personal data (names, masked identifiers, care tags); neither the
    browser's back-button cache nor a shared proxy may keep them. Static assets are served by
    WhiteNoise before this middleware runs (and are skipped here too), so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL or "/static/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(self.static_prefix):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


def content_security_policy(nonce: str) -> str:
    """The policy: only our own origin, no inline script or style except a nonced ``<script>``;
    map tile hosts from ``LINLI_CSP_IMG_HOSTS`` / the map tile URL setting are allowed as images."""
    img = ["'self'", "data:", "blob:", *csp_image_hosts()]
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        f"img-src {' '.join(img)}",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    return "; ".join(directives)


def csp_image_hosts() -> list[str]:
    hosts = list(getattr(settings, "CSP_IMG_HOSTS", []))
    for name in ("MAP_TILES", "MAP_TILE_URL", "INSIGHTS_MAP_TILES"):
        url = str(getattr(settings, name, "") or "")
        if url.startswith(("http://", "https://")):
            parts = urlsplit(url.replace("{s}", "*").replace("{", "").replace("}", ""))
            hosts.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(hosts))


class ContentSecurityPolicyMiddleware:
    """Send a strict Content-Security-Policy with a fresh nonce per response.

    ``request.csp_nonce`` is available to templates (``{{ request.csp_nonce }}``) for the rare
    ``<script>`` that must stay in a page; everything else lives in static files. With
    ``LINLI_CSP_REPORT_ONLY`` the same policy is sent as ``…-Report-Only`` (to trial a change).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        if header not in response:
            response[header] = content_security_policy(nonce)
        return response


def unique_violation(exception: BaseException) -> bool:
    """A database unique constraint refused a row: SQLSTATE 23505 (PostgreSQL), "UNIQUE constraint failed" (SQLite)."""
    from django.db import IntegrityError

    if not isinstance(exception, IntegrityError):
        return False
    sqlstate = getattr(exception.__cause__, "sqlstate", None)
    return sqlstate == "23505" if sqlstate else "UNIQUE constraint failed" in str(exception)


# SQLSTATE classes after which nothing was written and the same request a moment later succeeds:
# 08 connection exception, 40 transaction rollback (40P01 deadlock, 40001 serialization failure),
# 55P03 lock not available, 57P01–57P03 the server shutting down or starting up.
TRANSIENT_SQLSTATES = ("08", "40", "55P03", "57P01", "57P02", "57P03")


def transient_database_error(exception: BaseException) -> bool:
    """Whether a database error means "try again" rather than a bug: see ``TRANSIENT_SQLSTATES``;
    a connection that went away without a SQLSTATE; SQLite's "database is locked"."""
    from django.db import OperationalError

    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(TRANSIENT_SQLSTATES)
    text = str(exception).lower()
    return "database is locked" in text or "connection" in text or "terminat" in text


class RetryOnLostDatabaseMiddleware:
    """Run a request once more when the database gave way under it (a lost connection — PostgreSQL
    restart, failover, an administrator terminating backends — or a deadlock): but only requests that
    are safe to repeat: GET/HEAD, and writes carrying an ``Idempotency-Key`` header or the intake form's
    ``idempotency_key`` field (the service returns the first result). The broken connection is closed
    first, so the retry opens a fresh one.

    A transient error that cannot be retried here (a plain write, or the retry failed too) is answered
    503 ``busy`` with ``Retry-After: 1``, not 500: its transaction was rolled back whole, and the page
    or client may send it again (``transient_database_error``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import OperationalError, connections

        if not isinstance(exception, OperationalError):
            return None
        for conn in connections.all(initialized_only=True):
            if conn.connection is not None and not conn.is_usable():
                conn.close()
        safe = request.method in ("GET", "HEAD") or bool(
            request.headers.get("Idempotency-Key") or request.POST.get("idempotency_key")  # the intake form's
        )
        if safe and not getattr(request, "_linli_db_retried", False):
            request._linli_db_retried = True  # type: ignore[attr-defined]
            return self.get_response(request)
        if not transient_database_error(exception):
            return None
        log.warning("database busy on %s %s: %s", request.method, request.path, exception)
        return error_response(request, Busy(_("系统繁忙,本次操作未生效,请稍后重试")))
