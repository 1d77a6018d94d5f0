"""Read endpoints for the party organisation tree and other organisations, scoped."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut
from linli.orgs.models import Organisation, PartyOrg
from linli.orgs.selectors import access_organisation, access_party_org, visible_organisations, visible_party_orgs

router = Router(tags=["orgs"])


class PartyOrgOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    path: str
    depth: int
    place_id: int
    place_name: str


class PartyOrgListOut(Schema):
    items: list[PartyOrgOut]
    next: str | None


class OrganisationOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    contact_phone: str
    home_id: int


class OrganisationListOut(Schema):
    items: list[OrganisationOut]
    next: str | None


class OrgListFilter(Schema):
    kind: str | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


@router.get("/party", response={200: PartyOrgListOut, 422: ErrorOut}, operation_id="party_orgs_list")
def party_orgs_list(request: HttpRequest, filters: Query[OrgListFilter]) -> PartyOrgListOut:
    qs = visible_party_orgs(request.user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    page = keyset_page(qs, key="path", cursor=filters.cursor, limit=filters.limit)
    return PartyOrgListOut(items=[_party_out(o) for o in page.items], next=page.next)


@router.get("/party/{org_id}", response={200: PartyOrgOut, 404: ErrorOut}, operation_id="party_orgs_read")
def party_orgs_read(request: HttpRequest, org_id: int) -> PartyOrgOut:
    return _party_out(access_party_org(request.user, org_id))


@router.get("/organisations", response={200: OrganisationListOut, 422: ErrorOut}, operation_id="organisations_list")
def organisations_list(request: HttpRequest, filters: Query[OrgListFilter]) -> OrganisationListOut:
    qs = visible_organisations(request.user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return OrganisationListOut(items=[_org_out(o) for o in page.items], next=page.next)


@router.get(
    "/organisations/{org_id}", response={200: OrganisationOut, 404: ErrorOut}, operation_id="organisations_read"
)
def organisations_read(request: HttpRequest, org_id: int) -> OrganisationOut:
    return _org_out(access_organisation(request.user, org_id))


def _party_out(o: PartyOrg) -> PartyOrgOut:
    return PartyOrgOut(
        id=o.pk,
        kind=o.kind,
        kind_label=o.kind_label,
        name=o.name,
        path=o.path,
        depth=o.depth,
        place_id=o.place_id,
        place_name=o.place.name,
    )


def _org_out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=o.pk, kind=o.kind, kind_label=o.kind_label, name=o.name, contact_phone=o.contact_phone, home_id=o.home_id
    )
