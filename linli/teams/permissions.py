"""Who may change compound governance teams, standards and duty lists.

Reading follows the team scope (``selectors.team_scope``). Changing needs ``manage`` (or ``admin``) at the
place: community staff and secretaries for their community and its compounds, street staff and leaders for
the street. Grid workers, branch secretaries and building heads read their own compound's team and list and
change nothing. The platform default standard is changed only by someone whose ``manage`` scope is everything
(system administrators).
"""

from __future__ import annotations

from typing import Any

from linli.core.errors import Forbidden
from linli.core.scoping import may_manage_at, scope_for
from linli.teams.models import TeamStandard


def may_manage(actor: Any, path: str) -> bool:
    return may_manage_at(actor, path)


def may_manage_standard(actor: Any, standard: TeamStandard) -> bool:
    if standard.is_default:
        return scope_for(actor, "manage").everything
    return may_manage(actor, standard.place_path)


def require_manage(actor: Any, path: str, message: str) -> None:
    if not may_manage(actor, path):
        raise Forbidden(message)
