from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from linli.core.lookups import ancestor_paths
from linli.core.scoping import access, get_or_not_found, scope_for
from linli.orgs.models import PARTY_ORG_CHILDREN, Organisation, PartyOrg, PartyOrgKind
from linli.orgs.services import ROOT_PLACE_KINDS, UNIT_KINDS
from linli.places.models import Place


def visible_party_orgs(user: Any) -> QuerySet[PartyOrg]:
    """Every party org in the user's scope, dissolved (已撤销) ones included: their pages and records stay
    readable. The tree and the pickers start from ``active_party_orgs``."""
    return PartyOrg.objects.visible_to(user).select_related("place")


def active_party_orgs(user: Any) -> QuerySet[PartyOrg]:
    return PartyOrg.objects.active().visible_to(user).select_related("place")


DISSOLVED_LIMIT = 200


def dissolved_party_orgs(user: Any, *, limit: int = DISSOLVED_LIMIT) -> list[PartyOrg]:
    """The 已撤销 orgs in the user's scope, latest first (the orgs page's 已撤销 section)."""
    qs = PartyOrg.objects.dissolved().visible_to(user).select_related("place", "merged_into")
    return list(qs.order_by("-dissolved_at", "path")[:limit])


def access_party_org(user: Any, pk: Any) -> PartyOrg:
    return access(PartyOrg.objects.all(), user, pk)


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations registered in the caller's scope or serving a place in it."""
    scope = scope_for(user)
    if scope.everything:
        return Organisation.objects.all()
    served = Organisation.serves.through.objects.filter(scope.q("place__path")).values("organisation_id")
    return Organisation.objects.filter(scope.q("place_path") | Q(pk__in=served))


def access_organisation(user: Any, pk: Any) -> Organisation:
    return get_or_not_found(visible_organisations(user), pk)  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- pickers for the forms

PICKER_LIMIT = 500
# Below a parent org, a new org is anchored at the parent's place or down to two levels under it
# (a community 党委 → its compounds and their grids; a compound's branch → its buildings and units).
ANCHOR_DEPTH = 2


def managed_places(user: Any, kinds: Iterable[str], *, limit: int = PICKER_LIMIT) -> list[Place]:
    """Places of ``kinds`` where the user holds ``manage`` (or everything), in tree order."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind__in=list(kinds)).order_by("path")[:limit])


def anchor_places(user: Any, org: PartyOrg) -> list[Place]:
    """Where a child of ``org`` may be anchored: its place and the places under it (two levels down)
    that the user manages."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    base = len(org.place_path) // Place.steplen
    return list(
        Place.objects.filter(scope.q("path"), path__under=org.place_path, depth__lte=base + ANCHOR_DEPTH).order_by(
            "path"
        )[:PICKER_LIMIT]
    )


def reanchor_places(user: Any, org: PartyOrg, parent: PartyOrg | None) -> list[Place]:
    """Where ``org`` may move: inside its parent's place (a root: districts and streets), managed by the user."""
    if parent is None:
        return managed_places(user, ROOT_PLACE_KINDS)
    return anchor_places(user, parent)


def parent_options(user: Any) -> list[PartyOrg]:
    """Orgs the user may set up a child under: those that have children and sit where the user manages."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    kinds = [kind for kind, children in PARTY_ORG_CHILDREN.items() if children]
    orgs = PartyOrg.objects.active().filter(scope.q("place_path"), kind__in=kinds).select_related("place")
    return list(orgs.order_by("path")[:PICKER_LIMIT])


def merge_options(user: Any, org: PartyOrg) -> list[PartyOrg]:
    """Where ``org`` may be merged (合并): the other active orgs of its kind at places the user manages; for a
    党小组, the other groups of its own branch (``services._merge_target`` has the same rules)."""
    scope = scope_for(user, "manage")
    if scope.empty or org.is_dissolved:
        return []
    orgs = PartyOrg.objects.active().filter(scope.q("place_path"), kind=org.kind).exclude(pk=org.pk)
    if org.kind == PartyOrgKind.GROUP:
        orgs = orgs.filter(path__startswith=org.path[: -PartyOrg.steplen], depth=org.depth)
    return list(orgs.select_related("place").order_by("path")[:PICKER_LIMIT])


def parent_of(org: PartyOrg) -> PartyOrg | None:
    if org.depth == 1:
        return None
    return PartyOrg.objects.filter(path=org.path[: -PartyOrg.steplen]).select_related("place").first()


def organisations_serving(path: str) -> QuerySet[Organisation]:
    """The organisations a resident living at ``path`` can turn to (seed 001: 公示…部门联系电话): those registered
    at, or serving, the resident's place or any place above it — their 居委会, 业委会, 物业, the street's
    departments. One query; the ancestors are prefixes of the path."""
    from linli.places.models import Place

    chain = [path[:n] for n in range(Place.steplen, len(path) + 1, Place.steplen)]
    served = Organisation.serves.through.objects.filter(place__path__in=chain).values("organisation_id")
    return (
        Organisation.objects.filter(Q(place_path__in=chain) | Q(pk__in=served))
        .select_related("home")
        .order_by("kind", "name")
    )


def unit_options(user: Any, org: PartyOrg) -> list[Organisation]:
    """Organisations a 党委/党总支/党支部 may be recorded as formed in: property companies, partner units and social
    organisations the user sees that are registered in or serve the org's place or a place around it, by name."""
    around = Q(place_path__in=ancestor_paths(org.place_path, Place.steplen)) | Q(place_path__under=org.place_path)
    serving = Q(serves__path__in=ancestor_paths(org.place_path, Place.steplen)) | Q(serves__path__under=org.place_path)
    units = visible_organisations(user).filter(around | serving, kind__in=UNIT_KINDS).distinct()
    return list(units.order_by("name", "id")[:PICKER_LIMIT])
