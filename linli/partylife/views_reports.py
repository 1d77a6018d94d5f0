"""The party-life start page, the 'branches behind' page, figures per branch and period, secretaries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput, NotFound
from linli.partylife import services_study as st
from linli.partylife.models import (
    MentoringPair,
    Period,
    Recognition,
    RecognitionKind,
    RecognitionLevel,
    SecretaryRecord,
)
from linli.partylife.scoping import is_party_officer
from linli.partylife.selectors import (
    active_branches,
    branch_figures,
    branches_behind,
    branches_during,
    my_duties,
    my_materials,
    my_meetings,
    my_membership,
    window_of,
)
from linli.partylife.views import int_or_none, parse_date, run

MAX_BRANCHES = 200


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Officers get their branches; members get their own branch life."""
    officer = is_party_officer(request.user)
    return render(
        request,
        "partylife/home.html",
        {
            "officer": officer,
            "branches": list(active_branches(request.user)[:MAX_BRANCHES]) if officer else [],
            "membership": my_membership(request.user),
            "meetings": list(my_meetings(request.user)[:10]),
            "materials": list(my_materials(request.user)[:10]),
            "duties": list(my_duties(request.user)[:100]),
        },
    )


@login_required
def behind(request: HttpRequest) -> HttpResponse:
    st.require_officer(request.user)
    return render(request, "partylife/behind.html", {"rows": branches_behind(request.user)})


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    st.require_officer(request.user)
    period = request.GET.get("period") or "quarter"
    if period not in Period.values:
        raise InvalidInput(_("统计周期无效"), field="period")
    day = parse_date(request.GET["day"], "day") if request.GET.get("day") else timezone.localdate()
    start, end = window_of(period, day)
    branches = list(branches_during(request.user, start)[:MAX_BRANCHES])
    rows = branch_figures(branches, start, end)
    return render(
        request,
        "partylife/figures.html",
        {"rows": rows, "start": start, "end": end, "period": period, "periods": Period.choices, "day": day},
    )


@login_required
def secretaries(request: HttpRequest) -> HttpResponse:
    st.require_officer(request.user)
    user = request.user
    return render(
        request,
        "partylife/secretaries.html",
        {
            "records": SecretaryRecord.objects.visible_to(user)
            .select_related("person", "branch")
            .order_by("branch__path")[:300],
            "pairs": MentoringPair.objects.visible_to(user)
            .select_related("mentor", "mentee", "org")
            .prefetch_related("sessions")
            .order_by("-started_on")[:200],
            "recognitions": Recognition.objects.visible_to(user)
            .select_related("person", "org")
            .order_by("-year")[:300],
            "branches": list(active_branches(user)[:MAX_BRANCHES]),
            "kinds": RecognitionKind.choices,
            "levels": RecognitionLevel.choices,
        },
    )


@login_required
@require_POST
def secretaries_act(request: HttpRequest, action: str) -> HttpResponse:
    p = request.POST
    actor = request.user
    if action == "register":
        run(
            request,
            _("书记已备案"),
            lambda: st.secretary_register(
                actor=actor,
                branch_id=int_or_none(p.get("branch_id")) or 0,
                person_id=int_or_none(p.get("person_id")) or 0,
                filed_on=parse_date(p.get("filed_on"), "filed_on"),
                term_start=parse_date(p.get("term_start"), "term_start"),
                term_end=parse_date(p.get("term_end"), "term_end"),
                qualifications=p.get("qualifications", ""),
                in_community_committee=bool(p.get("in_community_committee")),
            ),
        )
    elif action == "pair":
        run(
            request,
            _("帮带结对已登记"),
            lambda: st.mentoring_pair_add(
                actor=actor,
                org_id=int_or_none(p.get("org_id")) or 0,
                mentor_id=int_or_none(p.get("mentor_id")) or 0,
                mentee_id=int_or_none(p.get("mentee_id")) or 0,
                started_on=parse_date(p.get("started_on"), "started_on"),
            ),
        )
    elif action == "session":
        run(
            request,
            _("帮带活动已记录"),
            lambda: st.mentoring_session_add(
                actor=actor,
                pair_id=int_or_none(p.get("pair_id")) or 0,
                held_on=parse_date(p.get("held_on"), "held_on"),
                topic=p.get("topic", ""),
                notes=p.get("notes", ""),
            ),
        )
    elif action == "recognition":
        run(
            request,
            _("表彰已登记"),
            lambda: st.recognition_add(
                actor=actor,
                org_id=int_or_none(p.get("org_id")) or 0,
                kind=p.get("kind", ""),
                year=int_or_none(p.get("year")) or 0,
                level=p.get("level", ""),
                person_id=int_or_none(p.get("person_id")),
                citation=p.get("citation", ""),
            ),
        )
    else:
        raise NotFound(_("未知操作"))
    return redirect("partylife:secretaries")
