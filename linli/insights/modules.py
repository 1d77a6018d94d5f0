"""The dashboard's figures from the other modules (visits, volunteering, wishes, mediation, meetings, the party
organisation, the service forces and the outcomes of party-building-led work), each an indexed aggregate over the
node's subtree; definitions in docs/metrics.md. The request figures come from the rollups (``selectors``); these
come from their own tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from linli.core.counting import count_together
from linli.insights.periods import Period, period_bounds
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.places.models import Household, Place, PlaceKind
from linli.tickets.models import SATISFIED_RATINGS


@dataclass(frozen=True)
class CategoryClaims:
    """Service post claims of one post category (认领岗位, by 岗位类别)."""

    key: str
    label: str
    claims: int


@dataclass
class ModuleFigures:
    """Other modules' figures, read with one indexed aggregate each (see docs/metrics.md)."""

    households: int = 0
    households_visited: int = 0
    visits: int = 0
    people_served: int = 0
    activities: int = 0
    volunteer_hours: float = 0.0
    wishes_collected: int = 0
    wishes_fulfilled: int = 0
    wishes_rated: int = 0
    wishes_satisfied: int = 0
    mediation_closed: int = 0
    mediation_success: int = 0
    # 议事协商 meetings held in the period (seed 001: 屋场恳谈会440次; 002: 联席会议), all kinds and two of them.
    meetings_held: int = 0
    heart_to_heart_meetings: int = 0
    joint_meetings: int = 0
    # The party organisation as it stands now (not over the period), like ``overdue_now``.
    compounds: int = 0
    compounds_with_party_org: int = 0
    party_groups: int = 0
    center_households: int = 0
    # Service forces (服务力量). Now: volunteer teams, 红色驿站/微岗亭, social organisations and 共建单位
    # registered in or serving the node (seed 003: 培育孵化社会组织41个, 169家机关、企事业单位和社会组织纳入
    # 大党委), in-service party members reported to a community under it (003: 2800余名在职党员报到). In the
    # period: their confirmed volunteer services under the node, 人次 and hours (002: 报到服务9.5万多人次).
    volunteer_teams: int = 0
    stations: int = 0
    social_organisations: int = 0
    partner_units: int = 0
    reported_members: int = 0
    reported_services: int = 0
    reported_hours: float = 0.0
    # 党建引领成效, in the period (seed 002): decisions of 联席会议 carried out (共同推动解决…难题1800多个), service
    # posts claimed and their categories (认领…10类4万多个服务岗位), order-board requests resolved, all claimants and
    # party members (帮助解决…“急难愁盼”问题3500多件), the 居民问题清单 (建立…980多个) listed and signed off, and
    # the money granted to branch and station funds (整合各级各类资金2000多万元), in 分.
    joint_decisions_done: int = 0
    post_claims: int = 0
    post_claims_by_category: list[CategoryClaims] = field(default_factory=list)
    orders_resolved: int = 0
    orders_resolved_by_members: int = 0
    problems_listed: int = 0
    problems_signed_off: int = 0
    funds_granted_fen: int = 0
    # Party members now (seed 004: 174名党员; 002: 动员81名离退休党员), filed branch secretaries now on the community
    # 两委 (002: 70名…进入社区班子), and 两优一先 in the years the period touches (002: 10名小区党支部书记获…表彰).
    party_members: int = 0
    retired_party_members: int = 0
    secretaries_in_committee: int = 0
    recognitions: int = 0
    secretaries_recognised: int = 0

    @property
    def visits_and_meetings(self) -> int:
        """党群家访、议事协商等活动 (seed 000: 1685次): visits plus deliberation meetings held."""
        return self.visits + self.meetings_held

    @property
    def post_categories(self) -> int:
        """岗位类别: the categories with at least one claim in the period."""
        return len(self.post_claims_by_category)

    @property
    def visit_coverage(self) -> float | None:
        return round(self.households_visited / self.households, 4) if self.households else None

    @property
    def party_org_coverage(self) -> float | None:
        """小区党组织覆盖率: compounds with a party organisation of their own / compounds."""
        return round(self.compounds_with_party_org / self.compounds, 4) if self.compounds else None

    @property
    def wish_satisfaction_rate(self) -> float | None:
        """微心愿满意度: rated 满意 or 基本满意 / rated, over wishes confirmed in the period."""
        return round(self.wishes_satisfied / self.wishes_rated, 4) if self.wishes_rated else None

    @property
    def mediation_success_rate(self) -> float | None:
        return round(self.mediation_success / self.mediation_closed, 4) if self.mediation_closed else None


def module_figures(node: Place, period: Period) -> ModuleFigures:
    from linli.deliberation.models import MediationCase, MediationOutcome, Meeting, MeetingKind
    from linli.visits.models import Visit
    from linli.volunteering.models import Activity, ActivityStatus, Signup, Station, StationKind, Team, Wish
    from linli.volunteering.selectors import (
        reported_members,
        wishes_collected_q,
        wishes_fulfilled_q,
        wishes_rated_q,
    )

    start, end = period_bounds(period)
    m = ModuleFigures()
    visits = Visit.objects.filter(place_path__under=node.path, visited_at__gte=start, visited_at__lt=end).aggregate(
        n=Count("pk"), hh=Count("household", distinct=True), served=Sum("people_served")
    )
    m.visits, m.households_visited, m.people_served = visits["n"], visits["hh"], visits["served"] or 0
    hours = Signup.objects.filter(
        place_path__under=node.path, confirmed_at__gte=start, confirmed_at__lt=end, hours__isnull=False
    ).aggregate(h=Sum("hours"))["h"]
    m.volunteer_hours = float(hours or 0)
    wishes = Wish.objects.filter(place_path__under=node.path)
    rated = wishes_rated_q(start, end)
    counted = wishes.aggregate(
        collected=Count("pk", filter=wishes_collected_q(start, end)),
        fulfilled=Count("pk", filter=wishes_fulfilled_q(start, end)),
        rated=Count("pk", filter=rated),
        satisfied=Count("pk", filter=rated & Q(rating__in=SATISFIED_RATINGS)),
    )
    m.wishes_collected, m.wishes_fulfilled = counted["collected"], counted["fulfilled"]
    m.wishes_rated, m.wishes_satisfied = counted["rated"], counted["satisfied"]
    cases = (
        MediationCase.objects.filter(
            place_path__under=node.path, closed_on__gte=period.since, closed_on__lte=period.until
        )
        .exclude(outcome=MediationOutcome.PENDING)
        .aggregate(n=Count("pk"), ok=Count("pk", filter=Q(outcome=MediationOutcome.SUCCESS)))
    )
    m.mediation_closed, m.mediation_success = cases["n"], cases["ok"]
    meetings = meetings_held(Meeting.objects.filter(place_path__under=node.path), start, end).aggregate(
        n=Count("pk"),
        heart=Count("pk", filter=Q(kind=MeetingKind.HEART_TO_HEART)),
        joint=Count("pk", filter=Q(kind=MeetingKind.JOINT)),
    )
    m.meetings_held, m.heart_to_heart_meetings, m.joint_meetings = meetings["n"], meetings["heart"], meetings["joint"]
    party_organisation(node, m)
    service_forces(node, start, end, m)
    activities = Activity.objects.filter(place_path__under=node.path, starts_at__gte=start, starts_at__lt=end).exclude(
        status__in=[ActivityStatus.DRAFT, ActivityStatus.CANCELLED]
    )
    under = Q(place_path__under=node.path)
    counted = count_together(  # indexed counts of their own tables, one round trip
        households=Household.objects.filter(under),
        activities=activities,
        teams=Team.objects.filter(under),
        stations=Station.objects.filter(under).exclude(kind=StationKind.PUBLICITY),  # 宣传阵地 are not 驿站
        reported=reported_members().filter(under),
        **outcome_counts(node, period),
    )
    m.households, m.activities = counted["households"], counted["activities"]
    m.volunteer_teams, m.stations, m.reported_members = counted["teams"], counted["stations"], counted["reported"]
    for name in OUTCOME_COUNTS:
        setattr(m, name, counted[name])
    claims_and_funds(node, period, m)
    return m


# 党建引领成效 and the party membership: counted with the households (``count_together``), one scalar subquery each.
OUTCOME_COUNTS = (
    "joint_decisions_done",
    "orders_resolved",
    "orders_resolved_by_members",
    "problems_listed",
    "problems_signed_off",
    "party_members",
    "retired_party_members",
    "secretaries_in_committee",
    "recognitions",
    "secretaries_recognised",
)


def outcome_counts(node: Place, period: Period) -> dict[str, QuerySet[Any]]:
    """The querysets behind ``OUTCOME_COUNTS`` for the node and period (definitions in docs/metrics.md)."""
    from django.utils import timezone

    from linli.deliberation.models import Decision
    from linli.partylife.models import Employment, Recognition, SecretaryRecord
    from linli.partylife.selectors import current_memberships
    from linli.people.models import Person
    from linli.tickets.models import ProblemItem, Ticket

    start, end = period_bounds(period)
    path = node.path
    today = timezone.localdate()
    orders = orders_resolved(Ticket.objects.all(), path=path, start=start, end=end)
    problems = ProblemItem.objects.filter(place_path__under=path)
    members = current_memberships().filter(branch__place_path__under=path)
    secretaries = SecretaryRecord.objects.filter(branch__place_path__under=path)
    recognitions = recognitions_in(Recognition.objects.filter(org__place_path__under=path), period)
    return {
        "joint_decisions_done": joint_decisions_done(
            Decision.objects.filter(meeting__place_path__under=path), start=start, end=end
        ),
        "orders_resolved": orders,
        "orders_resolved_by_members": orders.filter(claimed_by__person__is_party_member=True),
        "problems_listed": problems_listed(problems, start=start, end=end),
        "problems_signed_off": problems_signed_off(problems, start=start, end=end),
        "party_members": members,
        "retired_party_members": members.filter(employment=Employment.RETIRED),
        "secretaries_in_committee": Person.objects.filter(
            pk__in=secretaries.filter(in_community_committee=True, term_start__lte=today, term_end__gte=today).values(
                "person_id"
            )
        ),
        "recognitions": recognitions,
        "secretaries_recognised": Person.objects.filter(
            pk__in=recognitions.filter(person__isnull=False).values("person_id")
        ).filter(pk__in=secretaries.values("person_id")),
    }


def joint_decisions_done(decisions: QuerySet[Any], *, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """联席会议解决难题: decisions of 联席会议 carried out (已落实, ``done_at``) in [start, end). The dashboard's figure
    and the list behind it both use this."""
    from linli.deliberation.models import DecisionStatus, MeetingKind

    return decisions.filter(
        meeting__kind=MeetingKind.JOINT, status=DecisionStatus.DONE, done_at__gte=start, done_at__lt=end
    )


def orders_resolved(tickets: QuerySet[Any], *, path: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """接单解决: requests under ``path`` whose latest ``resolve``/``reopen`` event is a ``resolve`` in [start, end)
    (resolved in the period and not reopened since) and that were held by their claimant from the order board when
    resolved (``claimed_by``, set by ``claim`` and cleared by any hand-over to a unit; after the last resolve only
    rate, appeal and close can follow, which leave it).

    Driven from the claimed requests (partial index ``ticket_claimed``: the order board holds a few of them), each
    probed for its last resolve on ``(ticket, at)``. Driven from every resolve event under the node in the period it
    cost ~40 ms for a street's year of 10,000 requests, twice (all, and by party members): the dashboard bench fell
    from 19.6× to 4.8× (session 26). A request's events carry its own place path (``place_move`` moves both)."""
    from linli.tickets.models import TicketEvent

    later = TicketEvent.objects.filter(
        ticket_id=OuterRef("ticket_id"), action__in=("resolve", "reopen"), at__gt=OuterRef("at")
    )
    resolved = TicketEvent.objects.filter(ticket_id=OuterRef("pk"), action="resolve", at__gte=start, at__lt=end).filter(
        ~Exists(later)
    )
    return tickets.filter(place_path__under=path, claimed_by__isnull=False).filter(Exists(resolved))


def problems_listed(items: QuerySet[Any], *, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """居民问题清单: items put on a community's problem list (``created_at``) in [start, end)."""
    return items.filter(created_at__gte=start, created_at__lt=end)


def problems_signed_off(items: QuerySet[Any], *, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """责任销号: items signed off (``signed_off_at``) in [start, end)."""
    from linli.tickets.models import ProblemStatus

    return items.filter(status=ProblemStatus.SIGNED_OFF, signed_off_at__gte=start, signed_off_at__lt=end)


def recognitions_in(recognitions: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """两优一先 of the years the period touches: a recognition is dated by its year only."""
    return recognitions.filter(year__gte=period.since.year, year__lte=period.until.year)


def post_claims_in(claims: QuerySet[Any], *, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """认领岗位: claims made (``claimed_at``, when the member claimed the post) in [start, end), whatever the post's
    own dates."""
    return claims.filter(claimed_at__gte=start, claimed_at__lt=end)


def funds_granted(entries: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """整合资金: grant entries (启动经费, 年度工作经费, 其他拨款) dated (``on_date``) in the period."""
    from linli.cobuilding.models import GRANT_KINDS

    return entries.filter(kind__in=sorted(GRANT_KINDS), on_date__gte=period.since, on_date__lte=period.until)


def claims_and_funds(node: Place, period: Period, m: ModuleFigures) -> None:
    """Service post claims in the period by post category (one grouped count; total and categories add up from
    it), and the money granted to the funds under the node (one sum)."""
    from linli.cobuilding.models import FundEntry
    from linli.volunteering.models import PostCategory, PostClaim

    start, end = period_bounds(period)
    rows = (
        post_claims_in(PostClaim.objects.filter(post__place_path__under=node.path), start=start, end=end)
        .values("post__category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_key = {row["post__category"]: row["n"] for row in rows}
    order = {key: i for i, key in enumerate(PostCategory.values)}
    m.post_claims_by_category = [
        CategoryClaims(key, str(PostCategory(key).label) if key in order else key, n)
        for key, n in sorted(by_key.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order))))
    ]
    m.post_claims = sum(by_key.values())
    granted = funds_granted(FundEntry.objects.filter(fund__place_path__under=node.path), period)
    total = granted.aggregate(total=Sum("amount"))["total"]
    m.funds_granted_fen = int(total * 100) if total is not None else 0


def service_forces(node: Place, start: dt.datetime, end: dt.datetime, m: ModuleFigures) -> None:
    """Organisations under the node now, and the 双报到 members' confirmed services in [start, end) (two indexed
    aggregates; see ``ModuleFigures``; teams, stations and reported members are counted with the households)."""
    from linli.orgs.models import Organisation, OrganisationKind
    from linli.volunteering.models import Signup

    under = Q(place_path__under=node.path)
    orgs = Organisation.objects.filter(
        Q(pk__in=Organisation.objects.filter(under).values("pk"))
        | Q(pk__in=Organisation.serves.through.objects.filter(place__path__under=node.path).values("organisation_id")),
        kind__in=[OrganisationKind.SOCIAL_ORG, OrganisationKind.PARTNER_UNIT],
    ).aggregate(
        social=Count("pk", filter=Q(kind=OrganisationKind.SOCIAL_ORG)),
        partners=Count("pk", filter=Q(kind=OrganisationKind.PARTNER_UNIT)),
    )
    m.social_organisations, m.partner_units = orgs["social"], orgs["partners"]
    served = reported_services(Signup.objects.filter(under), start, end).aggregate(n=Count("pk"), h=Sum("hours"))
    m.reported_services, m.reported_hours = served["n"], float(served["h"] or 0)


def reported_services(signups: QuerySet[Any], start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """在职党员服务人次: confirmed volunteer services (hours recorded) in [start, end) by 双报到 members — one
    人次 a confirmed signup. The dashboard's figure and the list behind it both use this."""
    from linli.volunteering.selectors import reported_members

    return signups.filter(
        confirmed_at__gte=start, confirmed_at__lt=end, hours__isnull=False, person_id__in=reported_members()
    )


def meetings_held(meetings: QuerySet[Any], start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    """议事协商会议: deliberation meetings marked held (已召开) that started in [start, end); planned ones are not
    counted. The dashboard's figure and the list behind it both use this."""
    from linli.deliberation.models import MeetingStatus

    return meetings.filter(status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end)


# A compound "has a party organisation" (seed 000: 全街43个小区党组织实现全覆盖) when a 党委, 党总支 or
# 党支部 is anchored at it or at a grid or building inside it. 党小组 and 党员中心户 sit under a branch
# and are counted on their own (seed 000: 建成楼栋党小组328个), not as covering a compound.
COVERING_PARTY_ORGS = (PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH)


def covered_compounds(compounds: set[str], anchored: Iterable[str]) -> set[str]:
    """The compounds (by path) a covering party organisation is anchored at or inside (a grid's or a building's
    branch covers its compound)."""
    lengths = {len(path) for path in compounds}
    return {path[:n] for path in anchored for n in lengths} & compounds


def party_organisation(node: Place, m: ModuleFigures) -> None:
    """Compounds under the node, those with a party organisation, party groups and 党员中心户 (three
    queries on the indexed place paths; a district has ~1,000 compounds). As of now, whatever the period:
    only orgs active today count — a dissolved (已撤销) branch no longer covers its compound."""
    compounds = set(Place.objects.filter(path__under=node.path, kind=PlaceKind.COMPOUND).values_list("path", flat=True))
    orgs = PartyOrg.objects.active().filter(place_path__under=node.path)
    anchored = orgs.filter(kind__in=COVERING_PARTY_ORGS).values_list("place_path", flat=True).distinct()
    covered = covered_compounds(compounds, anchored)
    counts = orgs.aggregate(
        groups=Count("pk", filter=Q(kind=PartyOrgKind.GROUP)),
        centers=Count("pk", filter=Q(kind=PartyOrgKind.CENTER_HOUSEHOLD)),
    )
    m.compounds, m.compounds_with_party_org = len(compounds), len(covered)
    m.party_groups, m.center_households = counts["groups"], counts["centers"]
