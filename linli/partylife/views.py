"""Officer pages: the branch (members, meetings, study), one meeting, one study material."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from linli.core import uploads
from linli.core.dates import require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.partylife import services as s
from linli.partylife import services_study as st
from linli.partylife.models import (
    Attendance,
    AttendanceStatus,
    Employment,
    Meeting,
    MeetingKind,
    MeetingPhoto,
    Membership,
    MemberStatus,
    StudyCompletion,
    StudyMaterial,
)
from linli.partylife.scoping import access_party_org, access_party_row
from linli.partylife.selectors import branch_figures, my_membership, rules_for, window_of
from linli.people.models import Person
from linli.places.models import Household

MAX_HOUSEHOLDS = 500  # a compound's households offered for a 责任区


def parse_date(raw: str | None, field: str) -> dt.date:
    return require_day(raw, field)


def int_or_none(raw: str | None) -> int | None:
    return parse_id(raw)


def run(request: HttpRequest, done: str, action: Callable[[], Any]) -> bool:
    """Run a service from a form; show its message either way. Scope errors propagate as 404/403."""
    try:
        action()
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


@login_required
def branch(request: HttpRequest, org_id: int) -> HttpResponse:
    org = access_party_org(request.user, org_id, kind=PartyOrgKind.BRANCH)
    start, end = window_of(request.GET.get("period") or "quarter", timezone.localdate())
    figures = branch_figures([org], start, end)[0]
    members = list(
        Membership.objects.filter(branch=org, left_on__isnull=True).select_related("person", "group").order_by("id")
    )
    return render(
        request,
        "partylife/branch.html",
        {
            "org": org,
            "figures": figures,
            "start": start,
            "end": end,
            "members": members,
            "groups": PartyOrg.objects.active()
            .filter(path__startswith=org.path, kind=PartyOrgKind.GROUP)
            .order_by("path"),
            "centers": PartyOrg.objects.active()
            .filter(path__startswith=org.path, kind=PartyOrgKind.CENTER_HOUSEHOLD)
            .prefetch_related("duty_households__household__place", "duty_households__member")
            .order_by("path"),
            "households": Household.objects.filter(place_path__startswith=org.place_path)
            .select_related("place")
            .order_by("place_path", "room")[:MAX_HOUSEHOLDS],
            "meetings": Meeting.objects.filter(branch=org).order_by("-date", "-id")[:50],
            "materials": StudyMaterial.objects.filter(org_path__startswith=org.path).order_by("-created_at")[:30],
            "rules": sorted(rules_for([org.pk])[org.pk].values(), key=lambda r: list(MeetingKind.values).index(r.kind)),
            "kinds": MeetingKind.choices,
            "statuses": MemberStatus.choices,
            "employments": Employment.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def branch_act(request: HttpRequest, org_id: int, action: str) -> HttpResponse:
    p = request.POST
    actor = request.user
    if action == "meeting":
        planned: list[Meeting] = []
        ok = run(
            request,
            gettext("会议已列入计划"),
            lambda: planned.append(
                s.meeting_plan(
                    actor=actor,
                    branch_id=org_id,
                    kind=p.get("kind", ""),
                    title=p.get("title", ""),
                    date=parse_date(p.get("date"), "date"),
                    location=p.get("location", ""),
                    agenda=p.get("agenda", ""),
                )
            ),
        )
        if ok:
            return redirect("partylife:meeting", planned[0].pk)
    elif action == "member":
        run(
            request,
            gettext("党员已登记"),
            lambda: s.membership_add(
                actor=actor,
                branch_id=org_id,
                person_id=int_or_none(p.get("person_id")) or 0,
                joined_on=parse_date(p.get("joined_on"), "joined_on"),
                status=p.get("status", "full"),
                employment=p.get("employment", "retired"),
                is_mobile=bool(p.get("is_mobile")),
                is_elderly_or_infirm=bool(p.get("is_elderly_or_infirm")),
            ),
        )
    elif action == "duty":
        run(
            request,
            gettext("已纳入责任区"),
            lambda: s.center_household_link(
                actor=actor,
                center_id=int_or_none(p.get("center_id")) or 0,
                household_id=int_or_none(p.get("household_id")) or 0,
                member_id=int_or_none(p.get("member_id")) or 0,
                since=parse_date(p.get("since"), "since"),
            ),
        )
    elif action == "duty-remove":
        run(
            request,
            gettext("已移出责任区"),
            lambda: s.center_household_unlink(actor=actor, duty_id=int_or_none(p.get("duty_id")) or 0),
        )
    elif action == "transfer":
        run(
            request,
            gettext("已办理转出"),
            lambda: s.membership_transfer_out(
                actor=actor,
                branch_id=org_id,
                person_id=int_or_none(p.get("person_id")) or 0,
                left_on=parse_date(p.get("left_on"), "left_on"),
                to=p.get("to", ""),
            ),
        )
    elif action == "rule":
        run(
            request,
            gettext("频次已更新"),
            lambda: s.meeting_rule_set(
                actor=actor,
                branch_id=org_id,
                kind=p.get("kind", ""),
                period=p.get("period", ""),
                times=int_or_none(p.get("times")) or 0,
            ),
        )
    elif action == "material":
        run(
            request,
            gettext("学习资料已下发"),
            lambda: st.study_material_add(
                actor=actor,
                org_id=org_id,
                title=p.get("title", ""),
                body=p.get("body", ""),
                link=p.get("link", ""),
                upload=request.FILES.get("file"),
                due_date=parse_date(p.get("due_date"), "due_date") if p.get("due_date") else None,
            ),
        )
    else:
        raise NotFound(gettext("未知操作"))
    return redirect("partylife:branch", org_id)


def _meeting_for_viewer(user: Any, meeting_id: int) -> tuple[Meeting, bool, Membership | None]:
    """The meeting, whether the user is its officer, and their membership; 404 for anyone else."""
    m = Meeting.objects.filter(pk=meeting_id).select_related("branch").first() if meeting_id else None
    is_officer = m is not None and Meeting.objects.visible_to(user).filter(pk=m.pk).exists()
    membership = my_membership(user)
    is_member = m is not None and membership is not None and membership.branch_id == m.branch_id
    if m is None or not (is_officer or is_member):
        raise NotFound(gettext("未找到,或您无权查看"))
    return m, is_officer, membership


@login_required
def meeting_photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A meeting photo, only to those who may see the meeting (officers and the branch's members)."""
    photo = MeetingPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(gettext("未找到,或您无权查看"))
    _meeting_for_viewer(request.user, photo.meeting_id)
    return uploads.serve_upload(photo.image, content_type=uploads.content_type_of(photo.image.name))


@login_required
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Officers see and run the meeting; a member of the branch sees it and signs in."""
    m, is_officer, membership = _meeting_for_viewer(request.user, meeting_id)
    attendance = list(Attendance.objects.filter(meeting=m).select_related("person").order_by("status", "id"))
    recorded = {a.person_id for a in attendance}
    return render(
        request,
        "partylife/meeting.html",
        {
            "meeting": m,
            "is_officer": is_officer,
            "attendance": attendance,
            "present": sum(a.status == AttendanceStatus.PRESENT for a in attendance),
            "signed_in": membership is not None and membership.person_id in recorded,
            "unrecorded": [
                x.person
                for x in Membership.objects.filter(branch=m.branch, left_on__isnull=True).select_related("person")
                if x.person_id not in recorded
            ]
            if is_officer
            else [],
            "statuses": AttendanceStatus.choices,
            "photos": m.photos.all(),
        },
    )


@login_required
@require_POST
def meeting_act(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    p = request.POST
    actor = request.user
    if action == "sign-in":
        try:
            s.meeting_sign_in(actor=actor, meeting_id=meeting_id)
            messages.success(request, gettext("签到成功"))
        except Conflict as exc:
            messages.error(request, exc.message)
        except Forbidden as exc:
            raise NotFound(exc.message) from None
    elif action == "attendance":
        run(
            request,
            gettext("出勤已登记"),
            lambda: s.attendance_record(
                actor=actor,
                meeting_id=meeting_id,
                person_id=int_or_none(p.get("person_id")) or 0,
                status=p.get("status", ""),
                reason=p.get("reason", ""),
            ),
        )
    elif action == "minutes":
        run(
            request,
            gettext("会议记录已保存,会议计为已召开"),
            lambda: s.meeting_record_minutes(
                actor=actor,
                meeting_id=meeting_id,
                minutes=p.get("minutes", ""),
                directives=p.get("directives", ""),
                causes=p.get("causes", ""),
                tasks=p.get("tasks", ""),
            ),
        )
    elif action == "photo":
        upload = request.FILES.get("photo")
        if upload is None:
            messages.error(request, gettext("请选择照片"))
        else:
            run(
                request,
                gettext("照片已上传"),
                lambda: s.meeting_add_photo(actor=actor, meeting_id=meeting_id, upload=upload),
            )
    elif action == "cancel":
        run(request, gettext("会议已取消"), lambda: s.meeting_cancel(actor=actor, meeting_id=meeting_id))
    else:
        raise NotFound(gettext("未知操作"))
    return redirect("partylife:meeting", meeting_id)


def _material_for_viewer(user: Any, material_id: int) -> tuple[StudyMaterial, bool, bool]:
    """The material, whether the user is its officer and whether a learner assigned to it; 404 for anyone else."""
    mat: StudyMaterial | None = StudyMaterial.objects.filter(pk=material_id).first() if material_id else None
    is_officer = mat is not None and StudyMaterial.objects.visible_to(user).filter(pk=mat.pk).exists()
    person_id = getattr(user, "person_id", None)
    is_learner = mat is not None and bool(person_id) and st.is_assigned(mat, person_id)
    if mat is None or not (is_officer or is_learner):
        raise NotFound(gettext("未找到,或您无权查看"))
    return mat, is_officer, is_learner


@login_required
def material_file(request: HttpRequest, material_id: int) -> FileResponse:
    """The material's attachment, only to its officers and the members it is assigned to."""
    mat, _, _ = _material_for_viewer(request.user, material_id)
    if not mat.file:
        raise NotFound(gettext("该学习资料没有附件"))
    name = mat.file.name
    extension = name.rsplit(".", 1)[-1]
    return uploads.serve_upload(
        mat.file, content_type=uploads.content_type_of(name), download_name=f"material-{mat.pk}.{extension}"
    )


@login_required
def material(request: HttpRequest, material_id: int) -> HttpResponse:
    mat, is_officer, is_learner = _material_for_viewer(request.user, material_id)
    person_id = getattr(request.user, "person_id", None)
    completions = list(
        StudyCompletion.objects.filter(material=mat).select_related("person", "delivered_by").order_by("-id")
    )
    done = {c.person_id for c in completions}
    pending: list[Person] = []
    members: list[Person] = []
    if is_officer:
        chosen = list(mat.assignees.all())
        members = [
            x.person
            for x in Membership.objects.filter(org_path__startswith=mat.org_path, left_on__isnull=True)
            .select_related("person")
            .order_by("id")
        ]
        pending = [x for x in (chosen or members) if x.pk not in done]
    return render(
        request,
        "partylife/material.html",
        {
            "material": mat,
            "is_officer": is_officer,
            "is_learner": is_learner,
            "completed_me": person_id in done,
            "completions": completions,
            "pending": pending,
            "members": members,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def material_act(request: HttpRequest, material_id: int, action: str) -> HttpResponse:
    p = request.POST
    if action == "complete":
        run(request, gettext("已登记学习完成"), lambda: st.study_complete(actor=request.user, material_id=material_id))
    elif action == "deliver":
        access_party_row(StudyMaterial.objects.all(), request.user, material_id)
        run(
            request,
            gettext("送学上门已登记,计为完成学习"),
            lambda: st.study_deliver(
                actor=request.user,
                material_id=material_id,
                person_id=int_or_none(p.get("person_id")) or 0,
                delivered_by_id=int_or_none(p.get("delivered_by_id")) or 0,
                on=parse_date(p.get("on"), "on"),
                note=p.get("note", ""),
            ),
        )
    else:
        raise NotFound(gettext("未知操作"))
    return redirect("partylife:material", material_id)
