"""The grid map page and its data (JSON)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.insights import maps
from linli.insights import selectors as s
from linli.insights.views import period_from, query


def _figure(request: HttpRequest) -> str:
    figure = request.GET.get("figure") or "open"
    if figure not in maps.MAP_FIGURES:
        raise InvalidInput(_("未知的着色指标"), field="figure")
    return figure


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    node = s.dashboard_node(request.user, request.GET.get("node"))
    period = period_from(request.GET)
    figure = _figure(request)
    return render(
        request,
        "insights/map.html",
        {
            "node": node,
            "period": period,
            "figure": figure,
            "figures": maps.MAP_FIGURES,
            "q": query(node, period),
            "map_config": {
                "data_url": f"{request.path}data.json?{query(node, period, figure=figure)}",
                "tiles": settings.INSIGHTS_MAP_TILES,
                "attribution": settings.INSIGHTS_MAP_ATTRIBUTION,
                "coords": settings.INSIGHTS_MAP_TILE_COORDS,
                "load_failed": _("地图数据加载失败,请刷新重试。"),  # JS has no catalogue
            },
        },
    )


@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    node = s.dashboard_node(request.user, request.GET.get("node"))
    return JsonResponse(maps.map_data(request.user, node, period_from(request.GET), _figure(request)))
