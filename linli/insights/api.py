"""Insights API under /api/v1/insights: dashboard figures, the requests behind a figure, and work
reports. Same selectors and services as the pages (numbers equal the pages')."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.insights import drilldown, periods, services
from linli.insights import selectors as s
from linli.insights.models import PeriodKind, ReportStatus, WorkReport
from linli.insights.modules import ModuleFigures
from linli.insights.whistles import UnitWhistles, whistle_report

router = Router(tags=["insights"])
ERRORS: dict[int, Any] = {404: ErrorOut, 422: ErrorOut}


class InsightsPeriodQuery(Schema):
    node: int | None = Field(None, description="place id; default: the caller's top node")
    since: Day | None = None
    until: Day | None = None


class InsightsRequestFiguresOut(Schema):
    received: int
    valid: int
    responded: int
    accepted: int
    resolved: int
    rated: int
    satisfied: int
    unsatisfied: int
    on_time: int
    grassroots: int
    in_compound: int = Field(description="resolved with every handling unit at compound level or below (小区内解决)")
    in_street: int = Field(description="resolved without going above the street (街道内解决)")
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    grassroots_share: float | None
    compound_share: float | None = Field(description="in_compound / resolved (小区解决占比, 小事不出小区)")
    street_share: float | None = Field(description="in_street / resolved (街道内解决占比, 大事不出街道)")
    mean_hours_to_respond: float | None
    mean_hours_to_resolve: float | None


class InsightsBranchOut(Schema):
    place_id: int
    name: str
    kind: str
    figures: InsightsRequestFiguresOut


class InsightsSliceOut(Schema):
    key: str
    label: str
    received: int


class InsightsTrendOut(Schema):
    label: str
    since: dt.date
    until: dt.date
    received: int
    resolved: int


class InsightsPostCategoryOut(Schema):
    key: str
    label: str
    claims: int


class InsightsModulesOut(Schema):
    households: int
    households_visited: int
    visit_coverage: float | None
    visits: int
    people_served: int
    activities: int
    volunteer_hours: float
    wishes_collected: int
    wishes_fulfilled: int
    mediation_closed: int
    mediation_success: int
    mediation_success_rate: float | None
    wishes_rated: int = Field(description="wishes confirmed in the period with the wisher's rating")
    wishes_satisfied: int = Field(description="of those, rated 满意 or 基本满意")
    wish_satisfaction_rate: float | None = Field(description="wishes_satisfied / wishes_rated (微心愿满意度)")
    meetings_held: int = Field(description="议事协商 meetings marked held that started in the period")
    heart_to_heart_meetings: int = Field(description="of those, 恳谈会/屋场恳谈会")
    joint_meetings: int = Field(description="of those, 联席会议")
    compounds: int = Field(description="compounds under the node, now")
    compounds_with_party_org: int = Field(
        description="of those, compounds with a party committee, general branch or branch at or inside them"
    )
    party_org_coverage: float | None = Field(description="compounds_with_party_org / compounds (小区党组织覆盖率)")
    party_groups: int = Field(description="党小组 under the node, now")
    center_households: int = Field(description="党员中心户 under the node, now")
    volunteer_teams: int = Field(description="volunteer teams anchored under the node, now")
    stations: int = Field(description="红色驿站 / 微岗亭 under the node, now")
    social_organisations: int = Field(description="社会组织 registered under the node or serving a place in it, now")
    partner_units: int = Field(description="共建单位 registered under the node or serving a place in it, now")
    reported_members: int = Field(description="在职党员 with an approved 双报到 at a community under the node, now")
    reported_services: int = Field(
        description="在职党员报到服务人次: their confirmed volunteer services under the node in the period"
    )
    reported_hours: float = Field(description="hours of those services")
    visits_and_meetings: int = Field(description="党群家访、议事协商等活动: visits + meetings_held")
    joint_decisions_done: int = Field(
        description="decisions of 联席会议 under the node carried out (已落实) in the period"
    )
    post_claims: int = Field(description="service posts under the node claimed (claimed_at) in the period")
    post_categories: int = Field(description="post categories with at least one of those claims")
    post_claims_by_category: list[InsightsPostCategoryOut] = Field(description="those claims by post category")
    orders_resolved: int = Field(
        description="requests claimed from the order board, held by their claimant and resolved in the period "
        "(latest resolve/reopen event a resolve inside it)"
    )
    orders_resolved_by_members: int = Field(description="of those, claimed by a party member")
    problems_listed: int = Field(description="居民问题清单 items under the node listed in the period")
    problems_signed_off: int = Field(description="居民问题清单 items under the node signed off (销号) in the period")
    funds_granted_fen: int = Field(
        description="grants to party branch and station funds under the node dated in the period, 分"
    )
    party_members: int = Field(description="party members of branches anchored under the node, now")
    retired_party_members: int = Field(description="of those, 离退休")
    secretaries_in_committee: int = Field(
        description="filed branch secretaries under the node in their term today who sit on the community 两委"
    )
    recognitions: int = Field(
        description="两优一先 of party orgs and people under the node in the years the period touches"
    )
    secretaries_recognised: int = Field(
        description="of those, distinct people filed as a branch secretary under the node"
    )


class InsightsDashboardOut(Schema):
    node_id: int
    node_name: str
    since: dt.date
    until: dt.date
    figures: InsightsRequestFiguresOut
    open_now: int
    overdue_now: int
    children: list[InsightsBranchOut]
    ranking: list[InsightsBranchOut]
    min_requests_for_ranking: int
    categories: list[InsightsSliceOut]
    sources: list[InsightsSliceOut]
    proactive: int = Field(description="requests opened proactively by staff (未诉先办, source proactive)")
    proactive_share: float | None = Field(description="proactive / received")
    trend: list[InsightsTrendOut]
    modules: InsightsModulesOut


def _period(q: InsightsPeriodQuery) -> s.Period:
    default = periods.default_period()
    return s.Period(q.since or default.since, q.until or default.until)


def _figures(f: s.RequestFigures) -> InsightsRequestFiguresOut:
    return InsightsRequestFiguresOut(**{n: getattr(f, n) for n in InsightsRequestFiguresOut.model_fields})


def _branch(b: s.Branch) -> InsightsBranchOut:
    return InsightsBranchOut(place_id=b.place.pk, name=b.place.name, kind=b.place.kind, figures=_figures(b.figures))


@router.get(
    "/dashboard",
    response={200: InsightsDashboardOut, **ERRORS},
    operation_id="insights_dashboard_read",
    summary="Dashboard figures of a node and period (from rollups)",
)
def dashboard_read(request: HttpRequest, q: Query[InsightsPeriodQuery]) -> InsightsDashboardOut:
    node = s.dashboard_node(request.user, q.node)
    board = s.dashboard_figures(node, _period(q))
    return InsightsDashboardOut(
        node_id=node.pk,
        node_name=node.name,
        since=board.period.since,
        until=board.period.until,
        figures=_figures(board.totals),
        open_now=board.open_now,
        overdue_now=board.overdue_now,
        children=[_branch(b) for b in board.children],
        ranking=[_branch(b) for b in board.ranking],
        min_requests_for_ranking=board.min_requests,
        categories=[InsightsSliceOut(key=c.key, label=c.label, received=c.received) for c in board.categories],
        sources=[InsightsSliceOut(key=c.key, label=c.label, received=c.received) for c in board.sources],
        proactive=board.proactive,
        proactive_share=board.proactive_share,
        trend=[
            InsightsTrendOut(label=p.label, since=p.since, until=p.until, received=p.received, resolved=p.resolved)
            for p in board.trend
        ],
        modules=_modules(board.modules),
    )


def _modules(m: ModuleFigures) -> InsightsModulesOut:
    values = {n: getattr(m, n) for n in InsightsModulesOut.model_fields if n != "post_claims_by_category"}
    by_category = [
        InsightsPostCategoryOut(key=c.key, label=c.label, claims=c.claims) for c in m.post_claims_by_category
    ]
    return InsightsModulesOut(**values, post_claims_by_category=by_category)


class InsightsWhistleUnitOut(Schema):
    key: str = Field(
        description='"org:<id>" for an organisation (a department), "place:<id>" for a level; "" for the total'
    )
    name: str
    kind: str = Field(description="the unit's kind as the whistle recorded it (department, community, street …)")
    whistled: int = Field(description="escalate events to the unit in the period (吹哨次数)")
    reported: int = Field(description="whistles answered by an acknowledge event (报到)")
    reported_on_time: int
    reported_late: int
    handed_on: int = Field(description="whistles ended by a transfer or resolve before anyone reported")
    waiting: int = Field(description="whistles with no answer yet (待报到)")
    overdue: int = Field(description="of the waiting, those past the request's ack_due")
    requests: int = Field(description="distinct requests whistled")
    resolved: int
    rated: int
    satisfied: int
    report_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None


class InsightsWhistlesOut(Schema):
    node_id: int
    node_name: str
    since: dt.date
    until: dt.date
    units: list[InsightsWhistleUnitOut]
    total: InsightsWhistleUnitOut


def _whistle_unit(u: UnitWhistles) -> InsightsWhistleUnitOut:
    return InsightsWhistleUnitOut(
        key=u.key,
        name=u.name,
        kind=u.kind,
        whistled=u.whistled,
        reported=u.reported,
        reported_on_time=u.reported_on_time,
        reported_late=u.reported_late,
        handed_on=u.handed_on,
        waiting=u.waiting,
        overdue=u.overdue,
        requests=len(u.requests),
        resolved=u.resolved,
        rated=u.rated,
        satisfied=u.satisfied,
        report_rate=u.report_rate,
        on_time_rate=u.on_time_rate,
        satisfaction_rate=u.satisfaction_rate,
    )


@router.get(
    "/whistles",
    response={200: InsightsWhistlesOut, **ERRORS},
    operation_id="insights_whistles_read",
    summary="吹哨报到情况: each unit whistled under a node in a period, how it reported and how the requests ended",
)
def whistles_read(request: HttpRequest, q: Query[InsightsPeriodQuery]) -> InsightsWhistlesOut:
    node = s.dashboard_node(request.user, q.node)
    report = whistle_report(node, _period(q))
    return InsightsWhistlesOut(
        node_id=node.pk,
        node_name=node.name,
        since=report.period.since,
        until=report.period.until,
        units=[_whistle_unit(u) for u in report.units],
        total=_whistle_unit(report.total),
    )


class InsightsRequestsQuery(InsightsPeriodQuery):
    figure: str = Field("received", description="one of: " + ", ".join(s.FIGURE_LISTS))
    category: int | None = Field(None, description="top-level category id (0 = uncategorised)")
    source: str | None = None
    overdue: bool = Field(False, description="the live list behind 'overdue now' (ignores the period)")


class InsightsRequestRowOut(Schema):
    id: int
    number: str
    title: str
    status: str
    place_id: int
    submitted_at: dt.datetime


class InsightsRequestPageOut(Schema):
    count: int
    items: list[InsightsRequestRowOut]
    next: str | None


@router.get(
    "/requests",
    response={200: InsightsRequestPageOut, **ERRORS},
    operation_id="insights_requests_list",
    summary="The requests a dashboard figure counts (count equals the figure)",
)
def requests_list(
    request: HttpRequest, q: Query[InsightsRequestsQuery], page: Query[PageQuery]
) -> InsightsRequestPageOut:
    node = s.dashboard_node(request.user, q.node)
    f = drilldown.RequestListFilter(figure=q.figure, category=q.category, source=q.source or "", overdue=q.overdue)
    qs = drilldown.requests_behind(request.user, node, _period(q), f)
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return InsightsRequestPageOut(
        count=qs.count(),
        items=[
            InsightsRequestRowOut(
                id=t.pk,
                number=t.number,
                title=t.title,
                status=t.status,
                place_id=t.place_id,
                submitted_at=t.submitted_at,
            )
            for t in result.items
        ],
        next=result.next,
    )


class InsightsReportIn(Schema):
    node: int
    period_kind: PeriodKind
    year: int = Field(..., ge=2000, le=2100)
    number: int = Field(1, ge=1, le=12, description="month (1–12) or quarter (1–4); ignored for a year")


class InsightsReportOut(Schema):
    id: int
    node_id: int
    node_name: str
    title: str
    period_kind: PeriodKind
    since: dt.date
    until: dt.date
    status: ReportStatus
    progress: int
    error: str
    scheduled: bool
    downloads: dict[str, str]


class InsightsReportPageOut(Schema):
    items: list[InsightsReportOut]
    next: str | None


def _report_out(r: WorkReport) -> InsightsReportOut:
    downloads = (
        {fmt: f"/insights/reports/{r.pk}/{fmt}" for fmt in ("pdf", "xlsx", "docx")}
        if r.status == ReportStatus.DONE
        else {}
    )
    return InsightsReportOut(
        id=r.pk,
        node_id=r.node_id,
        node_name=r.node.name,
        title=r.title,
        period_kind=PeriodKind(r.period_kind),
        since=r.since,
        until=r.until,
        status=ReportStatus(r.status),
        progress=r.progress,
        error=r.error,
        scheduled=r.scheduled,
        downloads=downloads,
    )


@router.get(
    "/reports",
    response={200: InsightsReportPageOut, **ERRORS},
    operation_id="insights_reports_list",
    summary="Work reports the caller may download",
)
def reports_list(request: HttpRequest, page: Query[PageQuery]) -> InsightsReportPageOut:
    qs = WorkReport.objects.visible_to(request.user).select_related("node")
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return InsightsReportPageOut(items=[_report_out(r) for r in result.items], next=result.next)


@router.post(
    "/reports",
    response={202: InsightsReportOut, **ERRORS},
    operation_id="insights_reports_create",
    summary="Generate a work report in the background (same report again while it is being made)",
)
def reports_create(request: HttpRequest, payload: InsightsReportIn) -> Status[InsightsReportOut]:
    if payload.period_kind == PeriodKind.QUARTER and payload.number > 4:
        raise InvalidInput(_("季度应在 1 到 4 之间"), field="number")
    report = services.report_request(
        actor=request.user,
        node_id=payload.node,
        period_kind=payload.period_kind,
        year=payload.year,
        number=payload.number,
    )
    report.refresh_from_db()
    return Status(202, _report_out(report))


@router.get(
    "/reports/{report_id}",
    response={200: InsightsReportOut, **ERRORS},
    operation_id="insights_reports_read",
    summary="One work report and its progress",
)
def reports_read(request: HttpRequest, report_id: int) -> InsightsReportOut:
    report = get_or_not_found(WorkReport.objects.visible_to(request.user).select_related("node"), report_id)
    return _report_out(report)
