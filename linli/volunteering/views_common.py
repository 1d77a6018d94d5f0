"""Small helpers the volunteering pages share: run a service and report its error as a message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from linli.core.dates import require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, LinliError
from linli.core.scoping import scope_for
from linli.places.models import Place, PlaceKind


def run(request: HttpRequest, action: Callable[[], Any], *, ok: str, back: str) -> HttpResponse:
    """Call a service; show its refusal (invalid input, conflict, forbidden) as a message on ``back``."""
    try:
        action()
    except (InvalidInput, Conflict, Forbidden) as exc:
        messages.error(request, exc.message)
    except LinliError:
        raise
    else:
        messages.success(request, ok)
    return redirect(back)


def parse_date(raw: str | None, field: str) -> dt.date:
    return require_day(raw, field)


def staff_places(user: Any, capability: str = "manage") -> list[Place]:
    """Communities, compounds and grids where the user may create things, for a select box."""
    scope = scope_for(user, capability)
    if scope.empty:
        return []
    kinds = [PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID]
    return list(Place.objects.filter(scope.q("path"), kind__in=kinds).order_by("path")[:300])


def top_node(user: Any) -> str | None:
    """The widest node the user answers for (for "my area" statistics), or None for everything."""
    scope = scope_for(user, "handle")
    if scope.everything:
        root = Place.objects.filter(depth=1).order_by("path").first()
        return root.path if root else None
    paths = list(scope.paths) or list(scope_for(user, "lead").paths) or list(scope_for(user, "manage").paths)
    return min(paths, key=len) if paths else None
