"""Who may do what with a duty desk, its shifts and its compensatory days.

- **Set up and keep a desk, plan shifts, auto-schedule, export the 排班表, read the figures**: ``manage`` (or
  ``admin``) at the desk's place — the community's secretary and workers for a community desk, the street's staff
  and leaders for the street's desk and every community desk under it. A grid worker, a building head, a volunteer
  or the worker of another community has no ``manage`` there: the desk's staff pages are the 404 of a missing id.
- **Approve or reject a compensatory day**: ``lead`` or ``manage`` at the desk's place, and never for oneself.
- **Who may be on duty** (the decision the rota rests on): a person holding a position of kind
  ``community_secretary``, ``community_staff`` or ``street_staff`` (the "staff" role) on the day, at the desk's
  place itself or at a place above it that covers it. So a community desk is kept by the community's secretary and
  workers, and a street's staff may be put on it by hand or take a swap (街道下沉值班); a street desk is kept by
  the street's staff. Auto-schedule draws only on the desk's own staff (positions at the desk's place itself): it
  never pulls the whole street into every community's rota.
- **Check in, offer a swap, request or cancel a compensatory day**: the person on the shift, themself.
"""

from __future__ import annotations

from typing import Any

from linli.core.errors import Forbidden
from linli.core.scoping import capabilities_at

# Position kinds whose holders keep a 党群服务中心 open (the "staff" role, without departments' liaisons).
ROTA_KINDS: tuple[str, ...] = ("community_secretary", "community_staff", "street_staff")
MANAGE = frozenset({"admin", "manage"})
APPROVE = frozenset({"admin", "lead", "manage"})


def may_manage_place(actor: Any, path: str) -> bool:
    return bool(capabilities_at(actor, path) & MANAGE)


def may_manage(actor: Any, desk: Any) -> bool:
    return may_manage_place(actor, desk.place_path)


def require_manage(actor: Any, desk: Any, message: str) -> None:
    if not may_manage(actor, desk):
        raise Forbidden(message)


def may_approve(actor: Any, desk: Any) -> bool:
    return bool(capabilities_at(actor, desk.place_path) & APPROVE)


def is_person(actor: Any, person_id: int) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "person_id", None) == person_id)
