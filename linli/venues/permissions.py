"""Who sees, books and manages a venue.

- **Managing** a venue (editing it, its week with the bookers' names, approving, rejecting, cancelling with a reason,
  recording a no-show) needs ``manage`` (or ``admin``) at the venue's place: the community's staff for the
  community's rooms and its compounds' rooms, street staff and leaders for everything in their street. For a venue
  opened by an organisation (双向开放), the organisation's **liaison** manages it too: a ``department_liaison``
  position linked to that organisation (``Position.organisation``), the same link that lets a department's liaison
  answer requests sent to their department (``core.scoping.liaison_organisations``). A liaison may change the
  venue's hours, rules and status and decide its bookings, but not its owner; setting up a venue needs ``manage``
  at its place (the community registers which unit opens which hall).
- **Seeing** a venue: a public one (``public``) is seen by anyone, signed in or not, with its free and busy times
  (never who booked). A venue for internal use (not public) is seen by those holding a position at, above or below
  its place (the community's staff, its grid workers and branch secretaries, the street's staff) and by its
  organisation's liaison; for anyone else it is the 404 of a missing id.
- **Booking**: any signed-in person may book an active public venue; an internal one only those who see it.
- **Bookings** are seen by their booker and by the venue's managers; nobody else learns who booked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from linli.core.lookups import ancestor_paths
from linli.core.scoping import active_positions, every_row, liaison_organisations, may_manage_at, scope_for
from linli.places.models import Place, PlaceKind

VENUE_PLACE_KINDS = (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND)
OWNER_KINDS = ("partner_unit", "social_org", "department")  # 驻社区单位, “两新”组织, 职能部门


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def liaison_of(user: Any) -> set[int]:
    return liaison_organisations(user) if _signed_in(user) else set()


def may_manage_place(user: Any, path: str) -> bool:
    return _signed_in(user) and may_manage_at(user, path)


def may_manage_venue(user: Any, venue: Any) -> bool:
    if may_manage_place(user, venue.place_path):
        return True
    return venue.organisation_id is not None and venue.organisation_id in liaison_of(user)


def may_create_at(user: Any, place: Place) -> bool:
    return place.kind in VENUE_PLACE_KINDS and may_manage_place(user, place.path)


def _position_roots(user: Any) -> list[str]:
    """Where the user holds a scoped position today (a volunteer's registration gives no sight of anything)."""
    from linli.people.positions import POSITION_KINDS

    if not _signed_in(user):
        return []
    return [path for kind, path in active_positions(user) if kind in POSITION_KINDS and POSITION_KINDS[kind].scoped]


def insider_q(user: Any, field: str = "place_path", org_field: str = "organisation_id") -> Q:
    """Internal venues the user may see: those at or below any place where they hold a position, those above
    it (the community room above a grid worker's grid), and those of organisations they are the liaison of."""
    if not _signed_in(user):
        return Q(pk__in=[])
    scope = scope_for(user)
    if scope.everything:
        return every_row()
    condition = scope.q(field) if not scope.empty else Q(pk__in=[])
    above: set[str] = set()
    for root in _position_roots(user):
        above.update(ancestor_paths(root, Place.steplen))
    if above:
        condition |= Q(**{f"{field}__in": sorted(above)})
    liaison = liaison_of(user)
    if liaison:
        condition |= Q(**{f"{org_field}__in": sorted(liaison)})
    return condition


def sees_venue(user: Any, venue: Any) -> bool:
    if venue.public or may_manage_venue(user, venue):
        return True
    if not _signed_in(user):
        return False
    if scope_for(user).covers(venue.place_path):
        return True
    return any(root.startswith(venue.place_path) for root in _position_roots(user))


def may_book(user: Any, venue: Any) -> bool:
    return _signed_in(user) and sees_venue(user, venue)


def managed_q(user: Any, field: str = "place_path", org_field: str = "organisation_id") -> Q:
    """Venues the user manages (for bookings: ``org_field="venue__organisation_id"``)."""
    if not _signed_in(user):
        return Q(pk__in=[])
    scope = scope_for(user, "manage")
    condition = scope.q(field) if not scope.empty else Q(pk__in=[])
    liaison = liaison_of(user)
    if liaison:
        condition |= Q(**{f"{org_field}__in": sorted(liaison)})
    return condition


def manages_anything(user: Any) -> bool:
    return _signed_in(user) and (not scope_for(user, "manage").empty or bool(liaison_of(user)))
