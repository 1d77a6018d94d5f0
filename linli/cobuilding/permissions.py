"""Who may do what in co-building, from the capabilities at the node (``linli.people.positions``).

- ``manage`` (street and community staff, leaders): contracts, committees, ratings, list decisions,
  partners' resources, needs, projects and funds.
- ``handle`` (grid workers, branch secretaries …): record needs heard on patrol or at a visit.
"""

from __future__ import annotations

from typing import Any

from linli.core.errors import Forbidden
from linli.core.scoping import capabilities_at


def may(actor: Any, path: str, capability: str) -> bool:
    caps = capabilities_at(actor, path)
    return capability in caps or "admin" in caps


def require(actor: Any, path: str, capability: str, message: str) -> None:
    if not may(actor, path, capability):
        raise Forbidden(message)
