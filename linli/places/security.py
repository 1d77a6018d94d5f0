"""四层防控圈 and 闭环小区 (seed 001): reads of the register and its figures.

Seed 001: "在有条件的网格(小区)安装智能门禁、人脸识别、安防监控等智能管理设施,对“小区进出口、小区公共活动区域、
单元出入区域、小区周界”四层防控圈实行智能管理,把无形小区建成闭环小区".

A ring of a compound is **covered** on a day when at least one batch of facilities recorded in it is in service that
day (installed on or before it, not retired on or before it); the compound is **闭环** when all four rings are
covered. Every figure is counted on one day (today unless asked), from the register's rows, in a fixed number of
statements however many compounds and batches a subtree holds.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from linli.places.models import DefenceRing, Place, PlaceKind, SecurityFacility, SecurityFacilityKind

RINGS: tuple[str, ...] = tuple(DefenceRing.values)
FIGURE_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND)
PART_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET)  # whose children (streets, communities) get a row each


def in_service(qs: QuerySet[SecurityFacility], on: dt.date) -> QuerySet[SecurityFacility]:
    """The batches of ``qs`` in service on ``on``."""
    return qs.filter(installed_on__lte=on).filter(Q(retired_on__isnull=True) | Q(retired_on__gt=on))


# ----------------------------------------------------------------------------- one compound's register


@dataclass
class RingState:
    ring: str
    label: str
    facilities: list[SecurityFacility]  # the batches in service on the day

    @property
    def devices(self) -> int:
        return sum(f.quantity for f in self.facilities)

    @property
    def covered(self) -> bool:
        return bool(self.facilities)


@dataclass
class Register:
    compound: Place
    on: dt.date
    rings: list[RingState]
    retired: list[SecurityFacility]  # taken out of service on or before the day, newest first

    @property
    def covered(self) -> int:
        return sum(1 for r in self.rings if r.covered)

    @property
    def closed_loop(self) -> bool:
        return self.covered == len(RINGS)

    @property
    def missing(self) -> list[str]:
        return [r.label for r in self.rings if not r.covered]

    @property
    def devices(self) -> int:
        return sum(r.devices for r in self.rings)


def compound_register(compound: Place, *, on: dt.date | None = None) -> Register:
    """A compound's four rings with the batches in service on ``on`` (today), and the batches retired by then. One
    statement. Batches installed after ``on`` are not shown (the register as it stood that day)."""
    day = on or timezone.localdate()
    rows = list(SecurityFacility.objects.filter(compound=compound).order_by("installed_on", "pk"))
    by_ring: dict[str, list[SecurityFacility]] = defaultdict(list)
    for f in rows:
        if f.in_service_on(day):
            by_ring[f.ring].append(f)
    retired = sorted(
        (f for f in rows if f.retired_on is not None and f.retired_on <= day),
        key=lambda f: (f.retired_on, f.pk),
        reverse=True,
    )
    return Register(
        compound=compound,
        on=day,
        rings=[RingState(code, str(label), by_ring[code]) for code, label in DefenceRing.choices],
        retired=retired,
    )


# ----------------------------------------------------------------------------- the figures of a subtree


@dataclass
class CompoundRings:
    """One compound's coverage on the day: devices in service per ring and per kind."""

    compound: Place
    devices_by_ring: dict[str, int] = field(default_factory=dict)

    @property
    def covered(self) -> int:
        return sum(1 for ring in RINGS if self.devices_by_ring.get(ring))

    @property
    def closed_loop(self) -> bool:
        return self.covered == len(RINGS)

    @property
    def ring_cells(self) -> list[tuple[str, int]]:
        return [(ring, self.devices_by_ring.get(ring, 0)) for ring in RINGS]


@dataclass
class RingCount:
    ring: str
    label: str
    compounds: int  # compounds with the ring covered
    devices: int


@dataclass
class KindCount:
    kind: str
    label: str
    devices: int
    compounds: int  # compounds with at least one in service


@dataclass
class PartCount:
    """A street or community directly under the node, with its own figures."""

    place: Place
    compounds: int
    registered: int
    closed_loop: int
    devices: int

    @property
    def closed_loop_rate(self) -> float | None:
        return round(self.closed_loop / self.compounds, 4) if self.compounds else None


@dataclass
class DefenceFigures:
    node: Place
    on: dt.date
    compounds: list[CompoundRings]
    by_ring: list[RingCount]
    by_kind: list[KindCount]
    parts: list[PartCount]

    @property
    def registered(self) -> int:
        """小区 with at least one ring covered."""
        return sum(1 for c in self.compounds if c.covered)

    @property
    def closed_loop(self) -> int:
        return sum(1 for c in self.compounds if c.closed_loop)

    @property
    def closed_loop_rate(self) -> float | None:
        """闭环小区 / 小区 under the node; ``None`` when there is none."""
        return round(self.closed_loop / len(self.compounds), 4) if self.compounds else None

    @property
    def devices(self) -> int:
        return sum(k.devices for k in self.by_kind)


def defence_figures(node: Place, *, on: dt.date | None = None) -> DefenceFigures:
    """The 四层防控圈 figures of every compound under ``node`` (a district, street, community or a compound itself) on
    ``on`` (today): compounds, 闭环, coverage by ring, devices by kind, and a row for each street or community directly
    under a district or street. Three statements (two for a community or compound) whatever the subtree's size."""
    day = on or timezone.localdate()
    compounds = list(Place.objects.filter(path__startswith=node.path, kind=PlaceKind.COMPOUND).order_by("path"))
    rows = (
        in_service(SecurityFacility.objects.under(node.path), day)
        .values("compound_id", "ring", "kind")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    coverage = {c.pk: CompoundRings(c) for c in compounds}
    ring_devices: Counter[str] = Counter()
    kind_devices: Counter[str] = Counter()
    kind_compounds: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        cover = coverage.get(r["compound_id"])
        if cover is None:  # a batch whose compound moved out of the node since the row was read: not here
            continue
        cover.devices_by_ring[r["ring"]] = cover.devices_by_ring.get(r["ring"], 0) + r["n"]
        ring_devices[r["ring"]] += r["n"]
        kind_devices[r["kind"]] += r["n"]
        kind_compounds[r["kind"]].add(r["compound_id"])
    covered = list(coverage.values())
    return DefenceFigures(
        node=node,
        on=day,
        compounds=covered,
        by_ring=[
            RingCount(code, str(label), sum(1 for c in covered if c.devices_by_ring.get(code)), ring_devices[code])
            for code, label in DefenceRing.choices
        ],
        by_kind=[
            KindCount(code, str(label), kind_devices[code], len(kind_compounds[code]))
            for code, label in SecurityFacilityKind.choices
        ],
        parts=_parts(node, covered),
    )


def _parts(node: Place, covered: list[CompoundRings]) -> list[PartCount]:
    if node.kind not in PART_KINDS:
        return []
    children = list(Place.objects.filter(path__startswith=node.path, depth=node.depth + 1).order_by("path"))
    length = (node.depth + 1) * Place.steplen
    mine: dict[str, list[CompoundRings]] = defaultdict(list)
    for c in covered:
        mine[c.compound.path[:length]].append(c)
    return [
        PartCount(
            place=child,
            compounds=len(mine[child.path]),
            registered=sum(1 for c in mine[child.path] if c.covered),
            closed_loop=sum(1 for c in mine[child.path] if c.closed_loop),
            devices=sum(sum(c.devices_by_ring.values()) for c in mine[child.path]),
        )
        for child in children
    ]


def closed_loop_summary(node: Place, *, on: dt.date | None = None) -> tuple[int, int]:
    """``(registered, closed_loop)`` compounds under ``node`` on ``on``, for the place page beside its counts: one
    statement (the rings covered per compound), no compound rows read."""
    day = on or timezone.localdate()
    rings: dict[int, set[str]] = defaultdict(set)
    for compound_id, ring in (
        in_service(SecurityFacility.objects.under(node.path), day).values_list("compound_id", "ring").distinct()
    ):
        rings[compound_id].add(ring)
    return len(rings), sum(1 for covered in rings.values() if len(covered) == len(RINGS))
