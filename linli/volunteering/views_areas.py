"""Pages for service areas (服务区域, seed 000: 划分党员服务责任区): a team's areas added and removed on its page, the
teams and activities serving where a resident lives, and service coverage under a staff member's node."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput
from linli.core.identifiers import parse_id
from linli.places.models import Place
from linli.volunteering import services_areas as sa
from linli.volunteering.common import staff_q
from linli.volunteering.selectors_areas import coverage_node, service_coverage, serving_home
from linli.volunteering.views_common import run


@login_required
@require_POST
def team_areas(request: HttpRequest, team_id: int) -> HttpResponse:
    """Add (``action=add``) or remove (``action=remove``) a service area of the team; back to the team's page."""
    p = request.POST
    place_id = parse_id(p.get("place_id"))
    back = reverse("volunteering:team", args=[team_id])
    if p.get("action") == "remove":
        return run(
            request,
            lambda: sa.team_area_remove(actor=request.user, team_id=team_id, place_id=place_id or 0),
            ok=_("已移除服务区域"),
            back=back,
        )

    def add() -> None:
        if not place_id:
            raise InvalidInput(_("请选择服务区域"), field="place_id")
        sa.team_area_add(actor=request.user, team_id=team_id, place_id=place_id)

    return run(request, add, ok=_("已添加服务区域"), back=back)


@login_required
def serving(request: HttpRequest) -> HttpResponse:
    """服务我家: the teams serving where the user lives and the coming activities held for it."""
    return render(request, "volunteering/serving.html", {"s": serving_home(request.user)})


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """服务覆盖 under a node the user answers for (``?place=``, default their widest): grids a team serves."""
    node = coverage_node(request.user, request.GET.get("place"))
    nodes = list(Place.objects.filter(staff_q(request.user, field="path"), kind__in=["street", "community"])[:200])
    return render(request, "volunteering/coverage.html", {"c": service_coverage(node), "nodes": nodes})
