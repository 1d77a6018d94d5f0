"""力量名册 page: under a street or community (``?node=``), how many 物业监督员 and 民意联络员 serve on a day, part by
part, how many residents carry each care tag (五老, 4050人员 … sensitive ones for those who may see them), and who
holds one position (``?kind=``) place by place — a compound's 物业监督员 together. Staff who manage a place appoint
and end those positions here; a refused form comes back with the message on its field and what was typed (422)."""

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

from linli.core.dates import parse_day, require_day
from linli.core.errors import Conflict, InvalidInput
from linli.core.forms import pick
from linli.core.identifiers import parse_id
from linli.insights.selectors import dashboard_node
from linli.people import selectors_positions as sel
from linli.people import services_positions as svc
from linli.people.positions import APPOINTABLE_KINDS, POSITION_KINDS

APPOINT_FIELDS = ("kind", "place_id", "person_id", "start_date", "title")
DEFAULT_KIND = "property_supervisor"


def _kind(raw: str) -> str:
    return raw if raw in APPOINTABLE_KINDS else DEFAULT_KIND


def _page(request: HttpRequest, *, error: Any = None, values: dict[str, Any] | None = None) -> HttpResponse:
    user = request.user
    q = request.GET
    node = dashboard_node(user, q.get("node") or None)
    today = timezone.localdate()
    kind = _kind(q.get("kind", "") if values is None else values.get("kind", ""))
    on_error = None
    try:
        on = parse_day(q.get("on"), "on") or today
    except InvalidInput as exc:
        on, on_error = today, exc
    groups, listed_total = sel.roster(node, kind, on=on)
    return render(
        request,
        "people/forces.html",
        {
            "node": node,
            "on": on,
            "today": today,
            "kind": kind,
            "kind_label": _(POSITION_KINDS[kind].label),
            "kinds": [(k, _(POSITION_KINDS[k].label)) for k in APPOINTABLE_KINDS],
            "forces": sel.forces_figures(user, node, on=on),
            "groups": groups,
            "listed_total": listed_total,
            "listed": sum(len(g.positions) for g in groups),
            "places": sel.places_for(user, kind, node),
            "error": error or on_error,
            "values": values or {"kind": kind, "start_date": today.isoformat()},
        },
        status=422 if (error or on_error) is not None else 200,
    )


@login_required
def forces(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def appoint(request: HttpRequest) -> HttpResponse:
    """任命 from the page: the place among those offered, the person by their ledger number."""
    user = request.user
    p = request.POST
    values = {k: p.get(k, "") for k in APPOINT_FIELDS}
    node = dashboard_node(user, request.GET.get("node") or None)
    try:
        kind = svc.appointable_kind(p.get("kind"))
        place = pick(sel.places_for(user, kind, node), p.get("place_id"), "place_id", _("任职地点"))
        person_id = parse_id(p.get("person_id"))
        if person_id is None:
            raise InvalidInput(_("请填写居民台账编号"), field="person_id")
        _position, created = svc.position_appoint(
            actor=user,
            kind=kind,
            place_id=place.pk,
            person=sel.access_candidate(user, person_id),
            start_date=require_day(p.get("start_date"), "start_date"),
            title=p.get("title", ""),
        )
    except (InvalidInput, Conflict) as exc:
        return _page(request, error=exc, values=values)
    messages.success(request, _("已任命") if created else _("该居民已在此任职,未重复任命"))
    return redirect(f"{reverse('people:forces')}?node={node.pk}&kind={kind}")


@login_required
@require_POST
def end(request: HttpRequest, position_id: int) -> HttpResponse:
    """卸任 from the roster; a refusal comes back as a message."""
    position = sel.access_appointment(request.user, position_id)
    try:
        svc.position_end(
            actor=request.user, position=position, end_date=parse_day(request.POST.get("end_date"), "end_date")
        )
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已卸任"))
    node = parse_id(request.GET.get("node"))
    return redirect(f"{reverse('people:forces')}?node={node or ''}&kind={position.kind}")
