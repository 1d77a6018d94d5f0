"""A user's roles for navigation, derived from positions (never stored separately)."""

from __future__ import annotations

from typing import Any

from linli.core.scoping import active_positions
from linli.people.positions import POSITION_KINDS, ROLE_ORDER


def roles_of(user: Any) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    roles = {POSITION_KINDS[kind].role for kind, _ in active_positions(user) if kind in POSITION_KINDS}
    if user.is_superuser:
        roles.add("admin")
    if user.person_id:
        roles.add("resident")
    return [r for r in ROLE_ORDER if r in roles]


def is_staff_like(user: Any) -> bool:
    return bool(set(roles_of(user)) & {"admin", "leader", "staff", "grid"})
