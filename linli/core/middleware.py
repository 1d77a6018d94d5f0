"""Middleware: service errors as pages (404/403/409/422), no-store caching, Content-Security-Policy."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from linli.core.errors import LinliError, NotFound


class LinliErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
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
        response = TemplateResponse(request, "error.html", {"error": exception}, status=exception.status)
        response.render()
        if getattr(exception, "retry_after", None):  # linli.core.ratelimit.RateLimited → 429
            response["Retry-After"] = str(exception.retry_after)  # type: ignore[attr-defined]
        return response


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


class RetryOnLostDatabaseMiddleware:
    """Run a request once more when the database connection was lost under it (PostgreSQL restart,
    failover, an administrator terminating backends) — but only requests that are safe to repeat:
    GET/HEAD, and writes carrying an ``Idempotency-Key`` (the service returns the first result).
    The broken connection is closed first, so the retry opens a fresh one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import OperationalError, connections

        if not isinstance(exception, OperationalError) or getattr(request, "_linli_db_retried", False):
            return None
        if request.method not in ("GET", "HEAD") and not request.headers.get("Idempotency-Key"):
            return None
        for conn in connections.all(initialized_only=True):
            if conn.connection is not None and not conn.is_usable():
                conn.close()
        request._linli_db_retried = True  # type: ignore[attr-defined]
        return self.get_response(request)
