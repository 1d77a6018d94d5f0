"""吹哨报到情况: how the units a street or community whistled (吹哨) answered (报到) — seed 003's
"居民诉求、街区吹哨、部门解答、社区督办", and the street's say over the departments it works with.

For a node and a period, every ``escalate`` event under the node in the period is one whistle to the unit it
names (a department, or the level above: community, street, district). Each whistle ends in one of:

- **reported** (报到): the next hand-over event of the request is an ``acknowledge`` — on time when that event
  says so (``data.on_time``: before ``ack_due``, the deadline the whistle set);
- **handed on unreported** (未报到即转走): the request was transferred or resolved before anyone reported;
- **still waiting** (待报到): none of those yet — overdue when the request's ``ack_due`` has passed.

A whistled request counts as **resolved** (办结) when its status now is resolved, rated or closed, and as
**satisfied** when its latest rating is 满意 or 基本满意, among the whistled requests that are rated (the
satisfaction definition of docs/metrics.md). A request whistled twice to one unit counts twice as a whistle and
once in resolved/rated. Definitions: docs/metrics.md, "吹哨报到情况".

Cost: one query whatever the number of units or whistles — the period's whistles by the partial index on
``at`` where ``action = 'escalate'`` (migration ``tickets.0013``), each with one probe of ``(ticket_id, at)`` for
the event that ended it and its request's row; the rows are folded here (a few scalars each, no JSON decoding).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext

from linli.insights.periods import Period, period_bounds
from linli.places.models import Place
from linli.tickets.models import SATISFIED_RATINGS, Status, TicketEvent

# Events that end a whistle: the unit reported, or the request went elsewhere or was finished without it.
ENDING = ("acknowledge", "transfer", "resolve", "escalate")
RESOLVED_STATUSES = frozenset({Status.RESOLVED, Status.RATED, Status.CLOSED})


@dataclass
class UnitWhistles:
    key: str  # "org:<id>" or "place:<id>": one row per unit whistled
    name: str
    kind: str  # the unit's kind as the event recorded it (department, community, street …)
    whistled: int = 0
    reported: int = 0
    reported_on_time: int = 0
    handed_on: int = 0
    waiting: int = 0
    overdue: int = 0
    requests: set[int] = field(default_factory=set)
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def reported_late(self) -> int:
        return self.reported - self.reported_on_time

    @property
    def report_rate(self) -> float | None:
        """报到率: reported / whistles whose outcome is known (still-waiting ones inside their window left out)."""
        known = self.whistled - (self.waiting - self.overdue)
        return round(self.reported / known, 4) if known else None

    @property
    def on_time_rate(self) -> float | None:
        """按时报到率: reported on time / whistles whose outcome is known."""
        known = self.whistled - (self.waiting - self.overdue)
        return round(self.reported_on_time / known, 4) if known else None

    @property
    def satisfaction_rate(self) -> float | None:
        return round(self.satisfied / self.rated, 4) if self.rated else None


@dataclass(frozen=True)
class WhistleReport:
    node: Place
    period: Period
    units: list[UnitWhistles]  # most whistled first, then by name
    total: UnitWhistles


def _ending() -> Subquery:
    """The first ending event of the whistle's request after the whistle, as a code: ``on_time`` / ``late``
    (an acknowledge, by its ``data.on_time``) or ``handed`` (a transfer, resolve or further escalate)."""
    later = (
        TicketEvent.objects.filter(ticket_id=OuterRef("ticket_id"), action__in=ENDING)
        .filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk")))
        .order_by("at", "pk")
        .annotate(
            code=Case(
                When(action="acknowledge", data__on_time=True, then=Value("on_time")),
                When(action="acknowledge", then=Value("late")),
                default=Value("handed"),
                output_field=CharField(),
            )
        )
    )
    return Subquery(later.values("code")[:1])


def whistle_report(node: Place, period: Period, *, now: dt.datetime | None = None) -> WhistleReport:
    now = now or timezone.now()
    start, end = period_bounds(period)
    rows = (
        TicketEvent.objects.filter(action="escalate", at__gte=start, at__lt=end, place_path__under=node.path)
        .annotate(
            org=KT("data__organisation_id"),
            place=KT("data__place_id"),
            unit_name=KT("data__unit"),
            kind=KT("data__unit_kind"),
            ending=_ending(),
        )
        .order_by("ticket_id", "at", "pk")
        .values_list(
            "org",
            "place",
            "unit_name",
            "kind",
            "ticket_id",
            "ending",
            "ticket__ack_due",
            "ticket__status",
            "ticket__rating",
        )
    )
    units: dict[str, UnitWhistles] = {}
    total = UnitWhistles(key="", name=node.name, kind="total")
    for org, place, name, kind, ticket_id, ending, ack_due, status, rating in rows:
        key = f"org:{org}" if org not in (None, "") else f"place:{place or ''}"
        unit = units.get(key)
        if unit is None:
            # whistles recorded before events named their unit (old demo data) are grouped and said so
            unit = units[key] = UnitWhistles(key=key, name=str(name or gettext("未记录单位")), kind=str(kind or ""))
        for row in (unit, total):
            row.whistled += 1
            if ending is None:
                row.waiting += 1
                row.overdue += int(ack_due is not None and ack_due < now)
            elif ending == "handed":
                row.handed_on += 1
            else:
                row.reported += 1
                row.reported_on_time += int(ending == "on_time")
            if ticket_id not in row.requests:
                row.requests.add(ticket_id)
                row.resolved += int(status in RESOLVED_STATUSES)
                row.rated += int(bool(rating))
                row.satisfied += int(rating in SATISFIED_RATINGS)
    ordered = sorted(units.values(), key=lambda u: (-u.whistled, u.name, u.key))
    return WhistleReport(node=node, period=period, units=ordered, total=total)
