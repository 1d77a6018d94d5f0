"""The community worker register at district volume: in every community its 党组织书记, its two 社区工作者 and
its 专职网格员 are community workers (a 公益性岗位 for one grid worker in five), with grades, education and
qualifications (about half hold a social-work certificate); about one in twenty-five has left in the span and is
replaced by another resident (hired then, their predecessor's spell closed with a reason); a tenth are promoted
each year (a dated grade change). Each street holds a training session a month, attended by about seven in ten of
the workers under it in post that day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from linli.core import crypto
from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import District
from linli.workforce.demo import EDUCATIONS, QUALIFICATIONS
from linli.workforce.models import Attendance, EventKind, LeaveReason, Training, Worker, WorkerEvent

MARKER = Worker  # rows here mean the step has run
TOPICS = [
    ("generalist", "“全科社工”专题培训"),
    ("policy", "政策法规培训"),
    ("party", "党建业务培训"),
    ("service", "服务技能培训"),
    ("digital", "信息化应用培训"),
]
WORKER_COLUMNS = [
    "id",
    "person_id",
    "place_id",
    "place_path",
    "post",
    "grade",
    "employment",
    "hired_on",
    "left_on",
    "leave_reason",
    "leave_note",
    "education",
    "qualification",
    "certificate_enc",
    "created_by_id",
    "created_at",
    "updated_at",
]


def build(d: District, progress: Any) -> dict[str, int]:
    rng = d.rng
    worker_id = next_id(Worker)
    workers: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    spells: list[tuple[int, str, dt.date, dt.date | None]] = []  # id, community path, hired, left
    residents = sorted({p for ms in d.members.values() for p in ms} - d.party)
    spare = iter(rng.sample(residents, min(len(residents), 2000)))
    span = (d.today - d.first).days
    certificate = 0

    def hire(
        person: int, community: Any, post: str, grade: int, employment: str, hired: dt.date, left: dt.date | None = None
    ) -> int:
        nonlocal worker_id, certificate
        qualification = rng.choice(QUALIFICATIONS)
        certificate += 1
        enc = crypto.encrypt(f"ZS{certificate:010d}") if qualification else ""
        reason = rng.choice([LeaveReason.RESIGNED, LeaveReason.TRANSFERRED, LeaveReason.CONTRACT_ENDED]) if left else ""
        workers.append(
            (
                worker_id,
                person,
                community.id,
                community.path,
                post,
                grade,
                employment,
                hired,
                left,
                reason,
                "考取公务员" if reason == LeaveReason.RESIGNED else "",
                rng.choice(EDUCATIONS),
                qualification,
                enc,
                d.admin_id,
                d.at(hired),
                d.at(left or hired),
            )
        )
        events.append((worker_id, EventKind.HIRED, hired, post, grade, community.id, "", d.admin_id, d.at(hired)))
        if left is not None:
            events.append((worker_id, EventKind.LEFT, left, post, grade, community.id, "", d.admin_id, d.at(left)))
        else:
            day, level = hired, grade
            while True:
                day += dt.timedelta(days=rng.randint(300, 3000))
                if day >= d.today or level >= 18:
                    break
                if day > d.first:
                    level += 1
                    events.append(
                        (
                            worker_id,
                            EventKind.CHANGED,
                            day,
                            post,
                            level,
                            community.id,
                            "年度考核优秀,晋升一级",
                            d.admin_id,
                            d.at(day),
                        )
                    )
            if level != grade:
                row = list(workers[-1])
                row[5] = level
                workers[-1] = tuple(row)
        spells.append((worker_id, community.path, hired, left))
        worker_id += 1
        return worker_id - 1

    for community in d.by_kind["community"]:
        staff = [
            (h.person_id, "secretary", rng.randrange(13, 17), "full_time")
            for h in d.holders["community_secretary"]
            if h.path == community.path
        ]
        staff += [
            (h.person_id, "deputy_director" if k == 0 else "other", rng.randrange(4, 11), "full_time")
            for k, h in enumerate(h for h in d.holders["community_staff"] if h.path == community.path)
        ]
        staff += [
            (
                h.person_id,
                "member" if rng.random() < 0.2 else "other",
                rng.randrange(2, 8),
                "public_welfare" if rng.random() < 0.2 else "full_time",
            )
            for h in d.holders["grid_worker"]
            if h.path.startswith(community.path)
        ]
        for person, post, grade, employment in staff:
            if rng.random() < 0.04:  # a predecessor who left in the span; the holder was hired then
                left = d.first + dt.timedelta(days=rng.randrange(span))
                predecessor = next(spare, None)
                if predecessor is not None:
                    hire(predecessor, community, post, grade, employment, dt.date(rng.randint(2015, 2020), 3, 1), left)
                    hire(person, community, post, grade, employment, left + dt.timedelta(days=1))
                    continue
            hire(
                person,
                community,
                post,
                grade,
                employment,
                dt.date(rng.randint(2012, d.first.year), rng.randint(1, 12), 1),
            )
    counts = {
        "community workers": insert_tuples(Worker, WORKER_COLUMNS, workers),
        "worker events": insert_tuples(
            WorkerEvent,
            ["worker_id", "kind", "effective_on", "post", "grade", "place_id", "note", "actor_id", "at"],
            events,
        ),
    }
    fix_sequence(Worker)

    training_id = next_id(Training)
    trainings, attendance = [], []
    for street in d.by_kind["street"]:
        mine = [s for s in spells if s[1].startswith(street.path)]
        for month in d.months():
            held = month + dt.timedelta(days=rng.randrange(27))
            if held < d.first or held >= d.today:
                continue
            topic, title = rng.choice(TOPICS)
            trainings.append(
                (
                    training_id,
                    street.id,
                    street.path,
                    f"{held.year}年{held.month}月{title}",
                    topic,
                    held,
                    rng.choice(["2.0", "2.5", "3.0", "4.0"]),
                    f"{street.name}党工委",
                    f"{street.name}党群服务中心",
                    d.admin_id,
                    d.at(held - dt.timedelta(days=10)),
                )
            )
            for pk, _path, start, ended in mine:
                if start <= held and (ended is None or ended > held) and rng.random() < 0.7:
                    attendance.append((training_id, pk, d.admin_id, d.at(held, 17)))
            training_id += 1
    counts["worker trainings"] = insert_tuples(
        Training,
        [
            "id",
            "place_id",
            "place_path",
            "title",
            "topic",
            "held_on",
            "hours",
            "organiser",
            "location",
            "created_by_id",
            "created_at",
        ],
        trainings,
    )
    counts["training attendances"] = insert_tuples(
        Attendance, ["training_id", "worker_id", "recorded_by_id", "recorded_at"], attendance
    )
    fix_sequence(Training)
    return counts
