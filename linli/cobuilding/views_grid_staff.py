"""物业进网格 page (一长四员, seed 003): under a street or community (``?node=``, ``?on=``), the property companies
with staff in grids, the staff and the party members among them, the 党建指导员 on contracts in force, and grid by
grid who serves there for which company in which role. Staff who manage a grid register a company's staff member
into it and end it here; a refused form comes back with the message on its field and what was typed (422)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.cobuilding import selectors as sel
from linli.cobuilding import selectors_grid_staff as gs
from linli.cobuilding import services_grid_staff as svc
from linli.cobuilding.models import GridStaffRole
from linli.cobuilding.views_common import managed_places
from linli.core.dates import parse_day, require_day
from linli.core.errors import Conflict, InvalidInput
from linli.core.forms import pick
from linli.core.identifiers import parse_id
from linli.insights.selectors import dashboard_node
from linli.people.selectors_positions import access_candidate
from linli.places.models import Place, PlaceKind

FIELDS = ("company_id", "grid_id", "person_id", "role", "start_date")


def _grids(user: Any, node: Place) -> list[Place]:
    return [g for g in managed_places(user, [PlaceKind.GRID]) if g.path.startswith(node.path)]


def _page(request: HttpRequest, *, error: Any = None, values: dict[str, Any] | None = None) -> HttpResponse:
    user = request.user
    node = dashboard_node(user, request.GET.get("node") or None)
    today = timezone.localdate()
    on_error = None
    try:
        on = parse_day(request.GET.get("on"), "on") or today
    except InvalidInput as exc:
        on, on_error = today, exc
    f = gs.grid_staff_figures(node, on=on)
    return render(
        request,
        "cobuilding/grid_staff.html",
        {
            "f": f,
            "today": today,
            "listed": sum(len(g.staff) for g in f.grids),
            "companies": list(sel.property_companies(user)[:200]),
            "grids": _grids(user, node),
            "roles": GridStaffRole.choices,
            "error": error or on_error,
            "values": values or {"start_date": today.isoformat(), "role": GridStaffRole.MANAGER},
        },
        status=422 if (error or on_error) is not None else 200,
    )


@login_required
def grid_staff(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def grid_staff_register(request: HttpRequest) -> HttpResponse:
    user = request.user
    p = request.POST
    node = dashboard_node(user, request.GET.get("node") or None)
    values = {k: p.get(k, "") for k in FIELDS}
    try:
        company = pick(list(sel.property_companies(user)[:200]), p.get("company_id"), "company_id", _("物业服务企业"))
        grid = pick(_grids(user, node), p.get("grid_id"), "grid_id", _("网格"))
        person_id = parse_id(p.get("person_id"))
        if person_id is None:
            raise InvalidInput(_("请填写居民台账编号"), field="person_id")
        _row, created = svc.grid_staff_register(
            actor=user, company=company, grid_id=grid.pk, person=access_candidate(user, person_id),
            role=p.get("role", ""), start_date=require_day(p.get("start_date"), "start_date"),
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return _page(request, error=exc, values=values)
    messages.success(request, _("已登记进网格") if created else _("该人员已在本网格,未重复登记"))
    return redirect(f"{reverse('cobuilding:grid_staff')}?node={node.pk}")


@login_required
@require_POST
def grid_staff_end(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = gs.access_grid_staff(request.user, staff_id)
    try:
        svc.grid_staff_end(
            actor=request.user, staff=staff, end_date=parse_day(request.POST.get("end_date"), "end_date")
        )
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已结束进网格"))
    node = parse_id(request.GET.get("node"))
    return redirect(f"{reverse('cobuilding:grid_staff')}?node={node or ''}")
