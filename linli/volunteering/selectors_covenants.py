"""Reads for 盟约 and team kinds: who sees which covenant, its state, its fulfilment (履约), and the
figures by team kind.

Fulfilment of a covenant (one SQL statement for a whole page of covenants, each figure a correlated
subquery keyed by the covenant's own team, community and term):

- 已服务时长 (hours delivered): the sum of ``Signup.hours`` of confirmed sign-ups (the organiser confirmed
  attendance, ``activities.activity_confirm``) on published activities of the covenant's team, held at
  the covenant's community or under it, whose start falls (local date) within the term — the term ending
  on the termination date if the covenant was 解约 early.
- 开展活动 (activities held): those activities that have started by now.
- 服务人次 (volunteer attendances): the confirmed sign-ups counted. The app does not record the residents
  each activity served, so there is no "residents served" figure.
- 履约率: hours delivered ÷ hours promised.
- 应完成 (expected to date): hours promised × the elapsed share of the term (days from the start to today,
  or to the end of the term if sooner, both days included, ÷ the days of the term).
- 进度落后 (behind): in force, and hours delivered below the expectation to date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.pagination import Page, cursor_key, encode_cursor
from linli.core.scoping import get_or_not_found
from linli.volunteering.common import staff_q
from linli.volunteering.models import (
    Activity,
    ActivityStatus,
    CovenantStatus,
    Signup,
    Team,
    TeamCovenant,
    TeamKind,
    TeamMember,
)

STATES = ("active", "expired", "terminated")
FILTERS = ("in_force", "behind", "ended")
TENTH = Decimal("0.1")
BEHIND_BATCH = 200


def state_label(state: str) -> str:
    return {"active": _("生效"), "expired": _("期满"), "terminated": _("解约")}.get(state, state)


def filter_label(name: str) -> str:
    return {"in_force": _("生效中"), "behind": _("进度落后"), "ended": _("已结束")}.get(name, name)


def covenant_state(covenant: TeamCovenant, today: dt.date) -> str:
    """生效, 期满 or 解约: a covenant in force whose term has passed reads as 期满 (derived, never written)."""
    if covenant.status == CovenantStatus.TERMINATED:
        return "terminated"
    return "expired" if covenant.ends_on < today else "active"


def in_force_q(today: dt.date) -> Q:
    return Q(status=CovenantStatus.ACTIVE, ends_on__gte=today)


def ended_q(today: dt.date) -> Q:
    return Q(status=CovenantStatus.TERMINATED) | Q(status=CovenantStatus.ACTIVE, ends_on__lt=today)


def visible_covenants(user: Any) -> QuerySet[TeamCovenant]:
    """Staff (manage, handle or lead) of the community or above it; and the leader of the team."""
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    own = Q(team__leader_id=person_id) if person_id else Q(pk__in=[])
    return TeamCovenant.objects.filter(staff_q(user) | own)


def access_covenant(user: Any, covenant_id: Any, *, lock: bool = False) -> TeamCovenant:
    """One covenant the user may read, or 404 (the same for one elsewhere and one that does not exist)."""
    qs: QuerySet[TeamCovenant] = visible_covenants(user)
    if lock:
        qs = TeamCovenant.objects.select_for_update().filter(pk__in=qs.values("pk"))
    return get_or_not_found(qs, covenant_id)  # type: ignore[no-any-return]


def access_team(user: Any, team_id: Any) -> Team:
    """A team page: staff of its node, its leader and members, and those it is published for."""
    from linli.volunteering.selectors import visible_teams

    return get_or_not_found(visible_teams(user), team_id)  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- fulfilment


def _within_term(prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}team_id": OuterRef("team_id"),
        f"{prefix}place_path__startswith": OuterRef("place_path"),
        f"{prefix}status": ActivityStatus.PUBLISHED,
        f"{prefix}starts_at__date__gte": OuterRef("starts_on"),
        f"{prefix}starts_at__date__lte": OuterRef("term_end"),
    }


def _scalar(qs: QuerySet[Any], expression: Func, output: Any) -> Coalesce:
    return Coalesce(
        Subquery(qs.order_by().values(v=expression)[:1], output_field=output), Value(0), output_field=output
    )


def with_fulfilment(qs: QuerySet[TeamCovenant]) -> QuerySet[TeamCovenant]:
    """Annotate ``term_end``, ``delivered`` (hours), ``held`` (activities) and ``attendances`` in the same query."""
    hours: DecimalField[Any, Any] = DecimalField(max_digits=12, decimal_places=1)
    signups = Signup.objects.filter(confirmed_at__isnull=False, hours__isnull=False, **_within_term("activity__"))
    held = Activity.objects.filter(starts_at__lte=timezone.now(), **_within_term(""))
    return qs.annotate(
        term_end=Case(
            When(terminated_on__isnull=False, terminated_on__lt=F("ends_on"), then=F("terminated_on")),
            default=F("ends_on"),
            output_field=DateField(),
        )
    ).annotate(
        delivered=_scalar(signups, Func(F("hours"), function="SUM"), hours),
        attendances=_scalar(signups, Func(F("pk"), function="COUNT"), IntegerField()),
        held=_scalar(held, Func(F("pk"), function="COUNT"), IntegerField()),
    )


@dataclass
class Fulfilment:
    state: str
    promised: Decimal
    delivered: Decimal
    held: int
    attendances: int
    rate: Decimal  # 履约率, percent of the promised hours delivered
    elapsed_share: Decimal  # percent of the term elapsed
    expected: Decimal  # hours promised × elapsed share
    behind: bool

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal(0), self.expected - self.delivered)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(100) * part / whole).quantize(TENTH, rounding=ROUND_HALF_UP) if whole else Decimal(0)


def fulfilment_of(covenant: TeamCovenant, today: dt.date) -> Fulfilment:
    """The figures of one covenant annotated by ``with_fulfilment`` (no query)."""
    state = covenant_state(covenant, today)
    promised = Decimal(covenant.hours_promised)
    delivered = Decimal(getattr(covenant, "delivered", 0) or 0).quantize(TENTH)
    term_end = min(covenant.ends_on, covenant.terminated_on or covenant.ends_on)
    total = (covenant.ends_on - covenant.starts_on).days + 1
    elapsed = max(0, min(total, (min(today, term_end) - covenant.starts_on).days + 1))
    expected = (promised * elapsed / total).quantize(TENTH, rounding=ROUND_HALF_UP)
    return Fulfilment(
        state=state,
        promised=promised,
        delivered=delivered,
        held=int(getattr(covenant, "held", 0) or 0),
        attendances=int(getattr(covenant, "attendances", 0) or 0),
        rate=_percent(delivered, promised),
        elapsed_share=_percent(Decimal(elapsed), Decimal(total)),
        expected=expected,
        behind=state == "active" and delivered < expected,
    )


def covenant_with_fulfilment(user: Any, covenant_id: Any) -> tuple[TeamCovenant, Fulfilment]:
    covenant = access_covenant(user, covenant_id)
    row = with_fulfilment(
        TeamCovenant.objects.filter(pk=covenant.pk).select_related("team", "community", "signed_by")
    ).get()
    return row, fulfilment_of(row, timezone.localdate())


def filtered_covenants(
    user: Any, *, state: str = "", community_id: int | None = None, team_id: int | None = None
) -> QuerySet[TeamCovenant]:
    today = timezone.localdate()
    qs = visible_covenants(user)
    if state in ("in_force", "behind"):
        qs = qs.filter(in_force_q(today))
    elif state == "ended":
        qs = qs.filter(ended_q(today))
    if community_id:
        qs = qs.filter(community_id=community_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    return qs


def covenant_page(
    user: Any,
    *,
    state: str = "",
    community_id: int | None = None,
    team_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[tuple[TeamCovenant, Fulfilment]]:
    """Newest first, keyset on id; each row with its fulfilment (one query per page). ``behind`` is decided
    on the figures, so in-force rows are read in batches of 200 until the page is full."""
    today = timezone.localdate()
    qs = with_fulfilment(
        filtered_covenants(user, state=state, community_id=community_id, team_id=team_id).select_related(
            "team", "community", "signed_by"
        )
    ).order_by("-id")
    if cursor:
        qs = qs.filter(id__lt=cursor_key(TeamCovenant.objects.all(), key="id", cursor=cursor))
    rows: list[tuple[TeamCovenant, Fulfilment]] = []
    if state != "behind":
        rows = [(c, fulfilment_of(c, today)) for c in qs[: limit + 1]]
    else:
        after: int | None = None
        while len(rows) <= limit:
            batch = list((qs.filter(id__lt=after) if after else qs)[:BEHIND_BATCH])
            rows += [(c, f) for c in batch if (f := fulfilment_of(c, today)).behind]
            if len(batch) < BEHIND_BATCH:
                break
            after = batch[-1].pk
    items = rows[:limit]
    more = len(rows) > limit and items
    return Page(items=items, next=encode_cursor(items[-1][0].pk) if more else None)


@dataclass
class CovenantFigures:
    in_force: int
    behind: int
    expired: int
    terminated: int
    promised: Decimal  # hours promised by the covenants in force
    delivered: Decimal  # hours delivered on them so far
    expected: Decimal  # their expectation to date

    @property
    def rate(self) -> Decimal:
        return _percent(self.delivered, self.promised)


def covenant_figures(covenants: QuerySet[TeamCovenant]) -> CovenantFigures:
    """Counts by state over the given covenants, and the hours of those in force (one query for the counts,
    one for the covenants in force with their fulfilment)."""
    today = timezone.localdate()
    counts = covenants.aggregate(
        in_force=Count("pk", filter=in_force_q(today)),
        expired=Count("pk", filter=Q(status=CovenantStatus.ACTIVE, ends_on__lt=today)),
        terminated=Count("pk", filter=Q(status=CovenantStatus.TERMINATED)),
    )
    live = [fulfilment_of(c, today) for c in with_fulfilment(covenants.filter(in_force_q(today)))]
    return CovenantFigures(
        in_force=counts["in_force"],
        behind=sum(1 for f in live if f.behind),
        expired=counts["expired"],
        terminated=counts["terminated"],
        promised=sum((f.promised for f in live), Decimal(0)),
        delivered=sum((f.delivered for f in live), Decimal(0)),
        expected=sum((f.expected for f in live), Decimal(0)),
    )


# ----------------------------------------------------------------------------- team kinds


@dataclass
class KindRow:
    kind: str
    label: str
    teams: int
    members: int


def team_kind_figures(teams: QuerySet[Team]) -> list[KindRow]:
    """Teams and members (memberships: one person in two teams counts in each) by 队伍类型, every kind
    listed, in two grouped queries."""
    team_counts = dict(teams.order_by().values_list("kind").annotate(n=Count("pk")))
    member_counts = dict(
        TeamMember.objects.filter(team__in=teams.values("pk"))
        .order_by()
        .values_list("team__kind")
        .annotate(n=Count("pk"))
    )
    return [
        KindRow(
            kind=k.value, label=str(k.label), teams=team_counts.get(k.value, 0), members=member_counts.get(k.value, 0)
        )
        for k in TeamKind
    ]


def covenants_of_teams(user: Any, team_ids: Iterable[int]) -> dict[int, list[tuple[TeamCovenant, Fulfilment]]]:
    """The covenants of these teams the user may read, with their fulfilment, grouped by team (one query)."""
    today = timezone.localdate()
    found: dict[int, list[tuple[TeamCovenant, Fulfilment]]] = {}
    qs = with_fulfilment(visible_covenants(user).filter(team_id__in=list(team_ids)).select_related("community"))
    for c in qs.order_by("-starts_on", "-id")[:500]:
        found.setdefault(c.team_id, []).append((c, fulfilment_of(c, today)))
    return found
