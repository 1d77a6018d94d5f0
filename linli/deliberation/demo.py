"""Demo records for deliberation on an already-built demo street, written through the services.

Owners get their dwellings (so owners' votes have an electorate), each compound gets topics,
each community a held 屋场恳谈会 with published decisions and an upcoming 议事会, the first
compound a closed owners' vote with its result publication and an open one, and every community
a year of mediation cases at roughly the 95% success rate the seeds quote, mediated at its
百姓评理说事点 (平安驿站, “惠解忧”调解工作室, “暖心桥”政协委员工作室), and “四员一律”进小区 sessions: two held
(one of the year's disputes was taken in at the first), one planned. No draw of ``rng`` is added for
the venues and sessions, so the demos built after this one stay what they were.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from linli.deliberation.models import Choice, LegalAdviser, LegalSession, MediationVenue, Voter
from linli.deliberation.services_legal import (
    Attendee,
    legal_intake_mediation,
    legal_session_hold,
    legal_session_plan,
)
from linli.deliberation.services_mediation import mediation_close, mediation_open, mediation_session_add
from linli.deliberation.services_meetings import (
    agenda_add,
    agenda_publish,
    decision_complete,
    decision_evaluate,
    decision_record,
    meeting_plan,
    meeting_record_attendance,
    meeting_record_minutes,
    results_publish,
)
from linli.deliberation.services_topics import topic_comment, topic_raise
from linli.deliberation.services_venues import venue_create
from linli.deliberation.services_votes import ballot_enter_paper, vote_close, vote_create, vote_open
from linli.orgs.models import Organisation
from linli.people.models import Ownership, Person
from linli.places.models import Household, Place, PlaceKind

TOPICS = [
    ("楼道堆物影响消防通道", "多个单元楼道堆放杂物,希望统一清理并建立长效机制"),
    ("小区停车位紧张", "晚上车辆乱停,消防车道被占,建议划线并错时共享周边单位车位"),
    ("加装电梯意向征集", "老楼住户多为老人,上下楼困难,征集加装电梯意向"),
    ("广场舞噪音扰民", "晚间广场舞音量过大,希望协商时间和音量"),
    ("垃圾分类投放点位置", "现投放点离3号楼太近,夏天异味大,建议调整位置"),
    ("非机动车充电棚建设", "电动车上楼充电隐患大,建议建设集中充电棚"),
]
DISPUTES = [
    ("楼上漏水纠纷", "卫生间漏水导致楼下天花板受损,双方对赔偿金额有分歧"),
    ("噪音纠纷", "楼上装修超时施工,楼下老人休息受影响"),
    ("邻里占道纠纷", "一楼住户在公共通道搭建棚架,邻居通行不便"),
    ("宠物扰民纠纷", "犬只夜间吠叫且未拴绳,邻居多次交涉未果"),
    ("物业费纠纷", "业主认为服务不到位拒缴物业费,物业公司催缴"),
]


def _actor() -> Any:
    User = get_user_model()
    return User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()


def _owners(rng: random.Random) -> None:
    """The first adult member of each household owns it (a few co-owned in halves)."""
    existing = set(Ownership.objects.values_list("household_id", flat=True))
    rows: list[Ownership] = []
    firsts: dict[int, list[Person]] = {}
    for p in Person.objects.filter(household__isnull=False, moved_out_on__isnull=True).order_by("household_id", "id"):
        firsts.setdefault(p.household_id, []).append(p)  # type: ignore[arg-type]
    households = Household.objects.filter(pk__in=list(firsts)).exclude(pk__in=existing)
    for h in households.only("id", "place_path", "area_m2"):
        members = firsts[h.pk]
        area = h.area_m2 or round(rng.uniform(50, 140), 2)
        if len(members) > 1 and rng.random() < 0.15:
            for m in members[:2]:
                rows.append(Ownership(person=m, household=h, place_path=h.place_path, area_m2=area, share=0.5))
        else:
            rows.append(Ownership(person=members[0], household=h, place_path=h.place_path, area_m2=area))
    Ownership.objects.bulk_create(rows, batch_size=2000)


def _meetings(actor: Any, community: Place, compound: Place, topics: list[Any], rng: random.Random) -> None:
    now = timezone.now()
    org = Organisation.objects.filter(home__path__startswith=community.path).first() or Organisation.objects.first()
    held = meeting_plan(
        actor=actor,
        place=compound,
        kind="heart_to_heart",
        title=f"{compound.name}屋场恳谈会",
        location=f"{compound.name}党群服务站",
        starts_at=now - dt.timedelta(days=20),
    )
    for topic in topics[:2]:
        agenda_add(actor=actor, meeting=held, topic=topic)
    agenda_publish(actor=actor, meeting=held, days=7)
    meeting_record_minutes(
        actor=actor, meeting=held, minutes="居民代表、物业、业委会参加;逐项讨论议题,形成决定并明确责任方和期限。"
    )
    decisions = [
        decision_record(
            actor=actor,
            meeting=held,
            topic=topic,
            text=f"关于“{topic.title}”:由责任单位制定方案并在期限内落实",
            deadline=timezone.localdate() + dt.timedelta(days=rng.randint(10, 40)),
            responsible_org=org,
        )
        for topic in topics[:2]
    ]
    results_publish(actor=actor, meeting=held, days=14)
    done = decision_complete(actor=actor, decision=decisions[0], note="已按方案落实,居民代表现场验收")
    decision_evaluate(actor=actor, decision=done, score=rng.choice([4, 5]), comment="落实及时")
    upcoming = meeting_plan(
        actor=actor,
        place=community,
        kind="council",
        title=f"{community.name}党群议事会",
        location=f"{community.name}党群服务中心",
        starts_at=now + dt.timedelta(days=5),
    )
    if len(topics) > 2:
        agenda_add(actor=actor, meeting=upcoming, topic=topics[2])
        agenda_publish(actor=actor, meeting=upcoming, days=5)


def _votes(actor: Any, compound: Place, rng: random.Random) -> None:
    closed = vote_create(
        actor=actor,
        place=compound,
        title="使用专项维修资金维修屋面防水",
        question="是否同意使用专项维修资金对小区各楼屋面进行防水维修(民法典第278条第六项)",
        electorate="owners",
        rule="art278_special",
        closes_at=timezone.now() + dt.timedelta(days=3),
    )
    vote_open(actor=actor, vote=closed)
    voters = list(Voter.objects.filter(vote=closed).order_by("id"))
    for i, voter in enumerate(voters):
        if rng.random() < 0.85:
            choice = rng.choices([Choice.FOR, Choice.AGAINST, Choice.ABSTAIN], [0.85, 0.1, 0.05])[0]
            ballot_enter_paper(actor=actor, vote=closed, voter=voter, choice=choice, paper_number=f"P-{i + 1:04d}")
    vote_close(actor=actor, vote=closed, publish_days=7, reason="演示:纸质票已全部收回")
    current = vote_create(
        actor=actor,
        place=compound,
        title="小区增设非机动车充电棚",
        question="是否同意在小区东侧空地建设非机动车集中充电棚",
        electorate="owners",
        rule="art278_ordinary",
        closes_at=timezone.now() + dt.timedelta(days=10),
    )
    vote_open(actor=actor, vote=current)
    for voter in Voter.objects.filter(vote=current).select_related("person").order_by("id")[:3]:
        ballot_enter_paper(actor=actor, vote=current, voter=voter, choice=Choice.FOR, paper_number=f"C-{voter.pk}")


LEGAL_TEAM = [
    Attendee(role="police", name="周警官", unit="派出所社区警务室"),
    Attendee(role="judge", name="吴法官", unit="区人民法院"),
    Attendee(role="prosecutor", name="郑检察官", unit="区人民检察院"),
    Attendee(role="judicial", name="孙干事", unit="街道司法所"),
    Attendee(role="lawyer", name="钱律师", unit="律师事务所"),
]


def _venues(actor: Any, community: Place, compound: Place, mediator: Person) -> list[MediationVenue]:
    """The three 百姓评理说事点 of the seed in each community, the mediator on duty at two of them."""
    specs = [
        (community, "平安驿站", "safety_post", "社区党群服务中心一楼", "每天 8:30–17:30"),
        (compound, "“惠解忧”调解工作室", "mediation_room", f"{compound.name}物业楼二楼", "工作日 9:00–17:00"),
        (community, "“暖心桥”政协委员工作室", "member_room", "社区党群服务中心二楼", "每月第一个周三下午"),
    ]
    return [
        venue_create(
            actor=actor,
            place=place,
            name=name,
            kind=kind,
            address=address,
            opening_hours=hours,
            on_duty=[mediator] if i < 2 else [],
        )
        for i, (place, name, kind, address, hours) in enumerate(specs)
    ]


def _legal_sessions(actor: Any, compounds: list[Place], venues: list[MediationVenue]) -> list[LegalSession]:
    """Two held sessions (60 and 20 days ago) and one planned a week ahead, at the first compounds."""
    today = timezone.localdate()
    held = []
    for n, (days, consulted) in enumerate([(60, 23), (20, 17)]):
        place = compounds[n % len(compounds)]
        session = legal_session_plan(
            actor=actor,
            place=place,
            venue=venues[0],
            scheduled_on=today - dt.timedelta(days=days),
            topics="物业纠纷、婚姻家庭、邻里矛盾、防范电信诈骗等法律咨询",
            attendees=LEGAL_TEAM,
        )
        held.append(
            legal_session_hold(
                actor=actor,
                session=session,
                held_on=session.scheduled_on,
                residents_consulted=consulted,
                attendees=LEGAL_TEAM if n == 0 else LEGAL_TEAM[::2],
                summary="现场解答居民法律咨询,发放普法宣传资料;一起邻里纠纷转调解。",
            )
        )
    legal_session_plan(
        actor=actor,
        place=compounds[0],
        venue=venues[1],
        scheduled_on=today + dt.timedelta(days=7),
        topics="老旧小区改造中的相邻权、加装电梯的法律问题",
        attendees=LEGAL_TEAM,
    )
    return held


def _mediation(actor: Any, community: Place, rng: random.Random) -> None:
    today = timezone.localdate()
    mediator = Person.objects.filter(positions__place__path__startswith=community.path).first()
    if mediator is None:
        return
    compounds = list(Place.objects.filter(path__startswith=community.path, kind=PlaceKind.COMPOUND))
    ordered = sorted(compounds, key=lambda c: c.path)
    venues = _venues(actor, community, ordered[0], mediator) if ordered else []
    for i in range(20):
        title, dispute = rng.choice(DISPUTES)
        opened = today - dt.timedelta(days=rng.randint(5, 300))
        place = rng.choice(compounds) if compounds else community
        parties = [f"{rng.choice('张王李赵刘陈杨黄')}先生", f"{rng.choice('张王李赵刘陈杨黄')}女士"]
        if i == 19 and ordered:  # one of the two left open was heard at a 四员一律 session that day
            session = legal_session_plan(
                actor=actor,
                place=place,
                venue=venues[0],
                scheduled_on=opened,
                topics="邻里纠纷法律咨询",
                attendees=LEGAL_TEAM[:1] + LEGAL_TEAM[-1:],
            )
            legal_session_hold(
                actor=actor, session=session, held_on=opened, residents_consulted=8, attendees=LEGAL_TEAM[:1]
            )
            intake = legal_intake_mediation(
                actor=actor,
                session=session,
                title=title,
                dispute=dispute,
                parties=parties,
                mediator=mediator,
                opened_on=opened,
            )
            case = intake.case
            assert case is not None
        else:
            case = mediation_open(
                actor=actor,
                place=place,
                title=title,
                dispute=dispute,
                parties=parties,
                mediator=mediator,
                opened_on=opened,
                venue=venues[i % 2] if venues and i % 3 else None,  # a third with no venue named
            )
        held = min(today, opened + dt.timedelta(days=rng.randint(0, 10)))
        mediation_session_add(actor=actor, case=case, held_on=held, note="召集双方面对面协商,讲清法律规定和邻里情分")
        if i < 18:  # two stay open
            success = rng.random() < 0.95
            mediation_close(
                actor=actor,
                case=case,
                outcome="success" if success else "failure",
                closed_on=held,
                agreement="双方自愿达成协议,当场履行" if success else "",
            )


def _committee(actor: Any, compound: Place, topic: Any) -> None:
    """小区党支部先议, then the 业委会会议 on the same topic with the branch secretary 列席; a later 业委会会议
    without them (no draws: the rest of the demo stays the same)."""
    from linli.people.models import Position

    now = timezone.now()
    secretary = Position.objects.filter(kind="branch_secretary", place=compound, end_date__isnull=True).first()
    for kind, title, days, with_topic, attended in (
        ("branch_first", f"{compound.name}党支部先议会", 30, True, False),
        ("owners_committee", f"{compound.name}业委会例会", 25, True, True),
        ("owners_committee", f"{compound.name}业委会临时会议", 8, False, False),
    ):
        m = meeting_plan(
            actor=actor, place=compound, kind=kind, title=title, location=f"{compound.name}党群服务站",
            starts_at=now - dt.timedelta(days=days),
        )  # fmt: skip
        if with_topic:
            agenda_add(actor=actor, meeting=m, topic=topic)
        if attended and secretary is not None:
            meeting_record_attendance(actor=actor, meeting=m, person=secretary.person)
        meeting_record_minutes(actor=actor, meeting=m, minutes="议定事项见附件;小区党支部意见已通报。")


def build_demo_deliberation(rng: random.Random) -> None:
    actor = _actor()
    if actor is None:
        return
    _owners(rng)
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("path"):
        compounds = list(
            Place.objects.filter(path__startswith=community.path, kind=PlaceKind.COMPOUND).order_by("path")
        )
        if not compounds:
            continue
        topics = []
        for title, body in rng.sample(TOPICS, 3):
            topic = topic_raise(actor=actor, place=compounds[0], title=title, body=body)
            topics.append(topic)
            topic_comment(actor=actor, topic=topic, body="赞成,希望尽快协商解决")
        _meetings(actor, community, compounds[0], topics, rng)
        LegalAdviser.objects.create(  # 法律顾问 (seed 001: 四位一体), no draw: the rest of the demo stays the same
            community=community, place_path=community.path, kind="person", name=f"{community.name}法律顾问",
            firm="某某律师事务所", starts_on=dt.date(2025, 1, 1), appointed_by=actor,
        )  # fmt: skip
        _committee(actor, compounds[0], topics[-1])
        _mediation(actor, community, rng)
        venues = list(MediationVenue.objects.filter(place_path__under=community.path).order_by("id"))
        if venues:
            _legal_sessions(actor, compounds, venues)
    first = Place.objects.filter(kind=PlaceKind.COMPOUND).order_by("path").first()
    if first is not None:
        _votes(actor, first, rng)
