"""Dashboard figures, read from the rollups (``RequestRollup``/``RequestFact``), never from event rows.

``dashboard_figures(node, period)`` is the one entry point pages, the API, reports and
``bench/dashboard.py`` share, so a report's numbers are the dashboard's by construction.
Definitions: docs/metrics.md ("Dashboard figures").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from linli.core.errors import NotFound
from linli.core.scoping import scope_for
from linli.insights.models import COUNTERS, ROLLUP_DEPTH, SECONDS, RequestFact, RequestRollup, Span
from linli.insights.modules import ModuleFigures, module_figures
from linli.insights.periods import Period, first_of_next_month
from linli.insights.rollups import bucket_of
from linli.places.models import Place
from linli.tickets.metrics import Rates, rank_key
from linli.tickets.models import OPEN_STATUSES, Category, Source, Ticket

CAPABILITY = "manage"  # dashboards and reports: leaders and community/street staff


def min_requests_for_ranking() -> int:
    return int(getattr(settings, "INSIGHTS_MIN_REQUESTS_FOR_RANKING", 5))


# --- scope -------------------------------------------------------------------------------------


def dashboard_node(user: Any, node_id: Any) -> Place:
    """The node a user may see figures for: the given one if it is inside their ``manage`` scope
    (404 otherwise, same as missing), or their top scope node."""
    scope = scope_for(user, CAPABILITY)
    if scope.empty:
        raise NotFound(gettext("未找到该节点,或您无权查看"))
    if node_id in (None, ""):
        if scope.everything:
            node = Place.objects.filter(depth=1).order_by("path").first()
        else:
            node = Place.objects.filter(path__in=scope.paths).order_by("path").first()
        if node is None:
            raise NotFound(gettext("没有可统计的节点"))
        return node
    try:
        node = Place.objects.filter(pk=int(node_id)).first()
    except (TypeError, ValueError):
        node = None
    if node is None or not scope.covers(node.path):
        raise NotFound(gettext("未找到该节点,或您无权查看"))
    return node


# --- figures -----------------------------------------------------------------------------------


@dataclass
class RequestFigures(Rates):
    """The request figures of docs/metrics.md, from rollup sums (same names as ``metrics.Figures``)."""

    received: int = 0
    valid: int = 0
    responded: int = 0
    accepted: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    on_time: int = 0
    grassroots: int = 0
    in_compound: int = 0
    in_street: int = 0
    respond_seconds: float = 0.0
    resolve_seconds: float = 0.0

    @classmethod
    def of(cls, row: dict[str, Any] | None) -> RequestFigures:
        row = row or {}
        values: dict[str, Any] = {f: int(row.get(f) or 0) for f in COUNTERS}
        values |= {s: float(row.get(s) or 0.0) for s in SECONDS}
        return cls(**values)

    @property
    def unsatisfied(self) -> int:
        return self.rated - self.satisfied

    @property
    def late(self) -> int:
        return self.resolved - self.on_time

    @property
    def mean_hours_to_respond(self) -> float | None:
        return round(self.respond_seconds / 3600 / self.responded, 2) if self.responded else None

    @property
    def mean_hours_to_resolve(self) -> float | None:
        return round(self.resolve_seconds / 3600 / self.resolved, 2) if self.resolved else None


# Rates: (numerator, denominator, the complement list a leader drills into).
RATES: dict[str, tuple[str, str, str, str]] = {
    "response_rate": ("responded", "valid", "unresponded", gettext_noop("响应率")),
    "resolution_rate": ("resolved", "accepted", "unresolved", gettext_noop("解决率")),
    "satisfaction_rate": ("satisfied", "rated", "unsatisfied", gettext_noop("满意率")),
    "on_time_rate": ("on_time", "resolved", "late", gettext_noop("按时办结率")),
    "compound_share": ("in_compound", "resolved", "left_compound", gettext_noop("小区解决占比")),
    "grassroots_share": ("grassroots", "resolved", "left_community", gettext_noop("基层解决占比")),
    "street_share": ("in_street", "resolved", "left_street", gettext_noop("街道内解决占比")),
}

# Every list a figure drills into: the condition on ``RequestFact`` rows.
FIGURE_LISTS: dict[str, tuple[str, Q]] = {
    "received": (gettext_noop("受理诉求"), Q()),
    "valid": (gettext_noop("有效诉求"), Q(valid=True)),
    "responded": (gettext_noop("已响应"), Q(responded=True)),
    "unresponded": (gettext_noop("未响应"), Q(valid=True, responded=False)),
    "accepted": (gettext_noop("已受理"), Q(accepted=True)),
    "resolved": (gettext_noop("已办结"), Q(resolved=True)),
    "unresolved": (gettext_noop("已受理未办结"), Q(accepted=True, resolved=False)),
    "rated": (gettext_noop("已评价"), Q(rated=True)),
    "satisfied": (gettext_noop("满意及基本满意"), Q(satisfied=True)),
    "unsatisfied": (gettext_noop("不满意"), Q(rated=True, satisfied=False)),
    "on_time": (gettext_noop("按时办结"), Q(on_time=True)),
    "late": (gettext_noop("超时办结"), Q(resolved=True, on_time=False)),
    "grassroots": (gettext_noop("基层解决"), Q(grassroots=True)),
    "left_community": (gettext_noop("上交街道及以上或部门解决"), Q(resolved=True, grassroots=False)),
    "in_compound": (gettext_noop("小区内解决"), Q(in_compound=True)),
    "left_compound": (gettext_noop("出小区到社区及以上或部门解决"), Q(resolved=True, in_compound=False)),
    "in_street": (gettext_noop("街道内解决"), Q(in_street=True)),
    "left_street": (gettext_noop("上交区级及以上解决"), Q(resolved=True, in_street=False)),
}


def _uses_facts(node: Place) -> bool:
    return node.depth >= ROLLUP_DEPTH


MONTH_ROWS_AFTER_DAYS = 92  # longer periods (half-years, years) read whole months from month rows


def rollup_span_q(period: Period) -> Q:
    """The rollup rows that add up to the period, each fact once: up to ~92 days, day rows (the weekly
    trend needs days); longer, the whole months inside it from month rows and the days before and
    after them from day rows — a year is 12 month keys instead of 365 day keys."""
    days = Q(span=Span.DAY, day__gte=period.since, day__lte=period.until)
    if period.days <= MONTH_ROWS_AFTER_DAYS:
        return days
    first = period.since if period.since.day == 1 else first_of_next_month(period.since)
    after = period.until + dt.timedelta(days=1)
    end = after.replace(day=1)  # the 1st after the last whole month
    if first >= end:
        return days
    q = Q(span=Span.MONTH, day__gte=first, day__lt=end)
    if period.since < first:
        q |= Q(span=Span.DAY, day__gte=period.since, day__lt=first)
    if end <= period.until:
        q |= Q(span=Span.DAY, day__gte=end, day__lte=period.until)
    return q


def _base(node: Place, period: Period) -> QuerySet[Any]:
    """Rollup rows (or, below grid level, fact rows) under the node in the period: read by an index
    range that starts at the period's first day, whatever the length of the history before it."""
    if _uses_facts(node):
        return RequestFact.objects.filter(
            bucket_path=bucket_of(node.path),  # the grid: then the days are a range of fact_bucket_day
            place_path__under=node.path,
            day__gte=period.since,
            day__lte=period.until,
        )
    return RequestRollup.objects.under(node.path).filter(rollup_span_q(period))


def _sums(node: Place) -> dict[str, Any]:
    if _uses_facts(node):
        out: dict[str, Any] = {f: Count("pk", filter=Q(**{f: True})) for f in COUNTERS}
    else:
        out = {f: Sum(f) for f in COUNTERS}
    return out | {s: Sum(s) for s in SECONDS}


def _path_field(node: Place) -> str:
    return "place_path" if _uses_facts(node) else "bucket_path"


def request_figures(node: Place, period: Period) -> RequestFigures:
    return RequestFigures.of(_base(node, period).aggregate(**_sums(node)))


@dataclass
class Branch:
    place: Place
    figures: RequestFigures


@dataclass
class Slice:
    key: str
    label: str
    received: int
    href_params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrendPoint:
    label: str
    since: dt.date
    until: dt.date
    received: int = 0
    resolved: int = 0
    satisfied: int = 0
    rated: int = 0


@dataclass
class Hotspot:
    place: Place
    category: str
    category_id: int
    received: int


@dataclass
class Dashboard:
    node: Place
    period: Period
    totals: RequestFigures
    children: list[Branch]
    ranking: list[Branch]
    min_requests: int
    categories: list[Slice]
    sources: list[Slice]
    trend: list[TrendPoint]
    trend_unit: str
    hotspots: list[Hotspot]
    open_now: int
    overdue_now: int
    modules: ModuleFigures

    @property
    def proactive(self) -> int:
        """Requests the staff opened themselves (未诉先办 / 主动发现) — from the source breakdown."""
        return next((c.received for c in self.sources if c.key == Source.PROACTIVE), 0)

    @property
    def proactive_share(self) -> float | None:
        received = self.totals.received
        return round(self.proactive / received, 4) if received else None


def figures_by_area(
    node: Place, period: Period, *, length: int, only: tuple[str, ...] = ()
) -> dict[str, RequestFigures]:
    """The period's figures under the node grouped by the first ``length`` characters of the path
    (the areas one level or more below it), from the rollups down to grids; ``only`` sums just those."""
    rows = _grouped(node, period, "spot", spot_length=length, only=only)
    return {row["spot"]: RequestFigures.of(row) for row in rows}


def children_figures(node: Place, period: Period) -> list[Branch]:
    return _branches(node, figures_by_area(node, period, length=len(node.path) + Place.steplen))


def _branches(node: Place, by_branch: dict[str, RequestFigures]) -> list[Branch]:
    kids = Place.objects.filter(path__under=node.path, depth=node.depth + 1).order_by("path")
    return [Branch(c, by_branch.get(c.path, RequestFigures())) for c in kids]


def ranking_of(children: list[Branch], min_requests: int) -> list[Branch]:
    """Children with at least ``min_requests`` received, best first (``metrics.rank_key``)."""
    ranked = [b for b in children if b.figures.received >= min_requests]
    ranked.sort(key=lambda b: rank_key(b.place, b.figures))
    return ranked


def _trend(node: Place, period: Period) -> tuple[list[TrendPoint], str]:
    by_day = {
        row["day"]: row
        for row in _base(node, period)
        .values("day")
        .annotate(**{f: _sums(node)[f] for f in ("received", "resolved", "satisfied", "rated")})
        .order_by()
    }
    points: list[TrendPoint] = []
    monthly = period.days > 92
    day = period.since
    while day <= period.until:
        if monthly:
            nxt = first_of_next_month(day)
            label = gettext("%(year)s年%(month)s月") % {"year": day.year, "month": day.month}
        else:
            nxt = day + dt.timedelta(days=7 - day.weekday())
            label = gettext("%(date)s周") % {"date": f"{day:%m-%d}"}
        end = min(nxt - dt.timedelta(days=1), period.until)
        point = TrendPoint(label, day, end)
        d = day
        while d <= end:
            row = by_day.get(d)
            if row:
                point.received += row["received"] or 0
                point.resolved += row["resolved"] or 0
                point.satisfied += row["satisfied"] or 0
                point.rated += row["rated"] or 0
            d += dt.timedelta(days=1)
        points.append(point)
        day = nxt
    return points, ("month" if monthly else "week")


Row = dict[str, Any]
FIELDS = (*COUNTERS, *SECONDS)


def _grouped(node: Place, period: Period, *keys: str, spot_length: int = 0, only: tuple[str, ...] = ()) -> list[Row]:
    """The period's sums (all, or ``only`` these) under the node per combination of ``keys``
    (``spot``: the first ``spot_length`` characters of the path)."""
    sums = _sums(node)
    if only:
        sums = {f: sums[f] for f in only}
    qs = _base(node, period)
    if spot_length:
        qs = qs.annotate(spot=Substr(_path_field(node), 1, spot_length))
    return list(qs.values(*keys).annotate(**sums).order_by())


def _summed(rows: list[Row], key: Any) -> dict[Any, Row]:
    """Rows added up per ``key(row)`` (the dashboard's coarser breakdowns from one finer grouping)."""
    out: dict[Any, Row] = {}
    for row in rows:
        acc = out.setdefault(key(row), dict.fromkeys(FIELDS, 0))
        for f in FIELDS:
            acc[f] += row[f] or 0
    return out


def _received_by(rows: list[Row], field: str) -> list[tuple[int, Any]]:
    """(received, value of ``field``) from rows grouped by it (and anything finer), most first."""
    totals = _summed(rows, lambda r: r[field])
    return sorted(((sums["received"], value) for value, sums in totals.items()), key=lambda x: (-x[0], x[1]))


def _category_names(*row_lists: list[Row]) -> dict[int, str]:
    """The names of the root categories the rows mention, in one query (none when they mention none)."""
    roots = {r["category_root"] for rows in row_lists for r in rows if r["category_root"]}
    return dict(Category.objects.filter(pk__in=roots).values_list("id", "name")) if roots else {}


def _categories(rows: list[Row], names: dict[int, str]) -> list[Slice]:
    received = _received_by(rows, "category_root")
    return [Slice(str(root), names.get(root, gettext("未分类")), n) for n, root in received if n]


def _sources(rows: list[Row]) -> list[Slice]:
    labels = dict(Source.choices)
    return [Slice(source, str(labels.get(source, source)), n) for n, source in _received_by(rows, "source") if n]


def hotspot_length(node: Place) -> int:
    """Hotspots are compounds (or the level below the node, when that is deeper)."""
    return max(node.depth + 1, 4) * Place.steplen


def _hotspots(rows: list[Row], names: dict[int, str], limit: int = 5) -> list[Hotspot]:
    """Top (compound, category) pairs by requests received: where the same trouble keeps coming back.
    ``rows`` are grouped by spot (``hotspot_length``) and category."""
    top = sorted(
        ((r["received"] or 0, r["spot"], r["category_root"]) for r in rows), key=lambda x: (-x[0], x[1], x[2])
    )[:limit]
    places = {p.path: p for p in Place.objects.filter(path__in=[spot for _, spot, _ in top])}
    return [
        Hotspot(places[spot], names.get(root, gettext("未分类")), root, n)
        for n, spot, root in top
        if spot in places and n
    ]


def past_due_q() -> Q:
    return Q(resolve_due__lt=timezone.now(), paused_at__isnull=True)


def overdue_q() -> Q:
    return Q(status__in=OPEN_STATUSES) & past_due_q()


def open_and_overdue(node: Place) -> tuple[int, int]:
    """Right now, not over a period: open requests under the node, and those past their deadline
    (``Ticket.is_overdue``). One indexed count on the live table: overdue changes with the clock."""
    # Only columns of the open-path index (status is its condition): an index-only scan.
    counts = Ticket.objects.filter(place_path__under=node.path, status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=past_due_q())
    )
    return counts["open"], counts["overdue"]


def dashboard_figures(node: Place, period: Period) -> Dashboard:
    """Everything a dashboard shows for one node and period, in a fixed number of queries. The
    rollups are read three times: per (category, source) for the totals and both breakdowns, per
    (hotspot area, category) for the hotspots and the children (a hotspot area lies inside one
    child), and per day for the trend — each a scan of the node's period in the index."""
    by_kind = _grouped(node, period, "category_root", "source")
    spot_length = hotspot_length(node)
    by_spot = _grouped(node, period, "spot", "category_root", spot_length=spot_length)
    child_length = len(node.path) + Place.steplen
    by_child = _summed(by_spot, lambda r: r["spot"][:child_length])
    children = _branches(node, {path: RequestFigures.of(sums) for path, sums in by_child.items()})
    floor = min_requests_for_ranking()
    trend, unit = _trend(node, period)
    open_now, overdue_now = open_and_overdue(node)
    names = _category_names(by_kind, by_spot)
    return Dashboard(
        node=node,
        period=period,
        totals=RequestFigures.of(_summed(by_kind, lambda r: None).get(None)),
        children=children,
        ranking=ranking_of(children, floor),
        min_requests=floor,
        categories=_categories(by_kind, names),
        sources=_sources(by_kind),
        trend=trend,
        trend_unit=unit,
        hotspots=_hotspots(by_spot, names),
        open_now=open_now,
        overdue_now=overdue_now,
        modules=module_figures(node, period),
    )
