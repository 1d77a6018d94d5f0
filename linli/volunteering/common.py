"""Helpers every volunteering service shares: who is acting, where they may act, who an item is for."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.lookups import ancestor_paths
from linli.core.scoping import active_positions, capabilities_at, every_row, scope_for
from linli.people.models import Person
from linli.people.positions import POSITION_KINDS
from linli.places.models import Place

STEP = Place.steplen
STAFF_CAPS = ("manage", "handle", "lead")


def person_of(user: Any) -> Person:
    """The acting person: sign-ups, wishes and points belong to people, not to accounts."""
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is None:
        raise Forbidden(_("此操作需要绑定实名居民身份"))
    return person


def ancestors(path: str) -> list[str]:
    """The path itself and every node above it (a street's activity is for everyone under it)."""
    return ancestor_paths(path, STEP)


def claim_roots(user: Any) -> list[str]:
    return [path for kind, path in active_positions(user) if "claim" in POSITION_KINDS[kind].capabilities]


def audience_q(user: Any, field: str = "place_path") -> Q:
    """Items published for the user: at or above where they live, or at or under where they volunteer."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    person = getattr(user, "person", None)
    paths: set[str] = set(ancestors(person.place_path)) if person is not None else set()
    roots = claim_roots(user)
    for root in roots:
        paths.update(ancestors(root))
    condition = Q(**{f"{field}__in": sorted(paths)}) if paths else Q(pk__in=[])
    for root in roots:
        condition |= Q(**{f"{field}__under": root})
    return condition


def staff_q(user: Any, field: str = "place_path", caps: tuple[str, ...] = STAFF_CAPS) -> Q:
    condition = Q(pk__in=[])
    for capability in caps:
        scope = scope_for(user, capability)
        if scope.everything:
            return every_row()
        if not scope.empty:
            condition |= scope.q(field)
    return condition


def readable_places(user: Any) -> Any:
    """Nodes whose public volunteering figures (ranking, 积分管理办法) the user may read: those under their staff
    scope, and where they live and every node above it."""
    person = getattr(user, "person", None)
    home = Q(path__in=ancestors(person.place_path)) if person is not None else Q(pk__in=[])
    return Place.objects.filter(staff_q(user, field="path") | home)


def may(user: Any, path: str, capability: str = "manage") -> bool:
    return capability in capabilities_at(user, path)


def require_staff(user: Any, path: str, capability: str = "manage") -> None:
    """Staff action at a node: outside the user's subtree it is "not found", inside without the
    capability it is forbidden."""
    if may(user, path, capability):
        return
    if any(may(user, path, c) for c in STAFF_CAPS):
        raise Forbidden(_("您的岗位无权进行此操作"))
    raise NotFound(_("未找到,或您无权查看"))


def staff_place(user: Any, place_id: Any, capability: str = "manage") -> Place:
    try:
        place = Place.objects.get(pk=int(place_id))
    except (Place.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("请选择地点"), field="place_id") from None
    require_staff(user, place.path, capability)
    return place
