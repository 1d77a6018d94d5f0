"""Writes for party branch life: members and meetings. Study and secretaries are in ``services_study``.

Every service takes keyword arguments, runs in one transaction, checks that the actor is an
officer of the org (``party_scope``) and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.lookups import ancestor_paths
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.orgs.services import require_active
from linli.partylife.models import (
    Attendance,
    AttendanceStatus,
    BranchProfile,
    CenterHouseholdDuty,
    Employment,
    Meeting,
    MeetingKind,
    MeetingPhoto,
    MeetingRule,
    MeetingStatus,
    Membership,
    MembershipEnd,
    MemberStatus,
    Period,
)
from linli.partylife.scoping import access_party_org, access_party_row, visible_party_orgs
from linli.people.models import Person
from linli.places.models import Household


def officer_branch(actor: Any, branch_id: int) -> PartyOrg:
    """A branch the actor is an officer of (or above); absent and out-of-scope are the same 404. The
    writes all start here: a dissolved (已撤销) branch takes no new member, meeting or record (409); its
    history is read through ``access_party_org``, which still finds it."""
    return require_active(access_party_org(actor, branch_id, kind=PartyOrgKind.BRANCH), field="branch_id")


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(gettext("%(field)s 取值无效:%(value)s") % {"field": field, "value": value}, field=field)
    return value


def _founded_on(branch: PartyOrg) -> dt.date | None:
    profile = BranchProfile.objects.filter(org=branch).first()
    return profile.founded_on if profile else None


def active_member(branch: PartyOrg, person_id: int) -> Membership | None:
    return Membership.objects.filter(branch=branch, person_id=person_id, left_on__isnull=True).first()


# ---------------------------------------------------------------- branches and members


@transaction.atomic
def branch_set_founded(*, actor: Any, branch_id: int, founded_on: dt.date) -> BranchProfile:
    branch = officer_branch(actor, branch_id)
    if founded_on > timezone.localdate():
        raise InvalidInput(gettext("成立日期不能晚于今天"), field="founded_on")
    profile, _ = BranchProfile.objects.update_or_create(org=branch, defaults={"founded_on": founded_on})
    audit_record(action="partylife.branch_founded", actor=actor, target=branch, founded_on=founded_on.isoformat())
    return profile


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    branch_id: int,
    person_id: int,
    joined_on: dt.date,
    status: str = MemberStatus.FULL,
    employment: str = Employment.RETIRED,
    group_id: int | None = None,
    is_mobile: bool = False,
    is_elderly_or_infirm: bool = False,
    joined_party_on: dt.date | None = None,
    transferred_in_from: str = "",
) -> Membership:
    """Record a member joining (or being transferred into) a branch."""
    branch = officer_branch(actor, branch_id)
    _choice(status, MemberStatus, "status")
    _choice(employment, Employment, "employment")
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise InvalidInput(gettext("找不到这位居民"), field="person_id")
    if not person.is_party_member:
        raise InvalidInput(gettext("此人不是中共党员,不能登记为支部党员"), field="person_id")
    if joined_party_on and joined_party_on > joined_on:
        raise InvalidInput(gettext("入党时间不能晚于转入本支部日期"), field="joined_party_on")
    group = None
    if group_id is not None:
        group = PartyOrg.objects.filter(pk=group_id, kind=PartyOrgKind.GROUP, path__startswith=branch.path).first()
        if group is None:
            raise InvalidInput(gettext("党小组不属于本支部"), field="group_id")
        require_active(group, field="group_id")
    current = Membership.objects.select_for_update().filter(person=person, left_on__isnull=True).first()
    if current is not None:
        raise Conflict(
            gettext("%(person)s 已是%(branch)s的党员,请先办理转出")
            % {"person": person.name, "branch": current.branch.name},
            field="person_id",
        )
    membership = Membership.objects.create(
        person=person,
        branch=branch,
        group=group,
        org_path=branch.path,
        status=status,
        employment=employment,
        is_mobile=is_mobile,
        is_elderly_or_infirm=is_elderly_or_infirm,
        joined_on=joined_on,
        joined_party_on=joined_party_on,
        transferred_in_from=transferred_in_from.strip()[:120],
    )
    audit_record(action="partylife.member_added", actor=actor, target=membership, branch=branch.pk)
    return membership


@transaction.atomic
def membership_transfer_out(
    *,
    actor: Any,
    branch_id: int,
    person_id: int,
    left_on: dt.date,
    to: str,
    reason: str = MembershipEnd.TRANSFERRED_OUT,
) -> Membership:
    """A member leaves the branch (转出). Refused if the person is not a current member of it."""
    branch = officer_branch(actor, branch_id)
    _choice(reason, MembershipEnd, "reason")
    membership = (
        Membership.objects.select_for_update().filter(branch=branch, person_id=person_id, left_on__isnull=True).first()
    )
    if membership is None:
        raise InvalidInput(gettext("此人不是本支部的在册党员,不能办理转出"), field="person_id")
    if left_on < membership.joined_on:
        raise InvalidInput(gettext("转出日期不能早于转入日期"), field="left_on")
    if reason == MembershipEnd.TRANSFERRED_OUT and not to.strip():
        raise InvalidInput(gettext("请填写转往的党组织"), field="to")
    membership.left_on = left_on
    membership.left_reason = reason
    membership.transferred_out_to = to.strip()[:120]
    membership.save(update_fields=["left_on", "left_reason", "transferred_out_to"])
    audit_record(action="partylife.member_left", actor=actor, target=membership, reason=reason)
    return membership


# ---------------------------------------------------------------- meetings


@transaction.atomic
def meeting_rule_set(*, actor: Any, branch_id: int, kind: str, period: str, times: int) -> MeetingRule:
    """Override the default frequency of a meeting kind for one branch."""
    branch = officer_branch(actor, branch_id)
    _choice(kind, MeetingKind, "kind")
    _choice(period, Period, "period")
    if not 0 <= times <= 31:
        raise InvalidInput(gettext("次数应在 0 到 31 之间"), field="times")
    rule, _ = MeetingRule.objects.update_or_create(
        branch=branch, kind=kind, defaults={"period": period, "times": times}
    )
    audit_record(action="partylife.rule_set", actor=actor, target=branch, kind=kind, period=period, times=times)
    return rule


@transaction.atomic
def meeting_plan(
    *,
    actor: Any,
    branch_id: int,
    kind: str,
    title: str,
    date: dt.date,
    location: str = "",
    agenda: str = "",
) -> Meeting:
    branch = officer_branch(actor, branch_id)
    _choice(kind, MeetingKind, "kind")
    title = title.strip()
    if not title:
        raise InvalidInput(gettext("请填写会议主题"), field="title")
    founded = _founded_on(branch)
    if founded and date < founded:
        raise InvalidInput(
            gettext("会议日期早于支部成立日期(%(founded)s)") % {"founded": founded.isoformat()}, field="date"
        )
    meeting = Meeting.objects.create(
        branch=branch,
        org_path=branch.path,
        kind=kind,
        title=title[:120],
        date=date,
        location=location.strip()[:120],
        agenda=agenda.strip(),
        planned_by=actor,
    )
    audit_record(action="partylife.meeting_planned", actor=actor, target=meeting, kind=kind)
    return meeting


def _meeting_for_officer(actor: Any, meeting_id: int) -> Meeting:
    meeting: Meeting = access_party_row(Meeting.objects.select_for_update(), actor, meeting_id)
    return meeting


@transaction.atomic
def meeting_sign_in(*, actor: Any, meeting_id: int) -> Attendance:
    """A member signs in to a meeting of their own branch (签到)."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    person_id = getattr(actor, "person_id", None)
    if meeting is None or not person_id:
        raise NotFound(gettext("未找到该会议"))
    if active_member(meeting.branch, person_id) is None:
        if not visible_party_orgs(actor).filter(pk=meeting.branch_id).exists():
            raise NotFound(gettext("未找到该会议"))  # another branch's meeting is as absent as a missing one
        raise Forbidden(gettext("您不是本支部党员,不能签到其他支部的会议"))
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(gettext("会议已取消"))
    if Attendance.objects.filter(meeting=meeting, person_id=person_id).exists():
        raise Conflict(gettext("您已签到,无需重复签到"))
    attendance = Attendance.objects.create(
        meeting=meeting,
        person_id=person_id,
        status=AttendanceStatus.PRESENT,
        signed_in_at=timezone.now(),
        recorded_by=actor,
    )
    audit_record(action="partylife.signed_in", actor=actor, target=meeting)
    return attendance


@transaction.atomic
def attendance_record(*, actor: Any, meeting_id: int, person_id: int, status: str, reason: str = "") -> Attendance:
    """An officer records one member's attendance; absence and leave need a reason."""
    meeting = _meeting_for_officer(actor, meeting_id)
    _choice(status, AttendanceStatus, "status")
    reason = reason.strip()
    if status != AttendanceStatus.PRESENT and not reason:
        raise InvalidInput(gettext("请假或缺席须填写原因"), field="reason")
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(gettext("会议已取消"))
    if active_member(meeting.branch, person_id) is None:
        raise InvalidInput(gettext("此人不是本支部党员"), field="person_id")
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                meeting=meeting,
                person_id=person_id,
                status=status,
                reason=reason[:200],
                signed_in_at=timezone.now() if status == AttendanceStatus.PRESENT else None,
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict(gettext("此人的出勤已登记,不能重复登记"), field="person_id") from None
    audit_record(action="partylife.attendance", actor=actor, target=meeting, person=person_id, status=status)
    return attendance


THREE_CLEARS = (
    ("directives", gettext_noop("请写明弄清的上级指示和工作要点")),
    ("causes", gettext_noop("请写明弄清的当前情况和问题原因")),
    ("tasks", gettext_noop("请写明弄清的当前任务和方法路径")),
)


def _three_clears(meeting: Meeting, answers: dict[str, str]) -> dict[str, str]:
    """一会三清 (seed 001): a work meeting is held only once all three 弄清 are written down; other kinds take none."""
    answers = {key: answers[key].strip() for key, _ in THREE_CLEARS}
    if meeting.kind != MeetingKind.WORK:
        given = next((key for key, _ in THREE_CLEARS if answers[key]), None)
        if given:
            raise InvalidInput(gettext("只有工作碰头会记录“三清”"), field=given)
        return {}
    for key, message in THREE_CLEARS:
        if not answers[key]:
            raise InvalidInput(gettext(message), field=key)
    return {f"clear_{key}": answers[key][:5000] for key, _ in THREE_CLEARS}


@transaction.atomic
def meeting_record_minutes(
    *, actor: Any, meeting_id: int, minutes: str, directives: str = "", causes: str = "", tasks: str = ""
) -> Meeting:
    """Record the minutes: the meeting counts as held. Members with no record are marked absent.

    A work meeting (工作碰头会) also records its three clears (一会三清): what the directives and key points from
    above are, what the situation and its causes are, what the tasks and the way to do them are.
    """
    meeting = _meeting_for_officer(actor, meeting_id)
    minutes = minutes.strip()
    if not minutes:
        raise InvalidInput(gettext("请填写会议记录"), field="minutes")
    clears = _three_clears(meeting, {"directives": directives, "causes": causes, "tasks": tasks})
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(gettext("会议已取消,不能记录"))
    if meeting.date > timezone.localdate():
        raise Conflict(gettext("会议日期未到,不能登记为已召开"))
    recorded = set(Attendance.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    missing = (
        Membership.objects.filter(branch=meeting.branch, left_on__isnull=True, joined_on__lte=meeting.date)
        .exclude(person_id__in=recorded)
        .values_list("person_id", flat=True)
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting, person_id=pid, status=AttendanceStatus.ABSENT, reason="未签到", recorded_by=actor
            )
            for pid in missing
        ]
    )
    meeting.minutes = minutes
    meeting.status = MeetingStatus.HELD
    for name, value in clears.items():
        setattr(meeting, name, value)
    meeting.save(update_fields=["minutes", "status", *clears])
    audit_record(action="partylife.meeting_held", actor=actor, target=meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting_id: int) -> Meeting:
    meeting = _meeting_for_officer(actor, meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        raise Conflict(gettext("只有计划中的会议可以取消"))
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    audit_record(action="partylife.meeting_cancelled", actor=actor, target=meeting)
    return meeting


MAX_PHOTO_BYTES = 8 * 1024 * 1024


def meeting_add_photo(*, actor: Any, meeting_id: int, upload: Any) -> MeetingPhoto:
    """Attach a photo judged by its content, re-encoded without EXIF (GPS) under a random name."""
    from django.core.files.base import ContentFile

    from linli.core import uploads

    _meeting_for_officer(actor, meeting_id)  # refuse before reading a byte
    clean = uploads.clean_image(
        uploads.read_upload(upload, field="photo", limit=min(MAX_PHOTO_BYTES, settings.UPLOAD_MAX_BYTES)),
        field="photo",
    )
    with transaction.atomic():
        meeting = _meeting_for_officer(actor, meeting_id)
        photo = MeetingPhoto(meeting=meeting)
        photo.image.save(uploads.random_name(clean.extension), ContentFile(clean.data), save=False)
        photo.save()
        audit_record(action="partylife.meeting_photo", actor=actor, target=meeting)
    return photo


# ---------------------------------------------------------------- 党员中心户 责任区


def branch_of(org: PartyOrg) -> PartyOrg | None:
    """The branch an org (a group or 党员中心户) sits under, or the org itself if it is a branch."""
    prefixes = ancestor_paths(org.path, PartyOrg.steplen)
    return PartyOrg.objects.filter(path__in=prefixes, kind=PartyOrgKind.BRANCH).order_by("-path").first()


@transaction.atomic
def center_household_link(
    *, actor: Any, center_id: int, household_id: int, member_id: int, since: dt.date
) -> CenterHouseholdDuty:
    """Put a household in a 党员中心户's 责任区, looked after by a member of the same branch.

    The household must lie under the branch's place (its compound); a household is linked to a
    center once.
    """
    center = require_active(access_party_org(actor, center_id, kind=PartyOrgKind.CENTER_HOUSEHOLD), field="center_id")
    branch = branch_of(center)
    if branch is None:
        raise InvalidInput(gettext("该党员中心户不在任何党支部下"), field="center_id")
    household = (
        Household.objects.filter(pk=household_id, place_path__startswith=branch.place_path)
        .select_related("place")
        .first()
    )
    if household is None:
        raise InvalidInput(gettext("须是本支部所在小区的住户"), field="household_id")
    if active_member(branch, member_id) is None:
        raise InvalidInput(gettext("负责党员须是本支部在册党员"), field="member_id")
    if since > timezone.localdate():
        raise InvalidInput(gettext("开始日期不能晚于今天"), field="since")
    if CenterHouseholdDuty.objects.filter(center=center, household=household).exists():
        raise Conflict(gettext("该住户已在此中心户的责任区内"), field="household_id")
    duty = CenterHouseholdDuty.objects.create(
        center=center, household=household, member_id=member_id, since=since, org_path=center.path
    )
    audit_record(action="partylife.duty_linked", actor=actor, target=duty, household=household.pk)
    return duty


@transaction.atomic
def center_household_unlink(*, actor: Any, duty_id: int) -> None:
    """Take a household out of a 党员中心户's 责任区 (moved away, handed to another center).

    Only an officer of the center's branch (or above) may; another branch's link is the same 404
    as one that does not exist. The row is locked so two removals cannot both succeed."""
    duty = (
        CenterHouseholdDuty.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=duty_id).first()
        if duty_id
        else None
    )
    if duty is None:
        raise NotFound(gettext("未找到该责任区住户,或您无权查看"))
    audit_record(
        action="partylife.duty_unlinked",
        actor=actor,
        target=duty,
        household=duty.household_id,
        center=duty.center_id,
    )
    duty.delete()
