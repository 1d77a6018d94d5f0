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

Cost: one indexed range read of the whistles (``place_path, action, at``), one read of the later events of the
whistled requests, one of their status and rating — three queries whatever the number of units (two more per
5,000 whistled requests).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from linli.insights.selectors import Period, period_bounds
from linli.places.models import Place
from linli.tickets.models import SATISFIED_RATINGS, Status, Ticket, TicketEvent

# Events that end a whistle: the unit reported, or the request went elsewhere or was finished without it.
ENDING = ("acknowledge", "transfer", "resolve", "escalate")
RESOLVED_STATUSES = frozenset({Status.RESOLVED, Status.RATED, Status.CLOSED})
ID_BATCH = 5000  # request ids per IN list (SQLite caps a statement's parameters)


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


def whistle_report(node: Place, period: Period, *, now: dt.datetime | None = None) -> WhistleReport:
    now = now or timezone.now()
    start, end = period_bounds(period)
    whistles = list(
        TicketEvent.objects.filter(place_path__startswith=node.path, action="escalate", at__gte=start, at__lt=end)
        .order_by("ticket_id", "at", "id")
        .values_list("id", "ticket_id", "at", "data")
    )
    ticket_ids = sorted({w[1] for w in whistles})
    later: dict[int, list[tuple[dt.datetime, int, str, dict[str, Any]]]] = defaultdict(list)
    tickets: dict[int, tuple[str, str, dt.datetime | None]] = {}
    for batch in (ticket_ids[i : i + ID_BATCH] for i in range(0, len(ticket_ids), ID_BATCH)):
        for ticket_id, at, pk, action, data in (
            TicketEvent.objects.filter(ticket_id__in=batch, action__in=ENDING, at__gte=start)
            .order_by("ticket_id", "at", "id")
            .values_list("ticket_id", "at", "id", "action", "data")
        ):
            later[ticket_id].append((at, pk, action, data))
        for pk, status, rating, ack_due in Ticket.objects.filter(pk__in=batch).values_list(
            "pk", "status", "rating", "ack_due"
        ):
            tickets[pk] = (status, rating, ack_due)
    units: dict[str, UnitWhistles] = {}
    total = UnitWhistles(key="", name=node.name, kind="total")
    for pk, ticket_id, at, data in whistles:
        key = f"org:{data['organisation_id']}" if data.get("organisation_id") else f"place:{data.get('place_id', '')}"
        unit = units.get(key)
        if unit is None:
            unit = units[key] = UnitWhistles(
                key=key, name=str(data.get("unit", "")), kind=str(data.get("unit_kind", ""))
            )
        ending = next(((a, p, act, d) for a, p, act, d in later[ticket_id] if (a, p) > (at, pk)), None)
        status, rating, ack_due = tickets.get(ticket_id, ("", "", None))
        for row in (unit, total):
            row.whistled += 1
            if ending is None:
                row.waiting += 1
                row.overdue += int(ack_due is not None and ack_due < now)
            elif ending[2] == "acknowledge":
                row.reported += 1
                row.reported_on_time += int(bool(ending[3].get("on_time")))
            else:
                row.handed_on += 1
            if ticket_id not in row.requests:
                row.requests.add(ticket_id)
                row.resolved += int(status in RESOLVED_STATUSES)
                row.rated += int(bool(rating))
                row.satisfied += int(rating in SATISFIED_RATINGS)
    ordered = sorted(units.values(), key=lambda u: (-u.whistled, u.name, u.key))
    return WhistleReport(node=node, period=period, units=ordered, total=total)
