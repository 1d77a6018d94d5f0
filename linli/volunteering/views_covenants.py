"""Pages for team kinds and 盟约: a team's page (kind, covenants, edit), a community's covenant list with
fulfilment, signing a covenant, its page with the amend and terminate forms."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.dates import parse_day, require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import parse_id
from linli.places.models import PlaceKind
from linli.volunteering import services as svc
from linli.volunteering import services_covenants as cov
from linli.volunteering.common import ancestors, may, staff_q
from linli.volunteering.models import SERVICE_AREA_KINDS, Team, TeamKind
from linli.volunteering.selectors_areas import team_areas
from linli.volunteering.selectors_covenants import (
    FILTERS,
    access_covenant,
    access_team,
    covenant_figures,
    covenant_page,
    covenant_with_fulfilment,
    covenants_of_teams,
    filter_label,
    filtered_covenants,
)
from linli.volunteering.views_common import run, staff_places


def _communities(user: Any) -> list[Any]:
    return [p for p in staff_places(user) if p.kind == PlaceKind.COMMUNITY]


def _signable_teams(user: Any, communities: list[Any]) -> list[Team]:
    above = {a for c in communities for a in ancestors(c.path)}
    where = staff_q(user, caps=("manage",)) | Q(place_path__in=sorted(above))
    return list(Team.objects.filter(where).select_related("place").order_by("name", "id")[:300])


@login_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team(request.user, team_id)
    can_manage = may(request.user, team.place_path, "manage")
    if request.method == "POST":
        if not can_manage:
            raise Forbidden(_("您的岗位无权进行此操作"))
        p = request.POST

        def save() -> None:
            leader = p.get("leader_id", "").strip()
            leader_id = parse_id(leader) if leader else 0  # blank: no leader
            if leader_id is None:
                raise InvalidInput(_("队长应填写居民编号"), field="leader_id")
            svc.team_update(
                actor=request.user, team_id=team.pk, name=p.get("name", ""), description=p.get("description", ""),
                kind=p.get("kind", ""), leader_id=leader_id,
            )  # fmt: skip

        return run(request, save, ok=_("队伍信息已保存"), back=reverse("volunteering:team", args=[team.pk]))
    members = team.members.count()
    covenants = covenants_of_teams(request.user, [team.pk]).get(team.pk, [])
    area_places = (
        [p for p in staff_places(request.user) if p.kind in SERVICE_AREA_KINDS] if can_manage else []
    )  # a street's staff may also add places under other communities: the service checks each
    return render(
        request,
        "volunteering/team.html",
        {
            "team": team,
            "members": members,
            "covenants": covenants,
            "can_manage": can_manage,
            "can_sign": bool(_communities(request.user)),
            "kinds": TeamKind.choices,
            "areas": team_areas(team),
            "area_places": area_places,
            "stations": list(team.stations.select_related("place").order_by("kind", "name")[:50]),
        },
    )


@login_required
def covenant_list(request: HttpRequest) -> HttpResponse:
    """A community's (or the caller's whole scope's) covenants with fulfilment; the leader sees their team's."""
    state = request.GET.get("state", "")
    state = state if state in FILTERS else ""
    community_id = parse_id(request.GET.get("community"))
    error = None
    try:
        page = covenant_page(
            request.user, state=state, community_id=community_id, cursor=request.GET.get("cursor") or None, limit=30
        )
    except InvalidInput as exc:
        error, page = exc.message, covenant_page(request.user, state=state, community_id=community_id, limit=30)
    figures = covenant_figures(filtered_covenants(request.user, community_id=community_id))
    communities = _communities(request.user) or [
        p for p in staff_places(request.user, "handle") if p.kind == PlaceKind.COMMUNITY
    ]
    return render(
        request,
        "volunteering/covenants.html",
        {
            "rows": page.items,
            "next": page.next,
            "state": state,
            "filters": [(f, filter_label(f)) for f in FILTERS],
            "community_id": community_id,
            "communities": communities,
            "figures": figures,
            "can_sign": bool(_communities(request.user)),
            "error": error,
        },
    )


@login_required
def covenant_new(request: HttpRequest) -> HttpResponse:
    communities = _communities(request.user)
    if not communities:
        raise Forbidden(_("只有社区工作人员可以签订盟约"))
    teams = _signable_teams(request.user, communities)
    values: dict[str, Any] = {
        "team_id": parse_id(request.GET.get("team")),
        "community_id": parse_id(request.GET.get("community")) or communities[0].pk,
        "signed_on": timezone.localdate().isoformat(),
    }
    error = None
    if request.method == "POST":
        p = request.POST
        values = {k: p.get(k, "") for k in p if k != "csrfmiddlewaretoken"}
        values["team_id"], values["community_id"] = parse_id(p.get("team_id")), parse_id(p.get("community_id"))
        try:
            covenant = cov.covenant_sign(
                actor=request.user, team_id=values["team_id"] or 0, community_id=values["community_id"] or 0,
                title=p.get("title", ""), services=p.get("services", ""), hours_promised=p.get("hours_promised", ""),
                starts_on=require_day(p.get("starts_on"), "starts_on"),
                ends_on=require_day(p.get("ends_on"), "ends_on"),
                signed_on=parse_day(p.get("signed_on"), "signed_on"), signatory_name=p.get("signatory_name", ""),
                signatory_person_id=parse_id(p.get("signatory_person_id")),
            )  # fmt: skip
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect(reverse("volunteering:covenant", args=[covenant.pk]))
    return render(
        request,
        "volunteering/covenant_new.html",
        {"communities": communities, "teams": teams, "values": values, "error": error},
        status=422 if error is not None else 200,
    )


@login_required
def covenant_detail(request: HttpRequest, covenant_id: int) -> HttpResponse:
    covenant, fulfilment = covenant_with_fulfilment(request.user, covenant_id)
    return render(
        request,
        "volunteering/covenant.html",
        {
            "c": covenant,
            "f": fulfilment,
            "can_manage": may(request.user, covenant.place_path, "manage"),
            "services_text": "\n".join(covenant.services),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def covenant_amend(request: HttpRequest, covenant_id: int) -> HttpResponse:
    covenant = access_covenant(request.user, covenant_id)
    p = request.POST

    def amend() -> None:
        cov.covenant_amend(
            actor=request.user, covenant_id=covenant.pk, title=p.get("title", ""), services=p.get("services", ""),
            hours_promised=p.get("hours_promised", ""), ends_on=require_day(p.get("ends_on"), "ends_on"),
            signatory_name=p.get("signatory_name", ""),
        )  # fmt: skip

    return run(request, amend, ok=_("盟约已变更"), back=reverse("volunteering:covenant", args=[covenant.pk]))


@login_required
@require_POST
def covenant_terminate(request: HttpRequest, covenant_id: int) -> HttpResponse:
    covenant = access_covenant(request.user, covenant_id)
    p = request.POST
    return run(
        request,
        lambda: cov.covenant_terminate(
            actor=request.user,
            covenant_id=covenant.pk,
            reason=p.get("reason", ""),
            terminated_on=parse_day(p.get("terminated_on"), "terminated_on"),
        ),
        ok=_("盟约已解除"),
        back=reverse("volunteering:covenant", args=[covenant.pk]),
    )
