"""物业进网格 reads (seed 003: 把15家物业服务企业融入网格化管理,实行“一长四员”联动进网格; 培养发展物业员工党员10名;
选派15名党建工作指导员进入物业服务企业): who each property company has put into which grid, and the figures under
a node on a day (docs/metrics.md, "物业进网格"):

- 进网格物业企业 companies: distinct companies with at least one staff member serving in a grid under the node;
- 进网格物业人员 staff: distinct people serving (a person in two grids counts once in the total);
- 其中党员 party members: of those people, the ones the ledger records as party members (中共党员 or 预备党员, or the
  party-member flag);
- 物业企业党建指导员 instructors: distinct people named 党建指导员 on contracts in force under the node;
- per grid: the people serving there and the companies they come from.

"Serving on a day": ``start_date <= day`` and no end or ``end_date >= day``. Who reads: staff who manage the node
(the dashboards' rule); anyone else gets the 404 of a missing node or row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from linli.cobuilding.models import PropertyContract, PropertyGridStaff
from linli.core.scoping import get_or_not_found, scope_for
from linli.people.selectors_positions import current_on
from linli.places.models import Place

LIST_LIMIT = 500


def staff_rows(path: str, day: dt.date) -> list[tuple[str, int, int, bool]]:
    """(grid path, company, person, party member) of everyone serving under ``path`` on ``day``: one statement."""
    qs = PropertyGridStaff.objects.filter(current_on(day), place_path__under=path)
    return list(qs.values_list("place_path", "company_id", "person_id", "person__is_party_member"))


@dataclass
class GridStaffCounts:
    companies: int = 0
    staff: int = 0
    party_members: int = 0
    _companies: set[int] = field(default_factory=set, repr=False)
    _staff: set[int] = field(default_factory=set, repr=False)
    _party: set[int] = field(default_factory=set, repr=False)

    def add(self, company: int, person: int, party: bool) -> None:
        self._companies.add(company)
        self._staff.add(person)
        if party:
            self._party.add(person)

    def close(self) -> None:
        self.companies, self.staff, self.party_members = len(self._companies), len(self._staff), len(self._party)


@dataclass
class GridRow:
    grid: Place
    staff: list[PropertyGridStaff]

    @property
    def companies(self) -> list[str]:
        return sorted({s.company.name for s in self.staff})


@dataclass
class GridStaffFigures:
    node: Place
    on: dt.date
    total: GridStaffCounts
    instructors: int
    grids: list[GridRow]
    listed_total: int


def grid_staff_figures(node: Place, *, on: dt.date, limit: int = LIST_LIMIT) -> GridStaffFigures:
    """The figures and the per-grid list under ``node`` on ``on`` (see the module's docstring): four statements
    whatever the number of rows counted (the list stops at ``limit`` people)."""
    total = GridStaffCounts()
    for _path, company, person, party in staff_rows(node.path, on):
        total.add(company, person, party)
    total.close()
    instructors = (
        PropertyContract.objects.filter(compound__path__under=node.path, starts_on__lte=on, ends_on__gte=on)
        .exclude(instructor__isnull=True)
        .values("instructor_id")
        .distinct()
        .count()
    )
    qs = PropertyGridStaff.objects.filter(current_on(on), place_path__under=node.path)
    by_grid: dict[int, GridRow] = {}
    for s in qs.select_related("grid", "company", "person").order_by("place_path", "role", "person__name", "id")[
        :limit
    ]:
        by_grid.setdefault(s.grid_id, GridRow(grid=s.grid, staff=[])).staff.append(s)
    return GridStaffFigures(
        node=node, on=on, total=total, instructors=instructors, grids=list(by_grid.values()), listed_total=qs.count()
    )


def by_part(path: str, part_length: int, day: dt.date) -> dict[str, GridStaffCounts]:
    """Part path (``""`` for the whole node) → its counts, for the 1+3+N overview: one statement."""
    out: dict[str, GridStaffCounts] = defaultdict(GridStaffCounts)
    for grid_path, company, person, party in staff_rows(path, day):
        out[""].add(company, person, party)
        out[grid_path[:part_length]].add(company, person, party)
    for counts in out.values():
        counts.close()
    return out


def managed_staff(user: Any) -> QuerySet[PropertyGridStaff]:
    """Rows at grids the user manages."""
    return PropertyGridStaff.objects.filter(scope_for(user, "manage").q("place_path"))


def access_grid_staff(user: Any, pk: Any) -> PropertyGridStaff:
    """One row at a grid the user manages, or the 404 of a missing id."""
    qs = managed_staff(user).select_related("grid", "company", "person")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]
