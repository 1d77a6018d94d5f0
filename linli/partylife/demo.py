"""Demo party branch life on an already-built demo street: members, meetings, study, secretaries.

Called by the demo builder after places, people, party orgs and positions exist. Rows are
bulk-created (the large demo has ~43 branches and ~1,800 party members); dates are in the
past relative to today, so figures and the 'behind' page have something to show.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from linli.orgs.models import PartyOrg, PartyOrgKind
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
    MentoringPair,
    MentoringSession,
    Recognition,
    SecretaryRecord,
    StudyCompletion,
    StudyMaterial,
    StudyMethod,
)
from linli.people.models import Person, Position, party_fields

ABSENCE_REASONS = ["外出务工", "住院治疗", "照顾家人", "出差", "年老体弱"]
STUDY_TITLES = ["党史学习教育专题:第一讲", "学习贯彻党的二十大精神", "《中国共产党章程》学习"]


@transaction.atomic
def build_demo_partylife(rng: random.Random) -> None:
    today = timezone.localdate()
    branches = list(PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).select_related("place").order_by("path"))
    groups = defaultdict(list)
    for g in PartyOrg.objects.filter(kind=PartyOrgKind.GROUP).select_related("place"):
        groups[g.path[: -PartyOrg.steplen]].append(g)
    secretaries = dict(
        Position.objects.filter(kind="branch_secretary", party_org__isnull=False).values_list(
            "party_org_id", "person_id"
        )
    )
    Person.objects.filter(pk__in=secretaries.values()).update(**party_fields(True))
    BranchProfile.objects.bulk_create(
        [BranchProfile(org=b, founded_on=dt.date(rng.randint(2005, 2020), rng.randint(1, 12), 1)) for b in branches]
    )
    memberships: list[Membership] = []
    for b in branches:
        people = Person.objects.filter(place_path__startswith=b.place.path, is_party_member=True, moved_out_on=None)
        for person in people.only("pk", "place_path", "birth_date"):
            group = next((g for g in groups[b.path] if person.place_path.startswith(g.place.path)), None)
            old = bool(person.birth_date and today.year - person.birth_date.year >= 75)
            memberships.append(
                Membership(
                    person=person,
                    branch=b,
                    group=group,
                    org_path=b.path,
                    status=MemberStatus.PROBATIONARY if rng.random() < 0.05 else MemberStatus.FULL,
                    employment=Employment.RETIRED if old or rng.random() < 0.5 else Employment.IN_SERVICE,
                    is_mobile=rng.random() < 0.08,
                    is_elderly_or_infirm=old,
                    joined_on=dt.date(2021, 1, 1),
                )
            )
    Membership.objects.bulk_create(memberships, batch_size=2000)
    members_of: dict[int, list[Membership]] = defaultdict(list)
    for m in memberships:
        members_of[m.branch_id].append(m)
    _meetings(rng, branches, members_of, today)
    _study(rng, branches, members_of, today)
    _secretaries(rng, branches, secretaries, today)


def _work_meetings(branches: list[PartyOrg], members_of: dict, today: dt.date) -> list[Attendance]:
    """Last month's 工作碰头会 of each branch, recorded with its three clears (一会三清, seed 001), all present.

    No random draws: the other meetings' attendance keeps the numbers it always had."""
    day = today.replace(day=1) - dt.timedelta(days=25)
    work = Meeting.objects.bulk_create(
        [
            Meeting(
                branch=b,
                org_path=b.path,
                kind=MeetingKind.WORK,
                title=f"{day.month}月工作碰头会",
                date=day,
                minutes="定措施:物业周五前更换排水泵;党员按楼栋分片巡查,每周一报。",
                clear_directives="学习区委关于汛期安全的通知,本月要点是地下空间排查。",
                clear_causes="3号楼地下室雨后积水,排水泵老化,物业未及时维修。",
                clear_tasks="物业换泵,业委会监督,党员分楼栋巡查并向居民说明进度。",
                status=MeetingStatus.HELD,
            )
            for b in branches
        ]
    )
    return [
        Attendance(meeting=m, person_id=member.person_id, status=AttendanceStatus.PRESENT)
        for m in work
        for member in members_of[m.branch_id]
    ]


def _meetings(rng: random.Random, branches: list[PartyOrg], members_of: dict, today: dt.date) -> None:
    meetings: list[Meeting] = []
    for b in branches:
        diligent = rng.random() < 0.7  # some branches fall behind, so the page has rows
        for back in range(1, 7):
            month_start = (today.replace(day=1) - dt.timedelta(days=31 * back)).replace(day=1)
            for kind in (MeetingKind.COMMITTEE, MeetingKind.THEME_DAY, MeetingKind.GROUP):
                if diligent or rng.random() < 0.5:
                    meetings.append(
                        Meeting(
                            branch=b,
                            org_path=b.path,
                            kind=kind,
                            title=f"{month_start.month}月{MeetingKind(kind).label}",
                            date=month_start + dt.timedelta(days=rng.randint(0, 25)),
                            minutes="传达学习上级精神,研究本月为民服务事项。",
                            status=MeetingStatus.HELD,
                        )
                    )
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    rows: list[Attendance] = _work_meetings(branches, members_of, today)

    for meeting in meetings:
        for m in members_of[meeting.branch_id]:
            roll = rng.random()
            if roll < 0.8:
                rows.append(Attendance(meeting=meeting, person_id=m.person_id, status=AttendanceStatus.PRESENT))
            else:
                status = AttendanceStatus.LEAVE if roll < 0.95 else AttendanceStatus.ABSENT
                rows.append(
                    Attendance(
                        meeting=meeting, person_id=m.person_id, status=status, reason=rng.choice(ABSENCE_REASONS)
                    )
                )
    Attendance.objects.bulk_create(rows, batch_size=5000)


def _study(rng: random.Random, branches: list[PartyOrg], members_of: dict, today: dt.date) -> None:
    materials = [
        StudyMaterial(org=b, org_path=b.path, title=rng.choice(STUDY_TITLES), body="请各位党员认真学习。")
        for b in branches
    ]
    StudyMaterial.objects.bulk_create(materials)
    completions: list[StudyCompletion] = []
    for material in materials:
        members = members_of[material.org_id]
        able = [m for m in members if not m.is_elderly_or_infirm]
        for m in members:
            if m.is_elderly_or_infirm and able and rng.random() < 0.7:
                completions.append(
                    StudyCompletion(
                        material=material,
                        person_id=m.person_id,
                        method=StudyMethod.DELIVERED,
                        delivered_by_id=rng.choice(able).person_id,
                        note="送书上门,逐段讲解",
                        completed_on=today,
                    )
                )
            elif not m.is_elderly_or_infirm and rng.random() < 0.75:
                completions.append(
                    StudyCompletion(
                        material=material, person_id=m.person_id, method=StudyMethod.ONLINE, completed_on=today
                    )
                )
    StudyCompletion.objects.bulk_create(completions, batch_size=5000)


def _secretaries(rng: random.Random, branches: list[PartyOrg], secretaries: dict[int, int], today: dt.date) -> None:
    parents = {p.path: p for p in PartyOrg.objects.filter(kind=PartyOrgKind.COMMITTEE)}
    records = [
        SecretaryRecord(
            person_id=secretaries[b.pk],
            branch=b,
            org_path=b.path,
            filed_on=dt.date(2023, 3, 1),
            filed_with=parents[b.path[: -PartyOrg.steplen]],
            qualifications="有信念、有能力、有威望、有热情(“四有”)",
            term_start=dt.date(2023, 3, 1),
            term_end=dt.date(2028, 2, 28),
            in_community_committee=rng.random() < 0.3,
        )
        for b in branches
        if b.pk in secretaries and b.path[: -PartyOrg.steplen] in parents
    ]
    SecretaryRecord.objects.bulk_create(records)
    for committee_path, committee in parents.items():
        mine = [r for r in records if r.org_path.startswith(committee_path)]
        if len(mine) >= 2:
            pair = MentoringPair.objects.create(
                mentor_id=mine[0].person_id,
                mentee_id=mine[1].person_id,
                org=committee,
                org_path=committee.path,
                started_on=dt.date(today.year - 1, 3, 1),
            )
            MentoringSession.objects.create(pair=pair, held_on=dt.date(today.year - 1, 4, 10), topic="如何开好主题党日")
        if mine:
            Recognition.objects.create(
                kind="org", org_id=mine[0].branch_id, org_path=mine[0].org_path, year=today.year - 1, level="street"
            )
