"""Reads for co-building: scoped lists, one object by id (404 outside scope), the credit file,
committee indicators, matching, the yearly "one practical thing" tracking and fund reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cobuilding.models import (
    CommitteeMember,
    Fund,
    FundEntry,
    FundEntryKind,
    ListEntry,
    Need,
    NeedStatus,
    PartnerProfile,
    Project,
    ProjectStatus,
    PropertyContract,
    Rating,
    Resource,
)
from linli.core.scoping import access, get_or_not_found, scope_for
from linli.orgs.models import Organisation, OrganisationKind
from linli.orgs.selectors import visible_organisations
from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from linli.tickets.metrics import Figures, period_bounds
from linli.tickets.models import OPEN_STATUSES, Category, Ticket, TicketEvent, UnitType

PARTY_SHARE_TARGET = Decimal("0.5")  # seed 002: 业委会 party-member share ≥ 50%


# ----------------------------------------------------------------------------- lists and access


def visible_contracts(user: Any) -> QuerySet[PropertyContract]:
    return PropertyContract.objects.visible_to(user).select_related("company", "compound", "instructor")


def access_contract(user: Any, pk: Any) -> PropertyContract:
    return access(PropertyContract.objects.select_related("company", "compound", "instructor"), user, pk)


def access_instructor(user: Any, pk: Any) -> Person:
    """A person the user may name as a 党建指导员: anyone in their own ledger scope (a missing or unseen id is one
    404, named on ``person_id``)."""
    return get_or_not_found(  # type: ignore[no-any-return]
        Person.objects.visible_to(user), pk, message=_("台账中未找到该居民"), field="person_id"
    )


def visible_ratings(user: Any) -> QuerySet[Rating]:
    return Rating.objects.visible_to(user).select_related("company", "compound", "template")


def access_rating(user: Any, pk: Any) -> Rating:
    return access(Rating.objects.select_related("company", "compound", "template"), user, pk)


def access_rating_for_survey(user: Any, pk: Any) -> Rating:
    """A rating the user may see, or one their household was sampled for (residents answer by id too)."""
    household_id = getattr(getattr(user, "person", None), "household_id", None)
    qs = Rating.objects.visible_to(user)
    if household_id:
        qs = Rating.objects.filter(Q(pk__in=qs.values("pk")) | Q(sample__household_id=household_id)).distinct()
    return get_or_not_found(qs.select_related("company", "compound", "template"), pk)  # type: ignore[no-any-return]


def rating_by_token(token: str) -> Rating:
    """The survey link: the token is the capability to find the rating; who may answer is the service's rule."""
    return get_or_not_found(  # type: ignore[no-any-return]
        Rating.objects.select_related("company", "compound", "template"), _token_pk(token)
    )


def _token_pk(token: str) -> Any:
    row = Rating.objects.filter(token=token).values_list("pk", flat=True).first()
    return row if row is not None else -1


def visible_list_entries(user: Any) -> QuerySet[ListEntry]:
    return ListEntry.objects.visible_to(user).select_related("organisation", "rating")


def public_list(user: Any, *, on: dt.date | None = None) -> QuerySet[ListEntry]:
    """Entries in force today that the user may see (residents: those about their compound and above)."""
    day = on or timezone.localdate()
    return visible_list_entries(user).filter(revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day)


def access_list_entry(user: Any, pk: Any) -> ListEntry:
    return access(ListEntry.objects.select_related("organisation"), user, pk)


def property_companies(user: Any) -> QuerySet[Organisation]:
    return visible_organisations(user).filter(kind=OrganisationKind.PROPERTY_COMPANY).order_by("name")


def access_company(user: Any, pk: Any) -> Organisation:
    return get_or_not_found(property_companies(user), pk)  # type: ignore[no-any-return]


def committees(user: Any) -> QuerySet[Organisation]:
    kinds = [OrganisationKind.OWNERS_COMMITTEE, OrganisationKind.SUPERVISORY_BOARD]
    return visible_organisations(user).filter(kind__in=kinds).order_by("place_path", "name")


def partners(user: Any) -> QuerySet[Organisation]:
    kinds = [OrganisationKind.PARTNER_UNIT, OrganisationKind.SOCIAL_ORG]
    return visible_organisations(user).filter(kind__in=kinds).order_by("name")


def access_partner(user: Any, pk: Any) -> Organisation:
    from linli.cobuilding.services_partners import PARTNER_KINDS

    return get_or_not_found(visible_organisations(user).filter(kind__in=PARTNER_KINDS), pk)  # type: ignore[no-any-return]


def visible_resources(user: Any) -> QuerySet[Resource]:
    return Resource.objects.visible_to(user).select_related("partner", "place")


def access_resource(user: Any, pk: Any) -> Resource:
    return access(Resource.objects.select_related("partner", "place"), user, pk)


def visible_needs(user: Any) -> QuerySet[Need]:
    return Need.objects.visible_to(user).select_related("place", "resource__partner")


def access_need(user: Any, pk: Any) -> Need:
    return access(Need.objects.select_related("place", "resource__partner"), user, pk)


def visible_projects(user: Any) -> QuerySet[Project]:
    return Project.objects.visible_to(user).select_related("place", "need", "fund", "meeting")


def access_project(user: Any, pk: Any) -> Project:
    return access(Project.objects.select_related("place", "need", "fund", "meeting"), user, pk)


def visible_funds(user: Any) -> QuerySet[Fund]:
    return Fund.objects.visible_to(user).select_related("place", "party_org").annotate(balance=Sum("entries__amount"))


def access_fund(user: Any, pk: Any) -> Fund:
    return access(Fund.objects.select_related("place", "party_org"), user, pk)


# ----------------------------------------------------------------------------- matching


def suggest_resources(user: Any, need: Need, *, limit: int = 20) -> list[Resource]:
    """Active resources of the need's category offered to a place containing the need, nearest first."""
    path = need.place_path
    prefixes = [path[:i] for i in range(4, len(path) + 1, 4)]
    rows = (
        Resource.objects.filter(place_path__in=prefixes, category=need.category, active=True)
        .select_related("partner", "place")
        .order_by("-place_path", "id")[:limit]
    )
    return list(rows)


# ----------------------------------------------------------------------------- committee indicators


@dataclass
class CommitteeIndicators:
    organisation: Organisation
    members: int = 0
    party_members: int = 0
    cross_residents_committee: int = 0
    cross_branch: int = 0
    cross_appointed: int = 0  # members who also sit on the residents' committee or the branch committee, once each

    @property
    def party_share(self) -> Decimal | None:
        return (Decimal(self.party_members) / self.members).quantize(Decimal("0.0001")) if self.members else None

    @property
    def cross_share(self) -> Decimal | None:
        """交叉任职比例 (seed 002: 交叉任职比例提高到32%): members holding either cross-appointment / members."""
        return (Decimal(self.cross_appointed) / self.members).quantize(Decimal("0.0001")) if self.members else None

    @property
    def party_share_met(self) -> bool:
        return self.party_share is not None and self.party_share >= PARTY_SHARE_TARGET


def committee_indicators(orgs: list[Organisation], *, on: dt.date | None = None) -> list[CommitteeIndicators]:
    """Members serving today per committee: counts in one grouped query."""
    day = on or timezone.localdate()
    rows = (
        CommitteeMember.objects.filter(organisation__in=orgs, term_starts__lte=day, term_ends__gte=day)
        .values("organisation_id")
        .annotate(
            n=Count("id"),
            party=Count("id", filter=Q(person__is_party_member=True)),
            rc=Count("id", filter=Q(cross_residents_committee=True)),
            br=Count("id", filter=Q(cross_branch=True)),
            crossed=Count("id", filter=Q(cross_residents_committee=True) | Q(cross_branch=True)),
        )
    )
    by_org = {r["organisation_id"]: r for r in rows}
    result = []
    for org in orgs:
        r = by_org.get(org.pk, {})
        result.append(
            CommitteeIndicators(
                organisation=org,
                members=r.get("n", 0),
                party_members=r.get("party", 0),
                cross_residents_committee=r.get("rc", 0),
                cross_branch=r.get("br", 0),
                cross_appointed=r.get("crossed", 0),
            )
        )
    return result


def committee_members(org: Organisation) -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.filter(organisation=org).select_related("person").order_by("-term_starts", "role")


# ----------------------------------------------------------------------------- credit file


def property_category_ids() -> list[int]:
    """Request categories whose default handler is a property company, with all their descendants."""
    rows = list(Category.objects.values_list("pk", "parent_id", "default_unit_type"))
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent, _unit in rows:
        children[parent].append(pk)
    chosen: set[int] = set()
    stack = [pk for pk, _p, unit in rows if unit == UnitType.PROPERTY]
    while stack:
        pk = stack.pop()
        if pk not in chosen:
            chosen.add(pk)
            stack.extend(children.get(pk, []))
    return sorted(chosen)


@dataclass
class CreditFile:
    company: Organisation
    since: dt.date
    until: dt.date
    compounds: list[Any]
    figures: Figures
    overdue_open: int
    by_compound: dict[str, Figures] = field(default_factory=dict)
    ratings: list[Rating] = field(default_factory=list)
    list_entries: list[ListEntry] = field(default_factory=list)
    contracts: list[PropertyContract] = field(default_factory=list)


def property_tickets(company: Organisation, compound_paths: list[str]) -> QuerySet[Ticket]:
    """Property-related requests: sent to the company, or of a property category in a compound it serves."""
    condition = Q(handling_org=company)
    categories = property_category_ids()
    if categories and compound_paths:
        in_compounds = Q()
        for path in compound_paths:
            in_compounds |= Q(place_path__under=path)
        condition |= Q(category_id__in=categories) & in_compounds
    return Ticket.objects.filter(condition)


def credit_file(company: Organisation, *, since: dt.date, until: dt.date) -> CreditFile:
    """Gathered from requests (read-only), ratings and list decisions; rates folded by
    ``linli.tickets.metrics.Figures`` so they mean what they mean everywhere else."""
    compounds = list(company.serves.all().order_by("path"))
    paths = [c.path for c in compounds]
    tickets = property_tickets(company, paths)
    start, end = period_bounds(since, until)
    cohort = TicketEvent.objects.filter(
        ticket_id__in=tickets.values("pk"), action="submit", at__gte=start, at__lt=end
    ).values("ticket_id")
    rows = (
        TicketEvent.objects.filter(ticket_id__in=cohort)
        .order_by("ticket_id", "at", "id")
        .values("ticket_id", "action", "at", "data", "place_path")
    )
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["ticket_id"]].append(dict(row))
    total = Figures()
    by_compound: dict[str, Figures] = defaultdict(Figures)
    for events in grouped.values():
        if not events or events[0]["action"] != "submit":
            continue
        total.add(events)
        for path in paths:
            if events[0]["place_path"].startswith(path):
                by_compound[path].add(events)
    now = timezone.now()
    overdue = tickets.filter(resolve_due__lt=now, paused_at__isnull=True, status__in=list(OPEN_STATUSES)).count()
    return CreditFile(
        company=company,
        since=since,
        until=until,
        compounds=compounds,
        figures=total,
        overdue_open=overdue,
        by_compound=dict(by_compound),
        ratings=list(Rating.objects.filter(company=company).select_related("compound").order_by("-year", "id")),
        list_entries=list(ListEntry.objects.filter(organisation=company).order_by("-decided_at")),
        contracts=list(
            PropertyContract.objects.filter(company=company).select_related("compound").order_by("-starts_on")
        ),
    )


# ----------------------------------------------------------------------------- practical things


@dataclass
class PartnerYear:
    organisation: Organisation
    profile: PartnerProfile | None
    projects: int
    needs_met: int

    @property
    def things(self) -> int:
        return self.projects + self.needs_met

    @property
    def met(self) -> bool:
        return self.things >= 1


def practical_things(user: Any, year: int) -> list[PartnerYear]:
    """Each partner's practical things in a year (seed 002: 至少为小区办一件实事): accepted
    micro-projects it took part in, plus needs met with its resources. Three grouped queries."""
    orgs = list(partners(user))
    ids = [o.pk for o in orgs]
    projects = dict(
        Project.objects.filter(status=ProjectStatus.ACCEPTED, accepted_at__year=year, partners__in=ids)
        .values("partners")
        .annotate(n=Count("id", distinct=True))
        .values_list("partners", "n")
    )
    needs = dict(
        Need.objects.filter(
            status=NeedStatus.CLOSED, closed_at__year=year, resource__partner__in=ids, projects__isnull=True
        )
        .values("resource__partner")
        .annotate(n=Count("id", distinct=True))
        .values_list("resource__partner", "n")
    )
    profiles = {
        p.organisation_id: p
        for p in PartnerProfile.objects.filter(organisation__in=ids).select_related("big_committee_community")
    }
    return [
        PartnerYear(
            organisation=o, profile=profiles.get(o.pk), projects=projects.get(o.pk, 0), needs_met=needs.get(o.pk, 0)
        )
        for o in orgs
    ]


# ----------------------------------------------------------------------------- 大工委 and 大党委


@dataclass
class Committee:
    """One street's 大工委 or one community's 大党委: its member units (profiles, by name). ``place`` is None for
    the 大党委 members recorded before their community was (未指定社区)."""

    place: Place | None
    members: list[PartnerProfile]


@dataclass
class Rosters:
    streets: list[Committee]  # 街道“大工委”, one per street with a member
    communities: list[Committee]  # 社区“大党委”, one per community with a member; 未指定社区 last

    @property
    def street_committees(self) -> int:
        return len(self.streets)

    @property
    def street_members(self) -> int:
        return sum(len(c.members) for c in self.streets)

    @property
    def community_committees(self) -> int:
        """社区大党委 (seed 003: 4个社区“大党委”): communities with at least one member unit."""
        return sum(1 for c in self.communities if c.place is not None)

    @property
    def community_members(self) -> int:
        return sum(len(c.members) for c in self.communities)

    @property
    def part_time_members(self) -> int:
        """兼职委员 (seed 003: 吸收40名驻区单位党组织负责人担任兼职委员): member units of either committee whose party
        leader is named, each once."""
        units = {p.pk: p for c in (*self.streets, *self.communities) for p in c.members}
        return sum(1 for p in units.values() if p.party_leader_name.strip())


def committee_rosters(user: Any) -> Rosters:
    """The 大工委 and 大党委 the user may read, with their member units: units the user sees (``partners``' rule) and
    units sitting on the 大党委 of a community in the user's scope (registered at the street, they are its members
    too). Two statements however many units."""
    scope = scope_for(user)
    seen = Q(organisation__in=visible_organisations(user).values("pk"))
    if not scope.everything:
        seen |= scope.q("big_committee_community__path")
    profiles = list(
        PartnerProfile.objects.filter(seen, Q(big_committee=True) | Q(street_big_committee=True))
        .select_related("organisation", "big_committee_community")
        .order_by("organisation__name", "pk")
    )
    street_length = 2 * Place.steplen
    streets = {
        p.path: p
        for p in Place.objects.filter(
            kind=PlaceKind.STREET,
            path__in={p.place_path[:street_length] for p in profiles if p.street_big_committee},
        )
    }
    by_street: dict[str, list[PartnerProfile]] = defaultdict(list)
    by_community: dict[int | None, list[PartnerProfile]] = defaultdict(list)
    communities: dict[int, Place] = {}
    for p in profiles:
        if p.street_big_committee and p.place_path[:street_length] in streets:
            by_street[p.place_path[:street_length]].append(p)
        if p.big_committee:
            by_community[p.big_committee_community_id].append(p)
            if p.big_committee_community is not None:
                communities[p.big_committee_community.pk] = p.big_committee_community
    ordered = sorted(communities.values(), key=lambda c: c.path)
    return Rosters(
        streets=[Committee(streets[path], by_street[path]) for path in sorted(by_street)],
        communities=[Committee(c, by_community[c.pk]) for c in ordered]
        + ([Committee(None, by_community[None])] if by_community.get(None) else []),
    )


def community_choices(user: Any) -> list[Place]:
    """The communities a 大党委 form offers: those under the places the user manages (a street's units choose)."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind=PlaceKind.COMMUNITY).order_by("path")[:300])


# ----------------------------------------------------------------------------- funds


@dataclass
class FundYear:
    year: int
    granted: Decimal
    spent: Decimal
    closing_balance: Decimal


def fund_years(fund: Fund) -> list[FundYear]:
    """The yearly report: grants, spending and the balance at each year end."""
    rows = (
        FundEntry.objects.filter(fund=fund)
        .values("on_date__year")
        .annotate(
            granted=Sum("amount", filter=~Q(kind=FundEntryKind.SPEND)),
            spent=Sum("amount", filter=Q(kind=FundEntryKind.SPEND)),
        )
        .order_by("on_date__year")
    )
    result: list[FundYear] = []
    running = Decimal(0)
    for r in rows:
        granted = Decimal(r["granted"] or 0)
        spent = -Decimal(r["spent"] or 0)
        running += granted - spent
        result.append(FundYear(year=r["on_date__year"], granted=granted, spent=spent, closing_balance=running))
    return result


def fund_entries(fund: Fund) -> QuerySet[FundEntry]:
    return FundEntry.objects.filter(fund=fund).select_related("approver__person", "project").order_by("-on_date", "-id")
