"""走访 at district volume: each grid worker covers every household of their grid once a quarter (the 网格员
每季度全覆盖 rule) and each key household once a month (每月走遍重点户), community secretaries and staff visit ten
households a week (≥10户/周), hazard points are inspected on their schedule, and every request raised on a
visit (source 走访) comes with the visit and the finding it was raised from. One household in eight is a key
household: a care tag on its first member and a monthly care plan with the grid worker answering for it.

Visits are written a quarter at a time in the order they happened (ids follow time, as in a live database),
with the residents met (``Visit.persons``) and findings (6% of household visits, 60% of them solved on the spot).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from typing import Any

from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import STEP, District, Rows
from linli.people.models import CareTag, PersonTag
from linli.tickets.models import Source, Ticket
from linli.visits.demo import FINDINGS, HAZARDS
from linli.visits.models import CarePlan, ChecklistTemplate, Finding, HazardPoint, Visit, VisitKind

ROUTINE_SHARE = 0.9  # households a grid worker reaches in a quarter
KEY_SHARE = 0.85  # key households reached in a month
STAFF_PER_WEEK = 10
FINDING_SHARE = 0.06
SIX = [
    {"people": "家庭成员无变化", "risks": "未发现隐患"},
    {"welfare": "养老补贴按时发放", "people": "家庭成员无变化"},
    {"events": "无", "suspicious": "无"},
    {"people": "新增租户一人,已登记", "risks": "未发现隐患", "disaster": "无"},
]
CARE = [
    {"living": "饮食起居正常", "health": "血压偏高,按时服药"},
    {"needs": "希望上门理发"},
    {"living": "居住环境整洁"},
]
VISIT_COLUMNS = [
    "id",
    "place_id",
    "place_path",
    "household_id",
    "hazard_id",
    "visitor_id",
    "visitor_person_id",
    "visited_at",
    "kind",
    "template_id",
    "answers",
    "notes",
    "people_served",
    "feedback_superior",
    "feedback_resident",
    "created_at",
]

Plan = tuple[Any, ...]  # (visited_at, household, person, kind, extra): a quarter's plans sort by time


MARKER = Visit  # rows here mean the step has run


def _quarters(d: District) -> list[tuple[dt.date, dt.date]]:
    """[start, end) of each quarter the span touches, clipped to the span's days before today."""
    out = []
    day = d.first.replace(month=(d.first.month - 1) // 3 * 3 + 1, day=1)
    while day < d.today:
        nxt = dt.date(day.year + (day.month + 2) // 12, (day.month + 2) % 12 + 1, 1)
        out.append((max(day, d.first), min(nxt, d.today)))
        day = nxt
    return out


def _moment(d: District, start: dt.date, end: dt.date) -> dt.datetime:
    day = start + dt.timedelta(days=d.rng.randrange(max(1, (end - start).days)))
    return d.at(day, d.rng.randint(8, 17), d.rng.randrange(60))


def build(d: District, progress: Any) -> dict[str, int]:
    rng = d.rng
    templates = dict(ChecklistTemplate.objects.values_list("code", "pk"))
    six, care = templates.get("six_checks"), templates.get("care_visit")
    by_grid: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    by_building: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    by_community: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for hh in d.households:
        by_grid[hh[2][: 5 * STEP]].append(hh)
        by_building[hh[2][: 6 * STEP]].append(hh)
        by_community[hh[2][: 3 * STEP]].append(hh)
    workers = {h.path: h for h in d.holders["grid_worker"]}

    # Key households: a care tag on the first member of every eighth household of a grid, and a care plan.
    tags = list(CareTag.objects.filter(active=True).order_by("sort", "pk").values_list("pk", "sensitive"))
    key: set[int] = set()
    tag_rows, plan_rows = [], []
    for grid, households in by_grid.items():
        worker = workers.get(grid)
        for hh in households[::8]:
            people = d.members.get(hh[0])
            if not people or worker is None or not tags:
                continue
            key.add(hh[0])
            tag = rng.choice(tags)[0]
            tag_rows.append((people[0], tag, d.at(d.first, 9)))
            plan_rows.append((hh[0], hh[2], worker.person_id, 30, True, d.user_of(worker.person_id), d.at(d.first, 10)))
    counts = {
        "person tags": insert_tuples(PersonTag, ["person_id", "tag_id", "created_at"], tag_rows),
        "care plans": insert_tuples(
            CarePlan,
            ["household_id", "place_path", "responsible_id", "frequency_days", "active", "created_by_id", "created_at"],
            plan_rows,
        ),
    }

    # Hazard points: one at each compound, in the care of the grid worker of its first grid.
    hazard_id = next_id(HazardPoint)
    hazards = []
    for compound in d.by_kind["compound"]:
        worker = next((w for path, w in workers.items() if path.startswith(compound.path)), None)
        if worker is None:
            continue
        name, level = HAZARDS[rng.randrange(len(HAZARDS))]
        hazards.append((hazard_id, compound, worker, name, level, rng.choice([7, 14, 30])))
        hazard_id += 1
    _hazard_points(d, hazards)

    # Requests raised on a visit: each gets the visit it came from and its finding.
    since = d.at(d.first, 0)
    raised = list(
        Ticket.objects.filter(source=Source.VISIT, submitted_at__gte=since)
        .order_by("submitted_at", "id")
        .values_list("id", "place_path", "submitted_at", "title")
    )
    household_paths = [hh[2] for hh in d.households]

    def households_under(path: str) -> list[tuple[int, int, str]]:
        if path in by_building:
            return by_building[path]
        lo, hi = bisect.bisect_left(household_paths, path), bisect.bisect_left(household_paths, path + "~")
        return d.households[lo:hi]

    last_inspected: dict[int, dt.datetime] = {}
    visit_id = next_id(Visit)
    n_visits = n_met = n_findings = n_linked = 0
    quarters = _quarters(d)
    ticket_at = 0
    for q_start, q_end in quarters:
        share = (q_end - q_start).days / 91
        plans: list[Plan] = []
        for grid, households in by_grid.items():
            worker = workers.get(grid)
            if worker is None:
                continue
            for hh in households:
                if rng.random() < ROUTINE_SHARE * share:
                    plans.append((_moment(d, q_start, q_end), hh, worker.person_id, VisitKind.ROUTINE, None))
                if hh[0] in key:
                    month = q_start
                    while month < q_end:
                        after = min(q_end, (month + dt.timedelta(days=32)).replace(day=1))
                        if rng.random() < KEY_SHARE * (after - month).days / 30:
                            how = rng.choice([VisitKind.KEY_HOUSEHOLD, VisitKind.KEY_HOUSEHOLD, VisitKind.HARDSHIP])
                            plans.append((_moment(d, month, after), hh, worker.person_id, how, None))
                        month = after
        for position in ("community_secretary", "community_staff"):
            for holder in d.holders[position]:
                pool = by_community.get(holder.path[: 3 * STEP], [])
                weeks = max(1, round((q_end - q_start).days / 7))
                for hh in rng.sample(pool, min(len(pool), STAFF_PER_WEEK * weeks)) if pool else []:
                    plans.append((_moment(d, q_start, q_end), hh, holder.person_id, VisitKind.ROUTINE, None))
        for hazard in hazards:
            every = hazard[5]
            day = q_start + dt.timedelta(days=rng.randrange(every))
            while day < q_end:
                plans.append((d.at(day, rng.randint(8, 16), rng.randrange(60)), None, hazard[2].person_id, "", hazard))
                day += dt.timedelta(days=every + rng.randint(-1, 2))
        q_end_at = d.at(q_end, 0)
        while ticket_at < len(raised) and raised[ticket_at][2] < q_end_at:
            tid, path, submitted, title = raised[ticket_at]
            ticket_at += 1
            pool = households_under(path)
            if not pool:
                continue
            worker = workers.get(pool[0][2][: 5 * STEP])
            if worker is None:
                continue
            at = submitted - dt.timedelta(minutes=rng.randint(5, 90))
            plans.append((at, rng.choice(pool), worker.person_id, VisitKind.ROUTINE, (tid, title)))
        plans.sort(key=lambda p: p[0])
        visits: Rows = []
        met: Rows = []
        findings: Rows = []
        for at, hh, person_id, kind, extra in plans:
            user = d.user_of(person_id)
            if hh is None:  # a hazard inspection
                hid, compound, _worker, _name, _level, _every = extra
                visits.append(
                    (
                        visit_id,
                        compound.id,
                        compound.path,
                        None,
                        hid,
                        user,
                        person_id,
                        at,
                        VisitKind.HAZARD,
                        None,
                        {},
                        "现场巡查,未见异常。",
                        0,
                        False,
                        False,
                        at,
                    )
                )
                last_inspected[hid] = at
                visit_id += 1
                continue
            people = d.members.get(hh[0], [])
            chosen = people[: rng.randint(1, min(3, len(people)))] if people else []
            is_key = kind != VisitKind.ROUTINE
            template = care if is_key else six
            answers = dict(rng.choice(CARE if is_key else SIX)) if template else {}
            visits.append(
                (
                    visit_id,
                    hh[1],
                    hh[2],
                    hh[0],
                    None,
                    user,
                    person_id,
                    at,
                    kind,
                    template,
                    answers,
                    "",
                    len(chosen),
                    rng.random() < 0.7,
                    rng.random() < 0.8,
                    at,
                )
            )
            met.extend((visit_id, p) for p in chosen)
            if isinstance(extra, tuple):
                findings.append((visit_id, hh[2], extra[1], extra[0], False, "", at))
                n_linked += 1
            elif rng.random() < FINDING_SHARE:
                solved = rng.random() < 0.6
                note = "现场协调解决" if solved else ""
                findings.append((visit_id, hh[2], rng.choice(FINDINGS), None, solved, note, at))
            visit_id += 1
        n_visits += insert_tuples(Visit, VISIT_COLUMNS, visits)
        n_met += insert_tuples(Visit.persons.through, ["visit_id", "person_id"], met)
        n_findings += insert_tuples(
            Finding,
            ["visit_id", "place_path", "text", "ticket_id", "solved_on_spot", "solved_note", "created_at"],
            findings,
        )
        progress(
            f"    visits to {q_end:%Y-%m-%d}: {n_visits:,} visits, {n_met:,} residents met, {n_findings:,} findings"
        )
    progress(f"    of the findings, {n_linked:,} are the requests raised on those visits (source 走访)")
    for hid, at in last_inspected.items():
        HazardPoint.objects.filter(pk=hid).update(last_inspected_at=at)
    fix_sequence(Visit)
    fix_sequence(HazardPoint)
    counts.update(
        {
            "hazard points": len(hazards),
            "visits": n_visits,
            "visit residents met": n_met,
            "visit findings": n_findings,
        }
    )
    return counts


def _hazard_points(d: District, hazards: list[tuple[Any, ...]]) -> None:
    rows = [
        (
            hid,
            compound.id,
            compound.path,
            f"{compound.name}{name}",
            level,
            worker.person_id,
            every,
            "汛期每日巡查,水位超警戒线时在业主群预警。",
            "设置警示围挡,通知物业抽排,必要时疏散车辆和人员。",
            True,
            d.user_of(worker.person_id),
            d.at(d.first, 9),
        )
        for hid, compound, worker, name, level, every in hazards
    ]
    insert_tuples(
        HazardPoint,
        [
            "id",
            "place_id",
            "place_path",
            "name",
            "level",
            "responsible_id",
            "inspect_every_days",
            "warning_plan",
            "response_plan",
            "active",
            "created_by_id",
            "created_at",
        ],
        rows,
    )
