"""Who may change a street's offices, lists and review the tasks pushed down to it.

The lists are public (anyone may read a street's 职责清单 and 准入事项, signed in or not: they carry no personal
data). Changing them, registering tasks and reviewing them needs ``manage`` (or ``admin``) at the street itself:
street staff and leaders, district leaders above it, system administrators. Community staff hold ``manage``
at their community only: they read the lists and the tasks that reached their community, and change nothing.
A department's liaison (``department_liaison``) may register tasks from their own department to a street their
department serves, and read those tasks.
"""

from __future__ import annotations

from typing import Any

from linli.core.errors import Forbidden
from linli.core.scoping import liaison_organisations, may_manage_at
from linli.places.models import Place, PlaceKind


def may_manage_street(actor: Any, street: Place) -> bool:
    return street.kind == PlaceKind.STREET and may_manage_at(actor, street.path)


def require_manage_street(actor: Any, street: Place, message: str) -> None:
    if not may_manage_street(actor, street):
        raise Forbidden(message)


def may_register_for(actor: Any, street: Place, department: Any) -> bool:
    """Street staff register any task; a liaison only one from their own department to a street it serves."""
    if may_manage_street(actor, street):
        return True
    if department is None or not getattr(actor, "is_authenticated", False):
        return False
    return department.pk in liaison_organisations(actor) and street.path.startswith(department.place_path)
