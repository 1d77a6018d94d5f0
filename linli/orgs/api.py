"""The party organisation tree and the organisation register: scoped reads, and the writes the pages
make (set up, rename, re-anchor, dissolve or merge a party org; register and correct an organisation and
set the places it serves) through the same services (``linli.orgs.services``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found
from linli.orgs import services as s
from linli.orgs.models import Organisation, OrganisationKind, PartyOrg, PartyOrgKind, PartyOrgStatus
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
    status: PartyOrgStatus = Field(description="active, or dissolved (已撤销): kept with its history")
    status_label: str
    dissolved_at: dt.date | None = Field(description="the day it was dissolved; null while active")
    dissolved_reason: str = Field(description="why it was dissolved; empty while active")
    merged_into_id: int | None = Field(description="the org it was merged into (合并), if any")
    organisation_id: int | None = Field(
        description="单位党组织: the property company, partner unit or social organisation it is formed in; null for "
        "a branch of residents"
    )


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


class PartyOrgListFilter(OrgListFilter):
    status: Literal["active", "dissolved", "all"] = Field(
        "active", description="active orgs (the default: the tree as it is now), dissolved (已撤销) ones, or all"
    )


@router.get("/party", response={200: PartyOrgListOut, 422: ErrorOut}, operation_id="party_orgs_list")
def party_orgs_list(request: HttpRequest, filters: Query[PartyOrgListFilter]) -> PartyOrgListOut:
    qs = visible_party_orgs(request.user)
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
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


class PartyOrgOrganisationIn(Schema):
    organisation_id: int | None = Field(
        description="a property company, partner unit or social organisation the caller sees; null: a residents' org"
    )


@router.put(
    "/party/{org_id}/organisation",
    response={200: PartyOrgOut, **ERRORS},
    operation_id="party_orgs_organisation",
    summary="Record the organisation a 党委/党总支/党支部 is formed in (单位党组织), or null for a residents' org",
)
def party_orgs_organisation(request: HttpRequest, org_id: int, payload: PartyOrgOrganisationIn) -> PartyOrgOut:
    org = access_party_org(request.user, org_id)
    unit = None
    if payload.organisation_id is not None:
        unit = get_or_not_found(visible_organisations(request.user), payload.organisation_id, field="organisation_id")
    org = s.party_org_set_organisation(actor=request.user, org=org, organisation=unit)
    return _party_out(PartyOrg.objects.select_related("place").get(pk=org.pk))


class PartyOrgDissolveIn(Schema):
    reason: str = Field(
        "", max_length=s.REASON_MAX, description="why (撤销原因); required when the org has a history and is kept"
    )
    merged_into_id: int | None = Field(
        None,
        description="合并: another active org of the same kind (a 党小组: of the same branch); a branch's current "
        "members move there in the same transaction",
    )


class PartyOrgDissolveOut(Schema):
    deleted: bool = Field(description="true: nothing depended on the org and it is gone; false: kept as dissolved")
    members_moved: int = Field(description="current members moved to the org merged into (or out of a 党小组)")
    org: PartyOrgOut | None = Field(description="the dissolved org as kept; null when deleted")


@router.post(
    "/party/{org_id}/dissolve",
    response={200: PartyOrgDissolveOut, **ERRORS},
    operation_id="party_orgs_dissolve_with_reason",
    summary="撤销 (or 合并 into another org): an org with a history is kept as dissolved with the day, the reason "
    "and the org merged into; one nothing depends on is deleted. 409 names what must be settled first (active "
    "child orgs, current members unless merged into another branch, positions, household duties); a repeat "
    "of a done dissolution changes nothing and answers 200 with the org as kept (members_moved 0)",
)
def party_orgs_dissolve_with_reason(
    request: HttpRequest, org_id: int, payload: PartyOrgDissolveIn
) -> PartyOrgDissolveOut:
    org = access_party_org(request.user, org_id)
    target = None
    if payload.merged_into_id is not None:
        target = get_or_not_found(visible_party_orgs(request.user), payload.merged_into_id, field="merged_into_id")
    done = s.party_org_dissolve(actor=request.user, org=org, reason=payload.reason, merged_into=target)
    kept = None if done.deleted else _party_out(PartyOrg.objects.select_related("place").get(pk=done.org.pk))
    return PartyOrgDissolveOut(deleted=done.deleted, members_moved=done.members_moved, org=kept)


@router.delete(
    "/party/{org_id}",
    response={204: None, **ERRORS},
    operation_id="party_orgs_dissolve",
    summary="撤销 without a reason: deletes a party org nothing depends on; one with a history needs a reason "
    "(422 on reason: use POST /party/{org_id}/dissolve); 409 says what must be settled first",
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
        status=PartyOrgStatus(o.status),
        status_label=o.status_label,
        dissolved_at=o.dissolved_at,
        dissolved_reason=o.dissolved_reason,
        merged_into_id=o.merged_into_id,
        organisation_id=o.organisation_id,
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
