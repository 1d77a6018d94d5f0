"""Who records, who reads the ledger, who reads the 公示.

- **Recording** (income, costs, spending, distribution, reversals, the routine threshold, publishing a quarter)
  needs ``manage`` (or ``admin``) at the compound: the community's staff for its compounds, the street's staff
  for every compound of the street.
- **Reading the ledger** (every entry with its payee, receipt and evidence, the export): those who record, the
  leaders above (``lead``), the compound's party branch secretary (a ``branch_secretary`` position at or within
  the compound) and the members of the compound's owners' committee or supervisory board serving today
  (``cobuilding.CommitteeMember``).
- **Reading the 公示** (published quarters and the running summary, without personal data): the above, and the
  compound's owners and residents: a signed-in person in the resident ledger whose home lies in the compound
  (not moved out), or who owns a dwelling there today.
- Anyone else gets the 404 of a missing id, whatever they guess.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from linli.core.lookups import ancestor_paths
from linli.core.scoping import active_positions, every_row, may_lead_at, may_manage_at, scope_for, scope_for_any

COMMITTEE_KINDS = ("owners_committee", "supervisory_board")
SECRETARY_KIND = "branch_secretary"


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def may_record(user: Any, path: str) -> bool:
    return signed_in(user) and may_manage_at(user, path)


def _secretary_roots(user: Any) -> list[str]:
    return [root for kind, root in active_positions(user) if kind == SECRETARY_KIND]


def committee_paths(user: Any) -> set[str]:
    """The places (compounds) of the committees the user's person serves on today (one query, cached)."""
    if not signed_in(user) or not getattr(user, "person_id", None):
        return set()
    cached = getattr(user, "_commons_committee_paths", None)
    if cached is not None:
        return set(cached)
    from linli.cobuilding.models import CommitteeMember

    today = timezone.localdate()
    paths = set(
        CommitteeMember.objects.filter(
            person_id=user.person_id,
            organisation__kind__in=COMMITTEE_KINDS,
            term_starts__lte=today,
            term_ends__gte=today,
        ).values_list("place_path", flat=True)
    )
    user._commons_committee_paths = frozenset(paths)
    return paths


def sees_ledger(user: Any, path: str) -> bool:
    """Whether the user reads the compound's full ledger (``path`` is the compound's)."""
    if not signed_in(user):
        return False
    if may_lead_at(user, path):
        return True
    if any(root.startswith(path) for root in _secretary_roots(user)):
        return True
    return path in committee_paths(user)


def _home_paths(user: Any) -> list[str]:
    """Where the user lives (the resident ledger, not moved out) and the dwellings they own today."""
    if not signed_in(user) or not getattr(user, "person_id", None):
        return []
    cached = getattr(user, "_commons_home_paths", None)
    if cached is not None:
        return list(cached)
    from linli.people.models import Ownership, Person

    today = timezone.localdate()
    paths: list[str] = list(
        Person.objects.filter(pk=user.person_id, moved_out_on__isnull=True, anonymised_at__isnull=True).values_list(
            "place_path", flat=True
        )
    )
    paths += list(
        Ownership.objects.filter(person_id=user.person_id)
        .filter(Q(since__isnull=True) | Q(since__lte=today))
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("place_path", flat=True)
    )
    user._commons_home_paths = tuple(p for p in paths if p)
    return [p for p in paths if p]


def lives_in(user: Any, path: str) -> bool:
    return any(home.startswith(path) for home in _home_paths(user))


def sees_notices(user: Any, path: str) -> bool:
    """Whether the user reads the compound's 公示."""
    return sees_ledger(user, path) or lives_in(user, path)


def ledger_q(user: Any, field: str = "place_path") -> Q:
    """Rows (ledgers, entries) of the compounds whose full ledger the user reads."""
    if not signed_in(user):
        return Q(pk__in=[])
    scope = scope_for_any(user, ("manage", "lead"))
    if scope.everything:
        return every_row()
    condition = scope.q(field) if not scope.empty else Q(pk__in=[])
    roots = _secretary_roots(user)
    if roots:
        # a secretary at the compound, or at a grid or building within it: ledgers sit at compounds only, so the
        # compound is the one ancestor of the root that has one
        condition |= Q(**{f"{field}__in": sorted({a for root in roots for a in ancestor_paths(root, 4)})})
    committees = committee_paths(user)
    if committees:
        condition |= Q(**{f"{field}__in": sorted(committees)})
    return condition


def notices_q(user: Any, field: str = "place_path") -> Q:
    """Rows of the compounds whose 公示 the user reads: ``ledger_q`` and the compounds of the user's homes."""
    condition = ledger_q(user, field)
    homes = _home_paths(user)
    if homes:
        condition |= Q(**{f"{field}__in": sorted({a for home in homes for a in ancestor_paths(home, 4)})})
    return condition


def records_anywhere(user: Any) -> bool:
    return signed_in(user) and not scope_for(user, "manage").empty
