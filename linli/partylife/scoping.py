"""Who sees party data: the org's own officers and those above them, along the party org tree.

- A position with ``party_org`` set (支部书记, 支委委员 …) makes its holder an officer of that org:
  they see the org and every org under it.
- A leading position (capability ``lead``: street leader, community secretary …) without a
  party org sees the party orgs anchored at its place (the 党工委 of the street, the 党委 of the
  community) and everything under them.
- The system administrator sees everything. Anyone else — a grid worker, a resident — sees nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import NotFound
from linli.core.scoping import EVERYTHING, NOTHING, Scope

if TYPE_CHECKING:
    from linli.accounts.models import User
    from linli.orgs.models import PartyOrg

# Party orgs that a leading position sees when it names no party org itself.
LEADING_KINDS = ("working_committee", "committee", "general_branch")


def party_scope(user: User | Any) -> Scope:
    """Subtree roots (PartyOrg paths) where the user is a party officer, cached per request."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    cached = getattr(user, "_linli_party_scope", None)
    if cached is not None:
        return cached
    from linli.orgs.models import PartyOrg
    from linli.people.models import Position
    from linli.people.positions import POSITION_KINDS

    scope = NOTHING
    if user.person_id:
        day = timezone.localdate()
        rows = list(
            Position.objects.filter(person_id=user.person_id, start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .values_list("kind", "party_org__path", "place_path")
        )
        paths: list[str] = []
        leading_places: list[str] = []
        for kind, org_path, place_path in rows:
            spec = POSITION_KINDS.get(kind)
            if spec is not None and "admin" in spec.capabilities:
                scope = EVERYTHING
                break
            if org_path:
                paths.append(org_path)
            elif spec is not None and "lead" in spec.capabilities:
                leading_places.append(place_path)
        else:
            if leading_places:
                paths += list(
                    PartyOrg.objects.filter(place__path__in=leading_places, kind__in=LEADING_KINDS).values_list(
                        "path", flat=True
                    )
                )
            scope = Scope.from_paths(paths)
    setattr(user, "_linli_party_scope", scope)  # noqa: B010 - cached for the request
    return scope


def visible_party_orgs(user: User | Any) -> Any:
    from linli.orgs.models import PartyOrg

    return PartyOrg.objects.filter(party_scope(user).q("path")).select_related("place")


def access_party_org(user: User | Any, pk: Any, *, kind: str | None = None) -> PartyOrg:
    qs = visible_party_orgs(user)
    if kind:
        qs = qs.filter(kind=kind)
    try:
        return qs.get(pk=int(pk))
    except Exception:
        raise NotFound(_("未找到,或您无权查看")) from None


def access_party_row(queryset: Any, user: User | Any, pk: Any) -> Any:
    """One party-scoped row the user may see, or ``NotFound`` (absent and forbidden are the same)."""
    try:
        return queryset.visible_to(user).get(pk=int(pk))
    except Exception:
        raise NotFound(_("未找到,或您无权查看")) from None


def is_party_officer(user: User | Any) -> bool:
    return not party_scope(user).empty
