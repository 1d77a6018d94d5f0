"""小区档案 and 网格规模核查 under /api/v1/places/: a compound's profile (read, set), each grid's size against
the standard for its compound type, and the standards a district or street sets.

A place outside the caller's scope is the 404 of a missing id; a write without the manage capability at the
place is 403; a refused value names its field (422).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.schemas import ErrorOut
from linli.places import services_compounds as svc
from linli.places.models import CompoundProfile, CompoundType, ManagementMode, Place, PlaceKind
from linli.places.selectors import access_place
from linli.places.sizing import SIZED_KINDS, Band, effective_standards, grid_sizing

router = Router(tags=["places"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _codes(choices: Any) -> str:
    return ", ".join(f"{v} ({label})" for v, label in choices.choices)


class CompoundProfileIn(Schema):
    compound_type: str = Field(description=_codes(CompoundType))
    management_mode: str = Field(description=_codes(ManagementMode))
    built_year: int | None = Field(None, description="建成年份; 2000 or earlier makes it a 老旧小区")


class CompoundProfileOut(Schema):
    compound_id: int
    recorded: bool = Field(description="false until a profile is recorded: the other fields are then null")
    compound_type: str | None
    compound_type_label: str | None
    management_mode: str | None
    management_mode_label: str | None
    built_year: int | None
    old_estate: bool | None


class GridBandOut(Schema):
    households_min: int
    households_max: int
    residents_min: int
    residents_max: int


class GridStandardOut(Schema):
    compound_type: str
    compound_type_label: str
    band: GridBandOut
    source_place_id: int | None = Field(description="where the standard is set; null for the seed's default")


class GridStandardIn(GridBandOut):
    pass


class SizedGridOut(Schema):
    place_id: int
    name: str
    is_grid: bool = Field(description="false: a compound not divided into grids, checked as one")
    compound_id: int
    compound_type: str = Field(description="blank when the compound has no profile")
    households: int
    residents: int = Field(description="living there: not moved out, not anonymised, not 空挂户")
    band: GridBandOut | None
    status: str = Field(description="ok, small, large or unclassified (no compound type)")


class CountOut(Schema):
    label: str
    count: int


class GridSizingOut(Schema):
    place_id: int
    grids: list[SizedGridOut]
    by_status: dict[str, int]
    ok_rate: float | None = Field(description="符合标准 / grids of a known compound type")
    outside_grids: int = Field(description="residents of divided compounds living outside every grid")
    compounds: int
    profiled: int
    by_type: list[CountOut]
    by_mode: list[CountOut]
    old_estates: int
    unmanaged: int = Field(description="compounds recorded as 无物业管理")


def _band(b: Band) -> GridBandOut:
    return GridBandOut(**b.__dict__)


def _profile_out(compound: Place, p: CompoundProfile | None) -> CompoundProfileOut:
    if p is None:
        return CompoundProfileOut(
            compound_id=compound.pk,
            recorded=False,
            compound_type=None,
            compound_type_label=None,
            management_mode=None,
            management_mode_label=None,
            built_year=None,
            old_estate=None,
        )
    return CompoundProfileOut(
        compound_id=compound.pk,
        recorded=True,
        compound_type=p.compound_type,
        compound_type_label=str(p.get_compound_type_display()),
        management_mode=p.management_mode,
        management_mode_label=str(p.get_management_mode_display()),
        built_year=p.built_year,
        old_estate=p.is_old_estate,
    )


@router.get(
    "/{place_id}/compound-profile",
    response={200: CompoundProfileOut, **ERRORS},
    operation_id="places_compound_profile_read",
    summary="A compound's 小区档案 (`recorded` false, the rest null, until one is recorded)",
)
def places_compound_profile_read(request: HttpRequest, place_id: int) -> CompoundProfileOut:
    node = access_place(request.user, place_id)
    if node.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("只有小区/里巷有小区档案"), field="place_id")
    return _profile_out(node, CompoundProfile.objects.filter(compound=node).first())


@router.put(
    "/{place_id}/compound-profile",
    response={200: CompoundProfileOut, **ERRORS},
    operation_id="places_compound_profile_set",
    summary="Record or change a compound's type, management mode and year built (audited with what changed)",
)
def places_compound_profile_set(request: HttpRequest, place_id: int, payload: CompoundProfileIn) -> CompoundProfileOut:
    node = access_place(request.user, place_id)
    profile = svc.compound_profile_set(actor=request.user, compound=node, **payload.dict())
    return _profile_out(node, profile)


@router.get(
    "/{place_id}/grid-sizing",
    response={200: GridSizingOut, **ERRORS},
    operation_id="places_grid_sizing",
    summary="网格规模核查: every grid under a district, street, community or compound against its standard",
)
def places_grid_sizing(request: HttpRequest, place_id: int) -> GridSizingOut:
    node = access_place(request.user, place_id)
    if node.kind not in SIZED_KINDS:
        raise InvalidInput(_("网格规模核查针对区、街道、社区或小区"), field="place_id")
    s = grid_sizing(node)
    return GridSizingOut(
        place_id=node.pk,
        grids=[
            SizedGridOut(
                place_id=u.place.pk,
                name=u.place.name,
                is_grid=u.is_grid,
                compound_id=u.compound.pk,
                compound_type=u.compound_type,
                households=u.households,
                residents=u.residents,
                band=_band(u.band) if u.band else None,
                status=u.status,
            )
            for u in s.units
        ],
        by_status=s.by_status,
        ok_rate=s.ok_rate,
        outside_grids=s.outside_grids,
        compounds=s.compounds,
        profiled=s.profiled,
        by_type=[CountOut(label=label, count=n) for label, n in s.by_type],
        by_mode=[CountOut(label=label, count=n) for label, n in s.by_mode],
        old_estates=s.old_estates,
        unmanaged=s.unmanaged,
    )


def _standards(node: Place) -> list[GridStandardOut]:
    return [
        GridStandardOut(
            compound_type=s.compound_type,
            compound_type_label=s.label,
            band=_band(s.band),
            source_place_id=s.set_at.pk if s.set_at else None,
        )
        for s in effective_standards(node)
    ]


@router.get(
    "/{place_id}/grid-standards",
    response={200: list[GridStandardOut], **ERRORS},
    operation_id="places_grid_standards_read",
    summary="The grid-size standard in force at a place for each compound type, and where it is set",
)
def places_grid_standards_read(request: HttpRequest, place_id: int) -> list[GridStandardOut]:
    return _standards(access_place(request.user, place_id))


@router.put(
    "/{place_id}/grid-standards/{compound_type}",
    response={200: list[GridStandardOut], **ERRORS},
    operation_id="places_grid_standards_set",
    summary="Set a district's or street's own standard for one compound type (its whole subtree follows)",
)
def places_grid_standards_set(
    request: HttpRequest, place_id: int, compound_type: str, payload: GridStandardIn
) -> list[GridStandardOut]:
    node = access_place(request.user, place_id)
    band = svc.grid_standard_band(**payload.dict())
    svc.grid_standard_set(actor=request.user, place=node, compound_type=compound_type, band=band)
    return _standards(node)


@router.delete(
    "/{place_id}/grid-standards/{compound_type}",
    response={200: list[GridStandardOut], **ERRORS},
    operation_id="places_grid_standards_clear",
    summary="Drop a place's own standard for one type: the one above it (or the default) applies again",
)
def places_grid_standards_clear(request: HttpRequest, place_id: int, compound_type: str) -> list[GridStandardOut]:
    node = access_place(request.user, place_id)
    svc.grid_standard_clear(actor=request.user, place=node, compound_type=compound_type)
    return _standards(node)
