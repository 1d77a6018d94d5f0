"""Party branch life API: branches and their figures, members, meetings, attendance, study.

Every list is scoped by the party org tree (``party_scope``): a non-officer gets empty lists and
404 on any id, the same as for an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.partylife import services as s
from linli.partylife import services_study as st
from linli.partylife.models import Attendance, Meeting, MeetingKind, MeetingStatus, Membership, Period
from linli.partylife.scoping import access_party_org, access_party_row
from linli.partylife.selectors import branch_figures, visible_branches, window_of

router = Router(tags=["partylife"])

MeetingKindIn = Literal["general", "committee", "group", "lecture", "theme_day", "life_meeting", "evaluation", "work"]


class BranchOut(Schema):
    id: int
    name: str
    path: str
    place_id: int


class BranchListOut(Schema):
    items: list[BranchOut]
    next: str | None


class FiguresIn(Schema):
    period: Literal["month", "quarter", "half", "year"] = "quarter"
    day: Day | None = None


class KindFigure(Schema):
    kind: str
    held: int
    required: int


class BranchFiguresOut(Schema):
    branch_id: int
    start: dt.date
    end: dt.date
    meetings_held: int = Field(description="held meetings counted against the rules (at most required per kind)")
    meetings_required: int
    by_kind: list[KindFigure]
    attendance_rate: float | None
    study_assigned: int
    study_completed: int
    study_delivered: int
    study_rate: float | None
    members: int
    in_service_members: int
    reporting_members: int = Field(description="in-service members with an approved 双报到 registration")
    reporting_hours: float = Field(description="their confirmed volunteer hours in the window")


class MemberOut(Schema):
    id: int
    person_id: int
    name: str
    status: str
    employment: str
    is_mobile: bool
    joined_on: dt.date


class MemberListOut(Schema):
    items: list[MemberOut]
    next: str | None


class PartyMeetingIn(Schema):
    kind: MeetingKindIn
    title: str = Field(min_length=1, max_length=120)
    date: Day
    location: str = Field("", max_length=120)
    agenda: str = Field("", max_length=5000)


class ThreeClearsOut(Schema):
    """一会三清: the three answers a work meeting (工作碰头会) is recorded with."""

    directives: str = Field(description="弄清上级指示和工作要点是什么")
    causes: str = Field(description="弄清当前情况和问题原因是什么")
    tasks: str = Field(description="弄清当前任务和方法路径是什么")


class PartyMeetingOut(Schema):
    id: int
    branch_id: int
    kind: str
    title: str
    date: dt.date
    status: str
    present: int | None = None
    three_clears: ThreeClearsOut | None = Field(None, description="set once a work meeting (kind=work) is held")


class PartyMeetingListOut(Schema):
    items: list[PartyMeetingOut]
    next: str | None


class AttendanceIn(Schema):
    person_id: int
    status: Literal["present", "leave", "absent"]
    reason: str = Field("", max_length=200)


class AttendanceOut(Schema):
    id: int
    meeting_id: int
    person_id: int
    status: str
    reason: str


class MinutesIn(Schema):
    minutes: str = Field(min_length=1, max_length=20000)
    directives: str = Field("", max_length=5000, description="work meetings only (一会三清): 上级指示和工作要点")
    causes: str = Field("", max_length=5000, description="work meetings only: 当前情况和问题原因")
    tasks: str = Field("", max_length=5000, description="work meetings only: 当前任务和方法路径")


class DeliveryIn(Schema):
    person_id: int
    delivered_by_id: int
    on: Day
    note: str = Field("", max_length=300)


class CompletionOut(Schema):
    id: int
    material_id: int
    person_id: int
    method: str
    delivered_by_id: int | None


@router.get("/branches", response={200: BranchListOut, 422: ErrorOut}, operation_id="partylife_branches_list")
def branches_list(request: HttpRequest, page: Query[PageQuery]) -> BranchListOut:
    result = keyset_page(visible_branches(request.user), key="path", cursor=page.cursor, limit=page.limit)
    return BranchListOut(
        items=[BranchOut(id=b.pk, name=b.name, path=b.path, place_id=b.place_id) for b in result.items],
        next=result.next,
    )


@router.get(
    "/branches/{branch_id}/figures",
    response={200: BranchFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="partylife_branch_figures",
)
def branch_figures_read(request: HttpRequest, branch_id: int, q: Query[FiguresIn]) -> BranchFiguresOut:
    branch = access_party_org(request.user, branch_id, kind="branch")
    if q.period not in Period.values:
        raise InvalidInput(_("统计周期无效"), field="period")
    start, end = window_of(q.period, q.day or timezone.localdate())
    f = branch_figures([branch], start, end)[0]
    return BranchFiguresOut(
        branch_id=branch.pk,
        start=start,
        end=end,
        meetings_held=f.held_counting,
        meetings_required=f.required_total,
        by_kind=[
            KindFigure(kind=k, held=f.held.get(k, 0), required=f.required.get(k, 0))
            for k in sorted(set(f.required) | set(f.held))
        ],
        attendance_rate=f.attendance_rate,
        study_assigned=f.assigned,
        study_completed=f.completed,
        study_delivered=f.delivered,
        study_rate=f.study_rate,
        members=f.members,
        in_service_members=f.in_service,
        reporting_members=f.reporting,
        reporting_hours=float(f.reporting_hours),
    )


@router.get(
    "/branches/{branch_id}/members",
    response={200: MemberListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="partylife_members_list",
)
def members_list(request: HttpRequest, branch_id: int, page: Query[PageQuery]) -> MemberListOut:
    branch = access_party_org(request.user, branch_id, kind="branch")
    qs = (
        Membership.objects.visible_to(request.user).filter(branch=branch, left_on__isnull=True).select_related("person")
    )
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit)
    return MemberListOut(
        items=[
            MemberOut(
                id=m.pk,
                person_id=m.person_id,
                name=m.person.name,
                status=m.status,
                employment=m.employment,
                is_mobile=m.is_mobile,
                joined_on=m.joined_on,
            )
            for m in result.items
        ],
        next=result.next,
    )


def _meeting_out(m: Meeting) -> PartyMeetingOut:
    clears = None
    if m.kind == MeetingKind.WORK and m.status == MeetingStatus.HELD:
        clears = ThreeClearsOut(directives=m.clear_directives, causes=m.clear_causes, tasks=m.clear_tasks)
    return PartyMeetingOut(
        id=m.pk, branch_id=m.branch_id, kind=m.kind, title=m.title, date=m.date, status=m.status, three_clears=clears
    )


@router.get(
    "/branches/{branch_id}/meetings",
    response={200: PartyMeetingListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="partylife_meetings_list",
)
def meetings_list(request: HttpRequest, branch_id: int, page: Query[PageQuery]) -> PartyMeetingListOut:
    branch = access_party_org(request.user, branch_id, kind="branch")
    qs = Meeting.objects.visible_to(request.user).filter(branch=branch)
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return PartyMeetingListOut(items=[_meeting_out(m) for m in result.items], next=result.next)


@router.post(
    "/branches/{branch_id}/meetings",
    response={201: PartyMeetingOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="partylife_meetings_plan",
)
def meetings_plan(request: HttpRequest, branch_id: int, body: PartyMeetingIn) -> Status:
    m = s.meeting_plan(actor=request.user, branch_id=branch_id, **body.dict())
    return Status(201, _meeting_out(m))


@router.get(
    "/meetings/{meeting_id}", response={200: PartyMeetingOut, 404: ErrorOut}, operation_id="partylife_meetings_read"
)
def meetings_read(request: HttpRequest, meeting_id: int) -> PartyMeetingOut:
    m: Meeting = access_party_row(Meeting.objects.all(), request.user, meeting_id)
    out = _meeting_out(m)
    out.present = Attendance.objects.filter(meeting=m, status="present").count()
    return out


def _attendance_out(a: Attendance) -> AttendanceOut:
    return AttendanceOut(id=a.pk, meeting_id=a.meeting_id, person_id=a.person_id, status=a.status, reason=a.reason)


@router.post(
    "/meetings/{meeting_id}/sign-in",
    response={201: AttendanceOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="partylife_meetings_sign_in",
)
def meetings_sign_in(request: HttpRequest, meeting_id: int) -> Status:
    return Status(201, _attendance_out(s.meeting_sign_in(actor=request.user, meeting_id=meeting_id)))


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={201: AttendanceOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="partylife_attendance_record",
)
def attendance_record(request: HttpRequest, meeting_id: int, body: AttendanceIn) -> Status:
    a = s.attendance_record(actor=request.user, meeting_id=meeting_id, **body.dict())
    return Status(201, _attendance_out(a))


@router.post(
    "/meetings/{meeting_id}/minutes",
    response={200: PartyMeetingOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="partylife_meetings_minutes",
)
def meetings_minutes(request: HttpRequest, meeting_id: int, body: MinutesIn) -> PartyMeetingOut:
    return _meeting_out(s.meeting_record_minutes(actor=request.user, meeting_id=meeting_id, **body.dict()))


@router.post(
    "/study/{material_id}/deliveries",
    response={201: CompletionOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="partylife_study_deliver",
)
def study_deliver(request: HttpRequest, material_id: int, body: DeliveryIn) -> Status:
    c = st.study_deliver(actor=request.user, material_id=material_id, **body.dict())
    return Status(
        201,
        CompletionOut(
            id=c.pk,
            material_id=c.material_id,
            person_id=c.person_id,
            method=c.method,
            delivered_by_id=c.delivered_by_id,
        ),
    )


# Endpoints for the rest of the pages' actions register on this same router (one path, many methods):
from linli.partylife import api_more  # noqa: E402, F401
