"""Deliberation at district volume: every compound raises about a topic a month; every 业委会 meets about ten
times a year on one to three of its compound's topics, three meetings in five after a 支部先议 on the same topics
a few days before, with the compound's branch secretary signed in (列席) at about two in three and three to five
committee members at each; every community holds a monthly 议事会, every compound a quarterly 屋场恳谈会 and every
street a quarterly 联席会议; each community has three 百姓评理说事点 and about 30 disputes a year mediated at them
(95% of those closed succeed), and a monthly “四员一律”进小区 session at one of its compounds (one in twelve
cancelled), a fifth of which take a dispute in to mediation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from typing import Any

from linli.cobuilding.models import CommitteeMember
from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import District
from linli.deliberation import demo as deliberation_demo
from linli.deliberation.demo import DISPUTES
from linli.deliberation.models import (
    AgendaItem,
    IntakeKind,
    LegalIntake,
    LegalRole,
    LegalSession,
    LegalSessionAttendee,
    LegalSessionStatus,
    MediationCase,
    MediationOutcome,
    MediationSession,
    MediationVenue,
    Meeting,
    MeetingKind,
    MeetingSignIn,
    MeetingStatus,
    Topic,
    TopicLevel,
    TopicSource,
    TopicStatus,
    VenueKind,
)
from linli.orgs.models import Organisation, OrganisationKind

MARKER = Meeting  # rows here mean the step has run
TOPICS = [
    *deliberation_demo.TOPICS,
    ("公共收益使用方案", "电梯广告和停车收益的使用,请业主共同商议"),
]  # the demo's, and more for variety
LEGAL_TEAM = [
    (LegalRole.POLICE, "周警官", "派出所社区警务室"),
    (LegalRole.JUDGE, "吴法官", "区人民法院"),
    (LegalRole.PROSECUTOR, "郑检察官", "区人民检察院"),
    (LegalRole.JUDICIAL, "孙干事", "街道司法所"),
    (LegalRole.LAWYER, "钱律师", "律师事务所"),
]
MEETING_COLUMNS = [
    "id",
    "place_id",
    "place_path",
    "kind",
    "title",
    "location",
    "starts_at",
    "status",
    "minutes",
    "checkin_token",
    "created_by_id",
    "created_at",
]


def build(d: District, progress: Any) -> dict[str, int]:
    counts = _topics_and_meetings(d)
    counts.update(_mediation_and_legal(d))
    return counts


def _token(d: District) -> str:
    return f"{d.rng.getrandbits(128):032x}"


def _topics_and_meetings(d: District) -> dict[str, int]:
    rng = d.rng
    span = (d.today - d.first).days
    topic_id, meeting_id = next_id(Topic), next_id(Meeting)
    topics: list[list[Any]] = []
    queue: dict[str, deque[tuple[int, dt.datetime]]] = defaultdict(deque)  # compound path → unscheduled topics
    for compound in d.by_kind["compound"]:
        days = sorted(rng.randrange(span) for _ in range(span // 30))
        for n in days:
            title, body = rng.choice(TOPICS)
            at = d.at(d.first + dt.timedelta(days=n), rng.randint(8, 21))
            level = rng.choice([TopicLevel.ONLINE, TopicLevel.PROPERTY, TopicLevel.COMMUNITY])
            source = rng.choice([TopicSource.RESIDENT, TopicSource.RESIDENT, TopicSource.STAFF])
            topics.append(
                [topic_id, compound.id, compound.path, title, body, source, level, TopicStatus.OPEN, d.admin_id, at]
            )
            queue[compound.path].append((topic_id, at))
            topic_id += 1
    members_of: dict[int, list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
    for org, person, starts, ends in CommitteeMember.objects.values_list(
        "organisation_id", "person_id", "term_starts", "term_ends"
    ):
        members_of[org].append((person, starts, ends))
    meetings, agenda, sign_ins = [], [], []
    decided: set[int] = set()

    def meeting(place: Any, kind: str, title: str, at: dt.datetime, agenda_of: list[int]) -> int:
        nonlocal meeting_id
        held = at < d.now
        meetings.append(
            (
                meeting_id,
                place.id,
                place.path,
                kind,
                title,
                f"{place.name}党群服务站",
                at,
                MeetingStatus.HELD if held else MeetingStatus.PLANNED,
                "议定事项见纪要;小区党支部意见已通报。" if held else "",
                _token(d),
                d.admin_id,
                at - dt.timedelta(days=7),
            )
        )
        for position, topic in enumerate(agenda_of, start=1):
            agenda.append((meeting_id, topic, position))
            if held:
                decided.add(topic)
        meeting_id += 1
        return meeting_id - 1

    def take(path: str, before: dt.datetime, most: int) -> list[int]:
        chosen: list[int] = []
        line = queue.get(path)
        while line and len(chosen) < most and line[0][1] < before:
            chosen.append(line.popleft()[0])
        return chosen

    committees = [
        (pk, home)
        for pk, kind, home in Organisation.objects.order_by("pk").values_list("pk", "kind", "home_id")
        if kind == OrganisationKind.OWNERS_COMMITTEE
    ]
    compounds = {n.id: n for n in d.by_kind["compound"]}
    for org, home in committees:
        if home not in compounds:
            continue
        compound = compounds[home]
        secretary = d.holder_at("branch_secretary", compound.path)
        for month in d.months():
            if rng.random() > 10 / 12:
                continue
            day = month + dt.timedelta(days=rng.randrange(27))
            if day < d.first:
                continue
            at = d.at(day, 19)
            on_agenda = take(compound.path, at - dt.timedelta(days=10), rng.randint(1, 3))
            if on_agenda and rng.random() < 0.6:
                meeting(
                    compound,
                    MeetingKind.BRANCH_FIRST,
                    f"{compound.name}党支部先议会",
                    at - dt.timedelta(days=rng.randint(3, 9)),
                    on_agenda,
                )
            mid = meeting(
                compound, MeetingKind.OWNERS_COMMITTEE, f"{day.month}月{compound.name}业委会例会", at, on_agenda
            )
            if at >= d.now:
                continue
            if secretary is not None and rng.random() < 0.65:
                sign_ins.append((mid, secretary.person_id, rng.random() < 0.7, at))
            serving = [p for p, starts, ends in members_of.get(org, []) if starts <= day <= ends]
            for person in rng.sample(serving, min(len(serving), rng.randint(3, 5))):
                sign_ins.append((mid, person, True, at + dt.timedelta(minutes=rng.randint(-10, 5))))
    for month in d.months():
        for community in d.by_kind["community"]:
            day = month + dt.timedelta(days=rng.randrange(27))
            if day >= d.first:
                pool = d.under("compound", community.path)
                on_agenda = take(rng.choice(pool).path, d.at(day), 2) if pool else []
                meeting(
                    community, MeetingKind.COUNCIL, f"{day.month}月{community.name}党群议事会", d.at(day, 15), on_agenda
                )
        if month.month % 3 != 1:
            continue
        for compound in d.by_kind["compound"]:
            day = month + dt.timedelta(days=rng.randrange(80))
            if d.first <= day:
                on_agenda = take(compound.path, d.at(day), 1)
                meeting(compound, MeetingKind.HEART_TO_HEART, f"{compound.name}屋场恳谈会", d.at(day, 19), on_agenda)
        for street in d.by_kind["street"]:
            day = month + dt.timedelta(days=rng.randrange(80))
            if d.first <= day:
                meeting(street, MeetingKind.JOINT, f"{street.name}区域化党建联席会议", d.at(day, 14), [])
    scheduled = {topic for _m, topic, _p in agenda}
    for row in topics:
        if row[0] in decided:
            row[7] = TopicStatus.CLOSED if rng.random() < 0.6 else TopicStatus.DECIDED
        elif row[0] in scheduled:
            row[7] = TopicStatus.SCHEDULED
    counts = {
        "deliberation topics": insert_tuples(
            Topic,
            [
                "id",
                "place_id",
                "place_path",
                "title",
                "body",
                "source",
                "level",
                "status",
                "raised_by_id",
                "created_at",
            ],
            (tuple(row) for row in topics),
        ),
        "deliberation meetings": insert_tuples(Meeting, MEETING_COLUMNS, meetings),
        "agenda items": insert_tuples(AgendaItem, ["meeting_id", "topic_id", "position"], agenda),
        "meeting sign-ins": insert_tuples(MeetingSignIn, ["meeting_id", "person_id", "via_qr", "signed_at"], sign_ins),
    }
    fix_sequence(Topic)
    fix_sequence(Meeting)
    return counts


def _case(
    d: District, case_id: int, place: Any, opened: dt.date, venue: int | None, mediators: list[int]
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """A dispute brought to mediation on ``opened``: the case row and its sittings (closed after ten days, 95%
    of those closed with success)."""
    rng = d.rng
    title, dispute = rng.choice(DISPUTES)
    closed, outcome, agreement = None, MediationOutcome.PENDING, ""
    if (d.today - opened).days > 10 and rng.random() < 0.97:
        closed = min(d.today - dt.timedelta(days=1), opened + dt.timedelta(days=rng.randint(0, 20)))
        outcome = MediationOutcome.SUCCESS if rng.random() < 0.95 else MediationOutcome.FAILURE
        agreement = "双方自愿达成协议,当场履行" if outcome == MediationOutcome.SUCCESS else ""
    parties = [f"{rng.choice('张王李赵刘陈杨黄')}先生", f"{rng.choice('张王李赵刘陈杨黄')}女士"]
    row = (
        case_id,
        place.id,
        place.path,
        title,
        dispute,
        parties,
        rng.choice(mediators),
        opened,
        outcome,
        agreement,
        closed,
        d.admin_id,
        venue,
    )
    sittings = [
        (
            case_id,
            min(d.today, opened + dt.timedelta(days=3 * k)),
            "召集双方面对面协商,讲清法律规定和邻里情分",
            d.admin_id,
        )
        for k in range(rng.randint(1, 2))
    ]
    return row, sittings


def _mediation_and_legal(d: District) -> dict[str, int]:
    rng = d.rng
    span = (d.today - d.first).days
    venue_id, case_id, session_id = next_id(MediationVenue), next_id(MediationCase), next_id(LegalSession)
    venues, on_duty, cases, sittings, sessions, attendees, intakes = [], [], [], [], [], [], []
    for community in d.by_kind["community"]:
        compounds = d.under("compound", community.path)
        if not compounds:
            continue
        mediators = [h.person_id for h in d.holders["mediator"] if h.path.startswith(community.path)]
        mediators += [h.person_id for h in d.holders["community_staff"] if h.path == community.path]
        if not mediators:
            continue
        here = []
        for place, name, kind, address, hours in (
            (community, "平安驿站", VenueKind.SAFETY_POST, "社区党群服务中心一楼", "每天 8:30–17:30"),
            (
                compounds[0],
                "“惠解忧”调解工作室",
                VenueKind.MEDIATION_ROOM,
                f"{compounds[0].name}物业楼二楼",
                "工作日 9:00–17:00",
            ),
            (community, "“暖心桥”政协委员工作室", VenueKind.MEMBER_ROOM, "社区党群服务中心二楼", "每月第一个周三下午"),
        ):
            venues.append((venue_id, place.id, place.path, name, kind, address, hours, True, d.admin_id, d.at(d.first)))
            on_duty.append((venue_id, mediators[0]))
            here.append(venue_id)
            venue_id += 1

        for _ in range(30 * span // 365):
            opened = d.first + dt.timedelta(days=rng.randrange(span))
            row, held_at = _case(
                d,
                case_id,
                rng.choice(compounds),
                opened,
                rng.choice(here[:2]) if rng.random() < 0.67 else None,
                mediators,
            )
            cases.append(row)
            sittings += held_at
            case_id += 1
        for month in d.months():
            scheduled = month + dt.timedelta(days=rng.randrange(27))
            if scheduled < d.first:
                continue
            place = rng.choice(compounds)
            status, held, consulted, summary, reason = LegalSessionStatus.PLANNED, None, 0, "", ""
            if scheduled < d.today:
                if rng.random() < 1 / 12:
                    status, reason = LegalSessionStatus.CANCELLED, "天气原因,改期举行"
                else:
                    status, held, consulted = LegalSessionStatus.HELD, scheduled, rng.randint(8, 30)
                    summary = "现场解答居民法律咨询,发放普法宣传资料。"
            sessions.append(
                (
                    session_id,
                    place.id,
                    place.path,
                    here[0],
                    scheduled,
                    "物业纠纷、婚姻家庭、邻里矛盾等法律咨询",
                    status,
                    held,
                    consulted,
                    summary,
                    reason,
                    d.admin_id,
                    d.at(scheduled - dt.timedelta(days=10)),
                )
            )
            if held is not None:
                for role, name, unit in rng.sample(LEGAL_TEAM, rng.randint(3, 5)):
                    attendees.append((session_id, role, name, unit))
                if rng.random() < 0.2:
                    row, held_at = _case(d, case_id, place, held, here[0], mediators)
                    cases.append(row)
                    sittings += held_at
                    intakes.append((session_id, IntakeKind.MEDIATION, case_id, d.admin_id, d.at(held, 11)))
                    case_id += 1
            session_id += 1
    counts = {
        "mediation venues": insert_tuples(
            MediationVenue,
            [
                "id",
                "place_id",
                "place_path",
                "name",
                "kind",
                "address",
                "opening_hours",
                "active",
                "created_by_id",
                "created_at",
            ],
            venues,
        ),
        "venue duty": insert_tuples(MediationVenue.on_duty.through, ["mediationvenue_id", "person_id"], on_duty),
        "mediation cases": insert_tuples(
            MediationCase,
            [
                "id",
                "place_id",
                "place_path",
                "title",
                "dispute",
                "parties",
                "mediator_id",
                "opened_on",
                "outcome",
                "agreement",
                "closed_on",
                "created_by_id",
                "venue_id",
            ],
            cases,
        ),
        "mediation sessions": insert_tuples(
            MediationSession, ["case_id", "held_on", "note", "recorded_by_id"], sittings
        ),
        "legal sessions": insert_tuples(
            LegalSession,
            [
                "id",
                "place_id",
                "place_path",
                "venue_id",
                "scheduled_on",
                "topics",
                "status",
                "held_on",
                "residents_consulted",
                "summary",
                "cancel_reason",
                "created_by_id",
                "created_at",
            ],
            sessions,
        ),
        "legal session attendees": insert_tuples(
            LegalSessionAttendee, ["session_id", "role", "name", "unit"], attendees
        ),
        "legal intakes": insert_tuples(
            LegalIntake, ["session_id", "kind", "case_id", "created_by_id", "created_at"], intakes
        ),
    }
    for model in (MediationVenue, MediationCase, LegalSession):
        fix_sequence(model)
    return counts
