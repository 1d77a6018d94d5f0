"""A realistic district at benchmark size: the demo district's places, people, organisations,
visits, activities and points (the demo builder and its module hooks), then millions of requests
with full event histories, loaded in bulk.

Requests follow ``linli.tickets.workflow.TRANSITIONS`` exactly (submit → accept → assign/escalate
→ acknowledge → start → resolve → rate → close, with a share declined, merged-free and left open),
and each step writes the ``TicketEvent`` the service would have written (same ``data`` keys: the
handling unit with ``left_compound``/``left_community``/``left_street`` (``tickets.tiers``), ``on_time``,
the rating), so metrics and rollups read them as they read real ones. Recent requests are more often
still open, as in a live queue.

Personal data: a request's contact phone is its reporter's phone, so the generator copies a
resident's stored ciphertext and keyed hash (the same value encrypted once, as the ledger holds it)
instead of encrypting a million phone numbers again. Residents' ID numbers are each encrypted and
hashed once by the demo builder: ID hashes must be unique per person, so a pool of reused
ciphertexts would break the ledger's duplicate check and is not used.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from linli.core.scale.bulk import fix_sequence, insert_rows, next_id
from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from linli.tickets.models import Category, Rating, Source, Status, Ticket, TicketCounter, TicketEvent
from linli.tickets.tiers import place_left

PROBLEMS = [
    ("楼道灯不亮", "楼道照明坏了,晚上上下楼看不清"),
    ("垃圾清运不及时", "垃圾桶满了两天没人清运,气味很大"),
    ("下水道堵塞", "单元门口下水道堵塞,雨后积水"),
    ("电动车违规充电", "有人从楼上拉线给电动车充电,存在火灾隐患"),
    ("噪音扰民", "夜间装修噪音很大,影响休息"),
    ("独居老人需要帮助", "楼上独居老人行动不便,需要帮忙买菜"),
    ("绿化带损坏", "小区绿化带被占用种菜"),
    ("路面破损", "小区主干道路面坑洼,老人容易摔倒"),
    ("高空抛物", "楼上经常往下扔垃圾,楼下车辆被砸"),
    ("楼顶漏水", "顶楼住户反映下雨天屋顶渗水"),
    ("电梯故障", "电梯经常停在半层,老人被困过一次"),
    ("占用消防通道", "消防通道长期停放私家车"),
]
SOURCES = [Source.APP] * 5 + [Source.PHONE] * 3 + [Source.PATROL, Source.VISIT, Source.DOOR, Source.MEETING]
OPEN_FATES = ["submitted", "accepted", "assigned", "in_progress", "escalated"]


@dataclass
class LoadReport:
    requests: int
    events: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return (self.requests + self.events) / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Building:
    id: int
    path: str
    grid_id: int
    community_id: int
    street_id: int
    grid_name: str
    community_name: str
    street_name: str


def _buildings() -> list[_Building]:
    nodes = {p["path"]: p for p in Place.objects.values("id", "path", "name", "kind")}
    step = Place.steplen
    out = []
    for path, node in sorted(nodes.items()):
        if node["kind"] != "building":
            continue
        grid = nodes[path[:-step]]
        community = nodes[path[: 3 * step]]
        street = nodes[path[: 2 * step]]
        out.append(
            _Building(
                id=node["id"],
                path=path,
                grid_id=grid["id"],
                community_id=community["id"],
                street_id=street["id"],
                grid_name=grid["name"],
                community_name=community["name"],
                street_name=street["name"],
            )
        )
    return out


def _phone_pool(rng: random.Random, size: int = 20000) -> list[tuple[str, str]]:
    """(ciphertext, hash) of residents' phones, reused as the contact phone of their requests."""
    qs = Person.objects.exclude(phone_hash="").values_list("phone_enc", "phone_hash")
    pool = list(qs.order_by("id")[: size * 4])
    rng.shuffle(pool)
    return pool[:size] or [("", "")]


CatRow = tuple[int, str, int, int]  # id, priority, response hours, resolve working days
Text = tuple[CatRow, str, str]  # the category a request is filed under, its title, its description


def ensure_categories() -> int:
    """The category tree a deployment starts from (the three-level paths of the routing sample data,
    ``linli.routing.data.cores``), created when the database has no categories. Returns how many
    leaf paths were imported (0 when categories already existed)."""
    from linli.routing.data.cores import CORES
    from linli.tickets.categories import category_import

    if Category.objects.filter(active=True).exists():
        return 0
    paths = [(*p.split("/"), "", "") for p in CORES]
    category_import(actor=None, rows=[(a, b, c) for a, b, c, *_ in paths])
    return len(CORES)


def _category_texts(seed: int) -> list[Text]:
    """Requests' wording matched to their category: the routing sample texts (varied addresses,
    colloquial wording, typos) for each leaf path that exists here, so the routing model learns
    from the generated history as from a real one. Without those categories: the generic
    ``PROBLEMS`` under random leaves (or none)."""
    from linli.routing.data.make_requests import build

    parents = set(Category.objects.exclude(parent=None).values_list("parent_id", flat=True))
    active = Category.objects.filter(active=True).select_related("parent__parent")
    by_path: dict[str, CatRow] = {
        c.full_name.replace(" / ", "/"): (c.pk, c.priority, c.response_hours, c.resolve_workdays)
        for c in active
        if c.pk not in parents
    }
    texts: list[Text] = [(by_path[r["分类"]], r["标题"], r["内容"]) for r in build(seed=seed) if r["分类"] in by_path]
    if texts:
        return texts
    leaves = list(by_path.values()) or [(0, "low", 24, 5)]
    return [(leaf, title, text) for leaf in leaves for title, text in PROBLEMS]


def _plus_workdays(start: dt.datetime, days: int) -> dt.datetime:
    """Working days → calendar time, skipping weekends (holidays are left to the live service)."""
    at, left = start, days
    while left > 0:
        at += dt.timedelta(days=1)
        if at.weekday() < 5:
            left -= 1
    return at


def generate_requests(
    *, count: int, seed: int, days: int = 365, progress: Callable[[str], None] | None = None
) -> LoadReport:
    """Add ``count`` requests over the last ``days`` days with their event histories, in bulk."""
    rng = random.Random(seed)
    buildings = _buildings()
    if not buildings:
        raise ValueError("no buildings: build the district first")
    # Hot spots: a few buildings report much more than others (Zipf-like weights).
    weights = [1.0 / (1 + (i % 97)) ** 0.6 for i in range(len(buildings))]
    rng.shuffle(weights)
    texts = _category_texts(seed)
    phones = _phone_pool(rng)
    now = timezone.now().replace(microsecond=0)
    start_id = next_id(Ticket)
    event_id = next_id(TicketEvent)
    counters = dict(TicketCounter.objects.values_list("year", "last"))
    started = time.monotonic()
    # Plan a chunk of requests (dicts), stream its tickets and events through COPY, repeat:
    # memory stays flat whatever ``count`` is.
    plans: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    n_tickets = n_events = 0
    chunk = 50000
    with transaction.atomic():
        for first in range(0, count, chunk):
            size = min(chunk, count - first)
            chosen = rng.choices(range(len(buildings)), weights=weights, k=size)
            for k in range(size):
                plans.append(_plan(rng, buildings[chosen[k]], start_id + first + k, now, days, texts, phones, counters))
            for t in plans:
                for ev in t.pop("_events"):
                    ev["id"] = event_id
                    event_id += 1
                    events.append(ev)
            n_tickets += insert_rows(Ticket, plans)
            n_events += insert_rows(TicketEvent, events)
            plans, events = [], []
            if progress:
                done = first + size
                rate = (n_tickets + n_events) / (time.monotonic() - started)
                spent = time.monotonic() - started
                progress(f"  {done:,} requests, {n_events:,} events ({spent:.0f}s, {rate:,.0f} rows/s)")
        for year, last in counters.items():
            TicketCounter.objects.update_or_create(year=year, defaults={"last": last})
        fix_sequence(Ticket)
        fix_sequence(TicketEvent)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")
            cursor.execute("ANALYZE tickets_ticketevent")
    return LoadReport(requests=n_tickets, events=n_events, seconds=time.monotonic() - started)


def _plan(
    rng: random.Random,
    b: _Building,
    tid: int,
    now: dt.datetime,
    days: int,
    texts: list[Text],
    phones: list[tuple[str, str]],
    counters: dict[int, int],
) -> dict[str, Any]:
    """One request and its events (under ``_events``), each step a transition the workflow allows."""
    (cat_id, priority, resp_h, resolve_wd), title, text = rng.choice(texts)
    submitted = now - dt.timedelta(seconds=rng.randrange(3600, days * 86400))
    year = submitted.year
    counters[year] = counters.get(year, 0) + 1
    enc, digest = rng.choice(phones)
    age_days = (now - submitted).days
    open_share = 0.55 if age_days < 10 else (0.15 if age_days < 30 else 0.02)
    if rng.random() < open_share:
        fate = rng.choice(OPEN_FATES)
    else:
        fate = rng.choices(["closed", "declined", "escalated_closed", "unrated"], weights=[78, 4, 10, 8])[0]
    t: dict[str, Any] = {
        "id": tid,
        "number": f"{year}-{counters[year]:06d}",
        "title": title,
        "description": text,
        "category_id": cat_id or None,
        "place_id": b.id,
        "place_path": b.path,
        "phone_enc": enc,
        "phone_hash": digest,
        "source": rng.choice(SOURCES),
        "priority": priority,
        "submitted_at": submitted,
        "response_due": submitted + dt.timedelta(hours=resp_h),
        "resolve_due": _plus_workdays(submitted, resolve_wd),
        "status": Status.SUBMITTED,
        "updated_at": submitted,
    }
    at = submitted
    ev: list[tuple[dt.datetime, str, str, str, str, dict[str, Any]]] = [
        (at, "submit", "", Status.SUBMITTED, "", {"source": t["source"], "calendar_warning": ""})
    ]

    def step(hours: tuple[float, float], action: str, to: str, note: str = "", **data: Any) -> dt.datetime:
        nonlocal at
        at = min(at + dt.timedelta(hours=rng.uniform(*hours)), now)
        ev.append((at, action, t["status"], to, note, data))
        t["status"] = to
        return at

    if fate != "submitted":
        if fate == "declined":
            t["responded_at"] = step((0.2, 20), "decline", Status.DECLINED, "不属于受理范围,已耐心解释")
            if rng.random() < 0.7:
                t["closed_at"] = step((1, 48), "close", Status.CLOSED, "已向居民解释")
        else:
            unit: dict[str, Any] = {
                "unit": b.grid_name,
                "unit_kind": "grid",
                "place_id": b.grid_id,
                **place_left(PlaceKind.GRID).data(),
            }
            t["responded_at"] = step((0.2, 20), "accept", Status.ACCEPTED, on_time=True, **unit)
            t["first_unit_id"] = t["handling_place_id"] = b.grid_id
            if fate in ("escalated", "escalated_closed"):
                street = {"unit": b.street_name, "unit_kind": "street", "place_id": b.street_id}
                step(
                    (2, 30), "escalate", Status.ESCALATED, "需街道协调", **street, **place_left(PlaceKind.STREET).data()
                )
                t["handling_place_id"] = b.street_id
                t["ack_due"] = at + dt.timedelta(hours=24)
                if fate == "escalated_closed":
                    step((1, 20), "acknowledge", Status.ASSIGNED, on_time=True)
            elif fate != "accepted" or rng.random() < 0.3:
                # resolve is allowed only from a working state: hand it to the grid or the community first
                to_community = rng.random() < 0.3
                target: dict[str, Any] = {
                    "unit": b.community_name if to_community else b.grid_name,
                    "unit_kind": "community" if to_community else "grid",
                    "place_id": b.community_id if to_community else b.grid_id,
                    **place_left(PlaceKind.COMMUNITY if to_community else PlaceKind.GRID).data(),
                }
                step((0.5, 12), "assign", Status.ASSIGNED, **target)
                t["handling_place_id"] = target["place_id"]
            if t["status"] == Status.ASSIGNED and (fate == "in_progress" or rng.random() < 0.5):
                step((0.5, 24), "start", Status.IN_PROGRESS)
            if fate not in OPEN_FATES:
                resolved = step((12, 200), "resolve", Status.RESOLVED, "已处理完毕")
                ev[-1][5]["on_time"] = resolved <= t["resolve_due"]
                t["resolved_at"], t["resolution"] = resolved, "已处理完毕"
                if fate != "unrated":
                    rating = rng.choices([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], weights=[88, 8, 4])[0]
                    step((2, 48), "rate", Status.RATED, rating=rating)
                    t["rating"] = rating
                    if rating != Rating.UNSATISFIED:
                        t["closed_at"] = step((0, 0), "close", Status.CLOSED, "居民评价满意,自动关闭")
    t["updated_at"] = at
    t["_events"] = [
        {
            "ticket_id": tid,
            "place_path": b.path,
            "at": when,
            "action": action,
            "from_status": frm,
            "to_status": to,
            "note": note,
            "data": data,
        }
        for when, action, frm, to, note, data in ev
    ]
    return t
