"""Community service lists at district volume: every community publishes 16–22 items of the demo's catalogue of
real community services at the span's start (第 1 版), then each year revises about one published item in six
(a new 温馨提示, public at once), stops one (停办, with the reason), adds one, and publishes the list again — a
numbered version a year, each freezing its items' public fields as ``guide.services.public_line`` does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from linli.core.scale.bulk import fix_sequence, insert_tuples, next_id
from linli.core.scale.volume.district import District
from linli.guide.demo import CATALOGUE, HALL, OFFICE_HOURS
from linli.guide.models import EventKind, ItemStatus, ListPublication, ServiceItem, ServiceItemEvent
from linli.guide.services import in_list_order, public_line

MARKER = ServiceItem  # rows here mean the step has run
ITEM_FIELDS = [
    "name",
    "category",
    "audience",
    "materials",
    "channels",
    "time_limit_days",
    "mode",
    "on_order",
    "fee",
    "responsible_post",
    "basis",
    "notes",
]
NOTES = ["材料齐全的可当场办结", "请提前电话预约", "周六上午值班窗口可办理", "可由网格员代办"]


class _List:
    """One community's list as it is kept: its items (unsaved, ids given), their events and its versions."""

    def __init__(self, community: Any, actor: int, next_item: int) -> None:
        self.community, self.actor, self.next_item = community, actor, next_item
        self.items: list[ServiceItem] = []
        self.events: list[tuple[Any, ...]] = []
        self.versions: list[tuple[Any, ...]] = []

    def event(self, item: ServiceItem, kind: str, at: dt.datetime, changed: list[str], note: str, public: bool) -> None:
        self.events.append((item.pk, self.community.path, kind, changed, note, public, self.actor, at))

    def add(self, row: tuple[Any, ...], at: dt.datetime) -> None:
        item = ServiceItem(
            pk=self.next_item,
            community_id=self.community.id,
            place_path=self.community.path,
            location=HALL,
            hours=OFFICE_HOURS,
            sort=len(self.items),
            status=ItemStatus.PUBLISHED,
            published_at=at,
            created_by_id=self.actor,
            created_at=at,
            updated_at=at,
            **dict(zip(ITEM_FIELDS, row, strict=True)),
        )
        self.next_item += 1
        self.items.append(item)
        self.event(item, EventKind.CREATED, at, [], "", False)
        self.event(item, EventKind.PUBLISHED, at, [], "", False)

    def live(self) -> list[ServiceItem]:
        return [i for i in self.items if i.status == ItemStatus.PUBLISHED]

    def publish(self, at: dt.datetime, note: str) -> None:
        lines = [public_line(i) for i in in_list_order(self.live())]
        c = self.community
        self.versions.append((c.id, c.path, len(self.versions) + 1, len(lines), lines, note, self.actor, at))


def build(d: District, progress: Any) -> dict[str, int]:
    rng = d.rng
    next_item = next_id(ServiceItem)
    items: list[ServiceItem] = []
    events: list[tuple[Any, ...]] = []
    publications: list[tuple[Any, ...]] = []
    for community in d.by_kind["community"]:
        keeper = d.holder_at("community_secretary", community.path)
        kept = _List(community, d.user_of(keeper.person_id if keeper else None), next_item)
        rows = rng.sample(CATALOGUE, rng.randint(16, min(22, len(CATALOGUE) - 3)))
        spare = [row for row in CATALOGUE if row not in rows]
        start = d.at(d.first, 10)
        for row in rows:
            kept.add(row, start)
        kept.publish(start + dt.timedelta(hours=1), "首次公示")
        year = d.first.year + 1
        while dt.date(year, 3, 1) < d.today:
            at = d.at(dt.date(year, rng.randint(2, 11), rng.randint(1, 28)), 10)
            if at >= d.now:
                break
            live = kept.live()
            for item in rng.sample(live, max(1, len(live) // 6)):
                item.notes, item.revised_at, item.updated_at = rng.choice(NOTES), at, at
                kept.event(item, EventKind.REVISED, at, ["notes"], "更新温馨提示", True)
            gone = rng.choice(live)
            gone.status, gone.withdrawn_at, gone.updated_at = ItemStatus.WITHDRAWN, at, at
            gone.withdraw_reason = "该事项已划归街道便民服务中心办理"
            kept.event(gone, EventKind.WITHDRAWN, at, [], gone.withdraw_reason, True)
            if spare:
                kept.add(spare.pop(0), at)
            kept.publish(at + dt.timedelta(hours=1), "调整部分事项")
            year += 1
        items += kept.items
        events += kept.events
        publications += kept.versions
        next_item = kept.next_item
    counts = {
        "service items": insert_tuples(
            ServiceItem,
            [
                "id",
                "community_id",
                "place_path",
                "location",
                "hours",
                "sort",
                "status",
                "published_at",
                "revised_at",
                "withdrawn_at",
                "withdraw_reason",
                "created_by_id",
                "created_at",
                "updated_at",
                *ITEM_FIELDS,
            ],
            (
                (
                    i.pk,
                    i.community_id,
                    i.place_path,
                    i.location,
                    i.hours,
                    i.sort,
                    i.status,
                    i.published_at,
                    i.revised_at,
                    i.withdrawn_at,
                    i.withdraw_reason,
                    i.created_by_id,
                    i.created_at,
                    i.updated_at,
                    *(getattr(i, f) for f in ITEM_FIELDS),
                )
                for i in items
            ),
        ),
        "service item events": insert_tuples(
            ServiceItemEvent,
            ["item_id", "place_path", "kind", "changed", "note", "while_published", "actor_id", "at"],
            events,
        ),
        "service list versions": insert_tuples(
            ListPublication,
            ["community_id", "place_path", "number", "item_count", "lines", "note", "published_by_id", "published_at"],
            publications,
        ),
    }
    fix_sequence(ServiceItem)
    return counts
