"""Meeting pages: plan, agenda, invitations, QR sign-in, minutes, decisions and their evaluation."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.dates import parse_day, require_moment
from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.core.lookups import ancestor_paths
from linli.core.pagination import keyset_page
from linli.deliberation.models import Decision, MeetingKind, MeetingSignIn, Topic
from linli.deliberation.permissions import may
from linli.deliberation.selectors import access_meeting, access_topic, visible_meetings
from linli.deliberation.selectors_four_in_one import meeting_advisers, meeting_parties
from linli.deliberation.selectors_oversight import meeting_attendance
from linli.deliberation.services_four_in_one import PARTY_ORG_KIND, party_present_record, party_present_remove
from linli.deliberation.services_meetings import (
    agenda_add,
    agenda_publish,
    decision_complete,
    decision_evaluate,
    decision_record,
    meeting_invite,
    meeting_plan,
    meeting_record_attendance,
    meeting_record_minutes,
    meeting_sign_in,
    results_publish,
)
from linli.deliberation.services_topics import TOPIC_PLACE_KINDS
from linli.deliberation.views_common import int_or_none, managed_places, place_from_post
from linli.orgs.models import Organisation
from linli.people.models import Person
from linli.places.models import Place

PARTY_ORG_KINDS = set(PARTY_ORG_KIND.values())


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        visible_meetings(request.user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    may_create = bool(managed_places(request.user, TOPIC_PLACE_KINDS, limit=1))
    return render(request, "deliberation/meetings.html", {"page": page, "may_create": may_create})


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    places = managed_places(request.user, TOPIC_PLACE_KINDS)
    if not places:
        raise NotFound(_("您的岗位不能召集会议"))
    data: Any = request.POST if request.method == "POST" else {}
    error: InvalidInput | None = None
    if request.method == "POST":
        try:
            meeting = meeting_plan(
                actor=request.user,
                place=place_from_post(places, data.get("place_id")),
                kind=data.get("kind", ""),
                title=data.get("title", ""),
                location=data.get("location", ""),
                starts_at=require_moment(data.get("starts_at"), "starts_at"),
            )
        except InvalidInput as exc:
            error = exc
        else:
            return redirect("deliberation:meeting", meeting.pk)
    context = {"places": places, "kinds": MeetingKind.choices, "data": data, "error": error}
    return render(request, "deliberation/meeting_new.html", context, status=422 if error else 200)


def _organisations_near(path: str) -> list[Organisation]:
    prefixes = ancestor_paths(path, Place.steplen)
    return list(
        Organisation.objects.filter(
            Q(home__path__in=prefixes)
            | Q(home__path__startswith=path)
            | Q(serves__path__in=prefixes)
            | Q(serves__path__startswith=path)
        )
        .distinct()
        .order_by("kind", "name")[:200]
    )


@login_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    manage = may(request.user, meeting.place_path, "manage")
    sign_in_url = request.build_absolute_uri(
        reverse("deliberation:meeting_sign_in", args=[meeting.pk]) + f"?t={meeting.checkin_token}"
    )
    decisions = list(
        Decision.objects.filter(meeting=meeting)
        .select_related("responsible_org", "responsible_person", "topic")
        .annotate(score=Avg("evaluations__score"), ratings=Count("evaluations"))
    )
    context: dict[str, Any] = {
        "meeting": meeting,
        "may_manage": manage,
        "agenda": list(meeting.agenda.select_related("topic")),
        "participants": list(meeting.participants.select_related("person", "organisation")),
        "decisions": decisions,
        "publications": list(meeting.publications.order_by("id")),
        "sign_in_count": MeetingSignIn.objects.filter(meeting=meeting).count(),
        "is_committee": meeting.kind == MeetingKind.OWNERS_COMMITTEE,
    }
    if manage or meeting.kind == MeetingKind.OWNERS_COMMITTEE:
        context["attendance"] = meeting_attendance(meeting)
    if meeting.kind == MeetingKind.FOUR_IN_ONE:
        context["parties"] = meeting_parties(meeting)
        if manage:
            context["party_orgs"] = [o for o in _organisations_near(meeting.place_path) if o.kind in PARTY_ORG_KINDS]
            context["party_advisers"] = meeting_advisers(meeting)
    if manage:
        agenda_ids = [a.topic_id for a in context["agenda"]]
        context["topics"] = list(
            Topic.objects.filter(place_path__under=meeting.place_path)
            .exclude(status="closed")
            .exclude(pk__in=agenda_ids)
            .order_by("-id")[:100]
        )
        context["organisations"] = _organisations_near(meeting.place_path)
        context["qr_svg"] = segno.make(sign_in_url, error="m").svg_inline(scale=4)
        context["sign_in_url"] = sign_in_url
    return render(request, "deliberation/meeting_detail.html", context)


def _act(request: HttpRequest, meeting_id: int, action: Any, ok: str) -> HttpResponse:
    try:
        action()
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("deliberation:meeting", meeting_id)


def _days(raw: str | None) -> int:
    try:
        return int(raw or "7")
    except ValueError:
        return 0


@login_required
@require_POST
def meeting_action(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    """One endpoint per form on the meeting page; each calls exactly one service."""
    meeting = access_meeting(request.user, meeting_id)
    post, user = request.POST, request.user
    if action == "agenda":
        topic = access_topic(user, post.get("topic_id"))
        return _act(request, meeting_id, lambda: agenda_add(actor=user, meeting=meeting, topic=topic), _("已加入议程"))
    if action == "publish-agenda":
        days = _days(post.get("days"))
        return _act(
            request, meeting_id, lambda: agenda_publish(actor=user, meeting=meeting, days=days), _("议程已公开")
        )
    if action == "invite":
        org_id = int_or_none(post.get("organisation_id"), "organisation_id")
        org = Organisation.objects.filter(pk=org_id).first() if org_id else None
        role = post.get("role", "")
        return _act(
            request,
            meeting_id,
            lambda: meeting_invite(actor=user, meeting=meeting, organisation=org, role=role),
            _("已邀请"),
        )
    if action == "attendance":
        person_id = int_or_none(post.get("person_id"), "person_id")
        person = Person.objects.visible_to(user).filter(pk=person_id).first() if person_id else None

        def record_attendance() -> Any:
            if person is None:
                raise InvalidInput(_("请选择到会人员"), field="person_id")
            return meeting_record_attendance(actor=user, meeting=meeting, person=person)

        return _act(request, meeting_id, record_attendance, _("已记录到会"))
    if action == "party":
        org_id = int_or_none(post.get("organisation_id"), "organisation_id")
        adviser_id = int_or_none(post.get("adviser_id"), "adviser_id")
        fields = {"party": post.get("party", ""), "attendee": post.get("attendee", "")}

        def record_party() -> Any:
            return party_present_record(
                actor=user, meeting=meeting, organisation_id=org_id, adviser_id=adviser_id, **fields
            )

        return _act(request, meeting_id, record_party, _("已记录到会"))
    if action == "party-remove":
        party = post.get("party", "")
        return _act(
            request, meeting_id, lambda: party_present_remove(actor=user, meeting=meeting, party=party), _("已撤销")
        )
    if action == "minutes":
        text = post.get("minutes", "")
        return _act(
            request,
            meeting_id,
            lambda: meeting_record_minutes(actor=user, meeting=meeting, minutes=text),
            _("纪要已保存"),
        )
    if action == "decision":
        topic_id = int_or_none(post.get("topic_id"), "topic_id")
        topic = access_topic(user, topic_id) if topic_id else None
        org_id = int_or_none(post.get("organisation_id"), "organisation_id")
        org = Organisation.objects.filter(pk=org_id).first() if org_id else None
        text = post.get("text", "")

        def record() -> Any:
            deadline = parse_day(post.get("deadline"), "deadline")
            if deadline is None:
                raise InvalidInput(_("请填写期限"), field="deadline")
            return decision_record(
                actor=user, meeting=meeting, text=text, deadline=deadline, topic=topic, responsible_org=org
            )

        return _act(request, meeting_id, record, _("决定已记录"))
    if action == "publish-results":
        days = _days(post.get("days"))
        return _act(
            request, meeting_id, lambda: results_publish(actor=user, meeting=meeting, days=days), _("结果已公开")
        )
    raise NotFound(_("未知操作"))


def _decision_of(meeting: Any, raw: Any) -> Decision:
    decision = (
        Decision.objects.filter(meeting=meeting, pk=int_or_none(raw, "decision_id")).select_related("meeting").first()
    )
    if decision is None:
        raise NotFound(_("未找到该决定"))
    return decision


@login_required
@require_POST
def decision_action(request: HttpRequest, meeting_id: int, decision_id: int, action: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    decision = _decision_of(meeting, decision_id)
    post, user = request.POST, request.user
    if action == "complete":
        note = post.get("note", "")
        return _act(
            request, meeting_id, lambda: decision_complete(actor=user, decision=decision, note=note), _("已标记落实")
        )
    if action == "evaluate":
        score = int_or_none(post.get("score"), "score") or 0
        comment = post.get("comment", "")
        return _act(
            request,
            meeting_id,
            lambda: decision_evaluate(actor=user, decision=decision, score=score, comment=comment),
            _("感谢您的评议"),
        )
    raise NotFound(_("未知操作"))


@login_required
def meeting_sign_in_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Where the QR code leads: confirm with one tap, signed in once."""
    meeting = access_meeting(request.user, meeting_id)
    token = request.POST.get("t") or request.GET.get("t", "")
    if request.method == "POST":
        try:
            meeting_sign_in(actor=request.user, meeting=meeting, token=token)
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("签到成功"))
        return redirect("deliberation:meeting", meeting.pk)
    return render(request, "deliberation/sign_in.html", {"meeting": meeting, "token": token})
