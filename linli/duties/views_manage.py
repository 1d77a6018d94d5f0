"""A street's own page for its staff: the internal offices, the 职责清单 and the 准入事项, each editable, with
Excel import (all rows or none) and export. Anyone without ``manage`` at the street gets the 404 of a missing id
(the public pages are where everyone else reads the lists)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, InvalidInput
from linli.duties import importing
from linli.duties import selectors as sel
from linli.duties import services as s
from linli.duties.models import (
    EntryItem,
    ListedDuty,
    OfficeKind,
    Responsibility,
    StreetOffice,
    TaskLevel,
)
from linli.duties.views_common import form_error, pick
from linli.places.models import Place

FORMS = {
    "offices_defaults",
    "office_add",
    "office_update",
    "office_retire",
    "duty_create",
    "duty_update",
    "duty_cancel",
    "entry_create",
    "entry_update",
    "entry_cancel",
    "import_duties",
    "import_entries",
}


@login_required
def manage(request: HttpRequest, street_id: int) -> HttpResponse:
    street = sel.access_managed_street(request.user, street_id)
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in FORMS else ""
        try:
            done = _act(request, street, form)
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect("duties:manage", street.pk)
    failed = request.POST.get("row_id", "") if error else ""
    return render(
        request,
        "duties/manage.html",
        {
            "street": street,
            "offices": sel.offices(street),
            "office_counts": sel.office_duty_counts(street),
            "active_offices": sel.offices(street, active_only=True),
            "duties": list(sel.duties(street, status=None)),
            "entries": list(sel.entries(street, status=None)),
            "categories": sel.categories(),
            "departments": sel.street_departments(street),
            "office_kinds": OfficeKind.choices,
            "responsibilities": Responsibility.choices,
            "levels": TaskLevel.choices,
            "data": request.POST if error else {},
            "failed_row": failed,
            "idempotency_key": uuid.uuid4().hex,
            **form_error(form, error),
        },
        status=422 if error else 200,
    )


def _duty_fields(street: Place, data: Any) -> s.DutyFields:
    return s.DutyFields(
        category=pick(sel.categories(), data.get("category_id"), "category", _("职责类别")),
        title=data.get("title", ""),
        office=pick(sel.offices(street, active_only=True), data.get("office_id"), "office", _("责任内设机构")),
        content=data.get("content", ""),
        basis=data.get("basis", ""),
        responsibility=data.get("responsibility", ""),
        partners=data.get("partners", ""),
    )


def _entry_fields(street: Place, data: Any) -> s.EntryFields:
    return s.EntryFields(
        title=data.get("title", ""),
        department_name=data.get("department_name", ""),
        department=pick(
            sel.street_departments(street), data.get("department_id"), "department", _("下派部门"), required=False
        ),
        basis=data.get("basis", ""),
        level=data.get("level", ""),
        funded=data.get("funded") == "1",
    )


def _act(request: HttpRequest, street: Place, form: str) -> str:
    user, data = request.user, request.POST
    row = data.get("row_id")
    if form == "offices_defaults":
        n = s.offices_adopt_defaults(actor=user, street=street)
        return _("已添加 %(n)d 个内设机构。") % {"n": n}
    if form == "office_add":
        office, created = s.office_save(
            actor=user, street=street, name=data.get("name"), kind=data.get("kind"), sort=data.get("sort")
        )
        return (
            _("已添加“%(name)s”。") % {"name": office.name}
            if created
            else _("“%(name)s”已存在。") % {"name": office.name}
        )
    if form == "office_update":
        office = pick(StreetOffice.objects.filter(street=street), row, "row_id", _("内设机构"))
        s.office_save(
            actor=user,
            street=street,
            name=data.get("name"),
            kind=data.get("kind"),
            sort=data.get("sort"),
            office=office,
        )
        return _("已保存“%(name)s”。") % {"name": data.get("name", "")}
    if form == "office_retire":
        office = pick(StreetOffice.objects.filter(street=street), row, "row_id", _("内设机构"))
        s.office_retire(actor=user, office=office)
        return _("已撤销“%(name)s”。") % {"name": office.name}
    if form == "duty_create":
        duty, _created = s.duty_create(
            actor=user,
            street=street,
            fields=_duty_fields(street, data),
            idempotency_key=data.get("idempotency_key", ""),
        )
        return _("已添加职责“%(title)s”。") % {"title": duty.title}
    if form == "duty_update":
        duty = pick(ListedDuty.objects.filter(street=street).select_related("street"), row, "row_id", _("职责"))
        s.duty_update(actor=user, duty=duty, fields=_duty_fields(street, data))
        return _("已保存职责“%(title)s”。") % {"title": data.get("title", "")}
    if form == "duty_cancel":
        duty = pick(ListedDuty.objects.filter(street=street).select_related("street"), row, "row_id", _("职责"))
        s.duty_cancel(
            actor=user,
            duty=duty,
            reason=data.get("reason"),
            cancelled_on=parse_day(data.get("cancelled_on"), "cancelled_on"),
        )
        return _("已取消职责“%(title)s”。") % {"title": duty.title}
    if form == "entry_create":
        entry, _created = s.entry_create(
            actor=user,
            street=street,
            fields=_entry_fields(street, data),
            idempotency_key=data.get("idempotency_key", ""),
        )
        return _("已添加准入事项“%(title)s”。") % {"title": entry.title}
    if form == "entry_update":
        entry = pick(EntryItem.objects.filter(street=street).select_related("street"), row, "row_id", _("准入事项"))
        s.entry_update(actor=user, entry=entry, fields=_entry_fields(street, data))
        return _("已保存准入事项“%(title)s”。") % {"title": data.get("title", "")}
    if form == "entry_cancel":
        entry = pick(EntryItem.objects.filter(street=street).select_related("street"), row, "row_id", _("准入事项"))
        s.entry_cancel(
            actor=user,
            entry=entry,
            reason=data.get("reason"),
            cancelled_on=parse_day(data.get("cancelled_on"), "cancelled_on"),
        )
        return _("已取消准入事项“%(title)s”。") % {"title": entry.title}
    if form in ("import_duties", "import_entries"):
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(_("请选择要导入的 Excel 文件"), field="file")
        run = importing.duties_import if form == "import_duties" else importing.entries_import
        result = run(actor=user, street=street, stream=upload.file, name=upload.name or "", size=upload.size or 0)
        return _("导入完成:新增 %(created)d 项,更新 %(updated)d 项,未变 %(unchanged)d 项。") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
    raise InvalidInput(_("请使用页面上的表单提交"))
