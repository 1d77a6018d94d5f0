from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from linli.core.scoping import access, get_or_not_found, scope_for
from linli.orgs.models import Organisation, PartyOrg


def visible_party_orgs(user: Any) -> QuerySet[PartyOrg]:
    return PartyOrg.objects.visible_to(user).select_related("place")


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
