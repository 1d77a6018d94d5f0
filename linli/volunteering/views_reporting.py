"""Pages for the 双报到积分管理办法 and the year-end 报到考评: a node's rule (read by its staff and residents,
set by its managers), the year's assessment by community with each community's members, and the members
as .xlsx (audited like every export) for feedback to their workplace party organisations."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput
from linli.people.sheets import write_xlsx, xlsx_response
from linli.places.models import PlaceKind
from linli.volunteering import services_reporting as svc
from linli.volunteering.common import may
from linli.volunteering.models import EntryReason
from linli.volunteering.selectors_reporting import (
    FIRST_YEAR,
    RULE_FIELDS,
    assessment_members,
    assessment_place,
    assessment_rows,
    assessment_year,
    default_assessment_place,
    reporting_assessment,
    rule_for,
    rule_place,
    rule_versions,
    rule_year,
    rules_around,
    this_year,
)

REASON_COLUMNS = (EntryReason.HOURS, EntryReason.ORDER, EntryReason.WISH, EntryReason.MANUAL)


@login_required
def rule(request: HttpRequest, place_id: int) -> HttpResponse:
    """A node's rule in force in a year (this year unless ``?year=``), the node's own versions, and for its
    managers the form that sets the year's version or withdraws it."""
    place = rule_place(request.user, place_id)
    may_set = may(request.user, place.path, "manage")
    error: InvalidInput | None = None
    posted: dict[str, str] = {}
    try:
        year = rule_year(request.POST.get("year") if request.method == "POST" else request.GET.get("year"))
    except InvalidInput as exc:
        error, year = exc, this_year()
    if request.method == "POST" and error is None:
        try:
            if request.POST.get("action") == "clear":
                svc.party_point_rule_clear(actor=request.user, place=place, year=year)
                messages.success(request, _("自 %(year)d 年起不再执行本级办法,沿用上级或默认办法") % {"year": year})
            else:
                posted = {k: request.POST.get(k, "") for k in ("title", *RULE_FIELDS)}
                svc.party_point_rule_set(actor=request.user, place=place, year=year, **posted)
                messages.success(request, _("%(year)d 年度积分管理办法已保存") % {"year": year})
            url = reverse("volunteering:party_point_rule", kwargs={"place_id": place.pk})
            return redirect(f"{url}?year={year}")
        except InvalidInput as exc:
            error = exc
    rules = rules_around(place.path, year=year)
    in_force = rule_for(place.path, rules)
    return render(
        request,
        "volunteering/party_point_rule.html",
        {
            "place": place,
            "year": year,
            "years": list(range(this_year() + 1, FIRST_YEAR - 1, -1)),
            "rule": in_force,
            "set_here": in_force.set_at is not None and in_force.set_at.pk == place.pk,
            "versions": rule_versions(place),
            "below": [r for r in rules if r.place.path.startswith(place.path) and r.place.pk != place.pk],
            "may_set": may_set,
            "may_assess": may_set or may(request.user, place.path, "lead"),
            "error": error,
            "posted": posted,
        },
    )


@login_required
def assessment(request: HttpRequest) -> HttpResponse:
    """The year's 报到考评 for a node: its communities' figures; a community's members, a page at a time."""
    place = (
        assessment_place(request.user, request.GET["place"])
        if request.GET.get("place")
        else default_assessment_place(request.user)
    )
    if place is None:
        return render(request, "volunteering/assessment.html", {"place": None})
    error = None
    try:
        year = assessment_year(request.GET.get("year"))
    except InvalidInput as exc:
        error, year = exc.message, this_year()
    figures = reporting_assessment(place, year=year)
    members = None
    if place.kind == PlaceKind.COMMUNITY:
        try:
            members = assessment_members(place, year=year, cursor=request.GET.get("cursor") or None, limit=50)
        except InvalidInput as exc:
            error, members = exc.message, assessment_members(place, year=year, limit=50)
    return render(
        request,
        "volunteering/assessment.html",
        {
            "place": place,
            "year": year,
            "years": list(range(this_year(), FIRST_YEAR - 1, -1)),
            "a": figures,
            "members": members,
            "error": error,
            "may_set": may(request.user, place.path, "manage"),
        },
    )


@login_required
def assessment_export(request: HttpRequest) -> HttpResponse:
    """Every member under the node with their year, for feedback to their workplaces (.xlsx). Audited."""
    place = assessment_place(request.user, request.GET.get("place"))
    try:
        year = assessment_year(request.GET.get("year"))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect(reverse("volunteering:assessment") + f"?place={place.pk}")
    header = [
        _("社区"), _("党员"), _("工作单位党组织"), _("服务次数"), _("服务时长(小时)"), _("年度积分"),
        *[str(EntryReason(r).label) for r in REASON_COLUMNS],
        _("积分目标"), _("次数目标"), _("考评结果"),
    ]  # fmt: skip
    verdicts = {True: _("达标"), False: _("未达标"), None: _("未设目标")}

    def rows():  # type: ignore[no-untyped-def]
        for m in assessment_rows(place, year=year):
            reg = m.registration
            workplace = reg.workplace_org.name if reg.workplace_org else reg.workplace_name
            yield [
                reg.community.name, reg.person.name, workplace,
                m.services, m.hours, m.points, *[m.by_reason.get(r, 0) for r in REASON_COLUMNS],
                m.rule.annual_points, m.rule.annual_services, verdicts[m.met],
            ]  # fmt: skip

    body = io.BytesIO()
    count = write_xlsx(body, _("报到考评"), header, rows())
    audit_record(
        action="reporting.assessment_exported", actor=request.user, target=place, request=request, year=year, rows=count
    )
    return xlsx_response(body.getvalue(), f"reporting-{place.pk}-{year}.xlsx")
