"""近邻党建 “1+3+N” 总览 (seed 002): how far each compound's party branch (the "1") leads an owners' committee,
a supervisory board and a property company (the "3"), and what the N — partners' needs lists and micro-projects —
achieved, for a street or community and each part under it.

Read only, in a fixed number of statements whatever the size of the street (one per source table, grouped by the
part of the node each row lies in): compounds, the party organisations covering them, committee members serving on
the day, contracts in force on the day (with their 党建指导员 and companies), the companies' own party organisations,
the 物业监督员 holding their position on the day, the companies' staff serving in grids (一长四员) on the day,
red/black list entries in force, needs raised and closed and micro-projects accepted in the period.
Definitions: docs/metrics.md ("近邻党建 1+3+N").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext

from linli.cobuilding.models import (
    CommitteeMember,
    ListEntry,
    ListKind,
    Need,
    NeedStatus,
    Project,
    ProjectStatus,
    PropertyContract,
)
from linli.cobuilding.selectors_grid_staff import by_part as grid_staff_by_part
from linli.core.dates import day_bounds
from linli.insights.modules import COVERING_PARTY_ORGS, covered_compounds
from linli.orgs.models import OrganisationKind, PartyOrg
from linli.orgs.services import UNIT_PARTY_KINDS
from linli.people.selectors_positions import holder_sets
from linli.places.models import ManagementMode, Place, PlaceKind

# Seed 002: 党员比例一般不低于50% — the owners' committees' party share a street aims at.
PARTY_SHARE_TARGET = Decimal("0.5")
GAP_LIMIT = 200  # compounds listed as lacking part of "1+3" (the counts are exact; the list is a work list)


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(Decimal("0.0001")) if whole else None


@dataclass
class CompoundState:
    """One compound's "1+3": which of the four it has on the day."""

    pk: int
    path: str
    name: str
    branch: bool = False
    owners_committee: bool = False
    supervisory_board: bool = False
    property_company: bool = False
    management_mode: str = ""  # from the 小区档案 (places.CompoundProfile); blank when none is recorded

    @property
    def complete(self) -> bool:
        return self.branch and self.owners_committee and self.supervisory_board and self.property_company

    @property
    def missing(self) -> list[str]:
        parts = [
            (self.branch, gettext("党组织")),
            (self.owners_committee, gettext("业委会")),
            (self.supervisory_board, gettext("业主监事会")),
            (self.property_company, gettext("物业服务企业")),
        ]
        return [label for present, label in parts if not present]


@dataclass
class NeighbourhoodRow:
    """The figures of one part (or of the whole node): counts on the day and counts over the period."""

    path: str
    name: str
    compounds: int = 0
    with_branch: int = 0
    with_owners_committee: int = 0
    with_supervisory_board: int = 0
    with_property: int = 0
    complete: int = 0
    unmanaged: int = 0  # compounds whose 小区档案 records 无物业管理 (seed 001)
    community_managed: int = 0  # compounds whose 小区档案 records 社区兜底托管
    committee_members: int = 0  # owners' committee members serving on the day
    party_members: int = 0
    cross_appointed: int = 0  # of them, also on the residents' committee or the branch committee (once each)
    instructors: int = 0  # 党建指导员 named on contracts in force (each person once)
    property_companies: int = 0  # companies with a contract in force here (each once)
    companies_with_party_org: int = 0  # of them, with an active 党委/党总支/党支部 of their own (单位党组织)
    red_listed: int = 0
    black_listed: int = 0
    needs_raised: int = 0
    needs_closed: int = 0
    projects_accepted: int = 0
    property_supervisors: int = 0  # people holding 物业监督员 at a compound here on the day (each once)
    grid_companies: int = 0  # property companies with at least one staff member serving in a grid here (each once)
    grid_staff: int = 0  # property-company staff serving in grids here (一长四员, each person once)
    grid_staff_party_members: int = 0  # of them, party members in the ledger
    _instructor_ids: set[int] = field(default_factory=set, repr=False)
    _company_ids: set[int] = field(default_factory=set, repr=False)

    @property
    def property_coverage(self) -> Decimal | None:
        """物业服务覆盖率: compounds with a contract in force / compounds."""
        return _share(self.with_property, self.compounds)

    @property
    def committee_coverage(self) -> Decimal | None:
        """业委会组建率: compounds whose owners' committee has members serving / compounds."""
        return _share(self.with_owners_committee, self.compounds)

    @property
    def complete_share(self) -> Decimal | None:
        """“1+3” 全覆盖率: compounds with all four / compounds."""
        return _share(self.complete, self.compounds)

    @property
    def company_party_coverage(self) -> Decimal | None:
        """物业企业党组织覆盖率 (seed 003: 物业服务企业党的工作全面覆盖): companies with a party org of their own /
        companies with a contract in force here."""
        return _share(self.companies_with_party_org, self.property_companies)

    @property
    def party_share(self) -> Decimal | None:
        return _share(self.party_members, self.committee_members)

    @property
    def cross_share(self) -> Decimal | None:
        """交叉任职比例 (seed 002: 提高到32%), over all the node's owners' committee members serving."""
        return _share(self.cross_appointed, self.committee_members)

    @property
    def party_share_met(self) -> bool:
        return self.party_share is not None and self.party_share >= PARTY_SHARE_TARGET


@dataclass
class NeighbourhoodFigures:
    node: Place
    on: dt.date
    since: dt.date
    until: dt.date
    total: NeighbourhoodRow
    rows: list[NeighbourhoodRow]
    gaps: list[CompoundState]
    gaps_total: int


def _part_of(path: str, length: int) -> str:
    return path[:length]


def neighbourhood_figures(node: Place, *, since: dt.date, until: dt.date) -> NeighbourhoodFigures:
    """The node's "1+3+N" over ``since``–``until``: the standing figures (compounds, committees, contracts, lists)
    as they were on ``until``, the flows (needs, projects) within the period; one row per part directly under it.

    The node must already be one the caller may read (``insights.selectors.dashboard_node``)."""
    on = until
    part_length = len(node.path) + Place.steplen
    parts = {
        path: NeighbourhoodRow(path=path, name=name)
        for path, name in Place.objects.filter(path__under=node.path, depth=node.depth + 1)
        .order_by("path")
        .values_list("path", "name")
    }
    total = NeighbourhoodRow(path=node.path, name=node.name)

    def rows_of(path: str) -> list[NeighbourhoodRow]:
        part = parts.get(_part_of(path, part_length))
        return [total, part] if part is not None else [total]

    compounds = {  # the 小区档案's management mode comes in the same statement (a LEFT JOIN)
        path: CompoundState(pk=pk, path=path, name=name, management_mode=mode or "")
        for pk, path, name, mode in Place.objects.filter(path__under=node.path, kind=PlaceKind.COMPOUND)
        .order_by("path")
        .values_list("pk", "path", "name", "compound_profile__management_mode")
    }
    anchored = (
        PartyOrg.objects.active()
        .filter(place_path__under=node.path, kind__in=COVERING_PARTY_ORGS)
        .values_list("place_path", flat=True)
        .distinct()
    )
    for path in covered_compounds(set(compounds), anchored):
        compounds[path].branch = True

    compound_lengths = {len(path) for path in compounds}

    def compound_of(path: str) -> CompoundState | None:
        return next((compounds[path[:n]] for n in compound_lengths if path[:n] in compounds), None)

    serving = (
        CommitteeMember.objects.filter(place_path__under=node.path, term_starts__lte=on, term_ends__gte=on)
        .values("organisation__kind", "organisation__place_path")
        .annotate(
            n=Count("id"),
            party=Count("id", filter=Q(person__is_party_member=True)),
            crossed=Count("id", filter=Q(cross_residents_committee=True) | Q(cross_branch=True)),
        )
    )
    for row in serving:
        kind, path = row["organisation__kind"], row["organisation__place_path"]
        compound = compound_of(path)
        if kind == OrganisationKind.OWNERS_COMMITTEE:
            if compound is not None:
                compound.owners_committee = True
            for r in rows_of(path):
                r.committee_members += row["n"]
                r.party_members += row["party"]
                r.cross_appointed += row["crossed"]
        elif kind == OrganisationKind.SUPERVISORY_BOARD and compound is not None:
            compound.supervisory_board = True

    contracts = PropertyContract.objects.filter(
        compound__path__under=node.path, starts_on__lte=on, ends_on__gte=on
    ).values_list("compound__path", "instructor_id", "company_id")
    for path, instructor, company in contracts:
        if path in compounds:
            compounds[path].property_company = True
        for r in rows_of(path):
            r._company_ids.add(company)
            if instructor is not None:
                r._instructor_ids.add(instructor)
    with_org = set(
        PartyOrg.objects.active()
        .filter(organisation_id__in=total._company_ids, kind__in=UNIT_PARTY_KINDS)
        .values_list("organisation_id", flat=True)
        if total._company_ids
        else []
    )

    supervisors = holder_sets(node.path, part_length, ("property_supervisor",), on)["property_supervisor"]
    in_grids = grid_staff_by_part(node.path, part_length, on)
    for key, r in [("", total), *parts.items()]:
        r.property_supervisors = len(supervisors.get(key, ()))
        if key in in_grids:
            counts = in_grids[key]
            r.grid_companies, r.grid_staff = counts.companies, counts.staff
            r.grid_staff_party_members = counts.party_members

    listed = (
        ListEntry.objects.filter(
            place_path__under=node.path, valid_from__lte=on, valid_until__gte=on, revoked_at__isnull=True
        )
        .annotate(part=Substr("place_path", 1, part_length))
        .values("part")
        .annotate(red=Count("id", filter=Q(kind=ListKind.RED)), black=Count("id", filter=Q(kind=ListKind.BLACK)))
    )
    for row in listed:
        for r in rows_of(row["part"]):
            r.red_listed += row["red"]
            r.black_listed += row["black"]

    start, end = day_bounds(since, until)
    needs = (
        Need.objects.filter(place_path__under=node.path)
        .filter(Q(created_at__gte=start, created_at__lt=end) | Q(closed_at__gte=start, closed_at__lt=end))
        .annotate(part=Substr("place_path", 1, part_length))
        .values("part")
        .annotate(
            raised=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
            closed=Count("id", filter=Q(status=NeedStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)),
        )
    )
    for row in needs:
        for r in rows_of(row["part"]):
            r.needs_raised += row["raised"]
            r.needs_closed += row["closed"]
    accepted = (
        Project.objects.filter(
            place_path__under=node.path,
            status=ProjectStatus.ACCEPTED,
            accepted_at__gte=start,
            accepted_at__lt=end,
        )
        .annotate(part=Substr("place_path", 1, part_length))
        .values("part")
        .annotate(n=Count("id"))
    )
    for row in accepted:
        for r in rows_of(row["part"]):
            r.projects_accepted += row["n"]

    for compound in compounds.values():
        for r in rows_of(compound.path):
            r.compounds += 1
            r.with_branch += compound.branch
            r.with_owners_committee += compound.owners_committee
            r.with_supervisory_board += compound.supervisory_board
            r.with_property += compound.property_company
            r.complete += compound.complete
            r.unmanaged += compound.management_mode == ManagementMode.NONE
            r.community_managed += compound.management_mode == ManagementMode.COMMUNITY
    for r in [total, *parts.values()]:
        r.instructors = len(r._instructor_ids)
        r.property_companies = len(r._company_ids)
        r.companies_with_party_org = len(r._company_ids & with_org)
    gaps = [c for c in compounds.values() if not c.complete]
    return NeighbourhoodFigures(
        node=node,
        on=on,
        since=since,
        until=until,
        total=total,
        rows=list(parts.values()),
        gaps=gaps[:GAP_LIMIT],
        gaps_total=len(gaps),
    )


ROW_FIELDS = (
    "compounds",
    "with_branch",
    "with_owners_committee",
    "with_supervisory_board",
    "with_property",
    "complete",
    "unmanaged",
    "community_managed",
    "property_coverage",
    "committee_coverage",
    "complete_share",
    "committee_members",
    "party_members",
    "party_share",
    "cross_appointed",
    "cross_share",
    "instructors",
    "property_companies",
    "companies_with_party_org",
    "company_party_coverage",
    "red_listed",
    "black_listed",
    "needs_raised",
    "needs_closed",
    "projects_accepted",
    "property_supervisors",
    "grid_companies",
    "grid_staff",
    "grid_staff_party_members",
)
