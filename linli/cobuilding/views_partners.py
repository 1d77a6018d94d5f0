"""Co-building pages: home, resource and need lists with matching, micro-projects, funds, the
yearly practical-things tracking, and the resident's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.cobuilding import selectors as sel
from linli.cobuilding import services_funds as sf
from linli.cobuilding import services_partners as sp
from linli.cobuilding.models import (
    FundEntryKind,
    FundHolder,
    NeedStatus,
    ProjectPhoto,
    ProjectStatus,
    RatingResponse,
    RatingStatus,
    ResourceCategory,
    SurveySample,
)
from linli.cobuilding.permissions import may
from linli.cobuilding.views_common import act, date_or_error, int_or_none, managed_places, pick
from linli.core import uploads
from linli.core.dates import check_year
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.pagination import keyset_page
from linli.deliberation.selectors import visible_meetings
from linli.deliberation.views_common import home_places
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.places.models import PlaceKind

NEED_PLACE_KINDS = [PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING]


def _render(request: HttpRequest, template: str, context: dict[str, Any], error: Any) -> HttpResponse:
    context.update({"error": error, "data": request.POST})
    return render(request, template, context, status=422 if error else 200)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "open_needs": sel.visible_needs(user).exclude(status=NeedStatus.CLOSED).count(),
        "projects": sel.visible_projects(user).exclude(status=ProjectStatus.REJECTED).count(),
        "ratings_open": sel.visible_ratings(user).filter(status=RatingStatus.OPEN).count(),
        "list_in_force": sel.public_list(user).count(),
    }
    return render(request, "cobuilding/home.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The resident's page: the red/black list of their compound, surveys for their household, their needs."""
    user = request.user
    household_id = getattr(getattr(user, "person", None), "household_id", None)
    surveys = []
    if household_id:
        answered = set(RatingResponse.objects.filter(household_id=household_id).values_list("rating_id", flat=True))
        for sample in SurveySample.objects.filter(
            household_id=household_id, rating__status=RatingStatus.OPEN
        ).select_related("rating__company", "rating__compound"):
            surveys.append((sample.rating, sample.rating_id in answered))
    places = home_places(user, NEED_PLACE_KINDS)
    context: dict[str, Any] = {
        "entries": list(sel.public_list(user).order_by("kind", "-decided_at")[:50]),
        "surveys": surveys,
        "needs": list(sel.visible_needs(user).filter(raised_by_id=user.pk).order_by("-id")[:50]),
        "places": places,
        "categories": ResourceCategory.choices,
    }
    error = None
    if request.method == "POST":
        try:
            sp.need_raise(
                actor=user,
                place=pick(places, request.POST.get("place_id"), "place_id", _("范围")),
                category=request.POST.get("category", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
            )
        except (InvalidInput, Conflict, Forbidden) as exc:
            error = exc
        else:
            return redirect("cobuilding:mine")
    return _render(request, "cobuilding/mine.html", context, error)


# ----------------------------------------------------------------------------- resources and needs


@login_required
def resources(request: HttpRequest) -> HttpResponse:
    user = request.user
    partners = list(sel.partners(user)[:300])
    places = managed_places(user, [PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND])
    page = keyset_page(
        sel.visible_resources(user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    context: dict[str, Any] = {
        "page": page,
        "partners": partners,
        "places": places,
        "categories": ResourceCategory.choices,
    }
    error = None
    if request.method == "POST":
        try:
            sp.resource_add(
                actor=user,
                partner=pick(partners, request.POST.get("partner_id"), "partner_id", _("共建单位")),
                place=pick(places, request.POST.get("place_id"), "place_id", _("服务范围")),
                category=request.POST.get("category", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("cobuilding:resources")
    return _render(request, "cobuilding/resources.html", context, error)


@login_required
def resource_detail(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Correct a resource, or stop / resume offering it; a refused form comes back as it was typed."""
    user = request.user
    resource = sel.access_resource(user, resource_id)
    if not may(user, resource.place_path, "manage"):
        raise Forbidden(_("您的岗位无权维护该范围的资源"))
    error, failed = None, ""
    if request.method == "POST":
        data = request.POST
        failed = data.get("form", "edit")
        try:
            if failed == "deactivate":
                sp.resource_deactivate(actor=user, resource=resource, reason=data.get("reason", ""))
                messages.success(request, _("资源已停用"))
            elif failed == "reactivate":
                sp.resource_reactivate(actor=user, resource=resource)
                messages.success(request, _("资源已恢复"))
            else:
                sp.resource_update(
                    actor=user,
                    resource=resource,
                    title=data.get("title", ""),
                    description=data.get("description", ""),
                    category=data.get("category", ""),
                )
                messages.success(request, _("资源已更新"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("cobuilding:resources")
    resource = sel.access_resource(user, resource_id)  # as it is now: a refused form changed nothing
    context: dict[str, Any] = {"resource": resource, "categories": ResourceCategory.choices}
    if error is not None:
        return _refused_page(request, "cobuilding/resource_detail.html", context, failed, error)
    shown = {"title": resource.title, "description": resource.description, "category": resource.category}
    context.update({"error": None, "failed": "", "data": shown})
    return render(request, "cobuilding/resource_detail.html", context)


@login_required
def needs(request: HttpRequest) -> HttpResponse:
    user = request.user
    places = managed_places(user, NEED_PLACE_KINDS, capability="handle") or managed_places(user, NEED_PLACE_KINDS)
    qs = sel.visible_needs(user)
    status = request.GET.get("status", "")
    if status in NeedStatus.values:
        qs = qs.filter(status=status)
    page = keyset_page(qs, key="id", cursor=request.GET.get("cursor"), limit=50, descending=True)
    context: dict[str, Any] = {
        "page": page,
        "places": places,
        "categories": ResourceCategory.choices,
        "statuses": NeedStatus.choices,
        "status": status,
    }
    error = None
    if request.method == "POST":
        try:
            need = sp.need_raise(
                actor=user,
                place=pick(places, request.POST.get("place_id"), "place_id", _("范围")),
                category=request.POST.get("category", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                source=request.POST.get("source") or None,
            )
        except (InvalidInput, Conflict, Forbidden) as exc:
            error = exc
        else:
            return redirect("cobuilding:need", need.pk)
    return _render(request, "cobuilding/needs.html", context, error)


def _refused_page(
    request: HttpRequest, template: str, context: dict[str, Any], failed: str, error: Any
) -> HttpResponse:
    """A detail page shown again after a refused action: the error, and that form as it was typed."""
    context.update({"error": error, "data": request.POST if error else {}, "failed": failed if error else ""})
    return render(request, template, context, status=422 if error else 200)


def _need_page(request: HttpRequest, need: Any, *, failed: str = "", error: Any = None) -> HttpResponse:
    need = sel.access_need(request.user, need.pk)  # as it is now (a refused action changed nothing)
    context = {
        "need": need,
        "suggestions": sel.suggest_resources(request.user, need) if need.status != NeedStatus.CLOSED else [],
        "may_manage": may(request.user, need.place_path, "manage"),
        "projects": list(need.projects.all()),
    }
    return _refused_page(request, "cobuilding/need_detail.html", context, failed, error)


@login_required
def need_detail(request: HttpRequest, need_id: int) -> HttpResponse:
    return _need_page(request, sel.access_need(request.user, need_id))


@login_required
@require_POST
def need_action(request: HttpRequest, need_id: int, action: str) -> HttpResponse:
    need = sel.access_need(request.user, need_id)
    data = request.POST
    if action == "match":
        resource = sel.access_resource(request.user, int_or_none(data.get("resource_id"), "resource_id"))
        return act(
            request,
            lambda: sp.need_match(actor=request.user, need=need, resource=resource),
            _("已对接资源"),
            "cobuilding:need",
            need.pk,
            refused=lambda exc: _need_page(request, need, failed=action, error=exc),
        )
    if action == "close":
        evidence = data.get("evidence", "")
        return act(
            request,
            lambda: sp.need_close(actor=request.user, need=need, evidence=evidence),
            _("需求已解决"),
            "cobuilding:need",
            need.pk,
            refused=lambda exc: _need_page(request, need, failed=action, error=exc),
        )
    raise InvalidInput(_("未知操作"), field="action")


# ----------------------------------------------------------------------------- projects


@login_required
def projects(request: HttpRequest) -> HttpResponse:
    user = request.user
    places = managed_places(user, [PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID])
    partners = list(sel.partners(user)[:300])
    funds = list(sel.visible_funds(user)[:200])
    need_id = int_or_none(request.GET.get("need") or request.POST.get("need_id"), "need_id")
    need = sel.access_need(user, need_id) if need_id else None
    page = keyset_page(
        sel.visible_projects(user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    context: dict[str, Any] = {"page": page, "places": places, "partners": partners, "funds": funds, "need": need}
    error = None
    if request.method == "POST":
        data = request.POST
        try:
            chosen = {int_or_none(x, "partner_ids") for x in data.getlist("partner_ids")}
            fund_id = int_or_none(data.get("fund_id"), "fund_id")
            project = sp.project_propose(
                actor=user,
                place=pick(places, data.get("place_id"), "place_id", _("项目范围")),
                title=data.get("title", ""),
                description=data.get("description", ""),
                budget=data.get("budget", ""),
                partners=[p for p in partners if p.pk in chosen],
                need=need,
                fund=pick(funds, fund_id, "fund_id", _("经费账户")) if fund_id else None,
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("cobuilding:project", project.pk)
    elif need is not None:
        context["data"] = {"title": need.title, "description": need.description}
        return render(request, "cobuilding/projects.html", {**context, "error": None})
    return _render(request, "cobuilding/projects.html", context, error)


@login_required
def project_photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A project photo, only to those who may see the project (404 like a missing one otherwise)."""
    photo = ProjectPhoto.objects.filter(pk=photo_id).only("pk", "project_id", "image").first()
    if photo is None:
        raise NotFound(_("未找到,或您无权查看"))
    sel.access_project(request.user, photo.project_id)
    return uploads.serve_upload(photo.image, content_type=uploads.content_type_of(photo.image.name))


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    return _project_page(request, project_id)


def _project_page(request: HttpRequest, project_id: int, *, failed: str = "", error: Any = None) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    meetings = list(visible_meetings(request.user).order_by("-starts_at")[:50])
    meetings = [
        m
        for m in meetings
        if project.place_path.startswith(m.place_path) or m.place_path.startswith(project.place_path)
    ]
    events = list(project.events.select_related("actor__person"))
    labels = dict(ProjectStatus.choices)
    for e in events:
        e.to_label = labels.get(e.to_status, e.to_status)  # type: ignore[attr-defined]
    context = {
        "project": project,
        "partners": list(project.partners.all()),
        "events": events,
        "photos": list(project.photos.all()),
        "spending": list(project.spending.all().order_by("-id")),
        "spent": -sum((e.amount for e in project.spending.all()), 0),
        "meetings": meetings,
        "may_manage": may(request.user, project.place_path, "manage"),
    }
    return _refused_page(request, "cobuilding/project_detail.html", context, failed, error)


@login_required
@require_POST
def project_action(request: HttpRequest, project_id: int, action: str) -> HttpResponse:
    user = request.user
    project = sel.access_project(user, project_id)
    data = request.POST
    to = ("cobuilding:project", project.pk)

    def refused(exc: Any) -> HttpResponse:
        return _project_page(request, project.pk, failed=action, error=exc)

    if action == "approve":
        from linli.deliberation.selectors import access_meeting

        meeting_id = int_or_none(data.get("meeting_id"), "meeting_id")
        meeting = access_meeting(user, meeting_id) if meeting_id else None
        return act(
            request,
            lambda: sp.project_approve(actor=user, project=project, meeting=meeting, note=data.get("note", "")),
            _("项目已通过"),
            *to,
            refused=refused,
        )
    steps = {  # the lifecycle steps that take only a note
        "reject": (sp.project_reject, _("项目未通过")),
        "start": (sp.project_start, _("项目开始实施")),
        "progress": (sp.project_progress, _("进展已登记")),
    }
    if action in steps:
        service, done = steps[action]
        return act(
            request,
            lambda: service(actor=user, project=project, note=data.get("note", "")),
            done,
            *to,
            refused=refused,
        )
    if action == "accept":

        def accept() -> Any:
            return sp.project_accept(
                actor=user,
                project=project,
                note=data.get("note", ""),
                beneficiaries=int_or_none(data.get("beneficiaries"), "beneficiaries") or 0,
                beneficiaries_note=data.get("beneficiaries_note", ""),
            )

        return act(request, accept, _("项目已验收"), *to, refused=refused)
    if action == "photo":
        upload = request.FILES.get("photo")
        if upload is None:
            return refused(InvalidInput(_("请选择照片"), field="photo"))
        return act(
            request,
            lambda: sp.project_photo_add(actor=user, project=project, upload=upload),
            _("照片已上传"),
            *to,
            refused=refused,
        )
    if action == "spend":
        if project.fund is None:
            raise InvalidInput(_("该项目没有指定经费账户"), field="fund_id")
        fund = sel.access_fund(user, project.fund_id)

        def spend() -> Any:
            return sf.fund_spend(
                actor=user,
                fund=fund,
                amount=data.get("amount", ""),
                note=data.get("note", ""),
                receipt_number=data.get("receipt_number", ""),
                approver=user,
                project=project,
            )

        return act(request, spend, _("支出已登记"), *to, refused=refused)
    raise InvalidInput(_("未知操作"), field="action")


# ----------------------------------------------------------------------------- funds


@login_required
def funds(request: HttpRequest) -> HttpResponse:
    user = request.user
    places = managed_places(user, [PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND])
    paths = [p.path for p in places]
    branches = list(
        PartyOrg.objects.active().filter(kind=PartyOrgKind.BRANCH, place__path__in=paths).select_related("place")[:300]
    )
    context: dict[str, Any] = {
        "funds": list(sel.visible_funds(user).order_by("place_path", "id")[:300]),
        "places": places,
        "branches": branches,
    }
    error = None
    if request.method == "POST":
        data = request.POST
        try:
            holder = data.get("holder", "")
            if holder == FundHolder.BRANCH:
                fund = sf.fund_open(
                    actor=user,
                    holder=holder,
                    name=data.get("name", ""),
                    party_org=pick(branches, data.get("party_org_id"), "party_org_id", _("党支部")),
                )
            else:
                fund = sf.fund_open(
                    actor=user,
                    holder=holder,
                    name=data.get("name", ""),
                    place=pick(places, data.get("place_id"), "place_id", _("服务站所在地")),
                )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("cobuilding:fund", fund.pk)
    return _render(request, "cobuilding/funds.html", context, error)


@login_required
def fund_detail(request: HttpRequest, fund_id: int) -> HttpResponse:
    return _fund_page(request, fund_id)


def _fund_page(request: HttpRequest, fund_id: int, *, failed: str = "", error: Any = None) -> HttpResponse:
    fund = sel.access_fund(request.user, fund_id)
    context = {
        "fund": fund,
        "balance": sf.balance_of(fund),
        "entries": list(sel.fund_entries(fund)[:200]),
        "years": sel.fund_years(fund),
        "grant_kinds": [(k, v) for k, v in FundEntryKind.choices if k != FundEntryKind.SPEND],
        "may_manage": may(request.user, fund.place_path, "manage"),
        "today": timezone.localdate(),
    }
    return _refused_page(request, "cobuilding/fund_detail.html", context, failed, error)


@login_required
@require_POST
def fund_action(request: HttpRequest, fund_id: int, action: str) -> HttpResponse:
    user = request.user
    fund = sel.access_fund(user, fund_id)
    data = request.POST

    def refused(exc: Any) -> HttpResponse:
        return _fund_page(request, fund.pk, failed=action, error=exc)

    try:
        on_date = date_or_error(data.get("on_date"), "on_date", _("日期")) if data.get("on_date") else None
    except InvalidInput as exc:
        return refused(exc)
    if action == "grant":
        return act(
            request,
            lambda: sf.fund_grant(
                actor=user,
                fund=fund,
                kind=data.get("kind", ""),
                amount=data.get("amount", ""),
                note=data.get("note", ""),
                on_date=on_date,
            ),
            _("拨款已入账"),
            "cobuilding:fund",
            fund.pk,
            refused=refused,
        )
    if action == "spend":
        return act(
            request,
            lambda: sf.fund_spend(
                actor=user,
                fund=fund,
                amount=data.get("amount", ""),
                note=data.get("note", ""),
                receipt_number=data.get("receipt_number", ""),
                approver=user,
                on_date=on_date,
            ),
            _("支出已登记"),
            "cobuilding:fund",
            fund.pk,
            refused=refused,
        )
    raise InvalidInput(_("未知操作"), field="action")


# ----------------------------------------------------------------------------- partners


@login_required
def partners(request: HttpRequest) -> HttpResponse:
    """Partners and the yearly "each does at least one practical thing" tracking."""
    year = check_year(int_or_none(request.GET.get("year"), "year") or timezone.localdate().year)
    rows = sel.practical_things(request.user, year)
    context = {
        "rows": rows,
        "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "met": sum(1 for r in rows if r.met),
        # 街道“大工委” and 社区“大党委” (seed 003) with their member units and 兼职委员
        "rosters": sel.committee_rosters(request.user),
        "communities": sel.community_choices(request.user),
    }
    return render(request, "cobuilding/partners.html", context)


@login_required
@require_POST
def partner_profile(request: HttpRequest, org_id: int) -> HttpResponse:
    org = sel.access_partner(request.user, org_id)
    data = request.POST

    def save() -> Any:
        community = data.get("big_committee_community_id", "").strip()
        community_id = parse_id(community) if community else None
        if community and community_id is None:
            raise InvalidInput(_("请选择社区"), field="big_committee_community_id")
        return sp.partner_profile_set(
            actor=request.user,
            organisation=org,
            big_committee=bool(data.get("big_committee")),
            street_big_committee=bool(data.get("street_big_committee")),
            big_committee_community_id=community_id,
            party_leader_name=data.get("party_leader_name", ""),
            joined_on=date_or_error(data.get("joined_on"), "joined_on", _("加入日期")),
        )

    return act(request, save, _("已保存"), "cobuilding:partners")
