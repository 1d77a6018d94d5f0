"""Who sees and keeps the register of community workers.

- **Keeping** the register (hiring, changing a post or grade, recording a leave, editing details), setting up
  training sessions and recording attendance, and exporting with grades: ``manage`` (or ``admin``) at the
  **street** the worker or session belongs to — the street's HR (street staff and leaders; a district leader
  or administrator above them). A community's own staff keep nothing here.
- **Seeing** the register: those with ``manage`` at a community see its workers' posts, employment,
  education and qualification level, but never the pay grade or the certificate number; street-level managers
  see everything in their street; every worker sees their own record (grade included). Anyone else (a grid
  worker, another community's staff) gets the 404 of a missing id.
- **Sessions** are seen by those who see the register at, above or below the session's place; a worker sees the
  sessions they attended.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from linli.core.lookups import ancestor_paths
from linli.core.scoping import capabilities_at, every_row, may_lead_at, scope_for
from linli.places.models import Place, PlaceKind

STREET_PATH_LENGTH = 2 * Place.steplen
WORKER_PLACE_KINDS = (PlaceKind.STREET, PlaceKind.COMMUNITY)
KEEPER_CAPABILITIES = {"admin", "manage"}


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def street_path_of(path: str) -> str:
    return path[:STREET_PATH_LENGTH]


def keeps_street(user: Any, path: str) -> bool:
    """``manage`` at the street ``path`` lies in (a street-level manager: the register's keeper there)."""
    if not signed_in(user) or len(path) < STREET_PATH_LENGTH:
        return False
    return bool(capabilities_at(user, street_path_of(path)) & KEEPER_CAPABILITIES)


def own_record(user: Any, worker: Any) -> bool:
    person_id = getattr(user, "person_id", None) if signed_in(user) else None
    return bool(person_id) and worker.person_id == person_id


def sees_grade(user: Any, worker: Any) -> bool:
    """Pay grade and certificate number: the street's keepers and the worker themself."""
    return keeps_street(user, worker.place_path) or own_record(user, worker)


def may_keep(user: Any, worker: Any) -> bool:
    return keeps_street(user, worker.place_path)


def register_q(user: Any, field: str = "place_path") -> Q:
    """Workers the user may see: under any node where they manage, and their own record."""
    if not signed_in(user):
        return Q(pk__in=[])
    scope = scope_for(user, "manage")
    if scope.everything:
        return every_row()
    condition = scope.q(field) if not scope.empty else Q(pk__in=[])
    person_id = getattr(user, "person_id", None)
    if person_id:
        condition |= Q(person_id=person_id)
    return condition


def sees_register(user: Any) -> bool:
    return signed_in(user) and not scope_for(user, "manage").empty


def keeper_streets_q(user: Any, field: str = "place_path") -> Q:
    """Rows of the streets the user keeps (``manage`` at a street or above)."""
    if not signed_in(user):
        return Q(pk__in=[])
    scope = scope_for(user, "manage")
    if scope.everything:
        return every_row()
    roots = [root for root in scope.paths if len(root) <= STREET_PATH_LENGTH]
    if not roots:
        return Q(pk__in=[])
    condition = Q()
    for root in roots:
        condition |= Q(**{f"{field}__under": root})
    return condition


def keeps_anything(user: Any) -> bool:
    if not signed_in(user):
        return False
    scope = scope_for(user, "manage")
    return scope.everything or any(len(root) <= STREET_PATH_LENGTH for root in scope.paths)


def training_q(user: Any, field: str = "place_path") -> Q:
    """Sessions the user may see: at or below where they manage, above it (the street's sessions for a
    community's staff), and those their own record attended."""
    if not signed_in(user):
        return Q(pk__in=[])
    scope = scope_for(user, "manage")
    if scope.everything:
        return every_row()
    condition = scope.q(field) if not scope.empty else Q(pk__in=[])
    above: set[str] = set()
    for root in scope.paths:
        above.update(ancestor_paths(root, Place.steplen))
    if above:
        condition |= Q(**{f"{field}__in": sorted(above)})
    person_id = getattr(user, "person_id", None)
    if person_id:
        from linli.workforce.models import Attendance

        attended = Attendance.objects.filter(worker__person_id=person_id).values("training_id")
        condition |= Q(pk__in=attended)
    return condition


def may_keep_training(user: Any, training: Any) -> bool:
    return keeps_street(user, training.place_path)


def may_see_figures(user: Any, node: Place) -> bool:
    return signed_in(user) and may_lead_at(user, node.path)
