"""Ledger edits and imports over the API, as on the ledger pages: basic fields, phones, care tags,
move-out / move-in, ownership, correction requests, and the import (upload → preview with per-row
errors → commit). Every write is the same service the page calls; identifiers travel only in
request bodies, never in URLs, and come back masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import Forbidden, InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import capabilities_at, get_or_not_found
from linli.people.api import router
from linli.people.import_services import access_batch, import_commit, import_preview
from linli.people.models import CareTag, CorrectionRequest, ImportBatch, Person
from linli.people.selectors import (
    access_correction,
    access_household_for_owner,
    access_ownership,
    access_person,
    access_person_phone,
    access_place_for_move,
    correction_queue,
)
from linli.people.services import (
    EDIT_CAPABILITIES,
    correction_resolve,
    ownership_end,
    ownership_record,
    person_move_in,
    person_move_out,
    person_phone_add,
    person_phone_remove,
    person_tag_set,
    person_update,
)

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _editable(request: HttpRequest, resident_id: int) -> Person:
    person = access_person(request.user, resident_id)
    if not capabilities_at(request.user, person.place_path) & EDIT_CAPABILITIES:  # type: ignore[arg-type]
        raise Forbidden(_("您的岗位无权修改台账"))
    return person


# ---------------------------------------------------------------- edits


class LedgerUpdateIn(Schema):
    """Only the fields given are changed; id_number/phone are validated and re-hashed, phone "" clears it."""

    name: str | None = Field(None, min_length=1, max_length=64)
    id_number: str | None = Field(None, max_length=18)
    phone: str | None = Field(None, max_length=20)
    workplace: str | None = Field(None, max_length=120)
    political_status: str | None = None
    residence_type: str | None = None
    relation_to_head: str | None = None
    notes: str | None = Field(None, max_length=2000)


class LedgerChangedOut(Schema):
    id: int
    changed: list[str] = Field(description="names of the fields whose value changed (never the values)")


class LedgerPhoneIn(Schema):
    phone: str = Field(min_length=1, max_length=20)
    label: str = Field("", max_length=20)


class LedgerPhoneOut(Schema):
    id: int
    person_id: int
    label: str
    phone_masked: str


class LedgerTagIn(Schema):
    tag_id: int
    present: bool = Field(description="true adds the care tag, false removes it")


class LedgerTagOut(Schema):
    person_id: int
    tag_id: int
    present: bool
    changed: bool


class LedgerMoveOutIn(Schema):
    on: Day
    note: str = Field("", max_length=500)


class LedgerMoveInIn(Schema):
    place_id: int = Field(description="a building or unit in the caller's ledger scope")
    room: str = Field("", max_length=32)
    on: Day
    residence_type: Literal["", "registered", "resident", "floating", "nominal"] = ""
    note: str = Field("", max_length=500)


class LedgerOwnershipIn(Schema):
    household_id: int
    area_m2: Decimal = Field(gt=0, max_digits=8, decimal_places=2)
    share: Decimal = Field(Decimal(1), gt=0, le=1, max_digits=5, decimal_places=4)
    since: Day | None = None


class LedgerOwnershipEndIn(Schema):
    on: Day


class LedgerOwnershipOut(Schema):
    id: int
    person_id: int
    household_id: int
    area_m2: Decimal
    share: Decimal
    since: dt.date | None
    until: dt.date | None


def _ownership_out(o: Any) -> LedgerOwnershipOut:
    return LedgerOwnershipOut(
        id=o.pk,
        person_id=o.person_id,
        household_id=o.household_id,
        area_m2=o.area_m2,
        share=o.share,
        since=getattr(o, "since", None),
        until=getattr(o, "until", None),
    )


@router.patch(
    "/residents/{resident_id}",
    response={200: LedgerChangedOut, **ERRORS},
    operation_id="residents_update",
    summary="Change ledger fields of one resident (staff who keep the ledger there; audited by field name)",
)
def residents_update(request: HttpRequest, resident_id: int, body: LedgerUpdateIn) -> LedgerChangedOut:
    person = _editable(request, resident_id)
    changes = {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None}
    changed = person_update(actor=request.user, person=person, changes=changes)
    return LedgerChangedOut(id=person.pk, changed=sorted(changed))


@router.post(
    "/residents/{resident_id}/phones",
    response={201: LedgerPhoneOut, **ERRORS},
    operation_id="residents_phone_add",
)
def residents_phone_add(request: HttpRequest, resident_id: int, body: LedgerPhoneIn) -> Status[LedgerPhoneOut]:
    person = _editable(request, resident_id)
    p = person_phone_add(actor=request.user, person=person, phone=body.phone, label=body.label)
    return Status(201, LedgerPhoneOut(id=p.pk, person_id=person.pk, label=p.label, phone_masked=p.phone_masked))


@router.delete(
    "/residents/{resident_id}/phones/{phone_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    operation_id="residents_phone_remove",
)
def residents_phone_remove(request: HttpRequest, resident_id: int, phone_id: int) -> Status[None]:
    person = _editable(request, resident_id)
    person_phone_remove(actor=request.user, phone=access_person_phone(request.user, person, phone_id))
    return Status(204, None)


@router.post(
    "/residents/{resident_id}/tags",
    response={200: LedgerTagOut, **ERRORS},
    operation_id="residents_tag_set",
    summary="Add or remove a care tag (sensitive tags need the sensitive capability there)",
)
def residents_tag_set(request: HttpRequest, resident_id: int, body: LedgerTagIn) -> LedgerTagOut:
    person = _editable(request, resident_id)
    tag = get_or_not_found(CareTag.objects.all(), body.tag_id, message=_("未找到该标签"), field="tag_id")
    changed = person_tag_set(actor=request.user, person=person, tag=tag, present=body.present)
    return LedgerTagOut(person_id=person.pk, tag_id=tag.pk, present=body.present, changed=bool(changed))


@router.post(
    "/residents/{resident_id}/move-out",
    response={200: LedgerChangedOut, **ERRORS},
    operation_id="residents_move_out",
)
def residents_move_out(request: HttpRequest, resident_id: int, body: LedgerMoveOutIn) -> LedgerChangedOut:
    person = _editable(request, resident_id)
    person_move_out(actor=request.user, person=person, on=body.on, note=body.note)
    return LedgerChangedOut(id=person.pk, changed=["moved_out_on"])


@router.post(
    "/residents/{resident_id}/move-in",
    response={200: LedgerChangedOut, **ERRORS},
    operation_id="residents_move_in",
    summary="Record a move-in at a building or unit (and room): a new stay in the history",
)
def residents_move_in(request: HttpRequest, resident_id: int, body: LedgerMoveInIn) -> LedgerChangedOut:
    person = _editable(request, resident_id)
    place = access_place_for_move(request.user, body.place_id)
    person_move_in(
        actor=request.user,
        person=person,
        place=place,
        room=body.room,
        on=body.on,
        residence_type=body.residence_type,
        note=body.note,
    )
    return LedgerChangedOut(id=person.pk, changed=["place", "household"])


@router.post(
    "/residents/{resident_id}/ownerships",
    response={201: LedgerOwnershipOut, **ERRORS},
    operation_id="residents_ownership_add",
)
def residents_ownership_add(
    request: HttpRequest, resident_id: int, body: LedgerOwnershipIn
) -> Status[LedgerOwnershipOut]:
    person = _editable(request, resident_id)
    o = ownership_record(
        actor=request.user,
        person=person,
        household=access_household_for_owner(request.user, body.household_id),
        area_m2=body.area_m2,
        share=body.share,
        since=body.since,
    )
    return Status(201, _ownership_out(o))


@router.post(
    "/residents/{resident_id}/ownerships/{ownership_id}/end",
    response={200: LedgerOwnershipOut, **ERRORS},
    operation_id="residents_ownership_end",
)
def residents_ownership_end(
    request: HttpRequest, resident_id: int, ownership_id: int, body: LedgerOwnershipEndIn
) -> LedgerOwnershipOut:
    person = _editable(request, resident_id)
    o = ownership_end(actor=request.user, ownership=access_ownership(request.user, person, ownership_id), on=body.on)
    return _ownership_out(o)


# ---------------------------------------------------------------- corrections


class LedgerCorrectionOut(Schema):
    id: int
    person_id: int
    person_name: str
    field: str
    status: str
    message: str
    created_at: dt.datetime
    resolution_note: str


class LedgerCorrectionListOut(Schema):
    items: list[LedgerCorrectionOut]
    next: str | None


class LedgerCorrectionResolveIn(Schema):
    accept: bool
    note: str = Field("", max_length=2000)


def _correction_out(c: CorrectionRequest) -> LedgerCorrectionOut:
    return LedgerCorrectionOut(
        id=c.pk,
        person_id=c.person_id,
        person_name=c.person.name,
        field=c.field,
        status=c.status,
        message=c.message,
        created_at=c.created_at,
        resolution_note=c.resolution_note,
    )


@router.get(
    "/corrections",
    response={200: LedgerCorrectionListOut, 422: ErrorOut},
    operation_id="corrections_list",
    summary="Open correction requests from residents, for staff who manage the ledger there",
)
def corrections_list(request: HttpRequest, page: Query[PageQuery]) -> LedgerCorrectionListOut:
    result = keyset_page(correction_queue(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return LedgerCorrectionListOut(items=[_correction_out(c) for c in result.items], next=result.next)


@router.post(
    "/corrections/{correction_id}/resolve",
    response={200: LedgerCorrectionOut, **ERRORS},
    operation_id="corrections_resolve",
)
def corrections_resolve(
    request: HttpRequest, correction_id: int, body: LedgerCorrectionResolveIn
) -> LedgerCorrectionOut:
    c = correction_resolve(
        actor=request.user,
        correction=access_correction(request.user, correction_id),
        accept=body.accept,
        note=body.note,
    )
    return _correction_out(c)


# ---------------------------------------------------------------- import: upload → preview → commit


class LedgerImportRowError(Schema):
    row: int
    column: str
    reason: str


class LedgerImportOut(Schema):
    id: int
    status: str
    original_name: str
    total_rows: int
    valid_rows: int
    error_rows: int
    new_rows: int
    update_rows: int
    party_dropped: int = Field(
        description="rows that would update a person the ledger records as a party member to a 政治面貌 that is not one"
    )
    created_count: int
    updated_count: int
    message: str
    created_at: dt.datetime
    committed_at: dt.datetime | None


class LedgerImportErrorsOut(Schema):
    items: list[LedgerImportRowError]
    next: str | None
    stored: int = Field(description="errors kept with the batch (the first 5,000)")


class LedgerImportErrorsQuery(Schema):
    cursor: str | None = Field(None, description="opaque; pass back the previous page's `next`")
    limit: int = Field(200, ge=1, le=1000)


def _import_out(b: ImportBatch) -> LedgerImportOut:
    return LedgerImportOut(
        id=b.pk,
        status=b.status,
        original_name=b.original_name,
        total_rows=b.total_rows,
        valid_rows=b.valid_rows,
        error_rows=b.error_rows,
        new_rows=b.new_rows,
        update_rows=b.update_rows,
        party_dropped=b.party_dropped,
        created_count=b.created_count,
        updated_count=b.updated_count,
        message=b.message,
        created_at=b.created_at,
        committed_at=b.committed_at,
    )


@router.post(
    "/imports",
    response={201: LedgerImportOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="imports_preview",
    summary="Upload a ledger sheet (multipart `file`: .xlsx or .csv): every row is checked, nothing is written yet",
)
def imports_preview(request: HttpRequest, file: File[UploadedFile]) -> Status[LedgerImportOut]:
    if not file.name:
        raise InvalidInput(_("请选择要上传的文件"), field="file")
    batch = import_preview(actor=request.user, upload=file, name=file.name, size=file.size or 0)
    return Status(201, _import_out(batch))


@router.get(
    "/imports/{batch_id}",
    response={200: LedgerImportOut, 404: ErrorOut},
    operation_id="imports_read",
    summary="One import batch of the caller's (others' batches are 404)",
)
def imports_read(request: HttpRequest, batch_id: int) -> LedgerImportOut:
    return _import_out(access_batch(request.user, batch_id))


@router.get(
    "/imports/{batch_id}/errors",
    response={200: LedgerImportErrorsOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="imports_errors",
    summary="The preview's errors by row and column, in pages",
)
def imports_errors(request: HttpRequest, batch_id: int, q: Query[LedgerImportErrorsQuery]) -> LedgerImportErrorsOut:
    batch = access_batch(request.user, batch_id)
    errors = list(batch.errors or [])
    start = 0
    if q.cursor:
        if not (q.cursor.isascii() and q.cursor.isdigit()) or len(q.cursor) > 9:
            raise InvalidInput(_("分页游标无效"), field="cursor")
        start = int(q.cursor)
    chunk = errors[start : start + q.limit]
    more = start + q.limit < len(errors)
    return LedgerImportErrorsOut(
        items=[LedgerImportRowError(row=int(e[0]), column=str(e[1]), reason=str(e[2])) for e in chunk],
        next=str(start + q.limit) if more else None,
        stored=len(errors),
    )


@router.post(
    "/imports/{batch_id}/commit",
    response={200: LedgerImportOut, **ERRORS},
    operation_id="imports_commit",
    summary="Write the valid rows of a previewed batch, all or none; a second commit is 409",
)
def imports_commit(request: HttpRequest, batch_id: int) -> LedgerImportOut:
    batch = access_batch(request.user, batch_id)
    return _import_out(import_commit(actor=request.user, batch=batch))
