"""Who may do what in deliberation: capabilities at the node, from ``linli.people.positions``.

- ``manage`` (community staff, street staff and leaders): open meetings and votes, enter paper
  ballots, publish, record decisions, moderate discussion.
- ``handle`` (grid workers, mediators, building heads …): mediation cases and their sessions.
"""

from __future__ import annotations

from typing import Any

from linli.core.errors import Forbidden
from linli.core.scoping import capabilities_at


def require(actor: Any, path: str, capability: str, message: str) -> set[str]:
    caps = capabilities_at(actor, path)
    if capability not in caps and "admin" not in caps:
        raise Forbidden(message)
    return caps


def may(actor: Any, path: str, capability: str) -> bool:
    caps = capabilities_at(actor, path)
    return capability in caps or "admin" in caps


def require_any(actor: Any, path: str, capabilities: set[str], message: str) -> set[str]:
    caps = capabilities_at(actor, path)
    if not caps & (capabilities | {"admin"}):
        raise Forbidden(message)
    return caps
