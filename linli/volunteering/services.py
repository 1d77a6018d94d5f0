"""Writes for teams, volunteer profiles, 双报到, service posts and stations (one function per change).

Activities live in ``activities``, points and rewards in ``points``, micro-wishes in ``wishes``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.scoping import get_or_not_found
from linli.core.text import clean_text, whole_number
from linli.orgs.models import PartyOrg
from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from linli.volunteering.common import STEP, person_of, require_staff, staff_place
from linli.volunteering.models import (
    DutyShift,
    PostCategory,
    PostClaim,
    PublicityForm,
    RegistrationStatus,
    ServicePost,
    Station,
    StationKind,
    Team,
    TeamKind,
    TeamMember,
    VolunteerProfile,
    WorkplaceRegistration,
)

# A 微岗亭's work (seed 001: 兼具信息收集、政策宣传、诉求受理、治安服务、纠纷调解等功能); any station may offer it.
POST_FUNCTIONS = ("信息收集", "政策宣传", "诉求受理", "治安服务", "纠纷调解")
# Seed 002's 近邻红色驿站 (配备党员教育、居家养老、议事、托幼、阅读、健身等功能) and the rest; stored as these words.
# A 宣传阵地's (seed 004: 集学习教育、娱乐、党群议事于一体…展示中华民族传统文化、社会主义核心价值观) adds 文化展示.
STATION_FUNCTIONS = (
    "议事",
    "养老",
    "托幼",
    "阅读",
    "健身",
    "医疗",
    "法律",
    "休息",
    "党员教育",
    "文化展示",
    *POST_FUNCTIONS,
)


def _person(actor: Any, person_id: Any) -> Person:
    return get_or_not_found(Person.objects.visible_to(actor), person_id)


def team_kind(value: Any) -> str:
    """A 队伍类型 from the list, or a Chinese refusal naming the field."""
    if value not in TeamKind.values:
        raise InvalidInput(gettext("队伍类型无效,请从列表中选择"), field="kind")
    return str(value)


@transaction.atomic
def team_create(
    *,
    actor: Any,
    place_id: int,
    name: str,
    description: str = "",
    leader_id: int | None = None,
    kind: str = TeamKind.OTHER,
) -> Team:
    place = staff_place(actor, place_id)
    team_kind_value = team_kind(kind)
    leader = _person(actor, leader_id) if leader_id else None
    team_name = clean_text(name, field="name", label=gettext("队伍名称"), max_length=64)
    if Team.objects.filter(place=place, name=team_name).exists():
        raise InvalidInput(gettext("此处已有同名队伍"), field="name")
    team = Team.objects.create(
        place=place,
        place_path=place.path,
        name=team_name,
        description=clean_text(
            description, field="description", label=gettext("简介"), max_length=1000, required=False
        ),
        leader=leader,
        kind=team_kind_value,
    )
    if leader is not None:
        TeamMember.objects.create(team=team, person=leader)
    audit_record(action="team.create", actor=actor, target=team, kind=team.kind)
    return team


@transaction.atomic
def team_update(
    *,
    actor: Any,
    team_id: int,
    name: str | None = None,
    description: str | None = None,
    leader_id: int | None = None,
    kind: str | None = None,
) -> Team:
    """Change a team's name, description, leader or kind; ``None`` leaves a field as it is, ``leader_id=0``
    removes the leader. A new leader joins the team. Audited with the names of the fields that changed."""
    team = get_or_not_found(Team.objects.select_for_update().filter(pk__in=Team.objects.visible_to(actor)), team_id)
    require_staff(actor, team.place_path, "manage")
    changes: dict[str, Any] = {}
    if name is not None:
        new_name = clean_text(name, field="name", label=gettext("队伍名称"), max_length=64)
        if new_name != team.name and Team.objects.filter(place_id=team.place_id, name=new_name).exists():
            raise InvalidInput(gettext("此处已有同名队伍"), field="name")
        changes["name"] = new_name
    if description is not None:
        changes["description"] = clean_text(
            description, field="description", label=gettext("简介"), max_length=1000, required=False
        )
    if kind is not None:
        changes["kind"] = team_kind(kind)
    if leader_id is not None:
        leader = Person.objects.visible_to(actor).filter(pk=leader_id).first() if leader_id else None
        if leader_id and leader is None:
            raise InvalidInput(gettext("队长应为您管辖范围内的居民"), field="leader_id")
        changes["leader_id"] = leader.pk if leader else None
    changed = sorted(f for f, v in changes.items() if getattr(team, f) != v)
    if not changed:
        return team
    for field in changed:
        setattr(team, field, changes[field])
    team.save(update_fields=[f.removesuffix("_id") for f in changed])
    if "leader_id" in changed and team.leader_id:
        TeamMember.objects.get_or_create(team=team, person_id=team.leader_id)
    audit_record(
        action="team.update", actor=actor, target=team, fields=[f.removesuffix("_id") for f in changed], kind=team.kind
    )
    return team


@transaction.atomic
def team_add_member(*, actor: Any, team_id: int, person_id: int) -> TeamMember:
    team = get_or_not_found(Team.objects.visible_to(actor), team_id)
    require_staff(actor, team.place_path, "manage")
    person = _person(actor, person_id)
    member, created = TeamMember.objects.get_or_create(team=team, person=person)
    if not created:
        raise Conflict(gettext("已是队员"))
    return member


@transaction.atomic
def profile_save(*, actor: Any, skills: str, availability: str) -> VolunteerProfile:
    person = person_of(actor)
    profile, _ = VolunteerProfile.objects.update_or_create(
        person=person,
        defaults={
            "place_path": person.place_path,
            "skills": clean_text(skills, field="skills", label=gettext("特长"), max_length=200, required=False),
            "availability": clean_text(
                availability, field="availability", label=gettext("服务时间"), max_length=200, required=False
            ),
        },
    )
    return profile


@transaction.atomic
def registration_submit(
    *, actor: Any, workplace_name: str, workplace_org_id: int | None = None
) -> WorkplaceRegistration:
    """双报到: a party member working elsewhere reports to the community they live in."""
    person = person_of(actor)
    if not person.is_party_member:
        raise InvalidInput(gettext("双报到面向在职党员"), field="workplace_name")
    community = Place.objects.filter(path=person.place_path[: 3 * STEP], kind=PlaceKind.COMMUNITY).first()
    if community is None:
        raise InvalidInput(gettext("未找到您居住的社区"), field="workplace_name")
    org = None
    if workplace_org_id:
        org = PartyOrg.objects.active().filter(pk=workplace_org_id).first()
        if org is None:
            raise InvalidInput(gettext("工作单位党组织无效"), field="workplace_org_id")
    try:
        with transaction.atomic():
            reg = WorkplaceRegistration.objects.create(
                person=person,
                community=community,
                place_path=community.path,
                workplace_org=org,
                workplace_name=clean_text(
                    workplace_name, field="workplace_name", label=gettext("工作单位党组织"), max_length=200
                ),
            )
    except IntegrityError:
        raise Conflict(gettext("您已提交过双报到")) from None
    audit_record(action="registration.submit", actor=actor, target=reg)
    return reg


@transaction.atomic
def registration_decide(*, actor: Any, registration_id: int, approve: bool, note: str = "") -> WorkplaceRegistration:
    reg = get_or_not_found(WorkplaceRegistration.objects.visible_to(actor).select_for_update(), registration_id)
    require_staff(actor, reg.place_path, "manage")
    if reg.status != RegistrationStatus.PENDING:
        raise Conflict(gettext("已审核"))
    if not approve and not note.strip():
        raise InvalidInput(gettext("不通过时请说明原因"), field="note")
    reg.status = RegistrationStatus.APPROVED if approve else RegistrationStatus.REJECTED
    reg.decided_by = actor
    reg.decided_at = timezone.now()
    reg.note = note.strip()[:200]
    reg.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit_record(action="registration.decide", actor=actor, target=reg, approve=approve)
    return reg


@transaction.atomic
def post_create(
    *,
    actor: Any,
    place_id: int,
    category: str,
    title: str,
    duties: str,
    start_date: dt.date,
    end_date: dt.date,
    slots: int = 1,
) -> ServicePost:
    place = staff_place(actor, place_id)
    if category not in PostCategory.values:
        raise InvalidInput(gettext("岗位类别无效"), field="category")
    if not start_date or not end_date or end_date < start_date:
        raise InvalidInput(gettext("结束日期应不早于开始日期"), field="end_date")
    post = ServicePost.objects.create(
        place=place,
        place_path=place.path,
        category=category,
        title=clean_text(title, field="title", label=gettext("岗位名称"), max_length=100),
        duties=clean_text(duties, field="duties", label=gettext("岗位职责"), max_length=2000),
        start_date=start_date,
        end_date=end_date,
        slots=whole_number(slots, field="slots", label=gettext("名额"), low=1, high=500),
        created_by=actor,
    )
    audit_record(action="post.create", actor=actor, target=post)
    return post


@transaction.atomic
def post_claim(*, actor: Any, post_id: int) -> PostClaim:
    """A member claims a service post (认领岗位); the post row is locked so slots are not exceeded."""
    from linli.volunteering.selectors import visible_posts

    person = person_of(actor)
    post = get_or_not_found(
        ServicePost.objects.select_for_update().filter(pk__in=visible_posts(actor).values("pk")), post_id
    )
    if post.end_date < timezone.localdate():
        raise Conflict(gettext("该岗位已到期"))
    if PostClaim.objects.filter(post=post, person=person).exists():
        raise Conflict(gettext("您已认领该岗位"))
    if PostClaim.objects.filter(post=post).aggregate(n=Count("pk"))["n"] >= post.slots:
        raise Conflict(gettext("该岗位名额已满"))
    return PostClaim.objects.create(post=post, person=person)


def station_kind(value: Any) -> str:
    """A 驿站类型 from the list, or a Chinese refusal naming the field."""
    if value not in StationKind.values:
        raise InvalidInput(gettext("驿站类型无效,请从列表中选择"), field="kind")
    return str(value)


def _station_functions(functions: Any) -> list[str]:
    chosen = [functions] if isinstance(functions, str) else list(functions or [])
    if not chosen or any(f not in STATION_FUNCTIONS for f in chosen):
        raise InvalidInput(gettext("请从列表中选择驿站功能"), field="functions")
    return list(dict.fromkeys(chosen))


def _station_texts(**values: str | None) -> dict[str, str]:
    """A station's name, opening hours and address, cleaned as create and update both take them; a ``None``
    (an update leaving the field as it is) is left out."""
    rules = {  # field: (label, max length, required)
        "name": (gettext("驿站名称"), 100, True),
        "opening_hours": (gettext("开放时间"), 100, False),
        "address": (gettext("地址"), 200, False),
    }
    return {
        field: clean_text(
            value, field=field, label=rules[field][0], max_length=rules[field][1], required=rules[field][2]
        )
        for field, value in values.items()
        if value is not None
    }


def _station_team(actor: Any, team_id: int | None, place_path: str) -> Team | None:
    """The team that staffs a station: one the actor sees (manages, or belongs to) anchored at the station's place,
    above it or under it — never another community's."""
    if not team_id:
        return None
    team = Team.objects.visible_to(actor).filter(pk=team_id).first()
    if team is None:
        raise InvalidInput(gettext("请选择您管辖范围内的志愿队伍"), field="team_id")
    if not (place_path.startswith(team.place_path) or team.place_path.startswith(place_path)):
        raise InvalidInput(gettext("该队伍不在驿站所在地或其上下级,不能负责此驿站"), field="team_id")
    return team


def _publicity_form(kind: str, form: Any) -> str:
    """阵地形式: required (one of the list) for a 宣传阵地, blank for every other kind (a form sent with another kind
    is dropped: a station that stops being a 宣传阵地 loses it)."""
    if kind != StationKind.PUBLICITY:
        return ""
    if form not in PublicityForm.values:
        raise InvalidInput(gettext("宣传阵地请选择阵地形式(广场、亭廊、党员之家、宣传栏等)"), field="publicity_form")
    return str(form)


def _require_team_for_mobile_post(kind: str, team: Team | None) -> None:
    # A mobile post has no premises: the team going round is what a resident and the rota can find.
    if kind == StationKind.MOBILE_POST and team is None:
        raise InvalidInput(gettext("流动微岗亭须指定负责的志愿队伍"), field="team_id")


@transaction.atomic
def station_create(
    *,
    actor: Any,
    place_id: int,
    name: str,
    functions: list[str],
    opening_hours: str = "",
    address: str = "",
    kind: str = StationKind.RED_STATION,
    team_id: int | None = None,
    publicity_form: str = "",
) -> Station:
    """Register a 红色驿站, 固定微岗亭, 流动微岗亭 or 宣传阵地 at a node the actor manages. A mobile post names its
    team; a 宣传阵地 its form, and may name the team that keeps it."""
    place = staff_place(actor, place_id)
    kind_value = station_kind(kind)
    form = _publicity_form(kind_value, publicity_form)
    chosen = _station_functions(functions)
    team = _station_team(actor, team_id, place.path)
    _require_team_for_mobile_post(kind_value, team)
    station = Station.objects.create(
        place=place,
        place_path=place.path,
        kind=kind_value,
        publicity_form=form,
        functions=chosen,
        team=team,
        **_station_texts(name=name, opening_hours=opening_hours, address=address),
    )
    audit_record(action="station.create", actor=actor, target=station, kind=station.kind, team=station.team_id)
    return station


@transaction.atomic
def station_update(
    *,
    actor: Any,
    station_id: int,
    kind: str | None = None,
    name: str | None = None,
    functions: list[str] | None = None,
    opening_hours: str | None = None,
    address: str | None = None,
    team_id: int | None = None,
    publicity_form: str | None = None,
) -> Station:
    """Change a station's kind, name, functions, hours, address, team or 阵地形式; ``None`` leaves a field as it is,
    ``team_id=0`` removes the team (refused for a 流动微岗亭). A station made a 宣传阵地 needs a form; one that stops
    being one loses it. Staff who manage its node only. Audited with the names of the fields that changed; saving it
    unchanged records nothing."""
    station = get_or_not_found(
        Station.objects.select_for_update().filter(pk__in=Station.objects.visible_to(actor).values("pk")), station_id
    )
    require_staff(actor, station.place_path, "manage")
    changes: dict[str, Any] = {}
    if kind is not None:
        changes["kind"] = station_kind(kind)
    new_kind = changes.get("kind", station.kind)
    form = station.publicity_form if publicity_form is None and new_kind == station.kind else publicity_form
    changes["publicity_form"] = _publicity_form(new_kind, form)
    changes.update(_station_texts(name=name))
    if functions is not None:
        changes["functions"] = _station_functions(functions)
    changes.update(_station_texts(opening_hours=opening_hours, address=address))
    team: Team | None = station.team
    if team_id is not None and team_id != station.team_id:  # the team it has stays, whoever may pick it
        team = _station_team(actor, team_id, station.place_path)
        changes["team_id"] = team.pk if team else None
    _require_team_for_mobile_post(changes.get("kind", station.kind), team)
    changed = sorted(f for f, v in changes.items() if getattr(station, f) != v)
    if not changed:
        return station
    for field in changed:
        setattr(station, field, changes[field])
    fields = [f.removesuffix("_id") for f in changed]
    station.save(update_fields=fields)
    audit_record(
        action="station.update", actor=actor, target=station, fields=fields, kind=station.kind, team=station.team_id
    )
    return station


@transaction.atomic
def duty_add(
    *, actor: Any, station_id: int, person_id: int, day: dt.date, start_time: dt.time, end_time: dt.time
) -> DutyShift:
    station = get_or_not_found(Station.objects.visible_to(actor), station_id)
    require_staff(actor, station.place_path, "manage")
    person = _person(actor, person_id)
    if not start_time or not end_time or end_time <= start_time:
        raise InvalidInput(gettext("结束时间应晚于开始时间"), field="end_time")
    shift, created = DutyShift.objects.get_or_create(
        station=station, person=person, day=day, start_time=start_time, defaults={"end_time": end_time}
    )
    if not created:
        raise Conflict(gettext("该班次已排"))
    return shift
