"""四层防控圈 pages: a compound's register (its four rings, the facilities in each, a form to record more) and, for a
community, street or district, the 闭环小区 figures of the compounds under it. Reading needs the place in the reader's
scope (else 404); recording, correcting and retiring need the manage capability at the compound (else 403)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.scoping import get_or_not_found
from linli.places import services_security as svc
from linli.places.models import DefenceRing, PlaceKind, SecurityFacility, SecurityFacilityKind
from linli.places.security import FIGURE_KINDS, compound_register, defence_figures
from linli.places.selectors import access_place, may_manage_place


def _form_input(post: Any) -> svc.FacilityInput:
    return svc.FacilityInput(
        ring=post.get("ring", ""),
        kind=post.get("kind", ""),
        quantity=post.get("quantity", ""),
        installed_on=post.get("installed_on", ""),
        note=post.get("note", ""),
    )


def _choices() -> dict[str, Any]:
    return {"rings": DefenceRing.choices, "kinds": SecurityFacilityKind.choices}


@login_required
def security(request: HttpRequest, place_id: int) -> HttpResponse:
    node = access_place(request.user, place_id)
    if node.kind not in FIGURE_KINDS:
        raise Http404
    error: InvalidInput | Conflict | None = None
    today = timezone.localdate()
    on = today
    try:
        on = parse_day(request.GET.get("on"), "on") or today
    except InvalidInput as exc:
        error = exc
    may_manage = may_manage_place(request.user, node.path)
    is_compound = node.kind == PlaceKind.COMPOUND
    values: dict[str, Any] = {"ring": request.GET.get("ring", ""), "installed_on": today.isoformat(), "quantity": "1"}
    key = uuid.uuid4().hex
    if request.method == "POST":
        if not is_compound:
            raise Http404
        if not may_manage:
            raise Forbidden(_("您没有登记此小区防控圈设施的权限"))
        values = {k: request.POST.get(k, "") for k in ("ring", "kind", "quantity", "installed_on", "note")}
        key = request.POST.get("idempotency_key", "") or key
        try:
            facility, _created = svc.security_facility_add(
                actor=request.user, compound=node, data=_form_input(request.POST), idempotency_key=key
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(
                request,
                _("已登记:%(ring)s %(kind)s %(n)d 台(套)")
                % {"ring": facility.ring_label, "kind": facility.kind_label, "n": facility.quantity},
            )
            return redirect("places:security", place_id=node.pk)
    context: dict[str, Any] = {
        "node": node,
        "on": on,
        "is_today": on == today,
        "error": error,
        "may_manage": may_manage and is_compound,
        "values": values,
        "idempotency_key": key,
        **_choices(),
    }
    if is_compound:
        context["register"] = compound_register(node, on=on)
    else:
        context["figures"] = defence_figures(node, on=on)
    return render(request, "places/security.html", context, status=422 if error else 200)


@login_required
def facility(request: HttpRequest, facility_id: int) -> HttpResponse:
    item = get_or_not_found(SecurityFacility.objects.visible_to(request.user).select_related("compound"), facility_id)
    compound = item.compound
    if not may_manage_place(request.user, compound.path):
        raise Forbidden(_("您没有修改此小区防控圈设施的权限"))
    error: InvalidInput | Conflict | None = None
    values: dict[str, Any] = {
        "ring": item.ring,
        "kind": item.kind,
        "quantity": str(item.quantity),
        "installed_on": item.installed_on.isoformat(),
        "note": item.note,
    }
    retired_on = timezone.localdate().isoformat()
    if request.method == "POST":
        action = request.POST.get("action", "update")
        try:
            if action == "retire":
                retired_on = request.POST.get("retired_on", "")
                svc.security_facility_retire(actor=request.user, facility=item, retired_on=retired_on)
                messages.success(request, _("已停用这批设施"))
            else:
                values = {k: request.POST.get(k, "") for k in values}
                svc.security_facility_update(actor=request.user, facility=item, data=_form_input(request.POST))
                messages.success(request, _("设施登记已保存"))
            return redirect("places:security", place_id=compound.pk)
        except (InvalidInput, Conflict) as exc:
            error = exc
    return render(
        request,
        "places/security_facility.html",
        {"item": item, "node": compound, "values": values, "retired_on": retired_on, "error": error, **_choices()},
        status=422 if error else 200,
    )
