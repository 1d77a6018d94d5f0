"""Plausible volunteering records for an already-built demo street: teams, profiles, service posts,
stations (per community a 红色驿站 with a roster, a fixed and a mobile 微岗亭), past activities with confirmed hours
and points, rewards and redemptions, and a year of micro-wishes (about 85% fulfilled, like 1803 of 2132 in the
seeds)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from linli.tickets.models import Rating
from linli.volunteering.models import (
    Activity,
    ActivityStatus,
    DutyShift,
    EntryReason,
    PartyPointRule,
    PointKind,
    PostCategory,
    RegistrationStatus,
    Reward,
    ServicePost,
    Signup,
    SignupStatus,
    Station,
    StationKind,
    Team,
    TeamCovenant,
    TeamKind,
    TeamMember,
    TeamServiceArea,
    VolunteerProfile,
    Wish,
    WishStatus,
    WorkplaceRegistration,
)
from linli.volunteering.points import points_credit

TEAMS = ["天使志愿服务队", "保亮志愿服务队", "樂貝亲子志愿队", "银龄互助队"]
TEAM_KINDS = {  # by name, not by a draw: the rest of the demo stays the same
    "天使志愿服务队": TeamKind.RESIDENT,
    "保亮志愿服务队": TeamKind.PARTY,
    "樂貝亲子志愿队": TeamKind.SOCIAL_ORG,
    "银龄互助队": TeamKind.RESIDENT,
}
# 盟约 (seed 003): the services each team promises its community
COVENANT_SERVICES = [["法律援助", "心理咨询", "政策宣讲"], ["技能培训", "助老服务", "环境整治"]]
SKILLS = ["医疗护理", "水电维修", "法律咨询", "文艺演出", "心理疏导", "理发", "摄影", "辅导作业"]
WISHES = ["想要一副老花镜", "希望有人陪我去医院复查", "孩子想要一套课外书", "想学用智能手机", "家里灯泡坏了需要换",
          "想要一台电风扇", "希望有人帮忙理发", "想参加一次书法课"]  # fmt: skip
ACTIVITIES = ["小区环境整治", "垃圾分类宣传", "敬老院探访", "义诊进社区", "文明交通劝导", "反诈宣传"]
WORKPLACES = ["区税务局机关党支部", "区人民医院第二党支部", "市第三中学党支部", "区城管执法局党支部"]
REWARDS = [("洗衣液", 50), ("大米 5kg", 120), ("毛巾", 20), ("理发券", 30), ("环保购物袋", 10)]


@transaction.atomic
def build_demo_volunteering(rng: random.Random) -> None:
    now = timezone.now()
    for street in Place.objects.filter(kind=PlaceKind.STREET).order_by("path"):
        PartyPointRule.objects.get_or_create(
            place=street,
            year=timezone.localdate().year - 1,  # issued last year and still in force
            defaults={
                "title": f"{street.name}“双报到”积分管理办法", "points_per_activity": 2, "points_per_order": 2,
                "points_per_wish": 2, "annual_points": 6, "annual_services": 3,
            },
        )  # fmt: skip
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("path"):
        people = list(Person.objects.filter(place_path__startswith=community.path).order_by("id")[:400])
        if len(people) < 10:
            continue
        volunteers = rng.sample(people, min(len(people), 40))
        VolunteerProfile.objects.bulk_create(
            [
                VolunteerProfile(person=p, place_path=p.place_path, skills=rng.choice(SKILLS), availability="周末")
                for p in volunteers
            ],
            ignore_conflicts=True,
        )
        teams = []
        for name in rng.sample(TEAMS, 2):
            leader = rng.choice(volunteers)
            team = Team.objects.create(
                place=community, place_path=community.path, name=name, leader=leader, kind=TEAM_KINDS[name]
            )
            TeamMember.objects.bulk_create(
                [TeamMember(team=team, person=p) for p in {leader, *rng.sample(volunteers, 12)}]
            )
            teams.append(team)
        for cat in rng.sample(list(PostCategory), 4):
            ServicePost.objects.create(
                place=community,
                place_path=community.path,
                category=cat,
                title=f"{cat.label}({community.name})",
                duties="按月开展服务并记录台账",
                start_date=now.date().replace(month=1, day=1),
                end_date=now.date().replace(month=12, day=31),
                slots=rng.randint(2, 6),
            )
        station = Station.objects.create(
            place=community,
            place_path=community.path,
            name=f"{community.name}近邻红色驿站",
            functions=rng.sample(["议事", "养老", "托幼", "阅读", "健身"], 3),
            opening_hours="08:30-17:30",
        )
        for day in range(7):
            DutyShift.objects.create(
                station=station,
                person=rng.choice(volunteers),
                day=now.date() + dt.timedelta(days=day),
                start_time=dt.time(9),
                end_time=dt.time(12),
            )
        _posts(community, teams)
        first_compound = (
            Place.objects.filter(path__startswith=community.path, kind=PlaceKind.COMPOUND).order_by("path").first()
        )
        if teams and first_compound is not None:  # 服务区域: the first team serves the community's first compound
            TeamServiceArea.objects.create(team=teams[0], place=first_compound, place_path=first_compound.path)
        for cost_name, cost in REWARDS:
            Reward.objects.create(place=community, place_path=community.path, name=cost_name, cost=cost,
                                  stock=rng.randint(5, 30))  # fmt: skip
        _activities(rng, community, teams, volunteers, now)
        _wishes(rng, community, people, volunteers, now)
        _covenants(community, teams, now.date())
        _reporting(community, volunteers, now)


def _posts(community: Place, teams: list[Team]) -> None:
    """Seed 001's 微岗亭: a fixed one in the first compound's gatehouse, and a 红袖章 round the first team walks as
    a 流动微岗亭. No random draws: the other demo data stay as they were."""
    compound = Place.objects.filter(path__startswith=community.path, kind=PlaceKind.COMPOUND).order_by("path").first()
    if compound is not None:
        Station.objects.create(
            place=compound, place_path=compound.path, kind=StationKind.FIXED_POST,
            name=f"{compound.name}门卫室微岗亭", address=f"{compound.name}南门门卫室",
            functions=["信息收集", "政策宣传", "诉求受理", "治安服务"], opening_hours="07:00-21:00",
        )  # fmt: skip
    if teams:
        Station.objects.create(
            place=community, place_path=community.path, kind=StationKind.MOBILE_POST, team=teams[0],
            name=f"{community.name}红袖章流动微岗亭", address="里巷沿线",
            functions=["治安服务", "纠纷调解", "政策宣传"], opening_hours="每日 09:00-11:00、19:00-21:00",
        )  # fmt: skip


def _covenants(community: Place, teams: list[Team], today: dt.date) -> None:
    """A covenant in force for each team (the first promising more than it delivers: 进度落后), and for the
    first team last year's, now 期满. No random draws: the other demo data stay as they were."""
    start, end = today - dt.timedelta(days=200), today + dt.timedelta(days=165)
    rows = [
        TeamCovenant(
            team=team,
            community=community,
            place_path=community.path,
            title=f"{team.name}服务盟约",
            services=COVENANT_SERVICES[i % 2],
            hours_promised=Decimal(300 if i == 0 else 60),
            starts_on=start,
            ends_on=end,
            signed_on=start - dt.timedelta(days=3),
            team_signatory=team.leader,
            team_signatory_name=team.leader.name if team.leader else team.name,
        )
        for i, team in enumerate(teams)
    ]
    if teams:
        last = teams[0]
        rows.append(
            TeamCovenant(
                team=last,
                community=community,
                place_path=community.path,
                title=f"{last.name}上年度盟约",
                services=COVENANT_SERVICES[0],
                hours_promised=Decimal(40),
                starts_on=start - dt.timedelta(days=365),
                ends_on=start - dt.timedelta(days=1),
                signed_on=start - dt.timedelta(days=368),
                team_signatory=last.leader,
                team_signatory_name=last.leader.name if last.leader else last.name,
            )
        )
    TeamCovenant.objects.bulk_create(rows)


def _reporting(community: Place, volunteers: list[Person], now: dt.datetime) -> None:
    """双报到: the community's volunteering party members without an account report to it (approved), so
    the year's 报到考评 has members (no draw: the rest of the demo stays the same)."""
    members = sorted((p for p in volunteers if p.is_party_member and not hasattr(p, "user")), key=lambda p: p.pk)[:6]
    WorkplaceRegistration.objects.bulk_create(
        [
            WorkplaceRegistration(
                person=p, community=community, place_path=community.path,
                workplace_name=WORKPLACES[i % len(WORKPLACES)], status=RegistrationStatus.APPROVED,
                submitted_at=now - dt.timedelta(days=200), decided_at=now - dt.timedelta(days=199),
            )
            for i, p in enumerate(members)
        ],
        ignore_conflicts=True,
    )  # fmt: skip


def _activities(
    rng: random.Random, community: Place, teams: list[Team], volunteers: list[Person], now: dt.datetime
) -> None:
    for _ in range(8):
        start = now - dt.timedelta(days=rng.randint(3, 300), hours=rng.randint(0, 6))
        length = dt.timedelta(hours=rng.choice([2, 3, 4]))
        attendees = rng.sample(volunteers, rng.randint(5, 12))
        activity = Activity.objects.create(
            place=community,
            place_path=community.path,
            team=rng.choice(teams),
            title=rng.choice(ACTIVITIES),
            starts_at=start,
            ends_at=start + length,
            capacity=len(attendees) + 3,
            points_per_hour=10,
            status=ActivityStatus.PUBLISHED,
            signed_count=len(attendees),
        )
        for person in attendees:
            hours = Decimal(length.seconds // 1800) / 2
            signup = Signup.objects.create(
                activity=activity,
                person=person,
                place_path=community.path,
                status=SignupStatus.SIGNED,
                checked_in_at=start,
                checked_out_at=start + length,
                hours=hours,
                confirmed_at=start + length,
            )
            note = f"{activity.title} {hours} 小时"
            points_credit(person=person, kind=PointKind.VOLUNTEER, amount=int(hours * 10), reason=EntryReason.HOURS,
                          source_key=f"activity:{signup.pk}", note=note)  # fmt: skip
            if person.is_party_member:
                points_credit(person=person, kind=PointKind.PARTY, amount=2, reason=EntryReason.HOURS,
                              source_key=f"activity:{signup.pk}", note=note)  # fmt: skip


DEMO_HEARTS = ["filial", "loving", "warm", "reassuring", "caring", ""]  # the last: 未分类
DEMO_CHANNELS = ["online", "heart_to_heart", "wish_box", "tree_hall", "visit"]


def _wishes(
    rng: random.Random, community: Place, people: list[Person], volunteers: list[Person], now: dt.datetime
) -> None:
    rows = []
    for i in range(rng.randint(40, 60)):
        wisher = rng.choice(people)
        submitted = now - dt.timedelta(days=rng.randint(1, 330))
        fulfilled = rng.random() < 0.85
        claimant = rng.choice(volunteers)
        rows.append(
            Wish(
                place_id=wisher.place_id,
                place_path=wisher.place_path,
                wisher=wisher,
                title=rng.choice(WISHES),
                submitted_at=submitted,
                status=WishStatus.CONFIRMED if fulfilled else WishStatus.PUBLISHED,
                claimed_by=claimant if fulfilled else None,
                claimed_at=submitted + dt.timedelta(days=1) if fulfilled else None,
                fulfilled_at=min(now, submitted + dt.timedelta(days=rng.randint(2, 20))) if fulfilled else None,
                fulfil_note="已圆梦" if fulfilled else "",
                # 五心 and 收集方式 by index, not by another draw: the rest of the demo stays the same
                heart=DEMO_HEARTS[i % len(DEMO_HEARTS)],
                channel=DEMO_CHANNELS[i % len(DEMO_CHANNELS)],
                collected_at_id=wisher.place_id,
            )
        )
        if fulfilled:  # confirmed a day later and rated by index, not by another draw: the demo stays the same
            wish = rows[-1]
            wish.confirmed_at = min(now, wish.fulfilled_at + dt.timedelta(days=1))  # type: ignore[operator, assignment]
            wish.rating = Rating.UNSATISFIED if i % 23 == 5 else Rating.BASIC if i % 6 == 1 else Rating.SATISFIED
            wish.rating_note = "送来的轮椅尺寸不合适" if wish.rating == Rating.UNSATISFIED else ""
    Wish.objects.bulk_create(rows)
    for wish in Wish.objects.filter(place_path__startswith=community.path, status=WishStatus.CONFIRMED):
        points_credit(person=wish.claimed_by, kind=PointKind.VOLUNTEER, amount=10, reason=EntryReason.WISH,  # type: ignore[arg-type]
                      source_key=f"wish:{wish.pk}", note=wish.title)  # fmt: skip
