"""A street's internal offices, 街道职责清单, 行政事务准入事项 and the 准入审查 of tasks pushed down, under
/api/v1/duties/.

The lists and offices are public data: any signed-in caller reads them for any street (``street_id``). Writes
need ``manage`` at the street (its staff and leaders): an office, item or task of a street the caller does not
manage is the 404 of a missing id. Tasks are read by the street's staff, by the staff of the community a task
reached, and by the liaison of the department it came from; anyone else gets 404. Texts and choices are checked
by the services, so a refusal names the field in Chinese (422); an illegal transition is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput, NotFound
from linli.core.i18n import seeded
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found
from linli.duties import importing
from linli.duties import selectors as sel
from linli.duties import services as s
from linli.duties import services_tasks as st
from linli.duties.models import (
    DutyCategory,
    EntryItem,
    ListedDuty,
    ListStatus,
    OfficeKind,
    PushedTask,
    Responsibility,
    StreetOffice,
    TaskLevel,
    TaskStatus,
)
from linli.places.models import Place, PlaceKind

router = Router(tags=["duties"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STATUSES = ", ".join(f"{v} ({label})" for v, label in ListStatus.choices)
TASK_STATUSES = ", ".join(f"{v} ({label})" for v, label in TaskStatus.choices)


class StreetQuery(Schema):
    street_id: int = Field(description="a street (place of kind street)")


# ----------------------------------------------------------------------------- offices


class StreetOfficeOut(Schema):
    id: int
    street_id: int
    name: str
    kind: str = Field(description=", ".join(f"{v} ({label})" for v, label in OfficeKind.choices))
    sort: int
    active: bool = Field(description="false: retired (撤销), kept for the duties that named it")
    retired_on: dt.date | None
    duties_in_force: int


class StreetOfficeListOut(Schema):
    items: list[StreetOfficeOut]


class StreetOfficeIn(Schema):
    name: str = Field(description="up to 32 characters, unique among the street's offices in use")
    kind: str = Field(OfficeKind.OFFICE, description="office (办公室) or center (中心)")
    sort: int | None = Field(None, description="0–1000; default: after the others")


def _office_out(office: StreetOffice, counts: dict[int, int]) -> StreetOfficeOut:
    return StreetOfficeOut(
        id=office.pk,
        street_id=office.street_id,
        name=seeded(office.name),
        kind=office.kind,
        sort=office.sort,
        active=office.active,
        retired_on=office.retired_on,
        duties_in_force=counts.get(office.pk, 0),
    )


@router.get(
    "/offices",
    response={200: StreetOfficeListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="duties_offices_list",
    summary="A street's internal offices (内设机构), those in use first",
)
def duties_offices_list(request: HttpRequest, filters: Query[StreetQuery]) -> StreetOfficeListOut:
    street = sel.public_street(filters.street_id, field="street_id")
    counts = sel.office_duty_counts(street)
    return StreetOfficeListOut(items=[_office_out(o, counts) for o in sel.offices(street)])


@router.post(
    "/offices",
    response={200: StreetOfficeOut, 201: StreetOfficeOut, **ERRORS},
    operation_id="duties_offices_create",
    summary="Add an office to a street you manage (201); one of that name in use already: 200 with it",
)
def duties_offices_create(
    request: HttpRequest, filters: Query[StreetQuery], payload: StreetOfficeIn
) -> Status[StreetOfficeOut]:
    street = sel.access_managed_street(request.user, filters.street_id, field="street_id")
    office, created = s.office_save(
        actor=request.user, street=street, name=payload.name, kind=payload.kind, sort=payload.sort
    )
    return Status(201 if created else 200, _office_out(office, sel.office_duty_counts(street)))


@router.put(
    "/offices/{office_id}",
    response={200: StreetOfficeOut, **ERRORS},
    operation_id="duties_offices_update",
    summary="Rename or re-sort an office in use",
)
def duties_offices_update(request: HttpRequest, office_id: int, payload: StreetOfficeIn) -> StreetOfficeOut:
    office = sel.access_office_managed(request.user, office_id)
    saved, _created = s.office_save(
        actor=request.user, street=office.street, name=payload.name, kind=payload.kind, sort=payload.sort, office=office
    )
    return _office_out(saved, sel.office_duty_counts(office.street))


@router.post(
    "/offices/{office_id}/retire",
    response={200: StreetOfficeOut, **ERRORS},
    operation_id="duties_offices_retire",
    summary="Retire (撤销) an office; 409 while in-force duties name it; a repeat changes nothing",
)
def duties_offices_retire(request: HttpRequest, office_id: int) -> StreetOfficeOut:
    office = sel.access_office_managed(request.user, office_id)
    retired = s.office_retire(actor=request.user, office=office)
    return _office_out(retired, sel.office_duty_counts(office.street))


# ----------------------------------------------------------------------------- the 职责清单


class StreetDutyOut(Schema):
    id: int
    street_id: int
    category: str = Field(description="the category's code")
    category_name: str
    title: str
    content: str
    basis: str
    office_id: int
    office_name: str
    responsibility: str = Field(description="lead (主体责任) or support (配合责任)")
    partners: str = Field(description="配合部门")
    status: str = Field(description=STATUSES)
    cancelled_on: dt.date | None
    cancel_reason: str


class StreetDutyListOut(Schema):
    items: list[StreetDutyOut]
    next: str | None


class PublicListQuery(PageQuery):
    street_id: int | None = Field(None, description="a street (place of kind street); default: the caller's own street")


def _list_street(request: HttpRequest, street_id: int | None) -> Place:
    """The street whose public list is read: the one named, or the caller's own (the first of ``home_streets``)."""
    if street_id is not None:
        return sel.public_street(street_id, field="street_id")
    own = sel.home_streets(request.user)
    if not own:
        raise InvalidInput(_("职责清单和准入事项按街道维护,请选择一个街道"), field="street_id")
    return own[0]


class StreetDutyListQuery(PublicListQuery):
    status: str | None = Field(ListStatus.IN_FORCE, description=f"{STATUSES}; empty: both")
    category: str | None = Field(None, description="a category code")


class StreetDutyIn(Schema):
    category: str = Field(description="a category code (party, economy, livelihood, safety, urban, support …)")
    title: str = Field(description="事项名称, up to 100 characters, unique among the street's items in force")
    content: str = Field("", description="职责内容")
    basis: str = Field("", description="依据 (legal or policy basis)")
    office_id: int = Field(description="the responsible office of the same street, in use")
    responsibility: str = Field(Responsibility.LEAD, description="lead (主体责任) or support (配合责任)")
    partners: str = Field("", description="配合部门, up to 200 characters")


class StreetListCancelIn(Schema):
    reason: str = Field(description="取消原因, up to 200 characters")
    cancelled_on: Day | None = Field(None, description="default today; not in the future")


def _duty_out(d: ListedDuty) -> StreetDutyOut:
    return StreetDutyOut(
        id=d.pk,
        street_id=d.street_id,
        category=d.category.code,
        category_name=seeded(d.category.name),
        title=d.title,
        content=d.content,
        basis=d.basis,
        office_id=d.office_id,
        office_name=seeded(d.office.name),
        responsibility=d.responsibility,
        partners=d.partners,
        status=d.status,
        cancelled_on=d.cancelled_on,
        cancel_reason=d.cancel_reason,
    )


def _status_filter(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw not in ListStatus.values:
        raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
    return raw


def _duty_fields(street: Place, payload: StreetDutyIn) -> s.DutyFields:
    category = DutyCategory.objects.filter(code=payload.category, active=True).first()
    office = StreetOffice.objects.filter(street=street, pk=payload.office_id).first()
    return s.DutyFields(
        category=category,
        title=payload.title,
        office=office,
        content=payload.content,
        basis=payload.basis,
        responsibility=payload.responsibility,
        partners=payload.partners,
    )


@router.get(
    "/duties",
    response={200: StreetDutyListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="duties_list_read",
    summary="A street's 职责清单 (public), in id order (keyset pages)",
)
def duties_list_read(request: HttpRequest, filters: Query[StreetDutyListQuery]) -> StreetDutyListOut:
    street = _list_street(request, filters.street_id)
    category = None
    if filters.category:
        category = DutyCategory.objects.filter(code=filters.category).first()
        if category is None:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("职责类别")}, field="category")
    qs = sel.duties(street, status=_status_filter(filters.status), category=category)
    page = keyset_page(qs.order_by(), key="id", cursor=filters.cursor, limit=filters.limit)
    return StreetDutyListOut(items=[_duty_out(d) for d in page.items], next=page.next)


@router.post(
    "/duties",
    response={200: StreetDutyOut, 201: StreetDutyOut, **ERRORS},
    operation_id="duties_list_create",
    summary="Add an item to a street's 职责清单; an Idempotency-Key retry answers 200 with the first; a title in "
    "force already is 409",
)
def duties_list_create(
    request: HttpRequest, filters: Query[StreetQuery], payload: StreetDutyIn
) -> Status[StreetDutyOut]:
    street = sel.access_managed_street(request.user, filters.street_id, field="street_id")
    duty, created = s.duty_create(
        actor=request.user,
        street=street,
        fields=_duty_fields(street, payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _duty_out(duty))


@router.put(
    "/duties/{listed_duty_id}",
    response={200: StreetDutyOut, **ERRORS},
    operation_id="duties_list_update",
    summary="Rewrite an item in force (every field as given); unchanged records nothing",
)
def duties_list_update(request: HttpRequest, listed_duty_id: int, payload: StreetDutyIn) -> StreetDutyOut:
    duty = sel.access_duty_managed(request.user, listed_duty_id)
    return _duty_out(s.duty_update(actor=request.user, duty=duty, fields=_duty_fields(duty.street, payload)))


@router.post(
    "/duties/{listed_duty_id}/cancel",
    response={200: StreetDutyOut, **ERRORS},
    operation_id="duties_list_cancel",
    summary="Cancel (取消) an item with its reason and date; a repeat changes nothing",
)
def duties_list_cancel(request: HttpRequest, listed_duty_id: int, payload: StreetListCancelIn) -> StreetDutyOut:
    duty = sel.access_duty_managed(request.user, listed_duty_id)
    return _duty_out(
        s.duty_cancel(actor=request.user, duty=duty, reason=payload.reason, cancelled_on=payload.cancelled_on)
    )


class StreetListImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class StreetListImportRowErrorOut(Schema):
    row: int = Field(description="the sheet's row number")
    column: str
    message: str


class StreetListImportRefusedOut(Schema):
    error: str
    detail: str
    field: str | None = None
    rows: list[StreetListImportRowErrorOut] = Field(
        default_factory=list, description="each wrong row and column; nothing was imported"
    )


IMPORT_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: StreetListImportRefusedOut}


@router.post(
    "/imports/duties",
    response={200: StreetListImportOut, **IMPORT_ERRORS},
    operation_id="duties_list_import",
    summary="Import a street's 职责清单 from .xlsx (类别, 事项名称, 职责内容, 依据, 责任内设机构, 职责类型, 配合部门): "
    "all rows or none; 422 lists every wrong row",
)
def duties_list_import(
    request: HttpRequest, filters: Query[StreetQuery], file: File[UploadedFile]
) -> StreetListImportOut:
    street = sel.access_managed_street(request.user, filters.street_id, field="street_id")
    result = importing.duties_import(
        actor=request.user, street=street, stream=file.file, name=file.name or "", size=file.size or 0
    )
    return StreetListImportOut(created=result.created, updated=result.updated, unchanged=result.unchanged)


# ----------------------------------------------------------------------------- the 准入事项


class StreetEntryOut(Schema):
    id: int
    street_id: int
    title: str
    department_name: str
    department_id: int | None = Field(description="the department (orgs) when it is one registered")
    basis: str
    level: str = Field(description="street (街道) or community (社区): who takes it on")
    funded: bool = Field(description="经费随事转: the funding follows the task")
    status: str = Field(description=STATUSES)
    cancelled_on: dt.date | None
    cancel_reason: str


class StreetEntryListOut(Schema):
    items: list[StreetEntryOut]
    next: str | None


class StreetEntryListQuery(PublicListQuery):
    status: str | None = Field(ListStatus.IN_FORCE, description=f"{STATUSES}; empty: both")


class StreetEntryIn(Schema):
    title: str = Field(description="事项名称, up to 100 characters")
    department_name: str = Field("", description="下派部门 as text (default: the department's name)")
    department_id: int | None = Field(None, description="a department serving the street")
    basis: str = Field("", description="依据")
    level: str = Field(TaskLevel.STREET, description="street or community")
    funded: bool = Field(False, description="经费随事转")


def _entry_out(e: EntryItem) -> StreetEntryOut:
    return StreetEntryOut(
        id=e.pk,
        street_id=e.street_id,
        title=e.title,
        department_name=e.department_name,
        department_id=e.department_id,
        basis=e.basis,
        level=e.level,
        funded=e.funded,
        status=e.status,
        cancelled_on=e.cancelled_on,
        cancel_reason=e.cancel_reason,
    )


def _department(street: Place, raw: int | None, field: str = "department_id") -> Any:
    if raw is None:
        return None
    return get_or_not_found(sel.street_departments_qs(street), raw, field=field)


def _entry_fields(street: Place, payload: StreetEntryIn) -> s.EntryFields:
    return s.EntryFields(
        title=payload.title,
        department_name=payload.department_name,
        department=_department(street, payload.department_id),
        basis=payload.basis,
        level=payload.level,
        funded=payload.funded,
    )


@router.get(
    "/entries",
    response={200: StreetEntryListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="duties_entries_list",
    summary="A street's 行政事务准入事项 (public), keyset pages by id",
)
def duties_entries_list(request: HttpRequest, filters: Query[StreetEntryListQuery]) -> StreetEntryListOut:
    street = _list_street(request, filters.street_id)
    qs = sel.entries(street, status=_status_filter(filters.status)).order_by()
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return StreetEntryListOut(items=[_entry_out(e) for e in page.items], next=page.next)


@router.post(
    "/entries",
    response={200: StreetEntryOut, 201: StreetEntryOut, **ERRORS},
    operation_id="duties_entries_create",
    summary="Add an item to a street's 准入事项; Idempotency-Key retries answer 200; a title in force is 409",
)
def duties_entries_create(
    request: HttpRequest, filters: Query[StreetQuery], payload: StreetEntryIn
) -> Status[StreetEntryOut]:
    street = sel.access_managed_street(request.user, filters.street_id, field="street_id")
    entry, created = s.entry_create(
        actor=request.user,
        street=street,
        fields=_entry_fields(street, payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _entry_out(entry))


@router.put(
    "/entries/{entry_item_id}",
    response={200: StreetEntryOut, **ERRORS},
    operation_id="duties_entries_update",
    summary="Rewrite an entry item in force",
)
def duties_entries_update(request: HttpRequest, entry_item_id: int, payload: StreetEntryIn) -> StreetEntryOut:
    entry = sel.access_entry_managed(request.user, entry_item_id)
    return _entry_out(s.entry_update(actor=request.user, entry=entry, fields=_entry_fields(entry.street, payload)))


@router.post(
    "/entries/{entry_item_id}/cancel",
    response={200: StreetEntryOut, **ERRORS},
    operation_id="duties_entries_cancel",
    summary="Cancel an entry item with its reason and date; a repeat changes nothing",
)
def duties_entries_cancel(request: HttpRequest, entry_item_id: int, payload: StreetListCancelIn) -> StreetEntryOut:
    entry = sel.access_entry_managed(request.user, entry_item_id)
    return _entry_out(
        s.entry_cancel(actor=request.user, entry=entry, reason=payload.reason, cancelled_on=payload.cancelled_on)
    )


@router.post(
    "/imports/entries",
    response={200: StreetListImportOut, **IMPORT_ERRORS},
    operation_id="duties_entries_import",
    summary="Import a street's 准入事项 from .xlsx (事项名称, 下派部门, 依据, 承接层级, 经费随事转): all rows or none",
)
def duties_entries_import(
    request: HttpRequest, filters: Query[StreetQuery], file: File[UploadedFile]
) -> StreetListImportOut:
    street = sel.access_managed_street(request.user, filters.street_id, field="street_id")
    result = importing.entries_import(
        actor=request.user, street=street, stream=file.file, name=file.name or "", size=file.size or 0
    )
    return StreetListImportOut(created=result.created, updated=result.updated, unchanged=result.unchanged)


# ----------------------------------------------------------------------------- tasks pushed down


class PushedTaskEventOut(Schema):
    at: dt.datetime
    actor: str
    from_status: str
    to_status: str
    note: str


class PushedTaskOut(Schema):
    id: int
    street_id: int
    target_id: int = Field(description="the street itself or the community the task reached")
    target_name: str
    level: str = Field(description="street or community")
    title: str
    content: str
    department_name: str
    department_id: int | None
    due_on: dt.date | None
    entry_id: int | None = Field(description="the 准入事项 it falls under, if any")
    entry_title: str
    status: str = Field(description=TASK_STATUSES)
    decided_at: dt.datetime | None
    approval_ref: str = Field(description="党工委 approval reference (特批准入)")
    decision_note: str = Field(description="the review note, the 特批 note or the reason it was returned")
    created_at: dt.datetime
    may_review: bool


class PushedTaskDetailOut(PushedTaskOut):
    events: list[PushedTaskEventOut]


class PushedTaskListOut(Schema):
    items: list[PushedTaskOut]
    next: str | None


class PushedTaskListQuery(PageQuery):
    street_id: int | None = Field(None, description="only this street's tasks")
    status: str | None = Field(None, description=TASK_STATUSES)


class PushedTaskIn(Schema):
    street_id: int = Field(description="the street the task is handed down to")
    target_id: int | None = Field(None, description="the street itself (default) or one of its communities")
    title: str = Field(description="up to 100 characters")
    content: str = Field("", description="工作内容")
    department_name: str = Field("", description="下派部门 as text (default: the department's name)")
    department_id: int | None = Field(None, description="a department serving the street")
    due_on: Day | None = Field(None, description="完成时限; not before today")
    entry_id: int | None = Field(None, description="the street's 准入事项 it falls under; none when not on the list")


class PushedTaskAcceptIn(Schema):
    entry_id: int | None = Field(None, description="the 准入事项 it falls under (default: the one it was matched to)")
    note: str = Field("", description="审查意见, up to 500 characters")


class PushedTaskApproveIn(Schema):
    approval_ref: str = Field(description="the 党工委's approval reference (文号 or 会议纪要), up to 100 characters")
    note: str = Field(description="特批说明, up to 500 characters")


class PushedTaskReturnIn(Schema):
    reason: str = Field(description="退回理由, up to 500 characters")


def _task_out(request: HttpRequest, t: PushedTask, cls: Any = PushedTaskOut, **extra: Any) -> Any:
    return cls(
        id=t.pk,
        street_id=t.street_id,
        target_id=t.target_id,
        target_name=t.target.name,
        level=TaskLevel.STREET if t.target_id == t.street_id else TaskLevel.COMMUNITY,
        title=t.title,
        content=t.content,
        department_name=t.department_name,
        department_id=t.department_id,
        due_on=t.due_on,
        entry_id=t.entry_id,
        entry_title=t.entry.title if t.entry else "",
        status=t.status,
        decided_at=t.decided_at,
        approval_ref=t.approval_ref,
        decision_note=t.decision_note,
        created_at=t.created_at,
        may_review=t.status == TaskStatus.REGISTERED and sel.may_review(request.user, t.street),
        **extra,
    )


def _detail(request: HttpRequest, task_id: int) -> PushedTaskDetailOut:
    task = sel.access_task(request.user, task_id)
    events = [
        PushedTaskEventOut(
            at=e.at,
            actor=e.actor.get_username() if e.actor else "",
            from_status=e.from_status,
            to_status=e.to_status,
            note=e.note,
        )
        for e in sel.task_events(task)
    ]
    return _task_out(request, task, PushedTaskDetailOut, events=events)  # type: ignore[no-any-return]


def _entry(street: Place, raw: int | None) -> EntryItem | None:
    if raw is None:
        return None
    return get_or_not_found(EntryItem.objects.filter(street=street), raw, field="entry_id")  # type: ignore[no-any-return]


@router.get(
    "/tasks",
    response={200: PushedTaskListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="duties_tasks_list",
    summary="Tasks pushed down that you may see, newest first (keyset pages)",
)
def duties_tasks_list(request: HttpRequest, filters: Query[PushedTaskListQuery]) -> PushedTaskListOut:
    qs = sel.visible_tasks(request.user).select_related("street", "target", "entry")
    if filters.street_id is not None:
        qs = qs.filter(street=sel.public_street(filters.street_id, field="street_id"))
    if filters.status:
        if filters.status not in TaskStatus.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
        qs = qs.filter(status=filters.status)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return PushedTaskListOut(items=[_task_out(request, t) for t in page.items], next=page.next)


@router.post(
    "/tasks",
    response={200: PushedTaskDetailOut, 201: PushedTaskDetailOut, **ERRORS},
    operation_id="duties_tasks_register",
    summary="Register a task handed down to a street or one of its communities (201); an Idempotency-Key retry "
    "answers 200 with the first",
)
def duties_tasks_register(request: HttpRequest, payload: PushedTaskIn) -> Status[PushedTaskDetailOut]:
    street = sel.public_street(payload.street_id, field="street_id")
    if not sel.may_register_somewhere(request.user, street):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="street_id")
    target = street
    if payload.target_id is not None and payload.target_id != street.pk:
        target = get_or_not_found(
            Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY),
            payload.target_id,
            field="target_id",
        )
    task, created = st.task_register(
        actor=request.user,
        street=street,
        fields=st.TaskFields(
            title=payload.title,
            target=target,
            department_name=payload.department_name,
            department=_department(street, payload.department_id),
            content=payload.content,
            due_on=payload.due_on,
            entry=_entry(street, payload.entry_id),
        ),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _detail(request, task.pk))


@router.get(
    "/tasks/{task_id}",
    response={200: PushedTaskDetailOut, 404: ErrorOut},
    operation_id="duties_tasks_read",
    summary="One task pushed down, with its timeline",
)
def duties_tasks_read(request: HttpRequest, task_id: int) -> PushedTaskDetailOut:
    return _detail(request, task_id)


@router.post(
    "/tasks/{task_id}/accept",
    response={200: PushedTaskDetailOut, **ERRORS},
    operation_id="duties_tasks_accept",
    summary="准入: the task falls under an entry-list item in force; 409 once returned or approved; a repeat "
    "changes nothing",
)
def duties_tasks_accept(request: HttpRequest, task_id: int, payload: PushedTaskAcceptIn) -> PushedTaskDetailOut:
    task = sel.access_task(request.user, task_id)
    st.task_accept(actor=request.user, task=task, entry=_entry(task.street, payload.entry_id), note=payload.note)
    return _detail(request, task_id)


@router.post(
    "/tasks/{task_id}/approve",
    response={200: PushedTaskDetailOut, **ERRORS},
    operation_id="duties_tasks_approve",
    summary="特批准入: not on the list, approved by the street's 党工委 (reference and note)",
)
def duties_tasks_approve(request: HttpRequest, task_id: int, payload: PushedTaskApproveIn) -> PushedTaskDetailOut:
    task = sel.access_task(request.user, task_id)
    st.task_approve(actor=request.user, task=task, approval_ref=payload.approval_ref, note=payload.note)
    return _detail(request, task_id)


@router.post(
    "/tasks/{task_id}/return",
    response={200: PushedTaskDetailOut, **ERRORS},
    operation_id="duties_tasks_return",
    summary="退回: the task goes back to the department with the reason",
)
def duties_tasks_return(request: HttpRequest, task_id: int, payload: PushedTaskReturnIn) -> PushedTaskDetailOut:
    task = sel.access_task(request.user, task_id)
    st.task_return(actor=request.user, task=task, reason=payload.reason)
    return _detail(request, task_id)


# ----------------------------------------------------------------------------- figures


class StreetDutyDepartmentOut(Schema):
    department: str
    registered: int
    accepted: int
    approved: int
    returned: int
    return_rate: float | None


class StreetDutyFiguresOut(Schema):
    street_id: int
    since: dt.date
    until: dt.date
    duties_in_force: int = Field(description="街道职责清单 items in force now")
    entries_in_force: int = Field(description="行政事务准入事项 in force now")
    registered: int = Field(description="tasks registered in the period")
    accepted: int = Field(description="tasks accepted (准入) in the period")
    approved: int = Field(description="tasks approved by the 党工委 (特批准入) in the period")
    returned: int = Field(description="tasks returned (退回) in the period")
    pending: int = Field(description="tasks waiting for review now")
    return_rate: float | None = Field(description="退回率: returned / decided in the period; null when none")
    departments: list[StreetDutyDepartmentOut]


class StreetDutyFiguresQuery(StreetQuery):
    since: Day | None = Field(None, description="default 1 January of this year")
    until: Day | None = Field(None, description="default today")


@router.get(
    "/figures",
    response={200: StreetDutyFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="duties_figures_read",
    summary="A street you manage: items in force, tasks registered / accepted / approved / returned in a period, "
    "退回率, per department",
)
def duties_figures_read(request: HttpRequest, filters: Query[StreetDutyFiguresQuery]) -> StreetDutyFiguresOut:
    street = sel.access_managed_street(request.user, filters.street_id, field="street_id")
    first, last = sel.default_period()
    since, until = filters.since or first, filters.until or last
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    f = sel.figures(street, since=since, until=until)
    return StreetDutyFiguresOut(
        street_id=street.pk,
        since=since,
        until=until,
        duties_in_force=f.duties_in_force,
        entries_in_force=f.entries_in_force,
        registered=f.registered,
        accepted=f.accepted,
        approved=f.approved,
        returned=f.returned,
        pending=f.pending,
        return_rate=f.return_rate,
        departments=[
            StreetDutyDepartmentOut(
                department=d.department,
                registered=d.registered,
                accepted=d.accepted,
                approved=d.approved,
                returned=d.returned,
                return_rate=d.return_rate,
            )
            for d in f.departments
        ],
    )


from linli.duties import api_assessment  # noqa: E402, F401
