"""The three rates and their companions, computed from ``TicketEvent`` rows (see docs/metrics.md).

The cohort is the requests *received* (``submit`` event) in the period under the node; every rate
is over that cohort, judged by the events it has at the time of asking. Two queries: the cohort's
submit events, then all events of those requests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Schema

from linli.core.errors import InvalidInput
from linli.core.schemas import Day
from linli.places.models import Place
from linli.places.selectors import access_place, scope_roots
from linli.tickets.models import SATISFIED_RATINGS, TicketEvent
from linli.tickets.tiers import OrgLevels, request_left, stale_orgs

CHINA_TZ = ZoneInfo("Asia/Shanghai")
MIN_REQUESTS_FOR_RANKING = 5
RESPONSE_ACTIONS = {"accept", "decline"}

DEFINITIONS: dict[str, str] = {
    "received": gettext_noop("期内提交(submit 事件)且位于该节点下的诉求数"),
    "valid": gettext_noop("受理口径诉求数 = received − 被合并的重复诉求"),
    "response_rate": gettext_noop("有受理或不予受理事件的诉求 / valid"),
    "resolution_rate": gettext_noop("最近一次办结后未被重新办理的诉求 / 已受理(accept 事件)诉求"),
    "satisfaction_rate": gettext_noop("最近一次评价为满意或基本满意的诉求 / 有评价的诉求"),
    "on_time_rate": gettext_noop("最近一次办结在办理时限内(办结事件 on_time)的诉求 / 已办结诉求"),
    "grassroots_share": gettext_noop("办结且从未派往街道及以上或职能部门(无 left_community 事件)的诉求 / 已办结诉求"),
    "compound_share": gettext_noop(
        "办结且每个办理单位都在小区及以下(网格、小区节点或小区自己的组织,无 left_compound 事件)的诉求 / 已办结诉求"
    ),
    "street_share": gettext_noop("办结且从未派往区级及以上节点或区级组织(无 left_street 事件)的诉求 / 已办结诉求"),
    "mean_hours_to_respond": gettext_noop("首次受理或不予受理距提交的平均小时数"),
    "mean_hours_to_resolve": gettext_noop("首次办结距提交的平均小时数"),
}


class Rates:
    """The rates of docs/metrics.md from the counters; shared by the event fold below and the
    insights rollup sums (``insights.selectors.RequestFigures``), so both round alike."""

    responded: int
    valid: int
    resolved: int
    accepted: int
    satisfied: int
    rated: int
    on_time: int
    grassroots: int
    in_compound: int
    in_street: int

    @staticmethod
    def _rate(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.valid)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.accepted)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.resolved)

    @property
    def grassroots_share(self) -> float | None:
        return self._rate(self.grassroots, self.resolved)

    @property
    def compound_share(self) -> float | None:
        return self._rate(self.in_compound, self.resolved)

    @property
    def street_share(self) -> float | None:
        return self._rate(self.in_street, self.resolved)


@dataclass
class Figures(Rates):
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
    respond_hours: list[float] = field(default_factory=list)
    resolve_hours: list[float] = field(default_factory=list)

    @property
    def mean_hours_to_respond(self) -> float | None:
        return round(sum(self.respond_hours) / len(self.respond_hours), 2) if self.respond_hours else None

    @property
    def mean_hours_to_resolve(self) -> float | None:
        return round(sum(self.resolve_hours) / len(self.resolve_hours), 2) if self.resolve_hours else None

    def add(self, events: list[dict[str, Any]], orgs: OrgLevels | None = None) -> None:
        """Fold one request's events (in time order) into the figures. ``orgs``: the caller's lookup for
        events written before the tier flags (``tickets.tiers.request_left`` reads its own without one)."""
        submitted = events[0]["at"]
        actions = [e["action"] for e in events]
        self.received += 1
        if "merge" in actions:
            return
        self.valid += 1
        first_response = next((e for e in events if e["action"] in RESPONSE_ACTIONS), None)
        if first_response is not None:
            self.responded += 1
            self.respond_hours.append((first_response["at"] - submitted).total_seconds() / 3600)
        if "accept" in actions:
            self.accepted += 1
        resolves = [e for e in events if e["action"] in ("resolve", "reopen")]
        if resolves and resolves[-1]["action"] == "resolve":
            self.resolved += 1
            first_resolve = next(e for e in resolves if e["action"] == "resolve")
            self.resolve_hours.append((first_resolve["at"] - submitted).total_seconds() / 3600)
            if resolves[-1]["data"].get("on_time"):
                self.on_time += 1
            left = request_left(events, orgs)
            self.in_compound += not left.compound
            self.grassroots += not left.community
            self.in_street += not left.street
        ratings = [e for e in events if e["action"] == "rate"]
        if ratings:
            self.rated += 1
            if ratings[-1]["data"].get("rating") in SATISFIED_RATINGS:
                self.satisfied += 1


def period_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    start = dt.datetime.combine(since, dt.time.min, tzinfo=CHINA_TZ)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=CHINA_TZ)
    return start, end


def events_by_ticket(node: Place, since: dt.date, until: dt.date) -> dict[int, list[dict[str, Any]]]:
    start, end = period_bounds(since, until)
    cohort = TicketEvent.objects.filter(place_path__under=node.path, action="submit", at__gte=start, at__lt=end)
    rows = (
        TicketEvent.objects.filter(ticket_id__in=cohort.values("ticket_id"))
        .order_by("ticket_id", "at", "id")
        .values("ticket_id", "action", "at", "data", "place_path")
    )
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["ticket_id"]].append(dict(row))
    return {k: v for k, v in grouped.items() if v and v[0]["action"] == "submit"}


def compute(node: Place, since: dt.date, until: dt.date) -> tuple[Figures, dict[str, Figures]]:
    """Figures for the node, and for each child node (keyed by child path)."""
    total = Figures()
    children: dict[str, Figures] = defaultdict(Figures)
    child_len = len(node.path) + Place.steplen
    grouped = events_by_ticket(node, since, until)
    orgs = OrgLevels()
    orgs.ensure(stale_orgs(e for events in grouped.values() for e in events))  # one read for old events, if any
    for events in grouped.values():
        total.add(events, orgs)
        path = events[0]["place_path"]
        if len(path) >= child_len:
            children[path[:child_len]].add(events, orgs)
    return total, dict(children)


def rank_key(place: Place, figures: Rates) -> tuple[float, float, float, str]:
    """Best first: satisfaction, then resolution, then response; ties by place. The one order of every ranking
    of the request figures (``insights.selectors.ranking_of``, for the pages and the API)."""
    return (
        -(figures.satisfaction_rate or 0),
        -(figures.resolution_rate or 0),
        -(figures.response_rate or 0),
        place.path,
    )


def default_period() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today - dt.timedelta(days=29), today


def node_for(user: Any, node_id: int | None) -> Place:
    if node_id is not None:
        return access_place(user, node_id)
    root = scope_roots(user).first()
    if root is None:
        raise InvalidInput(_("请选择统计节点"), field="node")
    return root


# --- API shapes -------------------------------------------------------------------------------------


class MetricsFilter(Schema):
    node: int | None = None
    since: Day | None = None
    until: Day | None = None


class RequestFiguresOut(Schema):
    received: int
    valid: int
    responded: int
    accepted: int
    resolved: int
    rated: int
    satisfied: int
    on_time: int
    grassroots: int
    in_compound: int
    in_street: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    grassroots_share: float | None
    compound_share: float | None
    street_share: float | None
    mean_hours_to_respond: float | None
    mean_hours_to_resolve: float | None


class RankedOut(Schema):
    place_id: int
    name: str
    kind: str
    figures: RequestFiguresOut


class MetricsOut(Schema):
    node_id: int
    node_name: str
    since: dt.date
    until: dt.date
    figures: RequestFiguresOut
    rankings: list[RankedOut]
    min_requests_for_ranking: int
    definitions: dict[str, str]


def figures_out(f: Rates) -> RequestFiguresOut:
    """The API's shape of either the event fold's ``Figures`` or the rollups' ``RequestFigures``."""
    names = [n for n in RequestFiguresOut.model_fields]
    return RequestFiguresOut(**{n: getattr(f, n) for n in names})
