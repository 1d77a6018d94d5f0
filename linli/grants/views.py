"""The grant pages: the starting page (figures of a chosen place and period, the rounds, a new round), a round's page
(budget used and left, its applications with their scores, decisions, registering a paper application), its Excel
export, and the public list of approved projects (立项公示, anyone, no personal data). A refused form comes back
with what was typed and the error (422). The project's own page is ``views_project``."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Forbidden, InvalidInput
from linli.grants import export
from linli.grants import selectors as sel
from linli.grants import services as s
from linli.grants import services_apply as sa
from linli.grants import services_review as sr
from linli.grants.models import GrantProject, GrantRound, RoundKind, RoundStatus, ServiceField
from linli.grants.money import parse_yuan, yuan_plain
from linli.grants.permissions import may_review, may_run
from linli.grants.views_common import PAGE_ERRORS, PageError, application_fields, form_error, period, pick
from linli.people.sheets import XLSX_CONTENT_TYPE

STATUS_FORMS = {"round_open", "round_review", "round_close"}
ROUND_FORMS = {"round_update", "register", "approve", "reject", *STATUS_FORMS}


def _round_fields(data: Any) -> s.RoundFields:
    return s.RoundFields(
        kind=data.get("kind", ""),
        title=data.get("title", ""),
        year=data.get("year", ""),
        budget_fen=parse_yuan(data.get("budget"), field="budget", label=_("资助总预算")),
        opens_on=parse_day(data.get("opens_on"), "opens_on"),
        closes_on=parse_day(data.get("closes_on"), "closes_on"),
        service_fields=data.getlist("service_fields"),
        description=data.get("description", ""),
    )


def _choices() -> dict[str, Any]:
    return {"kinds": RoundKind.choices, "service_fields": ServiceField.choices}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Figures of the chosen place and period, the rounds the user sees, and a new round for those who run one."""
    user = request.user
    nodes = sel.figure_nodes(user)
    chosen = next((n for n in nodes if str(n.pk) == request.GET.get("node", "")), nodes[0] if nodes else None)
    since, until, period_error = period(request)
    run_nodes = sel.run_nodes(user)
    error: PageError | None = None
    if request.method == "POST":
        if not run_nodes:
            raise Forbidden(_("您的岗位不能设立资助轮次"))
        try:
            node = pick(run_nodes, request.POST.get("node_id"), "node_id", _("设立单位"))
            round_, created = s.round_create(
                actor=user,
                node=node,
                fields=_round_fields(request.POST),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except PAGE_ERRORS as exc:
            error = exc
        else:
            if created:
                messages.success(request, _("已设立资助轮次“%(title)s”(草稿)。") % {"title": round_.title})
            return redirect("grants:round", round_.pk)
    return render(
        request,
        "grants/index.html",
        {
            "nodes": nodes,
            "node": chosen,
            "figures": sel.figures(user, chosen, since=since, until=until) if chosen is not None else None,
            "since": since,
            "until": until,
            "period_error": period_error,
            "rounds": sel.rounds_list(user) if nodes else [],
            "run_nodes": run_nodes,
            "home_streets": sel.home_streets(user) if not nodes else [],
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,
            **_choices(),
            **form_error("round_create", error),
        },
        status=422 if error or period_error else 200,
    )


@login_required
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    round_ = sel.access_round(user, round_id)
    runs = may_run(user, round_.place_path)
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in ROUND_FORMS else ""
        try:
            done = _act(request, round_, form)
        except PAGE_ERRORS as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect("grants:round", round_.pk)
        round_ = sel.access_round(user, round_id)
    communities = sel.registrable_communities(user, round_) if round_.status == RoundStatus.OPEN else []
    projects = sel.round_projects(user, round_)
    return render(
        request,
        "grants/round.html",
        {
            "round": round_,
            "projects": projects,
            "may_run": runs,
            "may_review": may_review(user, round_.place_path),
            "communities": communities,
            "organisations": sel.eligible_organisations(round_) if communities else [],
            "offered_fields": [(v, label) for v, label in ServiceField.choices if v in round_.service_fields],
            "round_values": _round_values(round_),
            "data": request.POST if error else {},
            "failed_row": request.POST.get("project_id", "") if error else "",
            "idempotency_key": uuid.uuid4().hex,
            "deciding": runs and round_.status == RoundStatus.REVIEWING,
            **_choices(),
            **form_error("round_status" if form in STATUS_FORMS else form, error),
        },
        status=422 if error else 200,
    )


def _round_values(round_: GrantRound) -> dict[str, Any]:
    """The edit form's values, as a posted form would carry them."""
    return {
        "kind": round_.kind,
        "title": round_.title,
        "year": str(round_.year),
        "budget": yuan_plain(round_.budget_fen),
        "opens_on": round_.opens_on.isoformat(),
        "closes_on": round_.closes_on.isoformat(),
        "service_fields": list(round_.service_fields),
        "description": round_.description,
    }


def _round_project(request: HttpRequest, round_: GrantRound) -> GrantProject:
    return pick(
        sel.visible_projects(request.user).filter(round=round_),
        request.POST.get("project_id"),
        "project_id",
        _("申报项目"),
    )


def _act(request: HttpRequest, round_: GrantRound, form: str) -> str:
    user, data = request.user, request.POST
    if form == "round_update":
        s.round_update(actor=user, round_=round_, fields=_round_fields(data))
        return _("已保存资助轮次。")
    if form == "round_open":
        s.round_open(actor=user, round_=round_)
        return _("已开始申报。")
    if form == "round_review":
        s.round_review(actor=user, round_=round_)
        return _("已截止申报,进入评审。")
    if form == "round_close":
        s.round_close(actor=user, round_=round_)
        return _("本轮评审已结束。")
    if form == "register":
        project = _register(request, round_)
        return _("已登记申报“%(title)s”。") % {"title": project.title}
    if form == "approve":
        project = _round_project(request, round_)
        granted = parse_yuan(data.get("granted"), field="granted", label=_("立项资助金额"))
        sr.project_approve(actor=user, project=project, granted_fen=granted, note=data.get("note", ""))
        return _("“%(title)s”已立项。") % {"title": project.title}
    if form == "reject":
        project = _round_project(request, round_)
        sr.project_reject(actor=user, project=project, reason=data.get("reason", ""))
        return _("“%(title)s”不予立项。") % {"title": project.title}
    raise InvalidInput(_("请使用页面上的表单提交"))


def _register(request: HttpRequest, round_: GrantRound) -> GrantProject:
    data = request.POST
    organisation = pick(
        sel.eligible_organisations_qs(round_), data.get("organisation_id"), "organisation_id", _("申报单位")
    )
    project, _created = sa.project_register(
        actor=request.user,
        round_=round_,
        fields=application_fields(request, round_, organisation),
        idempotency_key=data.get("idempotency_key", ""),
    )
    return project


@login_required
def round_export(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's applications as .xlsx (those who run the round; audited)."""
    round_ = sel.access_round(request.user, round_id)
    body = export.round_export(actor=request.user, round_=round_, request=request)
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''grant-round-{round_.pk}.xlsx"
    return response


def public(request: HttpRequest, street_id: int) -> HttpResponse:
    """立项公示: a street's (or district's) approved projects; anyone may read it, signed in or not."""
    node = sel.public_node(street_id)
    rows = list(sel.public_projects(node)[: sel.PUBLIC_MAX + 1])
    shown = rows[: sel.PUBLIC_MAX]
    return render(
        request,
        "grants/public.html",
        {
            "node": node,
            "projects": shown,
            "truncated": len(rows) > sel.PUBLIC_MAX,
            "granted_fen": sum(p.granted_fen or 0 for p in shown),
        },
    )
