"""近邻党建 “1+3+N” 总览 page: a street's or community's compounds — which have a party organisation, an owners'
committee, a supervisory board and a property company — the committees' party and cross-appointment shares, the
党建指导员, the red/black list, and the needs and micro-projects of the period; the compounds still missing part of
"1+3" as a work list; the same table as a spreadsheet (audited)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.cobuilding import overview as ov
from linli.cobuilding.views_common import managed_places
from linli.core.dates import period_or_default
from linli.insights.selectors import dashboard_node
from linli.people.sheets import XLSX_CONTENT_TYPE, write_xlsx
from linli.places.models import PlaceKind


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    node = dashboard_node(request.user, request.GET.get("node"))
    today = timezone.localdate()
    since, until, error = period_or_default(request.GET, (today.replace(month=1, day=1), today))
    figures = ov.neighbourhood_figures(node, since=since, until=until)
    if request.GET.get("format") == "xlsx" and error is None:
        return _download(request, figures)
    nodes = managed_places(request.user, [PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY], limit=200)
    context = {"f": figures, "nodes": nodes, "error": error}
    return render(request, "cobuilding/overview.html", context, status=422 if error else 200)


def _columns() -> list[str]:
    return [
        _("范围"),
        _("小区数"),
        _("有党组织"),
        _("有业委会"),
        _("有业主监事会"),
        _("有物业服务企业"),
        _("“1+3”全覆盖"),
        _("无物业管理"),
        _("社区兜底托管"),
        _("物业服务覆盖率"),
        _("业委会组建率"),
        _("“1+3”全覆盖率"),
        _("业委会在任成员"),
        _("其中党员"),
        _("党员占比"),
        _("交叉任职"),
        _("交叉任职比例"),
        _("党建指导员"),
        _("物业服务企业"),
        _("其中有党组织"),
        _("物业企业党组织覆盖率"),
        _("红榜"),
        _("黑榜"),
        _("新增需求"),
        _("解决需求"),
        _("验收微项目"),
        _("物业监督员"),
        _("进网格物业企业"),
        _("进网格物业人员"),
        _("其中党员"),
    ]


def _cells(r: ov.NeighbourhoodRow) -> list[Any]:
    return [r.name, *(getattr(r, name) for name in ov.ROW_FIELDS)]


def _download(request: HttpRequest, f: ov.NeighbourhoodFigures) -> HttpResponse:
    buffer = io.BytesIO()
    rows = iter([_cells(r) for r in [*f.rows, f.total]])
    count = write_xlsx(buffer, _("近邻党建1+3+N总览"), _columns(), rows)
    audit_record(
        action="cobuilding.overview_exported",
        actor=request.user,
        request=request,
        target=f.node,
        since=f.since.isoformat(),
        until=f.until.isoformat(),
        rows=count,
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="neighbourhood-{f.node.pk}-{f.until:%Y%m%d}.xlsx"'
    return response
