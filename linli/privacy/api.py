"""Privacy API under /api/v1/privacy: the register of personal-information categories and
data-subject requests (a resident's own, or staff's queue). Same services and scoping as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut, PageQuery
from linli.people.selectors import access_person
from linli.privacy import selectors, services
from linli.privacy.models import DataCategory, LegalBasis, RequestKind, SubjectRequest

router = Router(tags=["privacy"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PrivacyCategoryOut(Schema):
    id: int
    code: str
    name: str
    fields: str
    purpose: str
    legal_basis: str
    legal_reference: str
    sensitive: bool
    retention: str
    retention_command: str


class PrivacyCategoryListOut(Schema):
    items: list[PrivacyCategoryOut]


class PrivacyRequestIn(Schema):
    kind: RequestKind
    details: str = Field("", max_length=2000)
    person_id: int | None = Field(None, description="staff filing on a resident's behalf; omit for oneself")
    correction_field: str = Field("", max_length=16)
    requested_value: str = Field("", max_length=200)


class PrivacyRequestOut(Schema):
    id: int
    kind: str
    status: str
    on_behalf: bool
    details: str
    due_at: dt.datetime
    created_at: dt.datetime
    outcome: str
    refusal_citation: str


class PrivacyRequestPageOut(Schema):
    items: list[PrivacyRequestOut]
    next: str | None


class PrivacyQueueQuery(PageQuery):
    status: str = Field("", max_length=12, description="open, received, in_review, done or refused")


def _out(r: SubjectRequest) -> PrivacyRequestOut:
    return PrivacyRequestOut(
        id=r.pk,
        kind=r.kind,
        status=r.status,
        on_behalf=r.on_behalf,
        details=r.details,
        due_at=r.due_at,
        created_at=r.created_at,
        outcome=r.outcome,
        refusal_citation=r.refusal_citation,
    )


def _category(c: DataCategory) -> PrivacyCategoryOut:
    return PrivacyCategoryOut(
        id=c.pk,
        code=c.code,
        name=c.name,
        fields=c.fields,
        purpose=c.purpose,
        legal_basis=c.legal_basis,
        legal_reference=c.legal_reference,
        sensitive=c.sensitive,
        retention=c.retention,
        retention_command=c.retention_command,
    )


@router.get(
    "/categories",
    response={200: PrivacyCategoryListOut},
    operation_id="privacy_categories_list",
    summary="The register: each category of personal information, its purpose, legal basis and retention",
)
def privacy_categories_list(request: HttpRequest) -> PrivacyCategoryListOut:
    return PrivacyCategoryListOut(items=[_category(c) for c in selectors.categories()])


@router.get(
    "/requests",
    response={200: PrivacyRequestPageOut, 422: ErrorOut},
    operation_id="privacy_requests_list",
    summary="Data-subject requests the caller may see (their own, or their scope's queue), newest first",
)
def privacy_requests_list(request: HttpRequest, query: Query[PrivacyQueueQuery]) -> PrivacyRequestPageOut:
    page = keyset_page(
        selectors.request_queue(request.user, status=query.status),
        key="id",
        cursor=query.cursor,
        limit=query.limit,
        descending=True,
    )
    return PrivacyRequestPageOut(items=[_out(r) for r in page.items], next=page.next)


@router.post(
    "/requests",
    response={201: PrivacyRequestOut, **ERRORS},
    operation_id="privacy_requests_create",
    summary="File a request (access, correction, erasure, withdrawal); retries with the same Idempotency-Key file once",
)
def privacy_requests_create(request: HttpRequest, payload: PrivacyRequestIn) -> Status[PrivacyRequestOut]:
    person = access_person(request.user, payload.person_id) if payload.person_id is not None else None
    created = services.subject_request_submit(
        actor=request.user,
        kind=payload.kind,
        details=payload.details,
        person=person,
        correction_field=payload.correction_field,
        requested_value=payload.requested_value,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _out(created))


@router.get(
    "/requests/{request_id}",
    response={200: PrivacyRequestOut, 404: ErrorOut},
    operation_id="privacy_requests_read",
    summary="One request (404 outside the caller's scope)",
)
def privacy_requests_read(request: HttpRequest, request_id: int) -> PrivacyRequestOut:
    return _out(selectors.access_request(request.user, request_id))


# ----------------------------------------------------------------------------- handling (privacy:act, register)

Citation = Literal[tuple(services.REFUSAL_CITATIONS)]  # type: ignore[valid-type]


class PrivacyOutcomeIn(Schema):
    outcome: str = Field("", description="what was done, as the resident will read it (erasure adds its own note)")


class PrivacyRefuseIn(Schema):
    citation: Citation = Field(..., description="the legal provision that requires keeping the data")  # type: ignore[valid-type]
    reason: str = Field(..., description="the specific reason, at least 5 characters")


class PrivacyCategoryIn(Schema):
    purpose: str = Field(..., description="at least 4 characters")
    legal_basis: LegalBasis
    retention: str = Field(..., description="e.g. 迁出后五年")
    legal_reference: str = ""


@router.post(
    "/requests/{request_id}/review",
    response={200: PrivacyRequestOut, **ERRORS},
    operation_id="privacy_requests_review",
    summary="Take a received request into review (staff at the person's address); a second time is 409",
)
def privacy_requests_review(request: HttpRequest, request_id: int) -> PrivacyRequestOut:
    return _out(services.subject_request_review(actor=request.user, request_id=request_id))


@router.post(
    "/requests/{request_id}/complete",
    response={200: PrivacyRequestOut, **ERRORS},
    operation_id="privacy_requests_complete",
    summary="Finish a request with its outcome; erasure anonymises the record, or is 409 when the law keeps it",
)
def privacy_requests_complete(request: HttpRequest, request_id: int, payload: PrivacyOutcomeIn) -> PrivacyRequestOut:
    return _out(services.subject_request_complete(actor=request.user, request_id=request_id, outcome=payload.outcome))


@router.post(
    "/requests/{request_id}/refuse",
    response={200: PrivacyRequestOut, **ERRORS},
    operation_id="privacy_requests_refuse",
    summary="Refuse with a specific reason and the legal provision that requires keeping the data",
)
def privacy_requests_refuse(request: HttpRequest, request_id: int, payload: PrivacyRefuseIn) -> PrivacyRequestOut:
    refused = services.subject_request_refuse(
        actor=request.user, request_id=request_id, citation=payload.citation, reason=payload.reason
    )
    return _out(refused)


@router.post(
    "/requests/{request_id}/copy",
    response={200: dict[str, Any], **ERRORS},
    operation_id="privacy_requests_copy",
    summary="The Art. 45 copy for an access request (the ledger's subject export, audited there)",
)
def privacy_requests_copy(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return services.subject_request_copy(actor=request.user, request_id=request_id)


@router.put(
    "/categories/{category_id}",
    response={200: PrivacyCategoryOut, **ERRORS},
    operation_id="privacy_categories_update",
    summary="Keep the register true: purpose, legal basis, retention (system administrators; audited)",
)
def privacy_categories_update(request: HttpRequest, category_id: int, payload: PrivacyCategoryIn) -> PrivacyCategoryOut:
    return _category(services.data_category_update(actor=request.user, category_id=category_id, **payload.dict()))
