"""The “四位一体” page (seed 001): for a node and a period, each community's 四位一体联席会议 held and how many had all
four parties present, its 法律顾问 in force; the advisers under the node, with the form that records one and the
button that ends one (community managers)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.deliberation.models import AdviserKind
from linli.deliberation.selectors_four_in_one import access_adviser, four_in_one_figures, visible_advisers
from linli.deliberation.services_four_in_one import adviser_appoint, adviser_end
from linli.deliberation.views_common import int_or_none, managed_places, place_from_post
from linli.deliberation.views_mediation import node_and_period
from linli.places.models import PlaceKind


def _post(request: HttpRequest) -> HttpResponse:
    p, user = request.POST, request.user
    try:
        if p.get("action") == "end":
            adviser = access_adviser(user, int_or_none(p.get("adviser_id"), "adviser_id"))
            adviser_end(actor=user, adviser=adviser, ends_on=parse_day(p.get("ends_on"), "ends_on"))
            messages.success(request, _("聘期已结束"))
        else:
            communities = managed_places(user, [PlaceKind.COMMUNITY])
            adviser_appoint(
                actor=user,
                community=place_from_post(communities, p.get("community_id")),
                kind=p.get("kind", ""),
                name=p.get("name", ""),
                firm=p.get("firm", ""),
                phone=p.get("phone", ""),
                starts_on=parse_day(p.get("starts_on"), "starts_on"),
                ends_on=parse_day(p.get("ends_on"), "ends_on"),
                idempotency_key=p.get("idempotency_key", ""),
            )
            messages.success(request, _("法律顾问已登记"))
    except (InvalidInput, Conflict, Forbidden) as exc:
        messages.error(request, exc.message)
    return redirect(reverse("deliberation:four_in_one") + "?" + request.GET.urlencode())


@login_required
def four_in_one(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _post(request)
    nodes, node, start, end = node_and_period(request, _("您的岗位无权查看四位一体"))
    f = four_in_one_figures(request.user, node=node, start=start, end=end)
    advisers = list(
        visible_advisers(request.user)
        .filter(place_path__in=[c.path for c in f.communities])
        .order_by("place_path", "-starts_on", "pk")[:200]
    )
    context = {
        "nodes": nodes,
        "node": node,
        "f": f,
        "advisers": advisers,
        "communities": managed_places(request.user, [PlaceKind.COMMUNITY]),
        "kinds": AdviserKind.choices,
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "deliberation/four_in_one.html", context)
