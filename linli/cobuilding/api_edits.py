"""Co-building API, second part (mounted at /api/v1/co-building beside ``api.py``): the micro-project
lifecycle after creation (approve/reject at a meeting, start, progress, accept = complete), project
photos, and corrections — contract edits, resource edits and (de)activation, a partner's 大工委 / 大党委
membership. The same services, selectors and scoping as the pages; a row outside the caller's scope is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from linli.cobuilding import selectors as sel
from linli.cobuilding import services_partners as sp
from linli.cobuilding import services_property as spr
from linli.cobuilding.api import (
    ERRORS,
    CobuildingContractOut,
    CobuildingProjectOut,
    CobuildingResourceOut,
    contract_out,
    project_out,
    resource_out,
)
from linli.cobuilding.models import Project, ResourceCategory
from linli.core.schemas import Day, ErrorOut

router = Router(tags=["cobuilding"])


# ----------------------------------------------------------------------------- project lifecycle


class CobuildingProjectEventOut(Schema):
    at: dt.datetime
    actor: str
    from_status: str
    to_status: str
    note: str


class CobuildingProjectPhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class CobuildingProjectDetailOut(CobuildingProjectOut):
    description: str
    acceptance_note: str
    beneficiaries_note: str
    events: list[CobuildingProjectEventOut]
    photos: list[CobuildingProjectPhotoOut]


def project_detail_out(p: Project) -> CobuildingProjectDetailOut:
    events = [
        CobuildingProjectEventOut(
            at=e.at,
            actor=(getattr(getattr(e.actor, "person", None), "name", "") or getattr(e.actor, "username", "")),
            from_status=e.from_status,
            to_status=e.to_status,
            note=e.note,
        )
        for e in p.events.select_related("actor__person").order_by("at", "id")
    ]
    photos = [
        CobuildingProjectPhotoOut(
            id=ph.pk, url=f"/co-building/project-photos/{ph.pk}", width=ph.width or 0, height=ph.height or 0
        )
        for ph in p.photos.order_by("id")
    ]
    return CobuildingProjectDetailOut(
        **project_out(p).model_dump(),
        description=p.description,
        acceptance_note=p.acceptance_note,
        beneficiaries_note=p.beneficiaries_note,
        events=events,
        photos=photos,
    )


class CobuildingApproveIn(Schema):
    meeting_id: int = Field(..., description="the deliberation meeting that passed the project")
    note: str = Field("", max_length=2000)


class CobuildingNoteIn(Schema):
    note: str = Field(..., max_length=2000)


class CobuildingOptionalNoteIn(Schema):
    note: str = Field("", max_length=2000)


class CobuildingAcceptIn(Schema):
    note: str = Field(..., max_length=2000, description="验收意见")
    beneficiaries: int = Field(0, ge=0, le=10_000_000)
    beneficiaries_note: str = Field("", max_length=200)


def _project(request: HttpRequest, project_id: int) -> Project:
    return sel.access_project(request.user, project_id)


@router.get(
    "/projects/{project_id}",
    response={200: CobuildingProjectDetailOut, 404: ErrorOut},
    operation_id="cobuilding_projects_read",
    summary="One micro-project with its events (approval, start, progress, acceptance) and photos",
)
def projects_read(request: HttpRequest, project_id: int) -> CobuildingProjectDetailOut:
    return project_detail_out(_project(request, project_id))


@router.post(
    "/projects/{project_id}/approve",
    response={200: CobuildingProjectDetailOut, **ERRORS},
    operation_id="cobuilding_projects_approve",
    summary="Approved at a meeting whose scope covers the project (proposed → approved)",
)
def projects_approve(request: HttpRequest, project_id: int, payload: CobuildingApproveIn) -> CobuildingProjectDetailOut:
    from linli.deliberation.selectors import access_meeting

    project = _project(request, project_id)
    meeting = access_meeting(request.user, payload.meeting_id)
    sp.project_approve(actor=request.user, project=project, meeting=meeting, note=payload.note)
    return project_detail_out(_project(request, project_id))


@router.post(
    "/projects/{project_id}/reject",
    response={200: CobuildingProjectDetailOut, **ERRORS},
    operation_id="cobuilding_projects_reject",
    summary="Not passed (proposed → rejected), with the reason",
)
def projects_reject(request: HttpRequest, project_id: int, payload: CobuildingNoteIn) -> CobuildingProjectDetailOut:
    sp.project_reject(actor=request.user, project=_project(request, project_id), note=payload.note)
    return project_detail_out(_project(request, project_id))


@router.post(
    "/projects/{project_id}/start",
    response={200: CobuildingProjectDetailOut, **ERRORS},
    operation_id="cobuilding_projects_start",
    summary="Execution starts (approved → executing)",
)
def projects_start(
    request: HttpRequest, project_id: int, payload: CobuildingOptionalNoteIn
) -> CobuildingProjectDetailOut:
    sp.project_start(actor=request.user, project=_project(request, project_id), note=payload.note)
    return project_detail_out(_project(request, project_id))


@router.post(
    "/projects/{project_id}/progress",
    response={201: CobuildingProjectDetailOut, **ERRORS},
    operation_id="cobuilding_projects_progress",
    summary="A progress report while executing (one event; the status stays executing)",
)
def projects_progress(
    request: HttpRequest, project_id: int, payload: CobuildingNoteIn
) -> Status[CobuildingProjectDetailOut]:
    sp.project_progress(actor=request.user, project=_project(request, project_id), note=payload.note)
    return Status(201, project_detail_out(_project(request, project_id)))


@router.post(
    "/projects/{project_id}/accept",
    response={200: CobuildingProjectDetailOut, **ERRORS},
    operation_id="cobuilding_projects_accept",
    summary="Acceptance completes the project (executing → accepted); a need it answers is closed",
)
def projects_accept(request: HttpRequest, project_id: int, payload: CobuildingAcceptIn) -> CobuildingProjectDetailOut:
    sp.project_accept(
        actor=request.user,
        project=_project(request, project_id),
        note=payload.note,
        beneficiaries=payload.beneficiaries,
        beneficiaries_note=payload.beneficiaries_note,
    )
    return project_detail_out(_project(request, project_id))


@router.post(
    "/projects/{project_id}/photos",
    response={201: CobuildingProjectPhotoOut, **ERRORS},
    operation_id="cobuilding_projects_photo_add",
    summary="Attach a photo (multipart field `photo`; checked by content, ≤ 5 MB, EXIF removed; 9 per project)",
)
def projects_photo_add(
    request: HttpRequest, project_id: int, photo: File[UploadedFile]
) -> Status[CobuildingProjectPhotoOut]:
    added = sp.project_photo_add(actor=request.user, project=_project(request, project_id), upload=photo)
    return Status(
        201,
        CobuildingProjectPhotoOut(
            id=added.pk,
            url=f"/co-building/project-photos/{added.pk}",
            width=added.width or 0,
            height=added.height or 0,
        ),
    )


# ----------------------------------------------------------------------------- corrections


class CobuildingContractPatch(Schema):
    starts_on: Day | None = None
    ends_on: Day | None = None
    fee_grade: str | None = Field(None, max_length=16)
    fee_per_m2: Decimal | None = Field(None, ge=0, le=100, decimal_places=2)
    project_manager: str | None = Field(None, max_length=64)


@router.patch(
    "/contracts/{contract_id}",
    response={200: CobuildingContractOut, **ERRORS},
    operation_id="cobuilding_contracts_update",
    summary="Correct a contract or end it early; omitted fields stay; periods of a compound never overlap",
)
def contracts_update(request: HttpRequest, contract_id: int, payload: CobuildingContractPatch) -> CobuildingContractOut:
    contract = spr.contract_update(
        actor=request.user, contract=sel.access_contract(request.user, contract_id), **payload.model_dump()
    )
    return contract_out(sel.access_contract(request.user, contract.pk))


class CobuildingInstructorIn(Schema):
    person_id: int | None = Field(None, description="the party member's ledger id; null withdraws the instructor")


@router.put(
    "/contracts/{contract_id}/instructor",
    response={200: CobuildingContractOut, **ERRORS},
    operation_id="cobuilding_contracts_instructor",
    summary="派驻 or withdraw the contract's 党建指导员 (a party member in the caller's ledger scope)",
)
def contracts_instructor(
    request: HttpRequest, contract_id: int, payload: CobuildingInstructorIn
) -> CobuildingContractOut:
    contract = sel.access_contract(request.user, contract_id)
    instructor = None if payload.person_id is None else sel.access_instructor(request.user, payload.person_id)
    spr.contract_instructor_set(actor=request.user, contract=contract, instructor=instructor)
    return contract_out(sel.access_contract(request.user, contract.pk))


class CobuildingResourcePatch(Schema):
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    category: ResourceCategory | None = None


class CobuildingDeactivateIn(Schema):
    reason: str = Field(..., max_length=200)


@router.patch(
    "/resources/{resource_id}",
    response={200: CobuildingResourceOut, **ERRORS},
    operation_id="cobuilding_resources_update",
    summary="Correct a resource (title, description, category); omitted fields stay",
)
def resources_update(request: HttpRequest, resource_id: int, payload: CobuildingResourcePatch) -> CobuildingResourceOut:
    resource = sp.resource_update(
        actor=request.user,
        resource=sel.access_resource(request.user, resource_id),
        title=payload.title,
        description=payload.description,
        category=payload.category.value if payload.category else None,
    )
    return resource_out(sel.access_resource(request.user, resource.pk))


@router.post(
    "/resources/{resource_id}/deactivate",
    response={200: CobuildingResourceOut, **ERRORS},
    operation_id="cobuilding_resources_deactivate",
    summary="No longer offered: not suggested or matched any more (past matches keep it)",
)
def resources_deactivate(
    request: HttpRequest, resource_id: int, payload: CobuildingDeactivateIn
) -> CobuildingResourceOut:
    resource = sp.resource_deactivate(
        actor=request.user, resource=sel.access_resource(request.user, resource_id), reason=payload.reason
    )
    return resource_out(sel.access_resource(request.user, resource.pk))


@router.post(
    "/resources/{resource_id}/reactivate",
    response={200: CobuildingResourceOut, **ERRORS},
    operation_id="cobuilding_resources_reactivate",
    summary="Offered again",
)
def resources_reactivate(request: HttpRequest, resource_id: int) -> CobuildingResourceOut:
    resource = sp.resource_reactivate(actor=request.user, resource=sel.access_resource(request.user, resource_id))
    return resource_out(sel.access_resource(request.user, resource.pk))


# ----------------------------------------------------------------------------- partner profile (大工委, 大党委)


class CobuildingPartnerProfileIn(Schema):
    street_big_committee: bool = Field(description="member of the 大工委 of the street the unit is registered in")
    big_committee: bool = Field(description="member of a community's 大党委")
    big_committee_community_id: int | None = Field(
        None, description="that community; omitted: the one the unit is registered in (required when it is "
        "registered at the street or above)",
    )  # fmt: skip
    party_leader_name: str = Field("", description="its party leader serving as a part-time member (兼职委员)")
    joined_on: Day


class CobuildingPartnerProfileOut(Schema):
    organisation_id: int
    street_big_committee: bool
    big_committee: bool
    big_committee_community_id: int | None
    party_leader_name: str
    joined_on: dt.date


@router.put(
    "/partners/{org_id}/profile",
    response={200: CobuildingPartnerProfileOut, **ERRORS},
    operation_id="cobuilding_partners_profile_set",
    summary="Record a partner unit's 大工委 / 大党委 membership and part-time member (staff who manage its place)",
)
def partners_profile_set(
    request: HttpRequest, org_id: int, payload: CobuildingPartnerProfileIn
) -> CobuildingPartnerProfileOut:
    profile = sp.partner_profile_set(
        actor=request.user,
        organisation=sel.access_partner(request.user, org_id),
        big_committee=payload.big_committee,
        street_big_committee=payload.street_big_committee,
        big_committee_community_id=payload.big_committee_community_id,
        party_leader_name=payload.party_leader_name,
        joined_on=payload.joined_on,
    )
    return CobuildingPartnerProfileOut(
        organisation_id=profile.organisation_id,
        street_big_committee=profile.street_big_committee,
        big_committee=profile.big_committee,
        big_committee_community_id=profile.big_committee_community_id,
        party_leader_name=profile.party_leader_name,
        joined_on=profile.joined_on,
    )
