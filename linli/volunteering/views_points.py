"""Points pages: my points, a person's record (staff), the 爱心超市, pick-up, leaderboards."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import Forbidden, InvalidInput
from linli.places.models import Place, PlaceKind
from linli.volunteering import points as pts
from linli.volunteering.common import staff_q
from linli.volunteering.models import PointKind, Redemption
from linli.volunteering.selectors import leaderboard, person_for_staff, person_summary, visible_teams
from linli.volunteering.selectors_reporting import party_rule_at
from linli.volunteering.views_common import parse_date, run, staff_places, top_node


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    if person is None:
        raise Forbidden(_("此页面需要绑定实名居民身份"))
    rule = party_rule_at(person.place_path) if person.is_party_member else None  # 双报到积分管理办法 in force
    return render(request, "volunteering/person.html", {"s": person_summary(person), "mine": True, "rule": rule})


@login_required
def person_page(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for_staff(request.user, person_id)
    return render(
        request,
        "volunteering/person.html",
        {"s": person_summary(person), "mine": False, "request_key": uuid.uuid4().hex[:16], "kinds": PointKind.choices},
    )


@login_required
@require_POST
def person_award(request: HttpRequest, person_id: int) -> HttpResponse:
    p = request.POST

    def award() -> None:
        try:
            amount = int(p.get("amount", ""))
        except ValueError:
            raise InvalidInput(_("积分数应为整数"), field="amount") from None
        pts.points_manual_award(
            actor=request.user,
            person_id=person_id,
            kind=p.get("kind", "volunteer"),
            amount=amount,
            note=p.get("note", ""),
            request_key=p.get("request_key", ""),
            expires_on=parse_date(p.get("expires_on"), "expires_on") if p.get("expires_on") else None,
        )

    return run(request, award, ok=_("积分已记入"), back=reverse("volunteering:person", args=[person_id]))


@login_required
def rewards(request: HttpRequest) -> HttpResponse:
    items = pts.rewards_for(request.user).filter(active=True).select_related("place").order_by("cost", "id")[:200]
    person = getattr(request.user, "person", None)
    balances = person_summary(person, entries=0).balances if person else {}
    return render(
        request,
        "volunteering/rewards.html",
        {"rewards": items, "balances": balances, "places": staff_places(request.user)},
    )


@login_required
@require_POST
def reward_new(request: HttpRequest) -> HttpResponse:
    p = request.POST
    return run(
        request,
        lambda: pts.reward_create(
            actor=request.user,
            place_id=p.get("place_id"),  # type: ignore[arg-type]
            name=p.get("name", ""),
            cost=p.get("cost"),  # type: ignore[arg-type]
            stock=p.get("stock"),  # type: ignore[arg-type]
            description=p.get("description", ""),
            kind=p.get("kind", "volunteer"),
        ),
        ok=_("已上架"),
        back=reverse("volunteering:rewards"),
    )


@login_required
@require_POST
def reward_redeem(request: HttpRequest, reward_id: int) -> HttpResponse:
    return run(
        request,
        lambda: pts.reward_redeem(actor=request.user, reward_id=reward_id),
        ok=_("兑换成功,请到驿站领取"),
        back=reverse("volunteering:rewards"),
    )


@login_required
def redemptions(request: HttpRequest) -> HttpResponse:
    rows = (
        Redemption.objects.filter(staff_q(request.user))
        .select_related("reward", "person")
        .order_by("status", "-id")[:200]
    )
    return render(request, "volunteering/redemptions.html", {"rows": rows})


@login_required
@require_POST
def redemption_act(request: HttpRequest, redemption_id: int) -> HttpResponse:
    back = request.POST.get("back") or reverse("volunteering:redemptions")
    if not back.startswith("/volunteering/"):
        back = reverse("volunteering:redemptions")
    if request.POST.get("action") == "cancel":
        return run(
            request,
            lambda: pts.redemption_cancel(actor=request.user, redemption_id=redemption_id),
            ok=_("已取消"),
            back=back,
        )
    return run(
        request,
        lambda: pts.redemption_hand_over(actor=request.user, redemption_id=redemption_id),
        ok=_("已领取"),
        back=back,
    )


@login_required
def leaderboards(request: HttpRequest) -> HttpResponse:
    node = top_node(request.user)
    person = getattr(request.user, "person", None)
    if node is None and person is not None:
        node = person.place_path[: 3 * Place.steplen]
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY)
    if node:
        communities = communities.filter(path__under=node[: 3 * Place.steplen])
    boards = [(c, leaderboard(path=c.path, limit=10)) for c in communities.order_by("path")[:20]]
    teams = [(t, leaderboard(team=t, limit=10)) for t in visible_teams(request.user).order_by("name")[:20]]
    return render(request, "volunteering/leaderboards.html", {"boards": boards, "teams": teams})
