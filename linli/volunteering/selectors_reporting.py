"""Reads for the 双报到积分管理办法 and the year-end 报到考评 (seed 003: 落实“五联”双报到机制,出台“双报到”积分
管理办法).

*Rule in force* at a node in a year: each node's latest version (``PartyPointRule``) of that year or
before, unless that version is a withdrawal; among those, the one at the node or the nearest node above it;
else ``DEFAULT_RULE`` (what the platform awarded before rules existed: 2 党员积分 an activity and 2 an order,
none for a wish, and no target). Awards read this year's rule at the place of the activity, request or wish;
a year's assessment reads that year's rule, so changing a rule never re-judges a year already past.

*Assessment* of a year for a node (a community, street or district): every 双报到 member whose registration
with a community under the node is approved (已报到), with their confirmed activities and hours in the year
(activities starting in the year, wherever held, as ``partylife`` counts 报到 hours) and the 党员积分 they
earned in it (awards and manual awards or deductions dated in the year; redemptions do not lower it). A member
meets the year's target when both their points and their services reach the rule in force at their
community; where that rule sets no target the member is "not assessed". Four statements for the whole
subtree, whatever its size; the member list pages by registration id in four statements a page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import day_bounds
from linli.core.errors import InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.lookups import nearest_above
from linli.core.pagination import Page, keyset_page
from linli.core.scoping import get_or_not_found
from linli.places.models import Place, PlaceKind
from linli.volunteering.common import ancestors, readable_places, staff_q
from linli.volunteering.models import (
    EntryReason,
    PartyPointRule,
    PointEntry,
    PointKind,
    RegistrationStatus,
    Signup,
    WorkplaceRegistration,
)

RULE_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY)
EARNED = (EntryReason.HOURS, EntryReason.ORDER, EntryReason.WISH, EntryReason.MANUAL)
FIRST_YEAR = 2015  # the earliest year an assessment reads or a rule version is recorded for
RULE_FIELDS = ("points_per_activity", "points_per_order", "points_per_wish", "annual_points", "annual_services")


@dataclass(frozen=True)
class RuleInForce:
    points_per_activity: int
    points_per_order: int
    points_per_wish: int
    annual_points: int
    annual_services: int
    title: str = ""
    set_at: Place | None = None  # None: the platform's default
    since: int | None = None  # 施行年度 of the version in force; None: the default

    @property
    def has_target(self) -> bool:
        return bool(self.annual_points or self.annual_services)

    def values(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in RULE_FIELDS}


DEFAULT_RULE = RuleInForce(
    points_per_activity=2, points_per_order=2, points_per_wish=0, annual_points=0, annual_services=0
)


def _in_force(rule: PartyPointRule) -> RuleInForce:
    values = {name: getattr(rule, name) for name in RULE_FIELDS}
    return RuleInForce(**values, title=rule.title, set_at=rule.place, since=rule.year)


def this_year() -> int:
    return timezone.localdate().year


def _versions_in_force(rows: Any) -> list[PartyPointRule]:
    """Of ``rows`` (versions of the year asked or before), each node's latest, withdrawals dropped, sorted by
    depth then path."""
    latest: dict[int, PartyPointRule] = {}
    for rule in rows.select_related("place"):
        if rule.place_id not in latest or rule.year > latest[rule.place_id].year:
            latest[rule.place_id] = rule
    kept = [rule for rule in latest.values() if not rule.withdrawn]
    return sorted(kept, key=lambda r: (len(r.place.path), r.place.path))


def rules_around(path: str, *, year: int) -> list[PartyPointRule]:
    """The versions in force in ``year`` at ``path``, above it and below it, nearest-above last (one
    statement)."""
    where = Q(place__path__in=ancestors(path)) | Q(place__path__startswith=path)
    return _versions_in_force(PartyPointRule.objects.filter(where, year__lte=year))


def rule_for(path: str, rules: list[PartyPointRule]) -> RuleInForce:
    """The rule in force at ``path`` among ``rules`` (sorted as ``rules_around`` sorts them)."""
    chosen = nearest_above(path, rules, lambda r: r.place.path)
    return _in_force(chosen) if chosen is not None else DEFAULT_RULE


def party_rule_at(path: str, *, year: int | None = None) -> RuleInForce:
    """The rule in force at ``path`` in ``year`` (default this year): one statement over the node and the
    nodes above it."""
    rows = PartyPointRule.objects.filter(place__path__in=ancestors(path), year__lte=year or this_year())
    return rule_for(path, _versions_in_force(rows))


def rule_versions(place: Place) -> list[PartyPointRule]:
    """Every version set at ``place``, latest year first (the page's history; one statement)."""
    return list(PartyPointRule.objects.filter(place=place).select_related("set_by").order_by("-year"))


def rule_year(value: Any) -> int:
    """``value`` as a year a rule version may be read or set for: 2015 to next year (a 办法 for the coming
    year is issued in December); blank: this year."""
    return _year(value, last=this_year() + 1)


def rule_place(user: Any, place_id: Any) -> Place:
    """A district, street or community whose rule the user may read: staff under their scope, or where
    they live (or above it). Anything else is "not found"."""
    places = readable_places(user).filter(kind__in=RULE_KINDS)
    return get_or_not_found(places, parse_id(place_id), field="place_id")  # type: ignore[no-any-return]


def assessment_place(user: Any, place_id: Any) -> Place:
    """A district, street or community the user manages or leads (the assessment names members)."""
    pk = parse_id(place_id)
    where = staff_q(user, field="path", caps=("manage", "lead"))
    place = Place.objects.filter(where, pk=pk, kind__in=RULE_KINDS).first() if pk else None
    if place is None:
        raise NotFound(_("未找到,或您无权查看"), field="place_id")
    return place


def default_assessment_place(user: Any) -> Place | None:
    """The widest district, street or community the user manages or leads (for the page's first view)."""
    return (
        Place.objects.filter(staff_q(user, field="path", caps=("manage", "lead")), kind__in=RULE_KINDS)
        .order_by("depth", "path")
        .first()
    )


def assessment_year(value: Any) -> int:
    """``value`` as a year the assessment may read (2015 to this year); blank: this year."""
    return _year(value, last=this_year())


def _year(value: Any, *, last: int) -> int:
    if value in (None, ""):
        return this_year()
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("年度应为四位数字"), field="year") from None
    if not FIRST_YEAR <= year <= last:
        raise InvalidInput(_("年度应在 %(first)d 到 %(last)d 之间") % {"first": FIRST_YEAR, "last": last}, field="year")
    return year


@dataclass
class MemberFigures:
    registration: WorkplaceRegistration
    rule: RuleInForce
    services: int = 0
    hours: Decimal = Decimal(0)
    points: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)  # 党员积分 earned in the year, by entry reason

    @property
    def met(self) -> bool | None:
        """Whether the member reached the year's target; None where the rule sets none."""
        return _met(self.rule, points=self.points, services=self.services)

    @property
    def points_short(self) -> int:
        return max(self.rule.annual_points - self.points, 0)

    @property
    def services_short(self) -> int:
        return max(self.rule.annual_services - self.services, 0)


@dataclass
class CommunityFigures:
    community: Place
    rule: RuleInForce
    reported: int = 0
    assessed: int = 0
    met: int = 0
    services: int = 0
    hours: Decimal = Decimal(0)
    points: int = 0

    @property
    def rate(self) -> float | None:
        """达标率: members who met the target among those assessed, percent."""
        return round(self.met * 100 / self.assessed, 1) if self.assessed else None

    def add(self, member: MemberFigures) -> None:
        self.count(services=member.services, hours=member.hours, points=member.points, met=member.met)

    def count(self, *, services: int, hours: Decimal, points: int, met: bool | None) -> None:
        self.reported += 1
        self.services += services
        self.hours += hours
        self.points += points
        if met is not None:
            self.assessed += 1
            self.met += met


def _met(rule: RuleInForce, *, points: int, services: int) -> bool | None:
    """Whether a member with these points and services reached ``rule``'s target; None where it sets none."""
    if not rule.has_target:
        return None
    return points >= rule.annual_points and services >= rule.annual_services


@dataclass
class Assessment:
    node: Place
    year: int
    rule: RuleInForce
    communities: list[CommunityFigures] = field(default_factory=list)
    total: CommunityFigures | None = None


def _year_span(year: int) -> tuple[dt.datetime, dt.datetime]:
    return day_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _registrations(node: Place) -> Any:
    return WorkplaceRegistration.objects.filter(
        status=RegistrationStatus.APPROVED, place_path__startswith=node.path
    ).select_related("person", "community", "workplace_org")


def _year_of(people: Any, year: int) -> tuple[dict[int, tuple[int, Decimal]], dict[int, dict[str, int]]]:
    """Each of ``people``'s confirmed services and hours (activities starting in ``year``) and 党员积分 earned in it
    by reason: two grouped statements. ``people`` is a list of person ids, or a query of them (a district's
    5,000 members go to the database as a sub-select, not as 5,000 parameters); either is one array the scan
    looks each member up by (``any_of``), so a street's 500 members are 500 index lookups, not a scan of every
    sign-up."""
    start, end = _year_span(year)
    served = (
        Signup.objects.filter(
            person_id__any_of=people,
            confirmed_at__isnull=False,
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
        )
        .values("person_id")
        .annotate(n=Count("pk"), hours=Sum("hours"))
        .order_by()
    )
    services = {row["person_id"]: (row["n"], row["hours"] or Decimal(0)) for row in served}
    earned = (
        PointEntry.objects.filter(
            account__person_id__any_of=people,
            account__kind=PointKind.PARTY,
            reason__in=EARNED,
            at__gte=start,
            at__lt=end,
        )
        .values("account__person_id", "reason")
        .annotate(points=Sum("amount"))
        .order_by()
    )
    by_reason: dict[int, dict[str, int]] = {}
    for row in earned:
        by_reason.setdefault(row["account__person_id"], {})[row["reason"]] = row["points"] or 0
    return services, by_reason


def _figures(registrations: list[WorkplaceRegistration], year: int, rules: list[PartyPointRule]) -> list[MemberFigures]:
    """Each registration's year: two grouped statements over the members, however many."""
    services, by_reason = _year_of([r.person_id for r in registrations], year)
    out = []
    for reg in registrations:
        n, hours = services.get(reg.person_id, (0, Decimal(0)))
        reasons = by_reason.get(reg.person_id, {})
        out.append(
            MemberFigures(
                registration=reg,
                rule=rule_for(reg.community.path, rules),
                services=n,
                hours=hours,
                points=sum(reasons.values()),
                by_reason=reasons,
            )
        )
    return out


def reporting_assessment(node: Place, *, year: int) -> Assessment:
    """The year's 报到考评 under ``node``, by community. Four statements whatever the subtree's size: the rules, the
    members with their community's path and name (not their person: the figures name no one), their services and
    their points (the members as a sub-select). A district's 5,000 members with their person, and as 5,000-value
    lists, cost a second; the figures are the same."""
    rules = rules_around(node.path, year=year)
    approved = WorkplaceRegistration.objects.filter(
        status=RegistrationStatus.APPROVED, place_path__startswith=node.path
    )
    members = list(
        approved.values_list("person_id", "community_id", "community__path", "community__name").order_by("pk")
    )
    services, by_reason = _year_of(approved.values("person_id"), year)
    # each community once, as the page and the API name it (id, name; its path finds the rule in force)
    communities = sorted(
        {c: Place(pk=c, path=path, name=name, kind=PlaceKind.COMMUNITY) for _p, c, path, name in members}.values(),
        key=lambda c: (c.path, c.pk),
    )
    total = CommunityFigures(community=node, rule=rule_for(node.path, rules))
    by_community = {c.pk: CommunityFigures(community=c, rule=rule_for(c.path, rules)) for c in communities}
    for person, community, _path, _name in members:
        row = by_community[community]
        n, hours = services.get(person, (0, Decimal(0)))
        points = sum(by_reason.get(person, {}).values())
        met = _met(row.rule, points=points, services=n)
        row.count(services=n, hours=hours, points=points, met=met)
        total.count(services=n, hours=hours, points=points, met=met)
    shown = [row for row in by_community.values() if row.reported]
    return Assessment(node=node, year=year, rule=total.rule, communities=shown, total=total)


def assessment_members(node: Place, *, year: int, cursor: str | None = None, limit: int = 50) -> Page[MemberFigures]:
    """One page of members under ``node`` (by registration id) with their year: four statements a page."""
    page = keyset_page(_registrations(node), key="id", cursor=cursor, limit=limit)
    if not page.items:
        return Page(items=[], next=None)
    return Page(items=_figures(page.items, year, rules_around(node.path, year=year)), next=page.next)


def assessment_rows(node: Place, *, year: int) -> Any:
    """Every member under ``node`` with their year (for the .xlsx), 200 at a time: memory stays flat."""
    cursor = None
    while True:
        page = assessment_members(node, year=year, cursor=cursor, limit=200)
        yield from page.items
        if page.next is None:
            return
        cursor = page.next
