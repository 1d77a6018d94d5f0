"""Turn service errors into pages: 404 for NotFound (also outside scope), 403, 409, 422."""

from __future__ import annotations

from collections.abc import Callable

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
        return response.render()
