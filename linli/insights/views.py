"""Dashboard pages: the dashboard, big screen, a rate's breakdown, and the lists behind each figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.core.dates import parse_day
from linli.core.errors import InvalidInput
from linli.core.identifiers import parse_id
from linli.core.pagination import keyset_page
from linli.insights import drilldown, periods
from linli.insights import selectors as s
from linli.places.models import Place
from linli.tickets.models import Source

PAGE_SIZE = 50


def _date(raw: str | None, field: str) -> dt.date | None:
    return parse_day(raw, field)


def period_from(g: Any) -> s.Period:
    """``month=YYYY-MM`` or ``since``/``until``; default the last 30 days."""
    month = g.get("month")
    if month:
        try:
            year, mon = (int(x) for x in month.split("-"))
            return periods.month_period(year, mon)
        except ValueError:
            raise InvalidInput(_("月份格式应为 YYYY-MM:%(month)s") % {"month": month[:10]}, field="month") from None
    default = periods.default_period()
    return s.Period(_date(g.get("since"), "since") or default.since, _date(g.get("until"), "until") or default.until)


def query(node: Place, period: s.Period, **extra: Any) -> str:
    """A query string that keeps node and period (drill-down links)."""
    from urllib.parse import urlencode

    params = {"node": node.pk, "since": period.since.isoformat(), "until": period.until.isoformat()}
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def _context(request: HttpRequest) -> dict[str, Any]:
    node = s.dashboard_node(request.user, request.GET.get("node"))
    period = period_from(request.GET)
    board = s.dashboard_figures(node, period)
    q = query(node, period)
    lists = reverse("insights:requests")
    rates = []
    for name, (num, den, complement, label) in s.RATES.items():
        rates.append(
            {
                "name": name,
                "label": _(label),
                "value": getattr(board.totals, name),
                "num": getattr(board.totals, num),
                "den": getattr(board.totals, den),
                "href": f"{reverse('insights:figure', args=[name])}?{q}",
                "complement_href": f"{lists}?{query(node, period, figure=complement)}",
            }
        )
    chart = {
        "trend": {
            "labels": [p.label for p in board.trend],
            "received": [p.received for p in board.trend],
            "resolved": [p.resolved for p in board.trend],
            "links": [f"{lists}?{query(node, s.Period(p.since, p.until))}" for p in board.trend],
            # The legend words: JavaScript has no catalogue.
            "series": {"received": pgettext("chart legend", "受理"), "resolved": pgettext("chart legend", "办结")},
        },
        "categories": [
            {"name": c.label, "value": c.received, "href": f"{lists}?{query(node, period, category=c.key)}"}
            for c in board.categories
        ],
        "sources": [
            {"name": c.label, "value": c.received, "href": f"{lists}?{query(node, period, source=c.key)}"}
            for c in board.sources
        ],
    }
    return {
        "board": board,
        "node": node,
        "period": period,
        "q": q,
        "rates": rates,
        "chart": chart,
        "ancestors": list(Place.objects.filter(path__in=[node.path[:i] for i in range(4, len(node.path), 4)])),
        "records": drilldown.RECORD_LISTS,
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from linli.teams.selectors import team_coverage

    context = _context(request)
    context["teams"] = team_coverage(context["node"], children=False)  # 小区治理团队配齐率, as of now
    from linli.duties.selectors import dashboard_figures

    period = context["period"]  # 街道职责清单、准入事项 and the review of tasks pushed down, for a street node
    context["duties"] = dashboard_figures(request.user, context["node"], since=period.since, until=period.until)
    from linli.rota import selectors as rota

    node = context["node"]  # 七天不打烊: 休息日值守率 of the desks under the node (seed 000)
    context["rota"] = (
        rota.figures(request.user, node, period.since, period.until)
        if rota.may_read_figures(request.user, node)
        else None
    )
    from linli.grants.selectors import dashboard_figures as grant_figures

    context["grants"] = grant_figures(request.user, node, since=period.since, until=period.until)  # 公益创投 (seed 000)
    return render(request, "insights/dashboard.html", context)


@login_required
def screen(request: HttpRequest) -> HttpResponse:
    """大屏: the same figures, large, refreshing itself (``static/insights/screen.js``)."""
    ctx = _context(request)
    ctx["refresh_seconds"] = min(max(10, parse_id(request.GET.get("refresh")) or 60), 3600)
    return render(request, "insights/screen.html", ctx)


@login_required
def figure(request: HttpRequest, name: str) -> HttpResponse:
    """One rate broken down by the node's children, each number a link to its list."""
    if name not in s.RATES:
        raise InvalidInput(_("未知的统计项"), field="figure")
    node = s.dashboard_node(request.user, request.GET.get("node"))
    period = period_from(request.GET)
    num, den, complement, label = s.RATES[name]
    lists = reverse("insights:requests")
    total = s.request_figures(node, period)

    def row(place: Place, f: s.RequestFigures) -> dict[str, Any]:
        return {
            "place": place,
            "value": getattr(f, name),
            "num": getattr(f, num),
            "den": getattr(f, den),
            "miss": getattr(f, den) - getattr(f, num),
            "num_href": f"{lists}?{query(place, period, figure=num)}",
            "den_href": f"{lists}?{query(place, period, figure=den)}",
            "miss_href": f"{lists}?{query(place, period, figure=complement)}",
            "drill_href": f"{reverse('insights:figure', args=[name])}?{query(place, period)}",
            "has_children": place.numchild > 0,
        }

    return render(
        request,
        "insights/figure.html",
        {
            "node": node,
            "period": period,
            "label": _(label),
            "name": name,
            "num_label": _(s.FIGURE_LISTS[num][0]),
            "den_label": _(s.FIGURE_LISTS[den][0]),
            "miss_label": _(s.FIGURE_LISTS[complement][0]),
            "total": row(node, total),
            "rows": [row(b.place, b.figures) for b in s.children_figures(node, period)],
            "q": query(node, period),
        },
    )


def list_filter(g: Any) -> drilldown.RequestListFilter:
    category = g.get("category")
    if category and category != "0" and not parse_id(category):  # 0: the uncategorised requests
        raise InvalidInput(_("分类参数无效"), field="category")
    source = g.get("source") or ""
    if source and source not in Source.values:
        raise InvalidInput(_("来源参数无效"), field="source")
    return drilldown.RequestListFilter(
        figure=g.get("figure") or "received",
        category=0 if category == "0" else parse_id(category),
        source=source,
        overdue=g.get("overdue") == "1",
    )


@login_required
def requests_list(request: HttpRequest) -> HttpResponse:
    """The requests behind a figure: ``figure`` (see FIGURE_LISTS), ``category``, ``source`` or ``overdue=1``."""
    node = s.dashboard_node(request.user, request.GET.get("node"))
    period = period_from(request.GET)
    f = list_filter(request.GET)
    qs = drilldown.requests_behind(request.user, node, period, f)
    page = keyset_page(
        qs.select_related("category", "place"),
        key="id",
        cursor=request.GET.get("cursor"),
        limit=PAGE_SIZE,
        descending=True,
    )
    title = _("当前超期诉求") if f.overdue else _(s.FIGURE_LISTS[f.figure][0])
    extra = {"figure": f.figure, "category": f.category, "source": f.source, "overdue": "1" if f.overdue else ""}
    return render(
        request,
        "insights/requests.html",
        {
            "node": node,
            "period": period,
            "title": title,
            "count": qs.count(),
            "page": page,
            "q": query(node, period, **extra),
            "figure": f,
            "children": [
                (c, query(c, period, **extra))
                for c in Place.objects.filter(path__under=node.path, depth=node.depth + 1)
            ],
        },
    )


def _children(node: Place) -> list[Place]:
    return list(Place.objects.filter(path__under=node.path, depth=node.depth + 1).order_by("path"))


@login_required
def records_list(request: HttpRequest, kind: str) -> HttpResponse:
    """The records behind another module's figure (visits, activities, hours, wishes, mediation)."""
    if kind not in drilldown.RECORD_LISTS:
        raise InvalidInput(_("未知的统计项"), field="kind")
    node = s.dashboard_node(request.user, request.GET.get("node"))
    period = period_from(request.GET)
    qs = drilldown.records_behind(request.user, node, period, kind)
    page = keyset_page(qs, key="id", cursor=request.GET.get("cursor"), limit=PAGE_SIZE, descending=True)
    rows = [drilldown.record_row(kind, obj) for obj in page.items]
    names = drilldown.place_names([r.place for r in rows])
    for r in rows:
        r.place = names.get(r.place, r.place)
    return render(
        request,
        "insights/records.html",
        {
            "node": node,
            "period": period,
            "title": _(drilldown.RECORD_LISTS[kind]),
            "count": qs.count(),
            "rows": rows,
            "page": page,
            "q": query(node, period),
        },
    )
