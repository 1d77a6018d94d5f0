"""Who may do what with a funding round and its projects.

- **Running a round** (create, edit, open, start the review, close), **deciding** applications (立项 / 不予立项),
  **paying** (拨付) and **ending** projects (结项 / 终止), and exporting a round need ``manage`` (or ``admin``) at
  the round's node: the street's staff and leaders for a street's round, district leaders above it, system
  administrators.
- **Scoring** needs ``manage`` or ``lead`` there (reviewers are the node's staff and leaders).
- **Registering** an application (from the paper form, on the organisation's behalf) is open to the round's staff
  and to the staff of a community under the node, for the communities they manage.
- **Progress reports** are recorded by the round's staff or by the staff of a community the project serves.
- **Revealing** the contact's full phone number needs ``reveal`` at the node (street leaders), with a reason.

Community staff read the rounds of their street and district and the projects serving their communities; grid
workers, building heads, volunteers and residents see only the public list of approved projects (立项公示).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from linli.core.errors import Forbidden
from linli.core.scoping import capabilities_at, scope_for
from linli.places.models import Place, PlaceKind

ROUND_NODE_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET)
RUN = frozenset({"admin", "manage"})
REVIEW = frozenset({"admin", "manage", "lead"})


def may_run(actor: Any, path: str) -> bool:
    """``manage`` (or ``admin``) at the node whose path is given: runs its rounds, decides, pays, ends."""
    return bool(capabilities_at(actor, path) & RUN)


def may_review(actor: Any, path: str) -> bool:
    return bool(capabilities_at(actor, path) & REVIEW)


def may_reveal(actor: Any, path: str) -> bool:
    return bool(capabilities_at(actor, path) & {"admin", "reveal"})


def require_run(actor: Any, path: str, message: str) -> None:
    if not may_run(actor, path):
        raise Forbidden(message)


def managed_places_under(actor: Any, node: Place) -> bool:
    """Whether the actor manages some place under (or at) ``node``: their community, their street."""
    scope = scope_for(actor, "manage")
    if scope.everything:
        return True
    return any(root.startswith(node.path) or node.path.startswith(root) for root in scope.paths)


def may_register(actor: Any, node_path: str, communities: Iterable[Place]) -> bool:
    """The round's staff register for any community of the node; a community's staff only for theirs."""
    if may_run(actor, node_path):
        return True
    chosen = list(communities)
    return bool(chosen) and all(may_run(actor, c.path) for c in chosen)


def may_report(actor: Any, node_path: str, community_paths: Iterable[str]) -> bool:
    """The round's staff, or the staff of a community the project serves."""
    return may_run(actor, node_path) or any(may_run(actor, path) for path in community_paths)
