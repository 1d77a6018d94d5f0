"""Helpers shared by the deliberation pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.lookups import ancestor_paths
from linli.core.scoping import scope_for
from linli.places.models import Place


def int_or_none(raw: Any, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("选择无效"), field=field) from None


def managed_places(
    user: Any, kinds: Iterable[str], *, capability: str | None = "manage", limit: int = 500
) -> list[Place]:
    """Places of the given kinds where the user holds ``capability`` (for the place pickers)."""
    scope = scope_for(user, capability)
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind__in=list(kinds)).order_by("path")[:limit])


def place_from_post(places: list[Place], raw: Any) -> Place:
    pk = int_or_none(raw, "place_id")
    for place in places:
        if place.pk == pk:
            return place
    raise InvalidInput(_("请选择范围"), field="place_id")


def home_places(user: Any, kinds: Iterable[str]) -> list[Place]:
    """The nodes above a resident's home of the given kinds (their building, compound, community)."""
    person = getattr(user, "person", None)
    if person is None or not person.place_path:
        return []
    path = person.place_path
    prefixes = ancestor_paths(path, Place.steplen)
    return list(Place.objects.filter(path__in=prefixes, kind__in=list(kinds)).order_by("path"))
