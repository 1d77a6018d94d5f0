"""小区档案 and 网格规模核查 pages: a compound's type and management, each grid's size against the standard,
and the standard a district or street sets. Reads need the place in the reader's scope (else 404);
writes need the manage capability there (else 403)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import Forbidden, InvalidInput
from linli.places import services_compounds as svc
from linli.places.models import CompoundProfile, CompoundType, ManagementMode, PlaceKind
from linli.places.selectors import access_place, may_manage_place
from linli.places.sizing import SIZED_KINDS, STATUS_LABELS, effective_standards, grid_sizing


@login_required
def grids(request: HttpRequest, place_id: int) -> HttpResponse:
    node = access_place(request.user, place_id)
    if node.kind not in SIZED_KINDS:
        raise Http404
    sizing = grid_sizing(node)
    status = request.GET.get("status", "")
    units = [u for u in sizing.units if u.status == status] if status in STATUS_LABELS else sizing.units
    return render(
        request,
        "places/grids.html",
        {
            "node": node,
            "sizing": sizing,
            "units": units,
            "status": status if status in STATUS_LABELS else "",
            "statuses": [(k, str(v), sizing.by_status.get(k, 0)) for k, v in STATUS_LABELS.items()],
            "may_set_standard": node.kind in (PlaceKind.DISTRICT, PlaceKind.STREET)
            and may_manage_place(request.user, node.path),
        },
    )


@login_required
def standards(request: HttpRequest, place_id: int) -> HttpResponse:
    node = access_place(request.user, place_id)
    if node.kind not in (PlaceKind.DISTRICT, PlaceKind.STREET):
        raise Http404
    if not may_manage_place(request.user, node.path):
        raise Forbidden(_("您没有设定网格划分标准的权限"))
    error: InvalidInput | None = None
    posted: dict[str, Any] = {}
    if request.method == "POST":
        kind = request.POST.get("compound_type", "")
        try:
            if request.POST.get("action") == "clear":
                svc.grid_standard_clear(actor=request.user, place=node, compound_type=kind)
                messages.success(request, _("已恢复为上级或默认标准"))
            else:
                posted = {k: request.POST.get(k, "") for k in svc.Band.__dataclass_fields__}
                band = svc.grid_standard_band(**posted)
                svc.grid_standard_set(actor=request.user, place=node, compound_type=kind, band=band)
                messages.success(request, _("网格划分标准已保存"))
            return redirect("places:standards", place_id=node.pk)
        except InvalidInput as exc:
            error = exc
            posted["compound_type"] = kind
    return render(
        request,
        "places/standards.html",
        {"node": node, "in_force": effective_standards(node), "error": error, "posted": posted},
    )


@login_required
def profile(request: HttpRequest, place_id: int) -> HttpResponse:
    node = access_place(request.user, place_id)
    if node.kind != PlaceKind.COMPOUND:
        raise Http404
    if not may_manage_place(request.user, node.path):
        raise Forbidden(_("您没有编辑此小区档案的权限"))
    current = CompoundProfile.objects.filter(compound=node).first()
    error: InvalidInput | None = None
    values: dict[str, Any] = {
        "compound_type": current.compound_type if current else "",
        "management_mode": current.management_mode if current else "",
        "built_year": current.built_year if current and current.built_year else "",
    }
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            svc.compound_profile_set(actor=request.user, compound=node, **values)
            messages.success(request, _("小区档案已保存"))
            return redirect("places:detail", place_id=node.pk)
        except InvalidInput as exc:
            error = exc
    return render(
        request,
        "places/profile.html",
        {
            "node": node,
            "values": values,
            "error": error,
            "types": CompoundType.choices,
            "modes": ManagementMode.choices,
        },
    )
