"""近邻党建 “1+3+N” 总览 over the API: the same selector as the page, so the numbers are the page's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from linli.cobuilding import overview as ov
from linli.core.errors import InvalidInput
from linli.core.schemas import Day, ErrorOut
from linli.insights.selectors import dashboard_node

router = Router(tags=["co-building"])


class CobuildingOverviewQuery(Schema):
    node_id: int | None = None
    since: Day | None = None
    until: Day | None = None


class CobuildingOverviewRowOut(Schema):
    path: str
    name: str
    compounds: int
    with_branch: int
    with_owners_committee: int
    with_supervisory_board: int
    with_property: int
    complete: int
    unmanaged: int = Field(description="compounds whose 小区档案 records 无物业管理")
    community_managed: int = Field(description="compounds whose 小区档案 records 社区兜底托管")
    property_coverage: Decimal | None
    committee_coverage: Decimal | None
    complete_share: Decimal | None
    committee_members: int
    party_members: int
    party_share: Decimal | None
    cross_appointed: int
    cross_share: Decimal | None
    instructors: int
    property_companies: int
    companies_with_party_org: int
    company_party_coverage: Decimal | None
    red_listed: int
    black_listed: int
    needs_raised: int
    needs_closed: int
    projects_accepted: int
    property_supervisors: int = Field(
        description="物业监督员: people holding the position at a compound here on the day"
    )
    grid_companies: int = Field(description="property companies with staff serving in a grid here on the day")
    grid_staff: int = Field(description="property-company staff serving in grids here on the day (一长四员)")
    grid_staff_party_members: int = Field(description="of them, party members in the ledger")


class CobuildingGapOut(Schema):
    place_id: int
    name: str
    missing: list[str]


class CobuildingOverviewOut(Schema):
    node_id: int
    on: dt.date
    since: dt.date
    until: dt.date
    total: CobuildingOverviewRowOut
    rows: list[CobuildingOverviewRowOut]
    gaps: list[CobuildingGapOut]
    gaps_total: int


def row_out(r: ov.NeighbourhoodRow) -> CobuildingOverviewRowOut:
    return CobuildingOverviewRowOut(path=r.path, name=r.name, **{name: getattr(r, name) for name in ov.ROW_FIELDS})


@router.get(
    "/overview",
    response={200: CobuildingOverviewOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="cobuilding_overview_read",
    summary="近邻党建 1+3+N 总览 (a street's or community's compounds, committees, contracts, needs, projects)",
)
def overview_read(request: HttpRequest, q: Query[CobuildingOverviewQuery]) -> CobuildingOverviewOut:
    node = dashboard_node(request.user, q.node_id)
    today = timezone.localdate()
    until = q.until or today
    since = q.since or until.replace(month=1, day=1)
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    f = ov.neighbourhood_figures(node, since=since, until=until)
    return CobuildingOverviewOut(
        node_id=node.pk,
        on=f.on,
        since=f.since,
        until=f.until,
        total=row_out(f.total),
        rows=[row_out(r) for r in f.rows],
        gaps=[CobuildingGapOut(place_id=g.pk, name=g.name, missing=g.missing) for g in f.gaps],
        gaps_total=f.gaps_total,
    )
