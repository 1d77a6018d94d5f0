"""The duty pages: the public lists of a street (anyone, signed in or not; no personal data) with their Excel
exports, the starting page of the staff (figures of their street), and the tasks pushed down with their review.
A refused form comes back with what was typed and the error (422)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.dates import parse_day, period_or_default
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.duties import importing
from linli.duties import selectors as sel
from linli.duties import services_tasks as st
from linli.duties.models import EntryItem, ListStatus, PushedTask, TaskStatus
from linli.duties.views_common import form_error, pick
from linli.people.sheets import XLSX_CONTENT_TYPE
from linli.places.models import Place

TASKS_SHOWN = 200


def _period(request: HttpRequest) -> tuple[Any, Any, InvalidInput | None]:
    """The period asked for (``from``, ``to``; default this year so far), or the default with the error."""
    return period_or_default(request.GET, sel.default_period())


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The streets the user manages, with the figures of the chosen one; links to their own street's lists."""
    managed = sel.managed_streets(request.user)
    chosen = next((s for s in managed if str(s.pk) == request.GET.get("street", "")), managed[0] if managed else None)
    since, until, period_error = _period(request)
    figures = sel.figures(chosen, since=since, until=until) if chosen is not None else None
    return render(
        request,
        "duties/index.html",
        {
            "managed": managed,
            "street": chosen,
            "figures": figures,
            "since": since,
            "until": until,
            "period_error": period_error,
            "home_streets": _with_rating(request.user, sel.home_streets(request.user)) if chosen is None else [],
            "sees_tasks": chosen is not None or sel.sees_tasks(request.user),
        },
        status=422 if period_error else 200,
    )


def _with_rating(user: Any, streets: list[Place]) -> list[Place]:
    """Mark the streets whose departments the user rates (a community secretary's or worker's own street)."""
    from linli.duties.assessment import rater_place

    for street in streets:
        street.rates = rater_place(user, street) is not None  # type: ignore[attr-defined]
    return streets


def public_duties(request: HttpRequest, street_id: int) -> HttpResponse:
    """A street's 职责清单, published: anyone may read it."""
    street = sel.public_street(street_id)
    categories = sel.categories()
    chosen = next((c for c in categories if c.code == request.GET.get("category")), None)
    items = list(sel.duties(street, category=chosen))
    groups: dict[int, dict[str, Any]] = {}
    for d in items:
        groups.setdefault(d.category_id, {"category": d.category, "items": []})["items"].append(d)
    return render(
        request,
        "duties/public_duties.html",
        {
            "street": street,
            "groups": list(groups.values()),
            "count": len(items),
            "categories": categories,
            "chosen": chosen,
            "may_manage": sel.may_review(request.user, street),
        },
    )


def public_entries(request: HttpRequest, street_id: int) -> HttpResponse:
    street = sel.public_street(street_id)
    return render(
        request,
        "duties/public_entries.html",
        {"street": street, "entries": list(sel.entries(street)), "may_manage": sel.may_review(request.user, street)},
    )


XLSX = XLSX_CONTENT_TYPE


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def export_duties(request: HttpRequest, street_id: int) -> HttpResponse:
    """The whole list as .xlsx (public data, the same as the page; cancelled items too, with their reason)."""
    street = sel.public_street(street_id)
    return _xlsx(importing.duties_workbook(street), f"street-{street.pk}-duties.xlsx")


def export_entries(request: HttpRequest, street_id: int) -> HttpResponse:
    street = sel.public_street(street_id)
    return _xlsx(importing.entries_workbook(street), f"street-{street.pk}-entries.xlsx")


# ----------------------------------------------------------------------------- tasks


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """Tasks pushed down that the user sees, newest first; street staff register new ones here."""
    user = request.user
    managed = sel.managed_streets(user)
    if not managed and not sel.sees_tasks(user):
        raise Forbidden(_("您的岗位不审查下派事项;街道职责清单和准入事项请在公开页面查看"))
    # A department's liaison registers their own department's tasks to a street it serves (the service checks).
    own_departments = [] if managed else sel.liaison_departments(user)
    streets = managed or sel.liaison_streets(own_departments)
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        if not streets:  # a community's staff: tasks reach them, they register none
            raise NotFound(_("未找到,或您无权查看"))
        try:
            street = pick(streets, request.POST.get("street_id"), "street_id", _("街道"))
            task = _register(request, street, own_departments)
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已登记下派事项“%(title)s”,待审查。") % {"title": task.title})
            return redirect("duties:task", task.pk)
    qs = sel.visible_tasks(user).select_related("street", "target", "entry")
    status = request.GET.get("status", "")
    if status in TaskStatus.values:
        qs = qs.filter(status=status)
    rows = list(qs.order_by("-created_at", "-id")[: TASKS_SHOWN + 1])
    street = _chosen(streets, request.POST.get("street_id") if error else request.GET.get("street"))
    return render(
        request,
        "duties/tasks.html",
        {
            "rows": rows[:TASKS_SHOWN],
            "truncated": len(rows) > TASKS_SHOWN,
            "statuses": TaskStatus.choices,
            "status": status if status in TaskStatus.values else "",
            "managed": managed,
            "streets": streets,
            "street": street,
            "liaison": bool(own_departments),
            "targets": [street, *sel.street_communities(street)] if street else [],
            "departments": own_departments or (sel.street_departments(street) if street else []),
            "entry_options": list(sel.entries(street)) if street else [],
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,
            **form_error("register", error),
        },
        status=422 if error else 200,
    )


def _chosen(streets: list[Place], raw: Any) -> Place | None:
    """The street whose form is shown: the one asked for (``?street=``) if offered, else the first."""
    pk = parse_id(raw)
    return next((s for s in streets if s.pk == pk), streets[0] if streets else None)


def _register(request: HttpRequest, street: Place, own_departments: list[Any]) -> PushedTask:
    """Street staff name any department (or type one); a liaison picks one of their own departments."""
    data = request.POST
    targets = [street, *sel.street_communities(street)]
    task, _created = st.task_register(
        actor=request.user,
        street=street,
        fields=st.TaskFields(
            title=data.get("title", ""),
            target=pick(targets, data.get("target_id"), "target_id", _("承接单位")),
            department_name=data.get("department_name", ""),
            department=pick(
                own_departments or sel.street_departments(street),
                data.get("department_id"),
                "department_id",
                _("下派部门"),
                required=bool(own_departments),
            ),
            content=data.get("content", ""),
            due_on=parse_day(data.get("due_on"), "due_on"),
            entry=pick(sel.entries(street), data.get("entry_id"), "entry_id", _("准入事项"), required=False),
        ),
        idempotency_key=data.get("idempotency_key", ""),
    )
    return task


REVIEW_FORMS = {"accept", "approve", "return"}


@login_required
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    user = request.user
    item = sel.access_task(user, task_id)
    may_review = sel.may_review(user, item.street)
    form, error = "", None
    if request.method == "POST":
        if not may_review:
            raise Forbidden(_("只有街道工作人员可以审查下派事项"))
        form = request.POST.get("form", "")
        try:
            done = _review(request, item, form)
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect("duties:task", item.pk)
    entries = list(sel.entries(item.street)) if may_review and item.status == TaskStatus.REGISTERED else []
    return render(
        request,
        "duties/task.html",
        {
            "task": item,
            "events": sel.task_events(item),
            "may_review": may_review and item.status == TaskStatus.REGISTERED,
            "entry_options": entries,
            "data": request.POST if error else {},
            **form_error(form if form in REVIEW_FORMS else "", error),
        },
        status=422 if error else 200,
    )


def _review(request: HttpRequest, item: PushedTask, form: str) -> str:
    data, user = request.POST, request.user
    if form == "accept":
        options = EntryItem.objects.filter(street=item.street, status=ListStatus.IN_FORCE)
        entry = pick(options, data.get("entry_id"), "entry_id", _("准入事项"), required=False)
        st.task_accept(actor=user, task=item, entry=entry, note=data.get("note", ""))
        return _("已准入。")
    if form == "approve":
        st.task_approve(actor=user, task=item, approval_ref=data.get("approval_ref", ""), note=data.get("note", ""))
        return _("已按党工委特批准入。")
    if form == "return":
        st.task_return(actor=user, task=item, reason=data.get("reason", ""))
        return _("已退回。")
    raise InvalidInput(_("请使用页面上的表单提交"))
