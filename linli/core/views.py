from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from linli.accounts.roles import roles_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Leaders start from the map of their area; front-line staff from their request queue."""
    roles = set(roles_of(request.user))
    if roles & {"admin", "leader"}:
        return redirect("places:index")
    if roles & {"staff", "grid"}:
        return redirect("tickets:workbench")
    return render(request, "core/resident_home.html", {"person": request.user.person})  # type: ignore[union-attr]


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
