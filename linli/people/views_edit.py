"""Staff edit page of one person: basic fields, phones, care tags, move-out / move-in, ownership.

Every form posts to its own URL and calls one service; a refused change re-renders the page
with the message next to the form that caused it (422 / 409 / 403), a successful one redirects
back with a notice. Who may edit: ``manage`` or ``handle`` at the person's address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.dates import require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, RetryLater
from linli.core.identifiers import parse_id
from linli.people.models import CareTag, PoliticalStatus, Relation, ResidenceType
from linli.people.selectors import (
    access_household_for_owner,
    access_ownership,
    access_person,
    access_person_phone,
    access_place_for_move,
    person_edit_context,
)
from linli.people.services import (
    EDIT_CAPABILITIES,
    ownership_end,
    ownership_record,
    person_move_in,
    person_move_out,
    person_phone_add,
    person_phone_remove,
    person_tag_set,
    person_update,
)

BASIC_FIELDS = ["name", "workplace", "political_status", "residence_type", "relation_to_head", "notes"]


def _editable(request: HttpRequest, person_id: int) -> Any:
    from linli.core.scoping import capabilities_at

    person = access_person(request.user, person_id)
    if not capabilities_at(request.user, person.place_path) & EDIT_CAPABILITIES:  # type: ignore[arg-type]
        raise Forbidden(_("您的岗位无权修改台账"))
    return person


def _forms(person: Any, *, today: str, refused: str = "", sent: Any = None) -> dict[str, dict[str, Any]]:
    """What each form on the page shows: the stored record (and the usual defaults), except that the
    form just refused (``refused``, the section) shows again what was ``sent`` in it. The ID number
    is never put back into the page: its field stays blank, showing the stored number masked."""
    forms: dict[str, dict[str, Any]] = {
        "basic": {**{k: getattr(person, k) for k in BASIC_FIELDS}, "phone": "", "clear_phone": ""},
        "phones": {"phone": "", "label": ""},
        "move_out": {"on": today, "note": ""},
        "move_in": {"place": str(person.place_id), "room": "", "on": today, "residence_type": person.residence_type},
        "ownership": {"household": str(person.household_id or ""), "area_m2": "", "share": "1", "since": ""},
    }
    shown = forms.get(refused)
    if shown is not None and sent is not None:
        shown.update({k: sent[k] for k in shown if k in sent})
    return forms


def _page(
    request: HttpRequest, person: Any, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    errors = errors or {}
    today = timezone.localdate().isoformat()
    refused = next(iter(errors), "")
    return render(
        request,
        "people/person_edit.html",
        {
            "e": person_edit_context(request.user, person),
            "person": person,
            "errors": errors,
            "forms": _forms(person, today=today, refused=refused, sent=request.POST if refused else None),
            "today": today,
            "political_statuses": PoliticalStatus.choices,
            "residence_types": ResidenceType.choices,
            "relations": Relation.choices,
        },
        status=status,
    )


def _date(value: str | None, field: str) -> dt.date:
    return require_day(value, field)


def _handle(request: HttpRequest, person_id: int, section: str, action: Callable[[Any], str]) -> HttpResponse:
    """Run one change; refused input re-renders the page with the message under ``section``.
    403/404 propagate to ``LinliErrorMiddleware`` (which audits them as ``permission.denied``)."""
    person = _editable(request, person_id)
    try:
        notice = action(person)
    except (InvalidInput, Conflict, RetryLater) as exc:  # RetryLater: too many refused ID numbers (429)
        person = access_person(request.user, person_id)  # the page shows the stored state
        return _page(request, person, errors={section: exc.message}, status=exc.status)
    if notice:
        messages.success(request, notice)
    return redirect("people:edit", person_id=person_id)


@login_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    if request.method != "POST":
        return _page(request, _editable(request, person_id))

    def save(person: Any) -> str:
        changes = {k: request.POST.get(k, "") for k in BASIC_FIELDS if k in request.POST}
        for key in ("id_number", "phone"):  # identifiers are shown masked: blank keeps the stored number
            if not changes.get(key, request.POST.get(key, "")).strip():
                changes.pop(key, None)
            else:
                changes[key] = request.POST[key]
        if request.POST.get("clear_phone") == "1":
            changes["phone"] = ""
        changed = person_update(actor=request.user, person=person, changes=changes)
        return _("已保存修改") if changed else _("没有需要保存的修改")

    return _handle(request, person_id, "basic", save)


@login_required
@require_POST
def phone_add_view(request: HttpRequest, person_id: int) -> HttpResponse:
    def add(person: Any) -> str:
        person_phone_add(
            actor=request.user, person=person, phone=request.POST.get("phone", ""), label=request.POST.get("label", "")
        )
        return _("已添加电话")

    return _handle(request, person_id, "phones", add)


@login_required
@require_POST
def phone_remove_view(request: HttpRequest, person_id: int, phone_id: int) -> HttpResponse:
    def remove(person: Any) -> str:
        person_phone_remove(actor=request.user, phone=access_person_phone(request.user, person, phone_id))
        return _("已删除电话")

    return _handle(request, person_id, "phones", remove)


@login_required
@require_POST
def tag_view(request: HttpRequest, person_id: int) -> HttpResponse:
    def toggle(person: Any) -> str:
        raw = request.POST.get("tag", "")
        tag = CareTag.objects.filter(pk=pk).first() if (pk := parse_id(raw)) else None
        if tag is None:
            raise InvalidInput(_("请选择标签"), field="tag")
        present = request.POST.get("present") == "1"
        person_tag_set(actor=request.user, person=person, tag=tag, present=present)
        return _("已添加标签") if present else _("已移除标签")

    return _handle(request, person_id, "tags", toggle)


@login_required
@require_POST
def move_out_view(request: HttpRequest, person_id: int) -> HttpResponse:
    def move_out(person: Any) -> str:
        on = _date(request.POST.get("on"), "on")
        person_move_out(actor=request.user, person=person, on=on, note=request.POST.get("note", ""))
        return _("已登记迁出")

    return _handle(request, person_id, "move_out", move_out)


@login_required
@require_POST
def move_in_view(request: HttpRequest, person_id: int) -> HttpResponse:
    def move_in(person: Any) -> str:
        place = access_place_for_move(request.user, request.POST.get("place"))
        person_move_in(
            actor=request.user,
            person=person,
            place=place,
            room=request.POST.get("room", ""),
            on=_date(request.POST.get("on"), "on"),
            residence_type=request.POST.get("residence_type", ""),
            note=request.POST.get("note", ""),
        )
        return _("已登记迁入")

    return _handle(request, person_id, "move_in", move_in)


@login_required
@require_POST
def ownership_view(request: HttpRequest, person_id: int) -> HttpResponse:
    def record(person: Any) -> str:
        since = request.POST.get("since", "").strip()
        ownership_record(
            actor=request.user,
            person=person,
            household=access_household_for_owner(request.user, request.POST.get("household")),
            area_m2=request.POST.get("area_m2", ""),
            share=request.POST.get("share", "") or "1",
            since=_date(since, "since") if since else None,
        )
        return _("已登记产权")

    return _handle(request, person_id, "ownership", record)


@login_required
@require_POST
def ownership_end_view(request: HttpRequest, person_id: int, ownership_id: int) -> HttpResponse:
    def end(person: Any) -> str:
        ownership = access_ownership(request.user, person, ownership_id)
        ownership_end(actor=request.user, ownership=ownership, on=_date(request.POST.get("on"), "on"))
        return _("已登记产权结束")

    return _handle(request, person_id, "ownership", end)
