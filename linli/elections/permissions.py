"""Who runs, checks, sees and votes in an owners' committee election.

- **Running** an election (creating it, its preparatory group and candidates, each step of its lifecycle, paper
  ballots and proxy registrations) needs ``manage`` (or ``admin``) at the compound: the community's staff, the
  street's staff and leaders. A grid worker or another community's staff gets the 404 of a missing id.
- **Checking** the candidate list (支部把关) is the compound's party branch: a ``branch_secretary`` position at
  (or above) the compound, or ``manage`` there.
- **Seeing** an election: a draft only those who run it; once the candidates are published, anyone holding a
  position at, above or below the compound, its residents and its owners (an owner who lives elsewhere
  included). Its result page shows each candidate's counts, never who voted how (ballots carry no choice).
- **Voting**: the owners frozen into the electorate when voting opened, or their proxy.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from linli.core.lookups import ancestor_paths
from linli.core.scoping import active_positions, every_row, may_lead_at, may_manage_at, scope_for
from linli.places.models import Place

BRANCH_POSITION = "branch_secretary"


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def may_manage(user: Any, path: str) -> bool:
    return signed_in(user) and may_manage_at(user, path)


def may_check(user: Any, path: str) -> bool:
    """The compound's party branch (its secretary's position at or above the compound) or its managers."""
    if may_manage(user, path):
        return True
    return signed_in(user) and any(
        kind == BRANCH_POSITION and path.startswith(root) for kind, root in active_positions(user)
    )


def may_see_figures(user: Any, path: str) -> bool:
    return signed_in(user) and may_lead_at(user, path)


def owned_compound_paths(user: Any) -> list[str]:
    """The places above each dwelling the user owns today (an owner who lives elsewhere still sees the election)."""
    from linli.people.models import Ownership

    person_id = getattr(user, "person_id", None) if signed_in(user) else None
    if not person_id:
        return []
    cached = getattr(user, "_linli_owned_paths", None)
    if cached is not None:
        return list(cached)
    today = timezone.localdate()
    rows = (
        Ownership.objects.filter(person_id=person_id)
        .filter(Q(since__isnull=True) | Q(since__lte=today))
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("place_path", flat=True)
    )
    paths: set[str] = set()
    for path in rows:
        paths.update(ancestor_paths(path, Place.steplen))
    user._linli_owned_paths = sorted(paths)
    return list(user._linli_owned_paths)


def _home_paths(user: Any) -> list[str]:
    person: Any = getattr(user, "person", None) if signed_in(user) else None
    path = str(getattr(person, "place_path", "") or "")
    return ancestor_paths(path, Place.steplen) if path else []


def visible_q(user: Any, field: str = "place_path") -> Q:
    """Elections the user may see: everything under where they manage; published ones under (or above) any
    position of theirs, and those of the compounds they live in or own a dwelling in."""
    if not signed_in(user):
        return Q(pk__in=[])
    managed = scope_for(user, "manage")
    if managed.everything:
        return every_row()
    condition = managed.q(field) if not managed.empty else Q(pk__in=[])
    for kind, root in active_positions(user):
        if kind == BRANCH_POSITION:  # the branch checks the candidate list of a draft
            condition |= Q(**{f"{field}__under": root})
    insider = scope_for(user)
    published = insider.q(field) if not insider.empty else Q(pk__in=[])
    around = set(_home_paths(user)) | set(owned_compound_paths(user))
    for root in insider.paths:
        around.update(ancestor_paths(root, Place.steplen))
    if around:
        published |= Q(**{f"{field}__in": sorted(around)})
    return condition | (published & ~Q(status="draft"))
