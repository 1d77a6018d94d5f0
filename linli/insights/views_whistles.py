"""吹哨报到情况: the page and its Excel download (linli/insights/whistles.py has the definitions)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.insights import selectors as s
from linli.insights.templatetags.insights_tags import pct
from linli.insights.views import period_from, query
from linli.insights.whistles import UnitWhistles, whistle_report
from linli.people.sheets import XLSX_CONTENT_TYPE, write_xlsx
from linli.tickets.models import UnitType

XLSX = XLSX_CONTENT_TYPE


def kind_label(kind: str) -> str:
    if kind == "total":
        return _("合计")
    try:
        return str(UnitType(kind).label)
    except ValueError:
        return kind


def _percent(value: float | None) -> str:
    return "" if value is None else pct(value)  # the dashboard's format; a blank cell where nothing was whistled


def _columns() -> list[str]:
    return [
        _("单位"),
        _("类型"),
        _("吹哨次数"),
        _("按时报到"),
        _("超时报到"),
        _("未报到即转走"),
        _("待报到"),
        _("其中已超时"),
        _("报到率"),
        _("按时报到率"),
        _("涉及诉求"),
        _("已办结"),
        _("已评价"),
        _("满意"),
        _("满意率"),
    ]


def _cells(u: UnitWhistles) -> list[Any]:
    return [
        u.name,
        kind_label(u.kind),
        u.whistled,
        u.reported_on_time,
        u.reported_late,
        u.handed_on,
        u.waiting,
        u.overdue,
        _percent(u.report_rate),
        _percent(u.on_time_rate),
        len(u.requests),
        u.resolved,
        u.rated,
        u.satisfied,
        _percent(u.satisfaction_rate),
    ]


@login_required
def whistles_page(request: HttpRequest) -> HttpResponse:
    """Who was whistled under the node in the period and how they answered; ``?format=xlsx`` downloads it."""
    node = s.dashboard_node(request.user, request.GET.get("node"))
    period = period_from(request.GET)
    report = whistle_report(node, period)
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        rows = [_cells(u) for u in report.units] + [_cells(report.total)]
        count = write_xlsx(buffer, _("吹哨报到情况"), _columns(), iter(rows))
        audit_record(
            action="insights.whistles.exported",
            actor=request.user,
            request=request,
            target=node,
            since=period.since.isoformat(),
            until=period.until.isoformat(),
            rows=count,
        )
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        name = f"whistles-{period.since:%Y%m%d}-{period.until:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "insights/whistles.html",
        {
            "node": node,
            "period": period,
            "q": query(node, period),
            "report": report,
            "columns": _columns(),
            "rows": [(u, _cells(u)) for u in report.units],
            "total": _cells(report.total),
        },
    )
