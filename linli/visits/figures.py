"""Report figures from visit records, per node and period (the seeds' "共开展微行动10418次,
服务居民3万余人次"):

- ``visits``            visits made (走访次数) dated in the period under the node
- ``households``        distinct households reached by those visits (走访户数)
- ``people_served``     sum of people served on those visits (服务人次)
- ``hazard_checks``     of the visits, inspections of hazard points (隐患巡查次数)
- ``problems_found``    findings recorded on those visits (发现问题)
- ``to_requests``       of those findings, the ones turned into requests (转为诉求)
- ``problems_solved``   findings solved on the spot, or whose request has been resolved (解决问题)

Two grouped queries give the node and each of its children.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core.errors import InvalidInput
from linli.places.models import Place
from linli.places.selectors import children_of
from linli.visits.models import Finding, Visit, VisitKind
from linli.visits.selectors import day_start

DEFINITIONS: dict[str, str] = {
    "visits": gettext_noop("期内(按走访时间)在该节点下记录的走访次数,含隐患点巡查"),
    "households": gettext_noop("这些走访到过的不同住户数"),
    "people_served": gettext_noop("这些走访登记的服务人数之和(人次)"),
    "hazard_checks": gettext_noop("其中隐患点巡查的次数"),
    "problems_found": gettext_noop("这些走访记录的发现问题数"),
    "to_requests": gettext_noop("其中转为诉求的问题数"),
    "problems_solved": gettext_noop("当场解决的问题,加上所转诉求已办结的问题"),
    "solve_rate": gettext_noop("problems_solved / problems_found"),
}
MAX_PERIOD_DAYS = 3660


@dataclass
class VisitFigures:
    visits: int = 0
    households: int = 0
    people_served: int = 0
    hazard_checks: int = 0
    problems_found: int = 0
    to_requests: int = 0
    problems_solved: int = 0

    @property
    def solve_rate(self) -> float | None:
        return round(self.problems_solved / self.problems_found, 4) if self.problems_found else None


@dataclass
class FiguresReport:
    node: Place
    since: dt.date
    until: dt.date
    total: VisitFigures
    children: list[tuple[Place, VisitFigures]] = field(default_factory=list)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


def _visit_aggregates(qs: QuerySet[Visit]) -> dict[str, Any]:
    return {
        "visits": Count("pk"),
        "households": Count("household", distinct=True),
        "people_served": Sum("people_served"),
        "hazard_checks": Count("pk", filter=Q(kind=VisitKind.HAZARD)),
    }


def _finding_aggregates() -> dict[str, Any]:
    return {
        "problems_found": Count("pk"),
        "to_requests": Count("pk", filter=Q(ticket__isnull=False)),
        "problems_solved": Count("pk", filter=Q(solved_on_spot=True) | Q(ticket__resolved_at__isnull=False)),
    }


COUNTED = ("visits", "households", "people_served", "hazard_checks", "problems_found", "to_requests")


def _fill(target: VisitFigures, row: dict[str, Any]) -> None:
    for name in COUNTED:
        if name in row:
            setattr(target, name, row[name] or 0)
    if "problems_solved" in row:
        target.problems_solved = row["problems_solved"] or 0


def compute_figures(node: Place, since: dt.date, until: dt.date) -> FiguresReport:
    """The node's figures and each child's, in two grouped statements (visits, findings) whatever the node.

    The node's total is the sum of its groups (each row lies under exactly one child of the node, or at the node
    itself in a group of its own): a visit's household never lies under two children, because a visit copies its
    household's place path and ``place_move`` moves both together, so its distinct households add up too. A
    district's year is ~700,000 visits: counting them twice (once for the total, once by child) cost as much again.
    """
    if until < since:
        raise InvalidInput(_("结束日期不能早于开始日期"), field="until")
    if (until - since).days > MAX_PERIOD_DAYS:
        raise InvalidInput(_("统计区间最长十年"), field="since")
    start, end = day_start(since), day_start(until + dt.timedelta(days=1))
    visits = Visit.objects.filter(place_path__under=node.path, visited_at__gte=start, visited_at__lt=end)
    children = children_of(node)
    by_path: dict[str, VisitFigures] = {c.path: VisitFigures() for c in children}
    length = len(node.path) + Place.steplen
    total = VisitFigures()
    grouped = [
        visits.annotate(prefix=Substr("place_path", 1, length))
        .values("prefix")
        .annotate(**_visit_aggregates(visits))
        .order_by(),
        Finding.objects.filter(visit__in=visits.values("pk"))
        .annotate(prefix=Substr("place_path", 1, length))
        .values("prefix")
        .annotate(**_finding_aggregates())
        .order_by(),
    ]
    for rows in grouped:
        for row in rows:
            _add(total, row)
            if row["prefix"] in by_path:
                _fill(by_path[row["prefix"]], row)
    return FiguresReport(
        node=node, since=since, until=until, total=total, children=[(c, by_path[c.path]) for c in children]
    )


def _add(target: VisitFigures, row: dict[str, Any]) -> None:
    for name in (*COUNTED, "problems_solved"):
        if name in row:
            setattr(target, name, getattr(target, name) + (row[name] or 0))
