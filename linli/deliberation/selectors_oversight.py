"""业委会会议监督 (seed 002: 建立"小区党支部先议"和"小区书记列席业委会会议"等制度; 加强小区党支部对业委会……的领导).

For a node and a period, each compound under it that has an owners' committee (业委会) registered or held an
业委会会议 in the period:

- *held*: 业委会会议 recorded as held (minutes recorded) whose start falls in the period;
- *attended* (书记列席): of those, the meetings the compound's party-branch secretary signed in to — by scanning
  the code or recorded by staff — holding the 小区党支部书记 position at that compound on the meeting's day;
- *topics*: the topics on those meetings' agendas; *pre-discussed* (支部先议): of those, the topics that were on the
  agenda of a 支部先议 meeting held before the 业委会会议 (a topic on two meetings counts on each).

Five statements whatever the subtree (test-asserted); nothing is read per compound.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min
from django.utils import timezone

from linli.core.dates import day_bounds
from linli.core.lookups import ancestor_paths
from linli.deliberation.models import AgendaItem, Meeting, MeetingKind, MeetingSignIn, MeetingStatus
from linli.deliberation.selectors_legal import check_node_and_period
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place

SECRETARY = "branch_secretary"
MAX_PERIOD_DAYS = 3660


@dataclass
class CompoundOversight:
    compound_id: int
    name: str
    path: str
    has_committee: bool = False
    held: int = 0
    attended: int = 0
    topics: int = 0
    prediscussed: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part * 100 / whole, 1) if whole else None

    @property
    def attendance_rate(self) -> float | None:
        """列席率: meetings the secretary attended ÷ meetings held, percent."""
        return self._rate(self.attended, self.held)

    @property
    def prediscussion_rate(self) -> float | None:
        """先议率: topics pre-discussed by the branch ÷ topics on the agendas, percent."""
        return self._rate(self.prediscussed, self.topics)

    def add(self, other: CompoundOversight) -> None:
        self.held += other.held
        self.attended += other.attended
        self.topics += other.topics
        self.prediscussed += other.prediscussed


@dataclass
class CommitteeOversight:
    node: Place
    start: dt.date
    end: dt.date
    compounds: list[CompoundOversight] = field(default_factory=list)
    total: CompoundOversight | None = None

    @property
    def committees_without_meeting(self) -> int:
        return sum(1 for c in self.compounds if c.has_committee and not c.held)


def committee_oversight(user: Any, *, node: Place, start: dt.date, end: dt.date) -> CommitteeOversight:
    """The figures under ``node`` for [start, end] (docs/metrics.md, 业委会会议监督). Five statements."""
    check_node_and_period(user, node=node, start=start, end=end, max_days=MAX_PERIOD_DAYS)
    first, after = day_bounds(start, end)
    meetings_qs = Meeting.objects.filter(
        kind=MeetingKind.OWNERS_COMMITTEE,
        status=MeetingStatus.HELD,
        place_path__under=node.path,
        starts_at__gte=first,
        starts_at__lt=after,
    )
    meetings = list(meetings_qs.values("pk", "place_id", "place__name", "place__path", "starts_at"))
    rows: dict[int, CompoundOversight] = {}
    for org in (
        Organisation.objects.filter(kind=OrganisationKind.OWNERS_COMMITTEE, place_path__under=node.path)
        .values("home_id", "home__name", "home__path")
        .order_by()
    ):
        rows[org["home_id"]] = CompoundOversight(org["home_id"], org["home__name"], org["home__path"], True)
    by_meeting: dict[int, tuple[CompoundOversight, dt.datetime, int]] = {}
    for m in meetings:
        row = rows.setdefault(m["place_id"], CompoundOversight(m["place_id"], m["place__name"], m["place__path"]))
        row.held += 1
        by_meeting[m["pk"]] = (row, m["starts_at"], m["place_id"])
    attended: set[int] = set()
    for s in MeetingSignIn.objects.filter(meeting__in=meetings_qs, person__positions__kind=SECRETARY).values(
        "meeting_id", "person__positions__place_id", "person__positions__start_date", "person__positions__end_date"
    ):
        row, starts_at, place_id = by_meeting[s["meeting_id"]]
        day = timezone.localtime(starts_at).date()
        ended = s["person__positions__end_date"]
        if (
            s["person__positions__place_id"] == place_id
            and s["person__positions__start_date"] <= day
            and (ended is None or ended >= day)
        ):
            attended.add(s["meeting_id"])
    for meeting_id in attended:
        by_meeting[meeting_id][0].attended += 1
    agenda = list(AgendaItem.objects.filter(meeting__in=meetings_qs).values("meeting_id", "topic_id"))
    first_branch = {
        r["topic_id"]: r["first"]
        for r in AgendaItem.objects.filter(
            topic_id__in=AgendaItem.objects.filter(meeting__in=meetings_qs).values("topic_id"),
            meeting__kind=MeetingKind.BRANCH_FIRST,
            meeting__status=MeetingStatus.HELD,
        )
        .values("topic_id")
        .annotate(first=Min("meeting__starts_at"))
        .order_by()
    }
    for item in agenda:
        row, starts_at, _place = by_meeting[item["meeting_id"]]
        row.topics += 1
        earlier = first_branch.get(item["topic_id"])
        if earlier is not None and earlier < starts_at:
            row.prediscussed += 1
    total = CompoundOversight(node.pk, node.name, node.path)
    compounds = sorted(rows.values(), key=lambda r: r.path)
    for row in compounds:
        total.add(row)
    return CommitteeOversight(node=node, start=start, end=end, compounds=compounds, total=total)


@dataclass
class MeetingAttendance:
    """Who signed in (by code or recorded by staff), and whom staff may still record: the invited people and
    the branch secretaries of the meeting's place or above it."""

    sign_ins: list[MeetingSignIn]
    candidates: list[Any]
    secretary_present: bool


def meeting_attendance(meeting: Meeting) -> MeetingAttendance:
    """Three statements: the sign-ins, the invited people, the secretaries at or above the place."""
    from linli.people.models import Person, Position

    sign_ins = list(MeetingSignIn.objects.filter(meeting=meeting).select_related("person").order_by("signed_at"))
    here = ancestor_paths(meeting.place_path, Place.steplen)
    secretaries = {
        p.person_id: p.place_id
        for p in Position.objects.filter(kind=SECRETARY, end_date__isnull=True, place__path__in=here).only(
            "person_id", "place_id"
        )
    }
    signed = {s.person_id for s in sign_ins}
    invited = set(meeting.participants.filter(person__isnull=False).values_list("person_id", flat=True))
    wanted = (invited | set(secretaries)) - signed
    candidates = list(Person.objects.filter(pk__in=wanted).order_by("name", "pk")) if wanted else []
    present = any(secretaries.get(pid) == meeting.place_id for pid in signed)
    return MeetingAttendance(sign_ins=sign_ins, candidates=candidates, secretary_present=present)
