"""Pages for the volunteer hub, teams, profile, 双报到, service posts and service stations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.volunteering import services as svc
from linli.volunteering.activities import visible_activities
from linli.volunteering.common import may, staff_q
from linli.volunteering.models import (
    PostCategory,
    PostClaim,
    PublicityForm,
    RegistrationStatus,
    Signup,
    StationKind,
    Team,
    TeamKind,
    VolunteerProfile,
    WorkplaceRegistration,
)
from linli.volunteering.selectors import (
    person_summary,
    post_category_figures,
    publicity_figures,
    registration_for_report,
    station_kind_figures,
    station_kind_filter,
    visible_posts,
    visible_stations,
    visible_teams,
)
from linli.volunteering.selectors_covenants import team_kind_figures
from linli.volunteering.views_common import parse_date, run, staff_places


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    person = getattr(user, "person", None)
    upcoming = (
        visible_activities(user).filter(ends_at__gte=timezone.now(), status="published").order_by("starts_at")[:5]
    )
    staff = staff_q(user)
    stats = None
    if staff_places(user, "handle"):
        stats = {
            "volunteers": VolunteerProfile.objects.filter(staff).count(),
            "teams": visible_teams(user).count(),
            "activities": visible_activities(user).count(),
            "hours": Signup.objects.filter(staff, confirmed_at__isnull=False).aggregate(h=Sum("hours"))["h"] or 0,
            "pending": WorkplaceRegistration.objects.filter(staff, status=RegistrationStatus.PENDING).count(),
        }
    return render(
        request,
        "volunteering/index.html",
        {"summary": person_summary(person, entries=5) if person else None, "upcoming": upcoming, "stats": stats},
    )


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        p = request.POST
        leader = p.get("leader_id", "")
        return run(
            request,
            lambda: svc.team_create(
                actor=request.user,
                place_id=p.get("place_id"),  # type: ignore[arg-type]
                name=p.get("name", ""),
                description=p.get("description", ""),
                leader_id=parse_id(leader),
                kind=p.get("kind", TeamKind.OTHER),
            ),
            ok=_("队伍已建立"),
            back=reverse("volunteering:teams"),
        )
    teams_seen = visible_teams(request.user)
    kind = request.GET.get("kind", "")
    kind = kind if kind in TeamKind.values else ""
    rows = (
        (teams_seen.filter(kind=kind) if kind else teams_seen)
        .select_related("place", "leader")
        .annotate(n=Count("members"))
        .order_by("name")
    )
    places = staff_places(request.user)
    # The pool to add from: people who registered a volunteer profile within the staff member's scope.
    pool = (
        VolunteerProfile.objects.filter(staff_q(request.user)).select_related("person").order_by("person__name")[:500]
        if places
        else []
    )
    return render(
        request,
        "volunteering/teams.html",
        {
            "teams": rows[:200],
            "places": places,
            "pool": pool,
            "kinds": TeamKind.choices,
            "kind": kind,
            "figures": team_kind_figures(teams_seen),
        },
    )


@login_required
@require_POST
def team_member_add(request: HttpRequest) -> HttpResponse:
    p = request.POST
    team_id, person_id = parse_id(p.get("team_id")), parse_id(p.get("person_id"))
    if not (team_id and person_id):
        messages.error(request, _("请选择队伍和志愿者"))
        return redirect(reverse("volunteering:teams"))
    return run(
        request,
        lambda: svc.team_add_member(actor=request.user, team_id=team_id, person_id=person_id),
        ok=_("已加入队伍"),
        back=reverse("volunteering:teams"),
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    if request.method == "POST":
        p = request.POST
        return run(
            request,
            lambda: svc.profile_save(
                actor=request.user, skills=p.get("skills", ""), availability=p.get("availability", "")
            ),
            ok=_("已保存"),
            back=reverse("volunteering:profile"),
        )
    prof = VolunteerProfile.objects.filter(person=person).first() if person else None
    regs = WorkplaceRegistration.objects.filter(person=person).order_by("-id") if person else []
    return render(request, "volunteering/profile.html", {"profile": prof, "registrations": regs, "person": person})


@login_required
@require_POST
def registration_submit(request: HttpRequest) -> HttpResponse:
    return run(
        request,
        lambda: svc.registration_submit(actor=request.user, workplace_name=request.POST.get("workplace_name", "")),
        ok=_("双报到已提交,等待社区审核"),
        back=reverse("volunteering:profile"),
    )


@login_required
def registrations(request: HttpRequest) -> HttpResponse:
    rows = (
        WorkplaceRegistration.objects.filter(staff_q(request.user, caps=("manage", "lead")))
        .select_related("person", "community", "workplace_org")
        .order_by("status", "-id")[:200]
    )
    return render(request, "volunteering/registrations.html", {"rows": rows})


@login_required
@require_POST
def registration_decide(request: HttpRequest, registration_id: int) -> HttpResponse:
    approve = request.POST.get("action") == "approve"
    return run(
        request,
        lambda: svc.registration_decide(
            actor=request.user, registration_id=registration_id, approve=approve, note=request.POST.get("note", "")
        ),
        ok=pgettext("flash message", "已审核"),  # the same words as the "already reviewed" refusal
        back=reverse("volunteering:registrations"),
    )


@login_required
def registration_report(request: HttpRequest, registration_id: int) -> HttpResponse:
    """The member's service record, for their residential community and their workplace party org."""
    reg = registration_for_report(request.user, registration_id)
    return render(request, "volunteering/report.html", {"reg": reg, "s": person_summary(reg.person, entries=100)})


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        p = request.POST

        def create() -> None:
            svc.post_create(
                actor=request.user,
                place_id=p.get("place_id"),  # type: ignore[arg-type]
                category=p.get("category", ""),
                title=p.get("title", ""),
                duties=p.get("duties", ""),
                start_date=parse_date(p.get("start_date"), "start_date"),
                end_date=parse_date(p.get("end_date"), "end_date"),
                slots=p.get("slots") or 1,  # type: ignore[arg-type]
            )

        return run(request, create, ok=_("岗位已发布"), back=reverse("volunteering:posts"))
    rows = (
        visible_posts(request.user)
        .filter(end_date__gte=timezone.localdate())
        .select_related("place")
        .annotate(n=Count("claims"))
        .order_by("category", "id")[:200]
    )
    mine = set(PostClaim.objects.filter(person_id=request.user.person_id).values_list("post_id", flat=True))
    current = visible_posts(request.user).filter(end_date__gte=timezone.localdate())
    return render(
        request,
        "volunteering/posts.html",
        {
            "posts": rows,
            "mine": mine,
            "categories": PostCategory.choices,
            "places": staff_places(request.user),
            "by_category": post_category_figures(current),
        },
    )


@login_required
@require_POST
def post_claim(request: HttpRequest, post_id: int) -> HttpResponse:
    return run(
        request,
        lambda: svc.post_claim(actor=request.user, post_id=post_id),
        ok=_("认领成功"),
        back=reverse("volunteering:posts"),
    )


def _station_form(p: Any) -> dict[str, Any]:
    """The station form's fields as the services take them (a blank team: none)."""
    team = p.get("team_id", "").strip()
    team_id = parse_id(team) if team else 0
    if team_id is None:
        raise InvalidInput(_("请选择志愿队伍"), field="team_id")
    return {
        "kind": p.get("kind", StationKind.RED_STATION),
        "name": p.get("name", ""),
        "functions": p.getlist("functions"),
        "opening_hours": p.get("opening_hours", ""),
        "address": p.get("address", ""),
        "team_id": team_id,
        "publicity_form": p.get("publicity_form", ""),
    }


def _station_teams(user: Any) -> list[Team]:
    """The teams a station form offers: those the user manages or belongs to (the service checks the place)."""
    return list(Team.objects.visible_to(user).select_related("place").order_by("place_path", "name")[:300])


def _with_current_team(teams: list[Team], current: Team | None) -> list[Team]:
    # A team the editor could not pick (a street's, named by street staff) stays selectable, so saving keeps it.
    return teams if current is None or current in teams else [current, *teams]


@login_required
def stations(request: HttpRequest) -> HttpResponse:
    """红色驿站 and 微岗亭 near the user (and, for staff, under their nodes): counts by kind, a kind filter, and the
    form that registers one."""
    if request.method == "POST":
        p = request.POST

        def create() -> None:
            svc.station_create(actor=request.user, place_id=p.get("place_id"), **_station_form(p))  # type: ignore[arg-type]

        return run(request, create, ok=_("驿站已登记"), back=reverse("volunteering:stations"))
    today = timezone.localdate()
    seen = visible_stations(request.user)
    kind = station_kind_filter(request.GET.get("kind"))
    rows = (seen.filter(kind=kind) if kind else seen).select_related("place", "team").order_by("name")[:200]
    places = staff_places(request.user)
    return render(
        request,
        "volunteering/stations.html",
        {
            "stations": rows,
            "functions": svc.STATION_FUNCTIONS,
            "post_functions": svc.POST_FUNCTIONS,
            "places": places,
            "teams": _station_teams(request.user) if places else [],
            "kinds": StationKind.choices,
            "kind": kind,
            "figures": station_kind_figures(seen),
            "publicity": publicity_figures(seen),
            "publicity_forms": PublicityForm.choices,
            "today": today,
            "week_end": today + dt.timedelta(days=7),
        },
    )


@login_required
def station_detail(request: HttpRequest, station_id: int) -> HttpResponse:
    station = visible_stations(request.user).select_related("place", "team__place").filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("未找到,或您无权查看"))
    can_manage = may(request.user, station.place_path, "manage")
    if request.method == "POST":
        p = request.POST

        def add() -> None:
            try:
                start = dt.time.fromisoformat(p.get("start_time", ""))
                end = dt.time.fromisoformat(p.get("end_time", ""))
            except ValueError:
                raise InvalidInput(_("时间格式无效"), field="start_time") from None
            person = p.get("person_id", "")
            svc.duty_add(
                actor=request.user,
                station_id=station_id,
                person_id=parse_id(person) or 0,
                day=parse_date(p.get("day"), "day"),
                start_time=start,
                end_time=end,
            )

        return run(request, add, ok=_("已排班"), back=reverse("volunteering:station", args=[station_id]))
    shifts = station.shifts.filter(day__gte=timezone.localdate()).select_related("person")[:100]
    return render(
        request,
        "volunteering/station.html",
        {
            "station": station,
            "shifts": shifts,
            "can_manage": can_manage,
            "kinds": StationKind.choices,
            "publicity_forms": PublicityForm.choices,
            "functions": svc.STATION_FUNCTIONS,
            "post_functions": svc.POST_FUNCTIONS,
            "teams": _with_current_team(_station_teams(request.user), station.team) if can_manage else [],
        },
    )


@login_required
@require_POST
def station_edit(request: HttpRequest, station_id: int) -> HttpResponse:
    """Change a station's kind, team, name, functions, hours and address (staff who manage its node)."""
    station = visible_stations(request.user).filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("未找到,或您无权查看"))
    return run(
        request,
        lambda: svc.station_update(actor=request.user, station_id=station.pk, **_station_form(request.POST)),
        ok=_("驿站信息已保存"),
        back=reverse("volunteering:station", args=[station.pk]),
    )
