"""Volunteering API, the pages' remaining actions: redemptions (爱心超市 pick-up), 双报到, stations and
duty shifts, teams, the volunteer profile, a person's record for staff, leaderboards.

Mounted under /api/v1/volunteering by ``linli.volunteering.api``; every write is the service the
page calls (``points.redemption_*``, ``services.registration_*``, ``services.station_create`` and ``_update``,
``services.duty_add``, ``services.team_create``, ``services.profile_save``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.volunteering import points as pts
from linli.volunteering import services as svc
from linli.volunteering.common import may, person_of
from linli.volunteering.models import (
    DutyShift,
    PointKind,
    PublicityForm,
    Redemption,
    RedemptionStatus,
    RegistrationStatus,
    Station,
    StationKind,
    Team,
    TeamKind,
    VolunteerProfile,
    WorkplaceRegistration,
)
from linli.volunteering.selectors import (
    PersonSummary,
    leaderboard,
    leaderboard_place,
    person_for_staff,
    person_summary,
    publicity_figures,
    registration_for_report,
    station_kind_figures,
    visible_redemptions,
    visible_registrations,
    visible_stations,
    visible_teams,
)
from linli.volunteering.selectors_covenants import team_kind_figures

router = Router(tags=["volunteering"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ----------------------------------------------------------------------------- redemptions


class RedemptionRowOut(Schema):
    id: int
    reward_id: int
    reward_name: str
    person_id: int
    cost: int
    status: str
    ordered_at: dt.datetime
    handed_at: dt.datetime | None


class RedemptionListOut(Schema):
    items: list[RedemptionRowOut]
    next: str | None


class RedemptionFilter(PageQuery):
    status: RedemptionStatus | None = None


class RedemptionActIn(Schema):
    action: Literal["hand_over", "cancel"] = Field(
        ..., description="hand_over: staff confirm the pick-up; cancel: stock and points come back"
    )


def redemption_out(r: Redemption) -> RedemptionRowOut:
    return RedemptionRowOut(
        id=r.pk, reward_id=r.reward_id, reward_name=r.reward.name, person_id=r.person_id, cost=r.cost,
        status=r.status, ordered_at=r.ordered_at, handed_at=r.handed_at,
    )  # fmt: skip


@router.get(
    "/redemptions",
    response={200: RedemptionListOut, 422: ErrorOut},
    operation_id="volunteering_redemptions_list",
    summary="爱心超市 orders: staff see those of their nodes, everyone their own; newest first",
)
def redemptions_list(request: HttpRequest, filters: Query[RedemptionFilter]) -> RedemptionListOut:
    qs = visible_redemptions(request.user).select_related("reward")
    if filters.status:
        qs = qs.filter(status=filters.status)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return RedemptionListOut(items=[redemption_out(r) for r in page.items], next=page.next)


@router.post(
    "/redemptions/{redemption_id}/act",
    response={200: RedemptionRowOut, **ERRORS},
    operation_id="volunteering_redemption_act",
    summary="Hand an ordered item over (staff who handle the node) or cancel the order (staff or the person)",
)
def redemption_act(request: HttpRequest, redemption_id: int, payload: RedemptionActIn) -> RedemptionRowOut:
    if payload.action == "cancel":
        r = pts.redemption_cancel(actor=request.user, redemption_id=redemption_id)
    else:
        r = pts.redemption_hand_over(actor=request.user, redemption_id=redemption_id)
    return redemption_out(r)


# ----------------------------------------------------------------------------- 双报到


class RegistrationIn(Schema):
    workplace_name: str = Field(..., description="工作单位党组织名称, at most 200 characters")
    workplace_org_id: int | None = Field(None, description="the workplace party org, when it is in the org tree")


class RegistrationDecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=200, description="required when not approving")


class RegistrationOut(Schema):
    id: int
    person_id: int
    person_name: str
    community_id: int
    workplace_name: str
    workplace_org_id: int | None
    status: RegistrationStatus
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    note: str


class RegistrationListOut(Schema):
    items: list[RegistrationOut]
    next: str | None


class RegistrationFilter(PageQuery):
    status: RegistrationStatus | None = None


class ReportEntryOut(Schema):
    kind: str
    amount: int
    reason: str
    note: str
    at: dt.datetime


class RegistrationReportOut(Schema):
    registration: RegistrationOut
    hours: float
    activities: int
    balances: dict[str, int]
    earned: dict[str, int]
    entries: list[ReportEntryOut]


def registration_out(r: WorkplaceRegistration) -> RegistrationOut:
    return RegistrationOut(
        id=r.pk, person_id=r.person_id, person_name=r.person.name, community_id=r.community_id,
        workplace_name=r.workplace_name, workplace_org_id=r.workplace_org_id, status=RegistrationStatus(r.status),
        submitted_at=r.submitted_at, decided_at=r.decided_at, note=r.note,
    )  # fmt: skip


@router.get(
    "/registrations",
    response={200: RegistrationListOut, 422: ErrorOut},
    operation_id="volunteering_registrations_list",
    summary="双报到 records: community managers and leaders see those to decide, members their own",
)
def registrations_list(request: HttpRequest, filters: Query[RegistrationFilter]) -> RegistrationListOut:
    qs = visible_registrations(request.user).select_related("person")
    if filters.status:
        qs = qs.filter(status=filters.status)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return RegistrationListOut(items=[registration_out(r) for r in page.items], next=page.next)


@router.post(
    "/registrations",
    response={201: RegistrationOut, **ERRORS},
    operation_id="volunteering_registrations_submit",
    summary="双报到: an in-service party member reports to the community they live in (once; 409 after)",
)
def registrations_submit(request: HttpRequest, payload: RegistrationIn) -> Status[RegistrationOut]:
    reg = svc.registration_submit(
        actor=request.user, workplace_name=payload.workplace_name, workplace_org_id=payload.workplace_org_id
    )
    return Status(201, registration_out(reg))


@router.post(
    "/registrations/{registration_id}/decide",
    response={200: RegistrationOut, **ERRORS},
    operation_id="volunteering_registrations_decide",
    summary="Approve or turn down a 双报到 (community managers); a second decision is 409",
)
def registrations_decide(request: HttpRequest, registration_id: int, payload: RegistrationDecideIn) -> RegistrationOut:
    reg = svc.registration_decide(
        actor=request.user, registration_id=registration_id, approve=payload.approve, note=payload.note
    )
    return registration_out(reg)


@router.get(
    "/registrations/{registration_id}/report",
    response={200: RegistrationReportOut, 404: ErrorOut},
    operation_id="volunteering_registrations_report",
    summary="An approved member's service record, for the residential community and the workplace party org",
)
def registrations_report(request: HttpRequest, registration_id: int) -> RegistrationReportOut:
    reg = registration_for_report(request.user, registration_id)
    s = person_summary(reg.person, entries=100)
    return RegistrationReportOut(
        registration=registration_out(reg),
        hours=float(s.hours),
        activities=s.activities,
        balances=s.balances,
        earned=s.earned,
        entries=[
            ReportEntryOut(kind=e.account.kind, amount=e.amount, reason=e.reason, note=e.note, at=e.at)
            for e in s.entries
        ],
    )


# ----------------------------------------------------------------------------- stations


KIND_HELP = "驿站类型: " + ", ".join(f"{k.value} ({k.label})" for k in StationKind)
FORM_HELP = "阵地形式 (publicity only): " + ", ".join(f"{f.value} ({f.label})" for f in PublicityForm)


class StationIn(Schema):
    place_id: int
    name: str = Field(..., description="1–100 characters")
    functions: list[str] = Field(..., description="one or more of: " + "、".join(svc.STATION_FUNCTIONS))
    opening_hours: str = Field("", description="at most 100 characters")
    address: str = Field("", description="at most 200 characters")
    kind: str = Field(StationKind.RED_STATION, description=KIND_HELP)
    team_id: int | None = Field(
        None, description="the volunteer team that staffs it (required for mobile_post) or keeps it (publicity): one "
        "you see, at, above or under the place",
    )  # fmt: skip
    publicity_form: str = Field("", description=FORM_HELP + "; required for publicity, ignored for the others")


class StationUpdateIn(Schema):
    kind: str | None = Field(None, description=KIND_HELP + "; omitted: unchanged")
    name: str | None = Field(None, description="1–100 characters; omitted: unchanged")
    functions: list[str] | None = Field(None, description="one or more of the list; omitted: unchanged")
    opening_hours: str | None = Field(None, description="at most 100 characters; omitted: unchanged")
    address: str | None = Field(None, description="at most 200 characters; omitted: unchanged")
    team_id: int | None = Field(None, description="a team (see create); 0 removes it (not for mobile_post)")
    publicity_form: str | None = Field(None, description=FORM_HELP + "; omitted: unchanged")


class StationOut(Schema):
    id: int
    place_id: int
    kind: str
    kind_label: str
    name: str
    address: str
    functions: list[str]
    opening_hours: str
    team_id: int | None
    team_name: str | None
    publicity_form: str = Field(description="阵地形式 of a 宣传阵地; empty for the other kinds")


class StationListOut(Schema):
    items: list[StationOut]
    next: str | None


class StationFilter(PageQuery):
    kind: str | None = Field(None, description=KIND_HELP)


class StationKindRowOut(Schema):
    kind: str
    label: str
    stations: int
    with_team: int = Field(description="of them, those a volunteer team staffs")


class StationKindFiguresOut(Schema):
    rows: list[StationKindRowOut]
    stations: int


class PublicityFormRowOut(Schema):
    form: str
    label: str
    stations: int
    with_team: int = Field(description="of them, those a volunteer team keeps")


class PublicityTeamRowOut(Schema):
    team_id: int
    team_name: str
    stations: int


class PublicityFiguresOut(Schema):
    by_form: list[PublicityFormRowOut]
    by_team: list[PublicityTeamRowOut]
    stations: int
    with_team: int


def station_out(s: Station) -> StationOut:
    return StationOut(
        id=s.pk, place_id=s.place_id, kind=s.kind, kind_label=str(s.get_kind_display()), name=s.name,
        address=s.address, functions=list(s.functions), opening_hours=s.opening_hours, team_id=s.team_id,
        team_name=s.team.name if s.team_id else None, publicity_form=s.publicity_form,
    )  # fmt: skip


@router.get(
    "/stations",
    response={200: StationListOut, 422: ErrorOut},
    operation_id="volunteering_stations_list",
    summary="红色驿站 / 微岗亭 near the caller (and, for staff, under their nodes); filter by kind",
)
def stations_list(request: HttpRequest, filters: Query[StationFilter]) -> StationListOut:
    qs = visible_stations(request.user).select_related("team")
    if filters.kind:
        qs = qs.filter(kind=svc.station_kind(filters.kind))
    result = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return StationListOut(items=[station_out(s) for s in result.items], next=result.next)


@router.get(
    "/stations/figures",
    response={200: StationKindFiguresOut},
    operation_id="volunteering_stations_figures",
    summary="Stations by 驿站类型 (红色驿站, 固定微岗亭, 流动微岗亭) over the stations the caller sees",
)
def stations_figures(request: HttpRequest) -> StationKindFiguresOut:
    rows = station_kind_figures(visible_stations(request.user))
    return StationKindFiguresOut(
        rows=[StationKindRowOut(kind=r.kind, label=r.label, stations=r.stations, with_team=r.with_team) for r in rows],
        stations=sum(r.stations for r in rows),
    )


@router.get(
    "/stations/publicity-figures",
    response={200: PublicityFiguresOut},
    operation_id="volunteering_stations_publicity_figures",
    summary="宣传阵地 by form and by the team that keeps them, over the stations the caller sees",
)
def stations_publicity_figures(request: HttpRequest) -> PublicityFiguresOut:
    f = publicity_figures(visible_stations(request.user))
    return PublicityFiguresOut(
        by_form=[
            PublicityFormRowOut(form=r.form, label=r.label, stations=r.stations, with_team=r.with_team)
            for r in f.by_form
        ],
        by_team=[PublicityTeamRowOut(team_id=r.team_id, team_name=r.team_name, stations=r.stations) for r in f.by_team],
        stations=f.stations,
        with_team=f.with_team,
    )


@router.post(
    "/stations",
    response={201: StationOut, **ERRORS},
    operation_id="volunteering_stations_create",
    summary="Register a 红色驿站 or 微岗亭 at a node the caller manages (a mobile post names its team)",
)
def stations_create(request: HttpRequest, payload: StationIn) -> Status[StationOut]:
    station = svc.station_create(
        actor=request.user,
        place_id=payload.place_id,
        name=payload.name,
        functions=payload.functions,
        opening_hours=payload.opening_hours,
        address=payload.address,
        kind=payload.kind,
        team_id=payload.team_id,
        publicity_form=payload.publicity_form,
    )
    return Status(201, station_out(station))


@router.patch(
    "/stations/{station_id}",
    response={200: StationOut, **ERRORS},
    operation_id="volunteering_stations_update",
    summary="Change a station's kind, name, functions, hours, address or team (staff who manage its node); audited",
)
def stations_update(request: HttpRequest, station_id: int, payload: StationUpdateIn) -> StationOut:
    station = svc.station_update(
        actor=request.user,
        station_id=station_id,
        kind=payload.kind,
        name=payload.name,
        functions=payload.functions,
        opening_hours=payload.opening_hours,
        address=payload.address,
        team_id=payload.team_id,
        publicity_form=payload.publicity_form,
    )
    return station_out(station)


class ShiftIn(Schema):
    person_id: int
    day: Day
    start_time: dt.time
    end_time: dt.time


class ShiftOut(Schema):
    id: int
    person_id: int
    person_name: str
    day: dt.date
    start_time: dt.time
    end_time: dt.time


class StationDetailOut(StationOut):
    may_manage: bool
    shifts: list[ShiftOut]


def shift_out(x: DutyShift) -> ShiftOut:
    return ShiftOut(
        id=x.pk, person_id=x.person_id, person_name=x.person.name, day=x.day, start_time=x.start_time,
        end_time=x.end_time,
    )  # fmt: skip


@router.get(
    "/stations/{station_id}",
    response={200: StationDetailOut, 404: ErrorOut},
    operation_id="volunteering_stations_read",
    summary="One station with its coming duty shifts (up to 100)",
)
def stations_read(request: HttpRequest, station_id: int) -> StationDetailOut:
    from django.utils import timezone

    station = get_or_not_found(visible_stations(request.user).select_related("team"), station_id)
    shifts = station.shifts.filter(day__gte=timezone.localdate()).select_related("person")[:100]
    return StationDetailOut(
        **station_out(station).dict(),
        may_manage=may(request.user, station.place_path, "manage"),
        shifts=[shift_out(x) for x in shifts],
    )


@router.post(
    "/stations/{station_id}/shifts",
    response={201: ShiftOut, **ERRORS},
    operation_id="volunteering_stations_shift_add",
    summary="Put a person on the station's duty roster (managers of its node); the same shift twice is 409",
)
def stations_shift_add(request: HttpRequest, station_id: int, payload: ShiftIn) -> Status[ShiftOut]:
    shift = svc.duty_add(
        actor=request.user,
        station_id=station_id,
        person_id=payload.person_id,
        day=payload.day,
        start_time=payload.start_time,
        end_time=payload.end_time,
    )
    return Status(201, shift_out(shift))


# ----------------------------------------------------------------------------- teams


class TeamIn(Schema):
    place_id: int
    name: str = Field(..., description="1–64 characters, unique at the node")
    description: str = Field("", description="at most 1000 characters")
    leader_id: int | None = Field(None, description="a person in the caller's ledger; joins the team")
    kind: str = Field(TeamKind.OTHER, description="队伍类型: " + ", ".join(TeamKind.values))


class TeamUpdateIn(Schema):
    name: str | None = Field(None, description="1–64 characters, unique at the node; omitted: unchanged")
    description: str | None = Field(None, description="at most 1000 characters; omitted: unchanged")
    leader_id: int | None = Field(None, description="a person in the caller's ledger; 0 removes the leader")
    kind: str | None = Field(None, description="队伍类型: " + ", ".join(TeamKind.values))


class TeamOut(Schema):
    id: int
    place_id: int
    name: str
    description: str
    leader_id: int | None
    kind: str
    kind_label: str
    members: int


class TeamListOut(Schema):
    items: list[TeamOut]
    next: str | None


class TeamFilter(PageQuery):
    kind: str | None = Field(None, description="队伍类型: " + ", ".join(TeamKind.values))


class TeamKindRowOut(Schema):
    kind: str
    label: str
    teams: int
    members: int


class TeamKindFiguresOut(Schema):
    rows: list[TeamKindRowOut]
    teams: int
    members: int


def team_out(t: Team, members: int) -> TeamOut:
    return TeamOut(
        id=t.pk, place_id=t.place_id, name=t.name, description=t.description, leader_id=t.leader_id, kind=t.kind,
        kind_label=str(t.get_kind_display()), members=members,
    )  # fmt: skip


def _kind_filter(kind: str | None) -> str | None:
    return svc.team_kind(kind) if kind else None


@router.get(
    "/teams",
    response={200: TeamListOut, 422: ErrorOut},
    operation_id="volunteering_teams_list",
    summary="Volunteer teams the caller manages or may join, with member counts; filter by kind",
)
def teams_list(request: HttpRequest, filters: Query[TeamFilter]) -> TeamListOut:
    qs = visible_teams(request.user).annotate(n=Count("members"))
    kind = _kind_filter(filters.kind)
    if kind:
        qs = qs.filter(kind=kind)
    result = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return TeamListOut(items=[team_out(t, t.n) for t in result.items], next=result.next)


@router.get(
    "/teams/figures",
    response={200: TeamKindFiguresOut},
    operation_id="volunteering_teams_figures",
    summary="Teams and members (memberships) by 队伍类型 over the teams the caller sees",
)
def teams_figures(request: HttpRequest) -> TeamKindFiguresOut:
    rows = team_kind_figures(visible_teams(request.user))
    return TeamKindFiguresOut(
        rows=[TeamKindRowOut(kind=r.kind, label=r.label, teams=r.teams, members=r.members) for r in rows],
        teams=sum(r.teams for r in rows),
        members=sum(r.members for r in rows),
    )


@router.post(
    "/teams",
    response={201: TeamOut, **ERRORS},
    operation_id="volunteering_teams_create",
    summary="Found a volunteer team at a node the caller manages",
)
def teams_create(request: HttpRequest, payload: TeamIn) -> Status[TeamOut]:
    team = svc.team_create(
        actor=request.user,
        place_id=payload.place_id,
        name=payload.name,
        description=payload.description,
        leader_id=payload.leader_id,
        kind=payload.kind,
    )
    return Status(201, team_out(team, 1 if team.leader_id else 0))


@router.patch(
    "/teams/{team_id}",
    response={200: TeamOut, **ERRORS},
    operation_id="volunteering_teams_update",
    summary="Change a team's name, description, leader or kind (staff who manage its node); audited",
)
def teams_update(request: HttpRequest, team_id: int, payload: TeamUpdateIn) -> TeamOut:
    team = svc.team_update(
        actor=request.user,
        team_id=team_id,
        name=payload.name,
        description=payload.description,
        leader_id=payload.leader_id,
        kind=payload.kind,
    )
    return team_out(team, team.members.count())


# ----------------------------------------------------------------------------- profile, a person's record


class ProfileIn(Schema):
    skills: str = Field("", description="如:医疗、维修、法律、教育; at most 200 characters")
    availability: str = Field("", description="如:周末上午、工作日晚上; at most 200 characters")


class ProfileOut(Schema):
    person_id: int
    skills: str
    availability: str
    registrations: list[RegistrationOut]


def profile_out(request: HttpRequest) -> ProfileOut:
    person = person_of(request.user)
    prof = VolunteerProfile.objects.filter(person=person).first()
    regs = WorkplaceRegistration.objects.filter(person=person).select_related("person").order_by("-id")[:20]
    return ProfileOut(
        person_id=person.pk,
        skills=prof.skills if prof else "",
        availability=prof.availability if prof else "",
        registrations=[registration_out(r) for r in regs],
    )


@router.get(
    "/profile",
    response={200: ProfileOut, 403: ErrorOut},
    operation_id="volunteering_profile_read",
    summary="The caller's volunteer profile (skills, availability) and their 双报到 records",
)
def profile_read(request: HttpRequest) -> ProfileOut:
    return profile_out(request)


@router.put(
    "/profile",
    response={200: ProfileOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="volunteering_profile_save",
    summary="Register as a volunteer or update the profile (a person bound to the account)",
)
def profile_save(request: HttpRequest, payload: ProfileIn) -> ProfileOut:
    svc.profile_save(actor=request.user, skills=payload.skills, availability=payload.availability)
    return profile_out(request)


class PersonRecordOut(Schema):
    person_id: int
    name: str
    hours: float
    activities: int
    balances: dict[str, int]
    earned: dict[str, int]
    entries: list[ReportEntryOut]


def record_out(s: PersonSummary) -> PersonRecordOut:
    return PersonRecordOut(
        person_id=s.person.pk, name=s.person.name, hours=float(s.hours), activities=s.activities,
        balances=s.balances, earned=s.earned,
        entries=[
            ReportEntryOut(kind=e.account.kind, amount=e.amount, reason=e.reason, note=e.note, at=e.at)
            for e in s.entries
        ],
    )  # fmt: skip


@router.get(
    "/people/{person_id}",
    response={200: PersonRecordOut, 404: ErrorOut},
    operation_id="volunteering_person_read",
    summary="A person's hours, points and latest 50 ledger entries (staff of their node)",
)
def person_read(request: HttpRequest, person_id: int) -> PersonRecordOut:
    return record_out(person_summary(person_for_staff(request.user, person_id)))


# ----------------------------------------------------------------------------- leaderboards


class LeaderboardFilter(Schema):
    place_id: int | None = Field(None, description="rank people earning points under this node")
    team_id: int | None = Field(None, description="or within this team (one of the two)")
    kind: PointKind = PointKind.VOLUNTEER
    limit: int = Field(20, ge=1, le=100)


class LeaderOut(Schema):
    rank: int
    person_id: int
    name: str
    points: int


@router.get(
    "/leaderboards",
    response={200: list[LeaderOut], 404: ErrorOut, 422: ErrorOut},
    operation_id="volunteering_leaderboard",
    summary="People ranked by points earned (spending does not lower a rank) under a node or in a team",
)
def leaderboard_read(request: HttpRequest, q: Query[LeaderboardFilter]) -> list[LeaderOut]:
    from linli.core.errors import InvalidInput

    if (q.place_id is None) == (q.team_id is None):
        raise InvalidInput(_("请选择一个地点或一支队伍(二选一)"), field="place_id")
    if q.team_id is not None:
        rows = leaderboard(team=get_or_not_found(visible_teams(request.user), q.team_id), kind=q.kind, limit=q.limit)
    else:
        rows = leaderboard(path=leaderboard_place(request.user, q.place_id).path, kind=q.kind, limit=q.limit)
    return [
        LeaderOut(rank=i, person_id=r["account__person_id"], name=r["account__person__name"], points=r["points"])
        for i, r in enumerate(rows, start=1)
    ]
