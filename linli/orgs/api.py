"""The party organisation tree and the organisation register: scoped reads, and the writes the pages
make (set up, rename, re-anchor, dissolve a party org; register and correct an organisation and set
the places it serves) through the same services (``linli.orgs.services``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut
from linli.core.scoping import NOT_FOUND_MESSAGE
from linli.orgs import services as s
from linli.orgs.models import Organisation, OrganisationKind, PartyOrg, PartyOrgKind
from linli.orgs.selectors import access_organisation, access_party_org, visible_organisations, visible_party_orgs
from linli.places.models import Place
from linli.places.selectors import access_place

router = Router(tags=["orgs"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


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


class OrganisationDetailOut(OrganisationOut):
    uscc: str
    contact_name: str
    serves: list[int] = Field(description="ids of the places the organisation serves")


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
    "/organisations/{org_id}", response={200: OrganisationDetailOut, 404: ErrorOut}, operation_id="organisations_read"
)
def organisations_read(request: HttpRequest, org_id: int) -> OrganisationDetailOut:
    return _org_detail_out(access_organisation(request.user, org_id))


# ----------------------------------------------------------------------------- party org writes


class PartyOrgIn(Schema):
    parent_id: int | None = Field(None, description="the org to set it up under; none for a root 党工委")
    kind: PartyOrgKind
    name: str = Field(..., min_length=1, max_length=100)
    place_id: int = Field(..., description="the place it is anchored to: the parent's place or inside it")


class PartyOrgPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    place_id: int | None = Field(None, description="re-anchor: the parent's place or inside it")


@router.post(
    "/party",
    response={201: PartyOrgOut, **ERRORS},
    operation_id="party_orgs_create",
    summary="Set up a party org under a visible parent (or a root 党工委); retries with the same "
    "Idempotency-Key return the first org",
)
def party_orgs_create(request: HttpRequest, payload: PartyOrgIn) -> Status[PartyOrgOut]:
    parent = access_party_org(request.user, payload.parent_id) if payload.parent_id is not None else None
    org = s.party_org_create(
        actor=request.user,
        parent=parent,
        kind=payload.kind.value,
        name=payload.name,
        place=access_place(request.user, payload.place_id),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _party_out(org))


@router.patch(
    "/party/{org_id}",
    response={200: PartyOrgOut, **ERRORS},
    operation_id="party_orgs_update",
    summary="Rename and/or re-anchor a party org; omitted fields stay; all or nothing",
)
def party_orgs_update(request: HttpRequest, org_id: int, payload: PartyOrgPatch) -> PartyOrgOut:
    org = access_party_org(request.user, org_id)
    with transaction.atomic():
        if payload.name is not None:
            org = s.party_org_rename(actor=request.user, org=org, name=payload.name)
        if payload.place_id is not None:
            org = s.party_org_reanchor(actor=request.user, org=org, place=access_place(request.user, payload.place_id))
    return _party_out(PartyOrg.objects.select_related("place").get(pk=org.pk))


@router.delete(
    "/party/{org_id}",
    response={204: None, **ERRORS},
    operation_id="party_orgs_dissolve",
    summary="撤销: delete a party org nothing depends on; 409 says what still does (children, members, "
    "positions, records)",
)
def party_orgs_dissolve(request: HttpRequest, org_id: int) -> Status[None]:
    s.party_org_dissolve(actor=request.user, org=access_party_org(request.user, org_id))
    return Status(204, None)


# ----------------------------------------------------------------------------- organisation writes


class OrganisationIn(Schema):
    kind: OrganisationKind
    name: str = Field(..., min_length=1, max_length=120)
    home_id: int = Field(..., description="the place it is registered at (kind rules in docs/architecture.md)")
    uscc: str = Field("", max_length=24, description="统一社会信用代码; required for a property company")
    contact_name: str = Field("", max_length=64)
    contact_phone: str = Field("", max_length=40, description="public office number; landline, mobile or 12345-style")


class OrganisationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    contact_name: str | None = Field(None, max_length=64)
    contact_phone: str | None = Field(None, max_length=40)
    serves: list[int] | None = Field(
        None, max_length=s.SERVES_MAX, description="ids of the places served, replacing the set"
    )


@router.post(
    "/organisations",
    response={201: OrganisationDetailOut, **ERRORS},
    operation_id="organisations_create",
    summary="Register an organisation; a credit code once per kind (409); retries with the same "
    "Idempotency-Key return the first registration",
)
def organisations_create(request: HttpRequest, payload: OrganisationIn) -> Status[OrganisationDetailOut]:
    org = s.organisation_register(
        actor=request.user,
        kind=payload.kind.value,
        name=payload.name,
        home=access_place(request.user, payload.home_id),
        uscc=payload.uscc,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _org_detail_out(org))


@router.patch(
    "/organisations/{org_id}",
    response={200: OrganisationDetailOut, **ERRORS},
    operation_id="organisations_update",
    summary="Correct the name or contact and/or set the places served; omitted fields stay; all or nothing",
)
def organisations_update(request: HttpRequest, org_id: int, payload: OrganisationPatch) -> OrganisationDetailOut:
    org = access_organisation(request.user, org_id)
    with transaction.atomic():
        org = s.organisation_update(
            actor=request.user,
            organisation=org,
            name=payload.name,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
        )
        if payload.serves is not None:
            org = s.organisation_serves_set(
                actor=request.user, organisation=org, places=_visible_places(request, payload.serves)
            )
    return _org_detail_out(org)


def _visible_places(request: HttpRequest, ids: list[int]) -> list[Place]:
    """The places by id, each one the caller can see (else 404 naming the field, like a missing one)."""
    wanted = set(ids)
    found = list(Place.objects.visible_to(request.user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="serves")
    return found


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


def _org_detail_out(o: Organisation) -> OrganisationDetailOut:
    return OrganisationDetailOut(
        **_org_out(o).dict(),
        uscc=o.uscc,
        contact_name=o.contact_name,
        serves=sorted(o.serves.values_list("pk", flat=True)),
    )
