"""Plausible historical requests for the demo street, with the event rows that metrics read.

Rows are written in bulk with past timestamps (services stamp "now"), following the same
transitions the state machine allows: submit → accept → (escalate → acknowledge) → resolve →
rate → close, with a share left open, declined or unrated.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from linli.places.models import Place, PlaceKind
from linli.tickets.models import Rating, Source, Status, Ticket, TicketCounter, TicketEvent
from linli.tickets.tiers import place_left

GRID, STREET = place_left(PlaceKind.GRID), place_left(PlaceKind.STREET)
DEMO_ACK_HOURS = 16  # the street's answer window for the demo's whistles (吹哨报到时限)

PROBLEMS = [
    ("楼道灯不亮", "楼道照明坏了,晚上上下楼看不清"),
    ("垃圾清运不及时", "垃圾桶满了两天没人清运,气味很大"),
    ("下水道堵塞", "单元门口下水道堵塞,雨后积水"),
    ("电动车违规充电", "有人从楼上拉线给电动车充电,存在火灾隐患"),
    ("噪音扰民", "夜间装修噪音很大,影响休息"),
    ("独居老人需要帮助", "楼上独居老人行动不便,需要帮忙买菜"),
    ("绿化带损坏", "小区绿化带被占用种菜"),
    ("路面破损", "小区主干道路面坑洼,老人容易摔倒"),
]


def _event(t: Ticket, at: dt.datetime, action: str, frm: str, to: str, note: str = "", **data: Any) -> TicketEvent:
    return TicketEvent(
        ticket=t, place_path=t.place_path, at=at, action=action, from_status=frm, to_status=to, note=note, data=data
    )


@transaction.atomic
def build_demo_tickets(rng: random.Random, *, count: int = 300, days: int = 120, submitter: Any = None) -> int:
    """Create ``count`` requests spread over the last ``days`` days; returns how many were made."""
    buildings = list(Place.objects.filter(kind="building").order_by("path"))
    streets = {p.path: p for p in Place.objects.filter(kind="street")}
    if not buildings:
        return 0
    now = timezone.now()
    year = timezone.localtime(now).year
    TicketCounter.objects.get_or_create(year=year)
    start_no = (TicketCounter.objects.filter(year=year).aggregate(m=Max("last"))["m"] or 0) + 1
    tickets: list[Ticket] = []
    plans: list[tuple[Ticket, str, dt.datetime]] = []
    for i in range(count):
        place = rng.choice(buildings)
        title, text = rng.choice(PROBLEMS)
        submitted = now - dt.timedelta(days=rng.uniform(1, days), hours=rng.uniform(0, 12))
        fate = rng.choices(["closed", "open", "declined", "escalated"], weights=[78, 10, 4, 8])[0]
        t = Ticket(
            number=f"{year}-{start_no + i:06d}",
            title=title,
            description=text,
            place=place,
            place_path=place.path,
            source=rng.choice([Source.APP, Source.APP, Source.PHONE, Source.PATROL, Source.VISIT]),
            submitted_by=submitter,
            submitted_at=submitted,
            response_due=submitted + dt.timedelta(hours=24),
            resolve_due=submitted + dt.timedelta(days=7),
        )
        tickets.append(t)
        plans.append((t, fate, submitted))
    Ticket.objects.bulk_create(tickets, batch_size=500)
    TicketCounter.objects.filter(year=year).update(last=start_no + count - 1)
    if tickets and tickets[0].pk is None:
        by_number = dict(Ticket.objects.filter(number__in=[t.number for t in tickets]).values_list("number", "pk"))
        for t in tickets:
            t.pk = by_number[t.number]
    events: list[TicketEvent] = []
    for t, fate, at in plans:
        events.append(_event(t, at, "submit", "", Status.SUBMITTED, source=t.source))
        at += dt.timedelta(hours=rng.uniform(0.2, 20))
        if fate == "declined":
            events.append(_event(t, at, "decline", Status.SUBMITTED, Status.DECLINED, "不属于受理范围,已耐心解释"))
            t.status, t.responded_at = Status.DECLINED, at
            continue
        # Accepted by the grid (in the compound); escalated to the street (out of the compound and the
        # community, still in the street): the flags ``tickets.tiers`` folds, as unit_data writes them.
        events.append(_event(t, at, "accept", Status.SUBMITTED, Status.ACCEPTED, "", on_time=True, **GRID.data()))
        t.status, t.responded_at = Status.ACCEPTED, at
        left = False
        if fate == "escalated":
            street = streets[t.place_path[: 2 * Place.steplen]]
            at += dt.timedelta(hours=rng.uniform(2, 30))
            unit = {"unit": street.name, "unit_kind": street.kind, "place_id": street.pk, "ack_hours": DEMO_ACK_HOURS}
            events.append(
                _event(t, at, "escalate", Status.ACCEPTED, Status.ESCALATED, "需街道协调", **unit, **STREET.data())
            )
            delay = rng.uniform(1, 20)  # hours; past the whistle's window now and then (吹哨报到情况 shows it)
            at += dt.timedelta(hours=delay)
            events.append(
                _event(t, at, "acknowledge", Status.ESCALATED, Status.ASSIGNED, on_time=delay <= DEMO_ACK_HOURS)
            )
            t.handling_place, left = street, True
        if fate == "open":
            continue
        at += dt.timedelta(days=rng.uniform(0.5, 9))
        frm = Status.ASSIGNED if left else Status.ACCEPTED
        events.append(
            _event(
                t,
                at,
                "resolve",
                frm,
                Status.RESOLVED,
                "已处理完毕",
                on_time=t.resolve_due is not None and at <= t.resolve_due,
            )
        )
        t.status, t.resolved_at, t.resolution = Status.RESOLVED, at, "已处理完毕"
        rating = rng.choices([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], weights=[88, 8, 4])[0]
        if rng.random() < 0.9:
            at += dt.timedelta(hours=rng.uniform(2, 48))
            events.append(_event(t, at, "rate", Status.RESOLVED, Status.RATED, rating=rating))
            t.status, t.rating = Status.RATED, rating
            if rating != Rating.UNSATISFIED:
                events.append(_event(t, at, "close", Status.RATED, Status.CLOSED, "居民评价满意,自动关闭"))
                t.status, t.closed_at = Status.CLOSED, at
    TicketEvent.objects.bulk_create(events, batch_size=2000)
    Ticket.objects.bulk_update(
        tickets,
        ["status", "responded_at", "resolved_at", "closed_at", "resolution", "rating", "handling_place"],
        batch_size=500,
    )
    return len(tickets)
