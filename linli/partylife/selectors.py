"""Reads for party branch life: rules in force, figures per branch and period, branches behind.

Definitions (the figures reports quote):

- *required*: for each meeting kind, the rule's ``times`` × the number of the rule's periods
  (month/quarter/half/year) that lie wholly inside the window and after the branch was founded.
- *held*: meetings of that kind with minutes recorded (status ``held``) dated inside the window.
- *attendance rate*: present ÷ attendance rows of held meetings in the window (members who did
  not sign in are recorded absent when the minutes are recorded).
- *study completion*: completions ÷ (assigned members) over materials created in the window.
- *reporting (双报到)*: current in-service members of the branch whose 双报到 registration with
  their residential community is approved; *reporting hours*: those members' confirmed volunteer
  hours (``Signup.hours`` with ``confirmed_at`` set) for activities starting inside the window.
- *behind*: a branch that, in some period already ended this year, held fewer meetings of a
  kind than its rule asks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.partylife.models import (
    Attendance,
    AttendanceStatus,
    BranchProfile,
    CenterHouseholdDuty,
    Employment,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingStatus,
    Membership,
    Period,
    StudyCompletion,
    StudyMaterial,
)
from linli.partylife.scoping import visible_party_orgs

MONTHS_PER = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF: 6, Period.YEAR: 12}


@dataclass(frozen=True)
class Rule:
    kind: str
    period: str
    times: int

    @property
    def kind_label(self) -> str:
        return str(MeetingKind(self.kind).label)

    @property
    def period_label(self) -> str:
        return str(Period(self.period).label)


def rules_for(branch_ids: list[int]) -> dict[int, dict[str, Rule]]:
    """The rule in force per branch and kind: the branch's own override, else the default."""
    defaults: dict[str, Rule] = {}
    overrides: dict[int, dict[str, Rule]] = defaultdict(dict)
    for r in MeetingRule.objects.filter(Q(branch__isnull=True) | Q(branch_id__in=branch_ids)):
        rule = Rule(r.kind, r.period, r.times)
        if r.branch_id is None:
            defaults[r.kind] = rule
        else:
            overrides[r.branch_id][r.kind] = rule
    return {b: {**defaults, **overrides.get(b, {})} for b in branch_ids}


def period_windows(period: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar periods (aligned to January) lying wholly in [start, end]."""
    step = MONTHS_PER[Period(period)]
    out: list[tuple[dt.date, dt.date]] = []
    year, month = start.year, 1
    while True:
        p_start = dt.date(year, month, 1)
        m = month + step
        p_end = dt.date(year + (m - 1) // 12, (m - 1) % 12 + 1, 1) - dt.timedelta(days=1)
        if p_start > end:
            return out
        if p_start >= start and p_end <= end:
            out.append((p_start, p_end))
        year, month = year + (m - 1) // 12, (m - 1) % 12 + 1


def window_of(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The report window containing ``day``: a month, quarter, half-year or year."""
    step = MONTHS_PER[Period(period)]
    first = (day.month - 1) // step * step + 1
    start = dt.date(day.year, first, 1)
    m = first + step
    end = dt.date(day.year + (m - 1) // 12, (m - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


@dataclass
class BranchFigures:
    branch: PartyOrg
    required: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    present: int = 0
    attendance_rows: int = 0
    assigned: int = 0
    completed: int = 0
    delivered: int = 0
    members: int = 0
    in_service: int = 0
    reporting: int = 0
    reporting_hours: Decimal = Decimal("0")

    @property
    def required_total(self) -> int:
        return sum(self.required.values())

    @property
    def held_total(self) -> int:
        return sum(self.held.values())

    @property
    def held_counting(self) -> int:
        """Held meetings counted against the rules (no more than required per kind)."""
        return sum(min(self.held.get(k, 0), n) for k, n in self.required.items())

    @property
    def attendance_rate(self) -> float | None:
        return self.present / self.attendance_rows if self.attendance_rows else None

    @property
    def study_rate(self) -> float | None:
        return self.completed / self.assigned if self.assigned else None

    def rows(self) -> list[tuple[str, int, int]]:
        kinds = [k for k, _ in MeetingKind.choices if k in self.required or k in self.held]
        return [(str(MeetingKind(k).label), self.held.get(k, 0), self.required.get(k, 0)) for k in kinds]


def current_memberships() -> Any:
    """The members a branch has now: memberships not ended (no ``left_on``; a person has at most one). The branch
    figures count them per branch and the dashboards under a node (``insights.modules``: 党员)."""
    return Membership.objects.filter(left_on__isnull=True)


def visible_branches(user: Any) -> Any:
    """Every branch the user sees, dissolved (已撤销) ones included: their history stays readable."""
    return visible_party_orgs(user).filter(kind=PartyOrgKind.BRANCH).order_by("path")


def active_branches(user: Any) -> Any:
    """The branches that exist now: the ones an officer works in and picks in forms."""
    return visible_branches(user).active()


def branches_during(user: Any, start: dt.date) -> Any:
    """The branches that existed in a period beginning ``start``: active ones and those dissolved on or after
    it (their meetings, attendance and study before the day keep counting for that period)."""
    return visible_branches(user).filter(Q(dissolved_at__isnull=True) | Q(dissolved_at__gte=start))


def _until(branch: PartyOrg, end: dt.date) -> dt.date:
    """The last day ``branch`` owes meetings in a period ending ``end``: no requirement after its dissolution."""
    return min(end, branch.dissolved_at) if branch.dissolved_at else end


def branch_figures(branches: list[PartyOrg], start: dt.date, end: dt.date) -> list[BranchFigures]:
    """Figures for each branch over [start, end] in a fixed number of queries."""
    ids = [b.pk for b in branches]
    figs = {b.pk: BranchFigures(branch=b) for b in branches}
    rules = rules_for(ids)
    founded = dict(BranchProfile.objects.filter(org_id__in=ids).values_list("org_id", "founded_on"))
    for b in branches:
        for kind, rule in rules[b.pk].items():
            since = max(start, founded.get(b.pk, start))
            n = rule.times * len(period_windows(rule.period, since, _until(b, end)))
            if n:
                figs[b.pk].required[kind] = n
    held = (
        Meeting.objects.filter(branch_id__in=ids, status=MeetingStatus.HELD, date__gte=start, date__lte=end)
        .values("branch_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in held:
        figs[row["branch_id"]].held[row["kind"]] = row["n"]
    att = (
        Attendance.objects.filter(
            meeting__branch_id__in=ids,
            meeting__status=MeetingStatus.HELD,
            meeting__date__gte=start,
            meeting__date__lte=end,
        )
        .values("meeting__branch_id")
        .annotate(total=Count("pk"), present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)))
        .order_by()
    )
    for row in att:
        f = figs[row["meeting__branch_id"]]
        f.attendance_rows, f.present = row["total"], row["present"]
    members = (
        current_memberships()
        .filter(branch_id__in=ids)
        .values("branch_id")
        .annotate(n=Count("pk"), in_service=Count("pk", filter=Q(employment=Employment.IN_SERVICE)))
        .order_by()
    )
    for row in members:
        figs[row["branch_id"]].members = row["n"]
        figs[row["branch_id"]].in_service = row["in_service"]
    _reporting(figs, ids, start, end)
    _study(figs, branches, start, end)
    return [figs[b.pk] for b in branches]


def _reporting(figs: dict[int, BranchFigures], ids: list[int], start: dt.date, end: dt.date) -> None:
    """双报到: in-service members with an approved registration, and their confirmed hours."""
    from linli.volunteering.models import Signup
    from linli.volunteering.selectors import reported_members

    approved = reported_members()
    branch_of = dict(
        Membership.objects.filter(
            branch_id__in=ids, left_on__isnull=True, employment=Employment.IN_SERVICE, person_id__in=approved
        ).values_list("person_id", "branch_id")
    )
    if not branch_of:
        return
    for branch_id in branch_of.values():
        figs[branch_id].reporting += 1
    hours = (
        Signup.objects.filter(
            person_id__in=list(branch_of),
            confirmed_at__isnull=False,
            hours__isnull=False,
            activity__starts_at__date__gte=start,
            activity__starts_at__date__lte=end,
        )
        .values("person_id")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    for row in hours:
        figs[branch_of[row["person_id"]]].reporting_hours += row["total"] or Decimal("0")


def _study(figs: dict[int, BranchFigures], branches: list[PartyOrg], start: dt.date, end: dt.date) -> None:
    """Assigned = named assignees, or every current member under the material's org."""
    if not branches:
        return
    by_path = {b.path: b.pk for b in branches}
    q = Q()
    for b in branches:  # materials assigned to the branch, to an org above it, or to a group below it
        q |= Q(org_path__under=b.path) | Q(org_path__in=[b.path[:i] for i in range(4, len(b.path), 4)])
    materials = list(
        StudyMaterial.objects.filter(q, created_at__date__gte=start, created_at__date__lte=end)
        .annotate(n_assignees=Count("assignees"))
        .values("pk", "org_path", "n_assignees")
    )
    if not materials:
        return
    named = defaultdict(set)
    for mid, pid in StudyMaterial.assignees.through.objects.filter(
        studymaterial_id__in=[m["pk"] for m in materials]
    ).values_list("studymaterial_id", "person_id"):
        named[mid].add(pid)
    member_branch = dict(
        Membership.objects.filter(branch_id__in=by_path.values(), left_on__isnull=True).values_list(
            "person_id", "branch_id"
        )
    )
    paths = {b.pk: b.path for b in branches}
    for m in materials:
        targets = named[m["pk"]] or {
            p
            for p, b in member_branch.items()
            if paths[b].startswith(m["org_path"]) or m["org_path"].startswith(paths[b])
        }
        for pid in targets:
            if pid in member_branch:
                figs[member_branch[pid]].assigned += 1
        m["targets"] = targets
    for mid, pid, method in StudyCompletion.objects.filter(material_id__in=[m["pk"] for m in materials]).values_list(
        "material_id", "person_id", "method"
    ):
        target = next(m for m in materials if m["pk"] == mid)
        if pid in target["targets"] and pid in member_branch:
            figs[member_branch[pid]].completed += 1
            if method == "delivered":
                figs[member_branch[pid]].delivered += 1


@dataclass
class Shortfall:
    branch: PartyOrg
    kind_label: str
    period_label: str
    missed_periods: int
    held: int
    required: int


def branches_behind(user: Any, *, today: dt.date | None = None) -> list[Shortfall]:
    """Branches that missed their required meetings in a period already ended this year."""
    today = today or timezone.localdate()
    year_start = dt.date(today.year, 1, 1)
    branches = list(visible_branches(user))
    ids = [b.pk for b in branches]
    rules = rules_for(ids)
    founded = dict(BranchProfile.objects.filter(org_id__in=ids).values_list("org_id", "founded_on"))
    counts: dict[tuple[int, str, int], int] = defaultdict(int)
    for branch_id, kind, date in Meeting.objects.filter(
        branch_id__in=ids, status=MeetingStatus.HELD, date__gte=year_start, date__lt=today
    ).values_list("branch_id", "kind", "date"):
        counts[(branch_id, kind, date.month)] += 1
    out = []
    for b in branches:
        since = max(year_start, founded.get(b.pk, year_start))
        for kind, rule in rules[b.pk].items():
            windows = period_windows(rule.period, since, _until(b, today - dt.timedelta(days=1)))
            if not windows or not rule.times:
                continue
            missed, held = 0, 0
            for p_start, p_end in windows:
                n = sum(counts[(b.pk, kind, m)] for m in range(p_start.month, p_end.month + 1))
                held += n
                missed += n < rule.times
            if missed:
                out.append(Shortfall(b, rule.kind_label, rule.period_label, missed, held, rule.times * len(windows)))
    return out


def my_membership(user: Any) -> Membership | None:
    if not getattr(user, "person_id", None):
        return None
    return (
        Membership.objects.filter(person_id=user.person_id, left_on__isnull=True)
        .select_related("branch", "group")
        .first()
    )


def my_meetings(user: Any) -> Any:
    membership = my_membership(user)
    if membership is None:
        return Meeting.objects.none()
    return Meeting.objects.filter(branch=membership.branch).exclude(status=MeetingStatus.CANCELLED).order_by("-date")


def my_materials(user: Any) -> Any:
    membership = my_membership(user)
    if membership is None:
        return StudyMaterial.objects.none()
    ancestors = [membership.org_path[:i] for i in range(4, len(membership.org_path) + 1, 4)]
    return (
        StudyMaterial.objects.filter(Q(org_path__in=ancestors) | Q(assignees=membership.person_id))
        .filter(Q(assignees__isnull=True) | Q(assignees=membership.person_id))
        .distinct()
        .order_by("-created_at")
    )


def my_duties(user: Any) -> Any:
    """The households the user looks after as a member (党员服务责任区), with their 党员中心户."""
    if not getattr(user, "person_id", None):
        return CenterHouseholdDuty.objects.none()
    return (
        CenterHouseholdDuty.objects.filter(member_id=user.person_id)
        .select_related("center", "household__place")
        .order_by("center__path", "household__room")
    )


# ---------------------------------------------------------------- 党员中心户 责任区 on the place tree

DUTIES_SHOWN = 300  # a compound has a few hundred households at most; the page shows them all


@dataclass
class CenterDuties:
    """One 党员中心户 and the households of its 责任区 under a place, with who looks after each."""

    center: PartyOrg
    duties: list[CenterHouseholdDuty] = field(default_factory=list)


def visible_duties(user: Any) -> Any:
    """责任区 links the user may see: party officers of the center's org or above, nobody else."""
    return CenterHouseholdDuty.objects.visible_to(user).select_related("center", "member", "household__place")


def duties_at_place(user: Any, place_path: str, *, limit: int = DUTIES_SHOWN) -> list[CenterDuties]:
    """The 责任区 of households under a place (compound, building …), grouped by 党员中心户.

    Empty for anyone who may not see party data, so the place page shows nothing to them."""
    rows = list(
        visible_duties(user)
        .filter(household__place_path__startswith=place_path)
        .order_by("center__path", "household__place_path", "household__room", "id")[:limit]
    )
    grouped: dict[int, CenterDuties] = {}
    for duty in rows:
        grouped.setdefault(duty.center_id, CenterDuties(center=duty.center)).duties.append(duty)
    return list(grouped.values())


# ---------------------------------------------------------------- resident picker on party-life forms

PICKER_MIN = 2
PICKER_MAX = 10
PICKER_FIELDS = ("person_id", "mentor_id", "mentee_id", "delivered_by_id", "member_id")


@dataclass(frozen=True)
class PickedPerson:
    """What the picker shows of a resident: enough to tell two 王芳 apart, no identifier."""

    id: int
    name_masked: str
    birth_year: int | None
    address_masked: str
    is_party_member: bool


def _mask_room(room: str) -> str:
    return room[:1] + "*" * (len(room) - 1) if room else ""


def picker_search(user: Any, q: str) -> list[PickedPerson]:
    """Residents of the user's scoped ledger whose name contains ``q`` (≥ 2 characters, a name:
    digits are refused so an ID or phone number is never typed into a search), masked.

    Only party officers use the pickers (the forms they sit on are theirs); anyone else gets an
    empty list. The scope is the ordinary ledger scope (``Person.objects.visible_to``)."""
    from linli.core.errors import InvalidInput
    from linli.core.masking import mask_name
    from linli.partylife.scoping import is_party_officer
    from linli.people.models import Person

    text = (q or "").strip()
    if len(text) < PICKER_MIN:
        raise InvalidInput(gettext("请至少输入 %(min)d 个字的姓名") % {"min": PICKER_MIN}, field="q")
    if any(ch.isdigit() for ch in text) or len(text) > 30:
        raise InvalidInput(gettext("请按姓名查找(不要输入证件号或电话)"), field="q")
    if not is_party_officer(user):
        return []
    people = (
        Person.objects.visible_to(user)
        .filter(name__contains=text, moved_out_on__isnull=True, anonymised_at__isnull=True)
        .select_related("place", "household")
        .order_by("name", "id")[:PICKER_MAX]
    )
    return [
        PickedPerson(
            id=p.pk,
            name_masked=mask_name(p.name),
            birth_year=p.birth_date.year if p.birth_date else None,
            address_masked=f"{p.place.name} {_mask_room(p.household.room) if p.household else ''}".strip(),
            is_party_member=p.is_party_member,
        )
        for p in people
    ]
