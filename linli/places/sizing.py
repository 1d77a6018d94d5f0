"""网格规模核查: is each grid the size the standard says, for its type of compound (seed 001)?

Seed 001 (珠晖区) sets the standard a grid is drawn to: 杂居型小区 300–400 households and about 900–1,200
people, 物业型(单位型)小区 500–700 households and 1,500–2,100 people. A district or street may set its own
(``GridStandard``); the nearest one above a grid wins, else the seed's.

The units checked are the grids, and the compounds not divided into grids (an open 里巷 is often one grid
by itself). Residents are the people living there: not moved out, not anonymised, not 空挂户. A compound
without a 小区档案 has no type, so its grids cannot be judged: they are counted as 未登记类型.

Five statements whatever the size of the subtree: the places, the profiles, the standards, households and
residents grouped by grid.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from linli.core.lookups import ancestor_paths, nearest_above
from linli.places.models import (
    CompoundProfile,
    CompoundType,
    GridStandard,
    Household,
    ManagementMode,
    Place,
    PlaceKind,
)
from linli.places.services_compounds import Band

MIXED_BAND = Band(households_min=300, households_max=400, residents_min=900, residents_max=1200)
PROPERTY_BAND = Band(households_min=500, households_max=700, residents_min=1500, residents_max=2100)
DEFAULT_STANDARDS: dict[str, Band] = {
    CompoundType.MIXED: MIXED_BAND,
    CompoundType.COMMERCIAL: PROPERTY_BAND,
    CompoundType.WORK_UNIT: PROPERTY_BAND,
    CompoundType.RESETTLEMENT: PROPERTY_BAND,
}

STATUS_LABELS = {
    "ok": _("符合标准"),
    "small": _("偏小"),
    "large": _("偏大"),
    "unclassified": _("未登记小区类型"),
}


@dataclass
class SizedUnit:
    place: Place
    compound: Place
    is_grid: bool
    households: int
    residents: int
    compound_type: str
    band: Band | None
    band_set_at: Place | None  # the place whose standard applies; None for the seed's default
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def type_label(self) -> str:
        return str(CompoundType(self.compound_type).label) if self.compound_type else ""


@dataclass
class GridSizing:
    node: Place
    units: list[SizedUnit]
    by_status: dict[str, int]
    outside_grids: int  # residents of divided compounds living outside every grid
    compounds: int
    profiled: int
    by_type: list[tuple[str, int]]
    by_mode: list[tuple[str, int]]
    old_estates: int
    unmanaged: int  # 无物业管理
    standards: list[StandardInForce] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return len(self.units) - self.by_status.get("unclassified", 0)

    @property
    def ok_rate(self) -> float | None:
        """符合标准的网格占已登记类型网格的比例."""
        return self.by_status.get("ok", 0) / self.judged if self.judged else None


def _status(households: int, residents: int, band: Band | None) -> str:
    if band is None:
        return "unclassified"
    if households > band.households_max or residents > band.residents_max:
        return "large"
    if households < band.households_min or residents < band.residents_min:
        return "small"
    return "ok"


def standards_for(node: Place) -> list[GridStandard]:
    """The standards set at the node, above it, or below it (streets of a district), nearest last."""
    rows = GridStandard.objects.filter(
        Q(place__path__in=ancestor_paths(node.path, Place.steplen))
        | Q(place__path__startswith=node.path, place__kind__in=[PlaceKind.DISTRICT, PlaceKind.STREET])
    ).select_related("place")
    return sorted(rows, key=lambda s: len(s.place.path))


def band_for(path: str, compound_type: str, standards: list[GridStandard]) -> tuple[Band | None, Place | None]:
    """The band that applies at ``path`` and the place that set it: the nearest standard above it for the
    type, else the seed's (set by no place). No band for a compound of unknown type."""
    if not compound_type:
        return None, None
    chosen = nearest_above(path, (s for s in standards if s.compound_type == compound_type), lambda s: s.place.path)
    if chosen is None:
        return DEFAULT_STANDARDS[compound_type], None
    band = Band(chosen.households_min, chosen.households_max, chosen.residents_min, chosen.residents_max)
    return band, chosen.place


@dataclass(frozen=True)
class StandardInForce:
    compound_type: str
    label: str
    band: Band
    set_at: Place | None  # None: the seed's default


def effective_standards(node: Place, rows: list[GridStandard] | None = None) -> list[StandardInForce]:
    """The standard in force at ``node`` for each compound type, and where it is set."""
    rows = standards_for(node) if rows is None else rows
    out = []
    for value, label in CompoundType.choices:
        band, set_at = band_for(node.path, value, rows)
        assert band is not None
        out.append(StandardInForce(compound_type=str(value), label=str(label), band=band, set_at=set_at))
    return out


def _grouped(qs: Any, length: int) -> dict[str, int]:
    rows = qs.annotate(prefix=Substr("place_path", 1, length)).values("prefix").annotate(n=Count("pk")).order_by()
    return {r["prefix"]: r["n"] for r in rows}


SIZED_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND)


def grid_sizing(node: Place) -> GridSizing:
    """Every grid (and undivided compound) under ``node`` sized against its standard, and the subtree's
    compound profiles summed (type, management mode, 老旧小区, 无物业). ``node`` is a district, street,
    community or compound."""
    from linli.people.models import Person, ResidenceType

    places = list(
        Place.objects.filter(path__startswith=node.path, kind__in=[PlaceKind.COMPOUND, PlaceKind.GRID]).order_by("path")
    )
    compounds = {p.path: p for p in places if p.kind == PlaceKind.COMPOUND}
    grids = {p.path: p for p in places if p.kind == PlaceKind.GRID}
    divided = {path[: -Place.steplen] for path in grids}
    profiles = {
        p.place_path: p
        for p in CompoundProfile.objects.filter(place_path__startswith=node.path).only(
            "place_path", "compound_type", "management_mode", "built_year"
        )
    }
    standards = standards_for(node)

    households: Counter[str] = Counter()
    residents: Counter[str] = Counter()
    outside = 0
    people = Person.objects.filter(
        place_path__startswith=node.path, moved_out_on__isnull=True, anonymised_at__isnull=True
    ).exclude(residence_type=ResidenceType.NOMINAL)
    dwellings = Household.objects.filter(place_path__startswith=node.path)
    for length in sorted({len(path) for path in compounds}):  # one length in any well-formed tree
        for counter, qs in ((households, dwellings), (residents, people)):
            for prefix, n in _grouped(qs, length + Place.steplen).items():
                compound_path = prefix[:length]
                if compound_path not in compounds:
                    continue
                if compound_path not in divided:
                    counter[compound_path] += n
                elif prefix in grids:
                    counter[prefix] += n
                elif counter is residents:
                    outside += n

    units: list[SizedUnit] = []
    for unit in sorted([*grids.values(), *(c for p, c in compounds.items() if p not in divided)], key=lambda p: p.path):
        compound = compounds[unit.path[: -Place.steplen]] if unit.kind == PlaceKind.GRID else unit
        profile = profiles.get(compound.path)
        kind = profile.compound_type if profile else ""
        band, set_at = band_for(unit.path, kind, standards)
        h, r = households[unit.path], residents[unit.path]
        units.append(
            SizedUnit(
                place=unit,
                compound=compound,
                is_grid=unit.kind == PlaceKind.GRID,
                households=h,
                residents=r,
                compound_type=kind,
                band=band,
                band_set_at=set_at,
                status=_status(h, r, band),
            )
        )

    counted = list(profiles.values())
    type_counts = Counter(p.compound_type for p in counted)
    mode_counts = Counter(p.management_mode for p in counted)
    return GridSizing(
        node=node,
        units=units,
        by_status=dict(Counter(u.status for u in units)),
        outside_grids=outside,
        compounds=len(compounds),
        profiled=len(counted),
        by_type=[(str(label), type_counts[v]) for v, label in CompoundType.choices if type_counts[v]],
        by_mode=[(str(label), mode_counts[v]) for v, label in ManagementMode.choices if mode_counts[v]],
        old_estates=sum(1 for p in counted if p.is_old_estate),
        unmanaged=mode_counts[ManagementMode.NONE],
        standards=effective_standards(node, standards),
    )
