"""Party branch life at district volume: every resident party member is a member of the branch of their compound
(in the 党小组 of their building), each branch secretary too; every branch keeps 三会一课 by the meeting rules —
a 支委会 and a 工作碰头会 (一会三清) of its committee each month, a 主题党日 and each 党小组's meeting each month, a
支部党员大会 and a 党课 each quarter, the 组织生活会 and 民主评议党员 each January — seven branches in ten without
fail, the rest missing about a meeting in four; attendance is recorded for each member (85% present, 10% on
leave with a reason, 5% absent). Each street's 党工委 assigns one study material a month to every member under
it; four in five complete it (the elderly and infirm by 送学上门, delivered by a member of their branch)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import STEP, District, Rows
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.partylife.demo import ABSENCE_REASONS
from linli.partylife.models import (
    Attendance,
    AttendanceStatus,
    BranchProfile,
    Employment,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Membership,
    MemberStatus,
    SecretaryRecord,
    StudyCompletion,
    StudyMaterial,
    StudyMethod,
)
from linli.people.models import Person, party_fields

STUDY_TITLES = ["党史学习教育专题", "学习贯彻党的二十大精神", "《中国共产党章程》学习", "基层治理政策解读", "廉政教育"]
MEETING_COLUMNS = [
    "id",
    "org_path",
    "branch_id",
    "kind",
    "title",
    "date",
    "location",
    "minutes",
    "clear_directives",
    "clear_causes",
    "clear_tasks",
    "status",
    "planned_by_id",
    "created_at",
]


MARKER = Membership  # rows here mean the step has run


def build(d: District, progress: Any) -> dict[str, int]:
    rng = d.rng
    orgs = list(PartyOrg.objects.active().order_by("path").values_list("id", "path", "kind", "place_path"))
    branches = [(pk, path, place) for pk, path, kind, place in orgs if kind == PartyOrgKind.BRANCH]
    groups: dict[int, list[tuple[int, str]]] = defaultdict(list)  # branch id → (group id, building path)
    branch_at: dict[str, tuple[int, str]] = {}  # compound path → (branch id, branch org path)
    for pk, path, place in branches:
        branch_at[place] = (pk, path)
    by_org_path = {path: pk for pk, path, _kind, _place in orgs}
    for pk, path, kind, place in orgs:
        if kind == PartyOrgKind.GROUP and path[:-STEP] in by_org_path:
            groups[by_org_path[path[:-STEP]]].append((pk, place))
    secretaries = {h.party_org_id: h for h in d.holders["branch_secretary"] if h.party_org_id}
    # A branch secretary is a party member (the scale builder does not say so).
    Person.objects.filter(pk__in=[h.person_id for h in secretaries.values()]).update(**party_fields(True))

    # Memberships: each resident party member in the branch of their compound, the group of their building.
    members: dict[int, list[tuple[int, int | None, bool]]] = defaultdict(list)  # branch → (person, group, elderly)
    rows = []
    compound_len = 4 * STEP
    for person in sorted(d.party):
        path = d.person_path[person]
        found = branch_at.get(path[:compound_len])
        if found is None:
            continue
        branch_id, org_path = found
        group = next((g for g, building in groups[branch_id] if path.startswith(building)), None)
        age = d.today.year - d.birth_year.get(person, d.today.year - 45)
        elderly = age >= 75
        retired = age >= 60 or rng.random() < 0.3
        joined = dt.date(rng.randint(2008, d.first.year), rng.randint(1, 12), 1)
        rows.append(
            (
                person,
                branch_id,
                group,
                org_path,
                MemberStatus.PROBATIONARY if rng.random() < 0.04 else MemberStatus.FULL,
                Employment.RETIRED if retired else Employment.IN_SERVICE,
                rng.random() < 0.08,
                elderly,
                dt.date(max(1960, d.today.year - age + rng.randint(18, 40)), rng.randint(1, 12), 1),
                joined,
                d.at(joined),
            )
        )
        members[branch_id].append((person, group, elderly))
    for org_id, holder in secretaries.items():
        branch = next((b for b in branches if b[0] == org_id), None)
        if branch is None or holder.person_id in d.party:
            continue
        rows.append(
            (
                holder.person_id,
                org_id,
                None,
                branch[1],
                MemberStatus.FULL,
                Employment.IN_SERVICE,
                False,
                False,
                dt.date(2005, 7, 1),
                dt.date(2015, 1, 1),
                d.at(dt.date(2015, 1, 1)),
            )
        )
        members[org_id].insert(0, (holder.person_id, None, False))
    counts = {
        "party memberships": insert_tuples(
            Membership,
            [
                "person_id",
                "branch_id",
                "group_id",
                "org_path",
                "status",
                "employment",
                "is_mobile",
                "is_elderly_or_infirm",
                "joined_party_on",
                "joined_on",
                "created_at",
            ],
            rows,
        )
    }
    counts["branch profiles"] = insert_tuples(
        BranchProfile,
        ["org_id", "founded_on"],
        ((pk, dt.date(rng.randint(2005, 2020), rng.randint(1, 12), 1)) for pk, _path, _place in branches),
    )
    parents = {path: pk for pk, path, kind, _place in orgs if kind == PartyOrgKind.COMMITTEE}
    counts["secretary records"] = insert_tuples(
        SecretaryRecord,
        [
            "person_id",
            "branch_id",
            "org_path",
            "filed_on",
            "filed_with_id",
            "qualifications",
            "term_start",
            "term_end",
            "in_community_committee",
            "created_at",
        ],
        (
            (
                h.person_id,
                pk,
                path,
                d.first,
                parents[path[:-STEP]],
                "有信念、有能力、有威望、有热情(“四有”)",
                d.first,
                d.first.replace(year=d.first.year + 5),
                rng.random() < 0.3,
                d.at(d.first),
            )
            for pk, path, _place in branches
            if (h := secretaries.get(pk)) and path[:-STEP] in parents
        ),
    )
    counts.update(_meetings(d, branches, groups, members, secretaries, progress))
    counts.update(_study(d, orgs, members, branches, progress))
    return counts


def _plan(d: District, month: dt.date, diligent: bool, kinds: Sequence[str]) -> list[tuple[str, dt.date]]:
    out = []
    for kind in kinds:
        if not diligent and d.rng.random() < 0.25:
            continue
        day = month + dt.timedelta(days=d.rng.randrange(27))
        if day >= d.first:
            out.append((kind, day))
    return out


def _meetings(
    d: District,
    branches: list[tuple[int, str, str]],
    groups: dict[int, list[tuple[int, str]]],
    members: dict[int, list[tuple[int, int | None, bool]]],
    secretaries: dict[int, Any],
    progress: Any,
) -> dict[str, int]:
    rng = d.rng
    meeting_id = next_id(Meeting)
    n_meetings = n_attendance = 0
    diligent = {pk: rng.random() < 0.7 for pk, _path, _place in branches}
    for month in d.months():
        meetings: Rows = []
        attendance: Rows = []
        for pk, path, place in branches:
            people = members.get(pk, [])
            if not people:
                continue
            kinds = [MeetingKind.COMMITTEE, MeetingKind.WORK, MeetingKind.THEME_DAY]
            if month.month % 3 == 2:
                kinds.append(MeetingKind.GENERAL)
            if month.month % 3 == 0:
                kinds.append(MeetingKind.LECTURE)
            if month.month == 1:
                kinds += [MeetingKind.LIFE_MEETING, MeetingKind.EVALUATION]
            planned = _plan(d, month, diligent[pk], kinds)
            for group_id, _building in groups.get(pk, []):
                if any(g == group_id for _p, g, _e in people):
                    planned += [(f"group:{group_id}", day) for _k, day in _plan(d, month, diligent[pk], ["group"])]
            secretary = secretaries.get(pk)
            user = d.user_of(secretary.person_id if secretary else None)
            committee = [p for p, _g, _e in people[:5]]
            for kind, day in planned:
                held = day < d.today
                attendees: list[int]
                if kind.startswith("group:"):
                    group_id = int(kind.split(":")[1])
                    attendees = [p for p, g, _e in people if g == group_id]
                    kind = MeetingKind.GROUP
                elif kind in (MeetingKind.COMMITTEE, MeetingKind.WORK):
                    attendees = committee
                else:
                    attendees = [p for p, _g, _e in people]
                work = kind == MeetingKind.WORK
                meetings.append(
                    (
                        meeting_id,
                        path,
                        pk,
                        kind,
                        f"{day.month}月{MeetingKind(kind).label}",
                        day,
                        f"{d.nodes[place].name}党群服务站" if place in d.nodes else "",
                        "传达学习上级精神,研究本月为民服务事项。" if held else "",
                        "学习上级部署,明确本月工作要点。" if work else "",
                        "梳理居民反映集中的问题及其原因。" if work else "",
                        "分解任务,明确责任人和完成时限。" if work else "",
                        MeetingStatus.HELD if held else MeetingStatus.PLANNED,
                        user,
                        d.at(day - dt.timedelta(days=7)),
                    )
                )
                if held:
                    for person in attendees:
                        roll = rng.random()
                        if roll < 0.85:
                            attendance.append((meeting_id, person, AttendanceStatus.PRESENT, "", d.at(day, 14), user))
                        elif roll < 0.95:
                            reason = rng.choice(ABSENCE_REASONS)
                            attendance.append((meeting_id, person, AttendanceStatus.LEAVE, reason, None, user))
                        else:
                            attendance.append((meeting_id, person, AttendanceStatus.ABSENT, "", None, user))
                meeting_id += 1
        n_meetings += insert_tuples(Meeting, MEETING_COLUMNS, meetings)
        n_attendance += insert_tuples(
            Attendance, ["meeting_id", "person_id", "status", "reason", "signed_in_at", "recorded_by_id"], attendance
        )
        if month.month % 6 == 0:
            progress(f"    party meetings to {month:%Y-%m}: {n_meetings:,} meetings, {n_attendance:,} attendance rows")
    fix_sequence(Meeting)
    return {"party meetings": n_meetings, "party meeting attendance": n_attendance}


def _study(
    d: District,
    orgs: list[tuple[int, str, str, str]],
    members: dict[int, list[tuple[int, int | None, bool]]],
    branches: list[tuple[int, str, str]],
    progress: Any,
) -> dict[str, int]:
    rng = d.rng
    material_id = next_id(StudyMaterial)
    materials: Rows = []
    completions: Rows = []
    branch_path = {pk: path for pk, path, _place in branches}
    for org_id, path, kind, _place in orgs:
        if kind != PartyOrgKind.WORKING_COMMITTEE:
            continue
        mine = [(b, m) for b, ms in members.items() if branch_path[b].startswith(path) for m in ms]
        for month in d.months():
            created = month + dt.timedelta(days=2)
            if created < d.first or created >= d.today:
                continue
            title = f"{created.year}年{created.month}月 {rng.choice(STUDY_TITLES)}"
            materials.append(
                (
                    material_id,
                    path,
                    org_id,
                    title,
                    "请各位党员按期学习。",
                    created + dt.timedelta(days=30),
                    d.admin_id,
                    d.at(created),
                )
            )
            able: dict[int, list[int]] = defaultdict(list)
            for branch, (person, _group, elderly) in mine:
                if not elderly:
                    able[branch].append(person)
            for branch, (person, _group, elderly) in mine:
                done = created + dt.timedelta(days=rng.randint(1, 30))
                if done >= d.today:
                    continue
                if elderly and able[branch] and rng.random() < 0.7:
                    completions.append(
                        (
                            material_id,
                            person,
                            StudyMethod.DELIVERED,
                            rng.choice(able[branch]),
                            "送书上门,逐段讲解",
                            done,
                            d.admin_id,
                        )
                    )
                elif not elderly and rng.random() < 0.8:
                    method = rng.choice([StudyMethod.ONLINE, StudyMethod.ONLINE, StudyMethod.SELF, StudyMethod.MEETING])
                    completions.append((material_id, person, method, None, "", done, d.admin_id))
            material_id += 1
    n = insert_tuples(
        StudyMaterial,
        ["id", "org_path", "org_id", "title", "body", "due_date", "created_by_id", "created_at"],
        materials,
    )
    completed = insert_tuples(
        StudyCompletion,
        ["material_id", "person_id", "method", "delivered_by_id", "note", "completed_on", "recorded_by_id"],
        completions,
    )
    fix_sequence(StudyMaterial)
    progress(f"    study: {n:,} materials, {completed:,} completions")
    return {"study materials": n, "study completions": completed}
