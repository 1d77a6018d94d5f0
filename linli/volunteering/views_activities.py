"""Activity pages: list, create, detail with sign-up, the QR code, scanning it, confirming attendance."""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.dates import require_moment
from linli.core.errors import InvalidInput
from linli.core.identifiers import parse_id
from linli.volunteering import activities as act
from linli.volunteering.common import staff_q
from linli.volunteering.models import Signup, SignupStatus, Team, TeamServiceArea
from linli.volunteering.views_common import run, staff_places


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    rows = (
        act.visible_activities(request.user)
        .filter(ends_at__gte=timezone.now() - timezone.timedelta(days=30))
        .select_related("place", "serves")
        .order_by("starts_at", "id")[:100]
    )
    mine = {
        s.activity_id: s
        for s in Signup.objects.filter(person_id=request.user.person_id).exclude(status=SignupStatus.CANCELLED)
    }
    return render(
        request,
        "volunteering/activities.html",
        {"activities": rows, "mine": mine, "can_create": bool(staff_places(request.user))},
    )


@login_required
def activity_new(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            activity = act.activity_create(
                actor=request.user,
                place_id=p.get("place_id"),  # type: ignore[arg-type]
                title=p.get("title", ""),
                description=p.get("description", ""),
                location=p.get("location", ""),
                starts_at=require_moment(p.get("starts_at"), "starts_at"),
                ends_at=require_moment(p.get("ends_at"), "ends_at"),
                capacity=p.get("capacity"),  # type: ignore[arg-type]
                points_per_hour=p.get("points_per_hour") or 10,  # type: ignore[arg-type]
                team_id=parse_id(p.get("team_id")),
                serves_id=parse_id(p.get("serves_id")),
                publish=p.get("publish") == "on",
            )
        except InvalidInput as exc:
            error = exc
        else:
            return redirect("volunteering:activity", activity.pk)
    teams = list(Team.objects.filter(staff_q(request.user)).order_by("name")[:100])
    places = staff_places(request.user)
    # 服务地点: the user's own places, and those the teams they may pick serve (the service checks the pair).
    served = TeamServiceArea.objects.filter(team__in=teams).select_related("place").order_by("place_path")
    serve_places = list({p.pk: p for p in [*places, *(a.place for a in served)]}.values())
    return render(
        request,
        "volunteering/activity_new.html",
        {"places": places, "serve_places": serve_places, "teams": teams, "error": error, "form": request.POST},
    )


@login_required
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = act.access_activity(request.user, activity_id)
    organiser = act.may_organise(request.user, activity)
    signups = (
        list(
            activity.signups.exclude(status=SignupStatus.CANCELLED)
            .select_related("person")
            .order_by("status", "signed_at", "id")
        )
        if organiser
        else []
    )
    mine = Signup.objects.filter(activity=activity, person_id=request.user.person_id).first()
    qr_svg = scan_url = ""
    if organiser:
        scan_url = request.build_absolute_uri(act.checkin_path(activity))
        qr_svg = segno.make(scan_url, error="m").svg_inline(scale=4, dark="#222")
    return render(
        request,
        "volunteering/activity.html",
        {
            "activity": activity,
            "organiser": organiser,
            "signups": signups,
            "mine": mine if mine and mine.status != SignupStatus.CANCELLED else None,
            "qr_svg": qr_svg,
            "scan_url": scan_url,
            "waitlist": activity.signups.filter(status=SignupStatus.WAITLIST).count(),
        },
    )


@login_required
@require_POST
def activity_signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    back = reverse("volunteering:activity", args=[activity_id])
    if request.POST.get("withdraw"):
        return run(
            request,
            lambda: act.activity_withdraw(actor=request.user, activity_id=activity_id),
            ok=_("已取消报名"),
            back=back,
        )
    return run(
        request, lambda: act.activity_sign_up(actor=request.user, activity_id=activity_id), ok=_("报名成功"), back=back
    )


@login_required
@require_POST
def activity_publish(request: HttpRequest, activity_id: int) -> HttpResponse:
    back = reverse("volunteering:activity", args=[activity_id])
    return run(
        request, lambda: act.activity_publish(actor=request.user, activity_id=activity_id), ok=_("已发布"), back=back
    )


@login_required
def scan(request: HttpRequest, activity_id: int, token: str) -> HttpResponse:
    """What the phone opens after scanning: check in or out with one tap."""
    activity = act.access_activity(request.user, activity_id)
    act.verify_token(activity=activity, token=token)
    if request.method == "POST":
        action = request.POST.get("action", "")
        label = _("签到成功") if action == "in" else _("签退成功")
        back = reverse("volunteering:scan", args=[activity_id, token])
        return run(
            request,
            lambda: act.activity_scan(actor=request.user, activity_id=activity_id, token=token, action=action),
            ok=label,
            back=back,
        )
    mine = Signup.objects.filter(
        activity=activity, person_id=request.user.person_id, status=SignupStatus.SIGNED
    ).first()
    return render(
        request,
        "volunteering/scan.html",
        {"activity": activity, "mine": mine, "open": act.window_open(activity, timezone.now())},
    )


@login_required
@require_POST
def signup_confirm(request: HttpRequest, signup_id: int) -> HttpResponse:
    # The way back is the activity's page only when the user may see that activity (a guessed id learns nothing).
    signup = Signup.objects.filter(pk=signup_id, activity__in=act.visible_activities(request.user)).first()
    back = reverse("volunteering:activity", args=[signup.activity_id]) if signup else reverse("volunteering:activities")
    return run(
        request, lambda: act.activity_confirm(actor=request.user, signup_id=signup_id), ok=_("已确认并记分"), back=back
    )
