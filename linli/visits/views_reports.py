"""Coverage, figures, quota rules, hazard points and a household's care page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput, LinliError
from linli.core.i18n import translated
from linli.people.positions import POSITION_KINDS
from linli.places.models import Place, PlaceKind
from linli.places.selectors import children_of
from linli.visits import selectors as s
from linli.visits.coverage import coverage
from linli.visits.figures import DEFINITIONS, compute_figures, default_period
from linli.visits.models import HazardLevel, QuotaMode, QuotaPeriod, QuotaRule
from linli.visits.services import household_for_visit, recording_q
from linli.visits.services_plans import (
    care_plan_set,
    hazard_create,
    hazard_set_active,
    may_configure_rules,
    quota_rule_add,
    quota_rule_set_active,
)
from linli.visits.views_visits import _int, require_staff

HAZARD_PLACE_KINDS = [PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING]


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    node = s.node_for(request.user, request.GET.get("node"))
    return render(
        request,
        "visits/coverage.html",
        {"c": coverage(request.user, node), "node": node, "children": children_of(node) if node.depth < 5 else []},
    )


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    g = request.GET
    node = s.node_for(request.user, g.get("node"))
    d_since, d_until = default_period()
    since = s.parse_day(g.get("since"), "since") or d_since
    until = s.parse_day(g.get("until"), "until") or d_until
    report = compute_figures(node, since, until)
    return render(request, "visits/figures.html", {"r": report, "definitions": translated(DEFINITIONS)})


@login_required
def rules_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("rule_id"):
                quota_rule_set_active(
                    actor=request.user, rule_id=_int(p.get("rule_id"), "rule_id") or 0, active=p.get("active") == "1"
                )
            else:
                quota_rule_add(
                    actor=request.user,
                    position_kind=p.get("position_kind", ""),
                    period=p.get("period", ""),
                    mode=p.get("mode", ""),
                    target=_int(p.get("target"), "target") or 0,
                )
        except LinliError as exc:
            if exc.status in (403, 404):
                raise
            error = exc
        else:
            messages.success(request, _("走访要求已保存。"))
            return redirect("visits:rules")
    kinds = [(k.code, _(k.label)) for k in POSITION_KINDS.values() if k.scoped and "admin" not in k.capabilities]
    return render(
        request,
        "visits/rules.html",
        {
            "rules": list(QuotaRule.objects.all()),
            "labels": {k.code: _(k.label) for k in POSITION_KINDS.values()},
            "kinds": kinds,
            "periods": QuotaPeriod.choices,
            "modes": QuotaMode.choices,
            "may_edit": may_configure_rules(request.user),
            "error": error,
        },
    )


@login_required
def hazards_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            hazard = hazard_create(
                actor=request.user,
                place_id=_int(p.get("place_id"), "place_id") or 0,
                name=p.get("name", ""),
                responsible_id=_int(p.get("responsible_id"), "responsible_id") or 0,
                level=p.get("level", HazardLevel.LOW),
                inspect_every_days=_int(p.get("inspect_every_days"), "inspect_every_days") or 7,
                lat=p.get("lat") or None,
                lng=p.get("lng") or None,
                description=p.get("description", ""),
                warning_plan=p.get("warning_plan", ""),
                response_plan=p.get("response_plan", ""),
            )
        except LinliError as exc:
            if exc.status == 403:
                raise
            error = exc
        else:
            messages.success(request, _("隐患点已登记。"))
            return redirect("visits:hazard", hazard_id=hazard.pk)
    hazards = list(s.hazards_for(request.user).filter(active=True).order_by("place_path", "id")[:200])
    places = list(
        Place.objects.filter(
            recording_q(request.user, "path"),
            kind__in=HAZARD_PLACE_KINDS,
        ).order_by("path")[:500]
    )
    responsible = s.responsible_choices(places[0].path) if places else []
    return render(
        request,
        "visits/hazards.html",
        {
            "hazards": hazards,
            "places": places,
            "responsible": responsible,
            "levels": HazardLevel.choices,
            "error": error,
            "data": request.POST,
        },
    )


@login_required
def hazard_page(request: HttpRequest, hazard_id: int) -> HttpResponse:
    require_staff(request.user)
    hazard = s.access_hazard(request.user, hazard_id)
    if request.method == "POST":
        hazard_set_active(actor=request.user, hazard_id=hazard.pk, active=request.POST.get("active") == "1")
        return redirect("visits:hazard", hazard_id=hazard.pk)
    inspections = list(s.visit_list_qs(request.user).filter(hazard=hazard).order_by("-visited_at", "-id")[:50])
    return render(request, "visits/hazard.html", {"hazard": hazard, "inspections": inspections})


@login_required
def household_page(request: HttpRequest, household_id: int) -> HttpResponse:
    """A household's visit history and care plan (the ledger's household page includes the history)."""
    require_staff(request.user)
    household = household_for_visit(request.user, household_id)
    return render(
        request,
        "visits/household.html",
        {
            "hv": s.visits_for_household(user=request.user, household=household),
            "household": household,
            "responsible": s.responsible_choices(household.place_path),
        },
    )


@login_required
@require_POST
def care_plan_view(request: HttpRequest, household_id: int) -> HttpResponse:
    require_staff(request.user)
    p = request.POST
    try:
        care_plan_set(
            actor=request.user,
            household_id=household_id,
            responsible_id=_int(p.get("responsible_id"), "responsible_id") or 0,
            frequency_days=_int(p.get("frequency_days"), "frequency_days") or 0,
            note=p.get("note", ""),
            active=p.get("active", "1") == "1",
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("关爱计划已保存。"))
    return redirect("visits:household", household_id=household_id)
