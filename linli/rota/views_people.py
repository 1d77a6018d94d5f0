"""The pages of the people around a desk: the public "今日值班" page (anyone, no sign-in), my shifts with check-in,
swaps and my compensatory days, the approvals queue of the secretary, and the figures."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import parse_day, require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import NOT_FOUND_MESSAGE
from linli.people.models import Person
from linli.places.models import Place
from linli.rota import board
from linli.rota import selectors as sel
from linli.rota import services_comp as sc
from linli.rota import services_shifts as ss
from linli.rota.models import CompDay, ShiftStatus, SwapStatus
from linli.rota.staffing import roster
from linli.rota.views_common import form_error, pick

MY_PAST_DAYS = 31
MY_AHEAD_DAYS = 92


def public(request: HttpRequest, desk_id: int) -> HttpResponse:
    """今日值班 of one desk, published: anyone may read it (names masked to surname + 社工, the office phone)."""
    desk = sel.public_desk(desk_id)
    return render(request, "rota/public.html", {"desk": desk, "card": board.today_card(desk)})


# ----------------------------------------------------------------------------- my shifts


MINE_FORMS = {"check_in", "swap_offer", "swap_accept", "swap_decline", "swap_withdraw", "comp_request", "comp_cancel"}


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "person_id", None):
        raise Forbidden(_("您的账号还没有关联人员信息"))
    today = timezone.localdate()
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in MINE_FORMS else ""
        try:
            done = _mine_act(request, form)
        except (InvalidInput, Conflict, Forbidden) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect("rota:mine")
    shifts = list(
        sel.own_shifts(user)
        .filter(day__gte=today - dt.timedelta(days=MY_PAST_DAYS), day__lte=today + dt.timedelta(days=MY_AHEAD_DAYS))
        .select_related("desk")
        .order_by("day", "id")
    )
    open_offers = {
        s.shift_id: s
        for s in sel.my_swaps(user)
        .filter(status=SwapStatus.OFFERED, from_person_id=user.person_id)  # type: ignore[union-attr]
        .select_related("to_person")
    }
    colleagues = _colleagues(user.person_id, [s for s in shifts if s.status == ShiftStatus.PLANNED and s.day >= today])  # type: ignore[union-attr]
    rows = [
        {
            "shift": s,
            "state": s.state_on(today),
            "offer": open_offers.get(s.pk),
            "colleagues": colleagues.get(s.pk, []),
            "may_check_in": s.status == ShiftStatus.PLANNED and s.day == today,
        }
        for s in shifts
    ]
    comp_days = list(
        CompDay.objects.filter(person_id=user.person_id)  # type: ignore[union-attr]
        .select_related("desk", "shift", "decided_by")
        .order_by("-day", "-id")[:50]
    )
    return render(
        request,
        "rota/mine.html",
        {
            "rows": rows,
            "today": today,
            "offered": sel.swaps_offered_to(user),
            "balance": sel.balance(user.person_id, today=today),  # type: ignore[union-attr]
            "comp_days": comp_days,
            "idempotency_key": uuid.uuid4().hex,
            "data": request.POST if error else {},
            **form_error(form, error, request.POST.get("row_id", "") or request.POST.get("shift_id", "")),
        },
        status=422 if error else 200,
    )


def _colleagues(me: int, shifts: list[Any]) -> dict[int, list[Any]]:
    """shift id → who may take it that day (one query per desk, whatever the number of shifts)."""
    by_desk: dict[int, list[Any]] = defaultdict(list)
    for s in shifts:
        by_desk[s.desk_id].append(s)
    found: dict[int, list[Any]] = {}
    for group in by_desk.values():
        staff = roster(group[0].desk, min(s.day for s in group), max(s.day for s in group))
        for s in group:
            found[s.pk] = [m for m in staff.values() if m.person_id != me and m.on(s.day)]
    return found


def _mine_act(request: HttpRequest, form: str) -> str:
    user, data = request.user, request.POST
    if form == "check_in":
        shift = sel.access_own_shift(user, parse_id(data.get("row_id")) or 0, field="row_id")
        ss.shift_check_in(actor=user, shift=shift)
        return _("已签到,辛苦了!")
    if form == "swap_offer":
        shift = sel.access_own_shift(user, parse_id(data.get("row_id")) or 0, field="row_id")
        staff = [Person(pk=pk) for pk, m in roster(shift.desk, shift.day, shift.day).items() if m.on(shift.day)]
        to = Person.objects.get(pk=pick(staff, data.get("to_person_id"), "to_person_id", _("同事")).pk)
        ss.swap_offer(actor=user, shift=shift, to_person=to, note=data.get("note", ""))
        return _("已向%(name)s发出换班邀请。") % {"name": to.name}
    if form in ("swap_accept", "swap_decline", "swap_withdraw"):
        swap = sel.access_swap(user, parse_id(data.get("row_id")) or 0)
        if form == "swap_accept":
            ss.swap_accept(actor=user, swap=swap)
            return _("已接受换班。")
        if form == "swap_decline":
            ss.swap_decline(actor=user, swap=swap)
            return _("已谢绝换班。")
        ss.swap_withdraw(actor=user, swap=swap)
        return _("已撤回换班邀请。")
    if form == "comp_request":
        shift = sel.access_own_shift(user, parse_id(data.get("shift_id")) or 0, field="shift_id")
        comp, _created = sc.comp_request(
            actor=user,
            shift=shift,
            day=require_day(data.get("day"), "day"),
            note=data.get("note", ""),
            idempotency_key=data.get("idempotency_key", ""),
        )
        return _("已申请 %(day)s 调休,等待审批。") % {"day": comp.day.isoformat()}
    if form == "comp_cancel":
        comp = sel.access_comp(user, parse_id(data.get("row_id")) or 0)
        sc.comp_cancel(actor=user, comp=comp)
        return _("已撤销 %(day)s 的调休。") % {"day": comp.day.isoformat()}
    raise InvalidInput(_("请使用页面上的表单提交"))


# ----------------------------------------------------------------------------- approvals


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """Pending compensatory days at the user's desks (never their own), oldest first."""
    user = request.user
    if not sel.may_approve_somewhere(user):
        raise Forbidden(_("您的岗位不审批调休"))
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        try:
            comp = sel.access_comp(user, parse_id(request.POST.get("row_id")) or 0)
            if form == "approve":
                sc.comp_approve(actor=user, comp=comp, note=request.POST.get("note", ""))
                done = _("已批准%(name)s %(day)s 调休。") % {"name": comp.person.name, "day": comp.day.isoformat()}
            elif form == "reject":
                sc.comp_reject(actor=user, comp=comp, reason=request.POST.get("reason", ""))
                done = _("已不批准%(name)s %(day)s 调休。") % {"name": comp.person.name, "day": comp.day.isoformat()}
            else:
                raise InvalidInput(_("请使用页面上的表单提交"))
        except (InvalidInput, Conflict, Forbidden) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect("rota:approvals")
    return render(
        request,
        "rota/approvals.html",
        {
            "queue": sel.approvals_queue(user),
            "data": request.POST if error else {},
            **form_error(form, error, request.POST.get("row_id", "")),
        },
        status=422 if error else 200,
    )


# ----------------------------------------------------------------------------- figures


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    nodes = sel.figure_nodes(request.user)
    if not nodes:
        raise Forbidden(_("您的岗位不查看值班统计"))
    first, last = sel.default_period()
    error: InvalidInput | None = None
    node: Place = nodes[0]
    try:
        wanted = parse_id(request.GET.get("node"))
        if request.GET.get("node") and wanted is None:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("范围")}, field="node")
        if wanted is not None:
            node = next((n for n in nodes if n.pk == wanted), None) or _node_in_scope(request.user, wanted)
        since = parse_day(request.GET.get("since"), "since") or first
        until = parse_day(request.GET.get("until"), "until") or last
        if since > until:
            raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
        if (until - since).days > 366 * 2:
            raise InvalidInput(_("统计期间最长两年"), field="until")
    except InvalidInput as exc:
        error, since, until = exc, first, last
    result = sel.figures(request.user, node, since, until)
    return render(
        request,
        "rota/figures.html",
        {"nodes": nodes, "node": node, "figures": result, "since": since, "until": until, "period_error": error},
        status=422 if error else 200,
    )


def _node_in_scope(user: Any, pk: int) -> Place:
    node = Place.objects.filter(pk=pk).first()
    if node is None or not sel.may_read_figures(user, node):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="node")
    return node
