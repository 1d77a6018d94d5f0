"""四层防控圈 and 闭环小区 under /api/v1/places/: a compound's register (read; record, correct and retire a batch of
facilities) and the figures of the compounds under a district, street, community or compound.

A place or batch outside the caller's scope is the 404 of a missing id; a write without the manage capability at the
compound is 403; a refused value names its field (422); correcting a retired batch is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.schemas import Day, ErrorOut
from linli.core.scoping import get_or_not_found
from linli.places import services_security as svc
from linli.places.models import DefenceRing, Place, PlaceKind, SecurityFacility, SecurityFacilityKind
from linli.places.security import FIGURE_KINDS, compound_register, defence_figures
from linli.places.selectors import access_place

router = Router(tags=["places"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _codes(choices: Any) -> str:
    return ", ".join(f"{v} ({label})" for v, label in choices.choices)


class SecurityFacilityIn(Schema):
    ring: str = Field(description=_codes(DefenceRing))
    kind: str = Field(description=_codes(SecurityFacilityKind))
    quantity: int = Field(description="how many (台/套), 1–10000")
    installed_on: Day = Field(description="the day installed; not after today")
    note: str = Field("", description="at most 200 characters")


class SecurityFacilityRetireIn(Schema):
    retired_on: Day = Field(description="the day it stopped: from then on it covers its ring no more; not after today")


class SecurityFacilityOut(Schema):
    id: int
    compound_id: int
    ring: str
    ring_label: str
    kind: str
    kind_label: str
    quantity: int
    installed_on: dt.date
    retired_on: dt.date | None = Field(description="null while in service")
    note: str


class SecurityRingOut(Schema):
    ring: str
    label: str
    covered: bool = Field(description="at least one batch in service in this ring on the day")
    devices: int = Field(description="Σ quantity of the batches in service")
    facilities: list[SecurityFacilityOut]


class SecurityRegisterOut(Schema):
    compound_id: int
    on: dt.date
    closed_loop: bool = Field(description="闭环小区: all four rings covered on the day")
    covered: int = Field(description="rings covered, 0–4")
    rings: list[SecurityRingOut] = Field(description="the four rings in the seed's order")
    retired: list[SecurityFacilityOut] = Field(description="batches retired on or before the day, newest first")


class SecurityDayQuery(Schema):
    on: Day | None = Field(None, description="the day counted (default today)")


class SecurityRingCountOut(Schema):
    ring: str
    label: str
    compounds: int = Field(description="compounds with the ring covered")
    devices: int


class SecurityKindCountOut(Schema):
    kind: str
    label: str
    devices: int = Field(description="Σ quantity in service")
    compounds: int = Field(description="compounds with at least one in service")


class SecurityPartOut(Schema):
    place_id: int
    name: str
    compounds: int
    registered: int
    closed_loop: int
    closed_loop_rate: float | None
    devices: int


class SecurityCompoundOut(Schema):
    compound_id: int
    name: str
    covered: int
    closed_loop: bool
    devices_by_ring: dict[str, int] = Field(description="ring → devices in service (0 when not covered)")


class SecurityFiguresOut(Schema):
    place_id: int
    on: dt.date
    compounds: int = Field(description="小区 under the place (a compound: itself)")
    registered: int = Field(description="of which with at least one ring covered")
    closed_loop: int = Field(description="of which 闭环 (all four rings covered)")
    closed_loop_rate: float | None = Field(description="closed_loop / compounds; null when there is none")
    devices: int = Field(description="Σ quantity of every batch in service")
    by_ring: list[SecurityRingCountOut]
    by_kind: list[SecurityKindCountOut] = Field(description="every facility kind, also those with none")
    parts: list[SecurityPartOut] = Field(description="each street (of a district) or community (of a street)")
    by_compound: list[SecurityCompoundOut]


def _facility_out(f: SecurityFacility) -> SecurityFacilityOut:
    return SecurityFacilityOut(
        id=f.pk,
        compound_id=f.compound_id,
        ring=f.ring,
        ring_label=f.ring_label,
        kind=f.kind,
        kind_label=f.kind_label,
        quantity=f.quantity,
        installed_on=f.installed_on,
        retired_on=f.retired_on,
        note=f.note,
    )


def _compound(user: Any, place_id: int) -> Place:
    node = access_place(user, place_id)
    if node.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("只有小区/里巷有防控圈登记"), field="place_id")
    return node


def _facility(user: Any, facility_id: int) -> SecurityFacility:
    return get_or_not_found(SecurityFacility.objects.visible_to(user), facility_id)  # type: ignore[no-any-return]


def _input(payload: SecurityFacilityIn) -> svc.FacilityInput:
    return svc.FacilityInput(
        ring=payload.ring,
        kind=payload.kind,
        quantity=payload.quantity,
        installed_on=payload.installed_on,
        note=payload.note,
    )


@router.get(
    "/{place_id}/security",
    response={200: SecurityRegisterOut, **ERRORS},
    operation_id="places_security_register_read",
    summary="A compound's 四层防控圈: the batches of facilities in service in each ring on a day, and 闭环 or not",
)
def places_security_register_read(
    request: HttpRequest, place_id: int, filters: Query[SecurityDayQuery]
) -> SecurityRegisterOut:
    register = compound_register(_compound(request.user, place_id), on=filters.on)
    return SecurityRegisterOut(
        compound_id=register.compound.pk,
        on=register.on,
        closed_loop=register.closed_loop,
        covered=register.covered,
        rings=[
            SecurityRingOut(
                ring=r.ring,
                label=r.label,
                covered=r.covered,
                devices=r.devices,
                facilities=[_facility_out(f) for f in r.facilities],
            )
            for r in register.rings
        ],
        retired=[_facility_out(f) for f in register.retired],
    )


@router.post(
    "/{place_id}/security/facilities",
    response={200: SecurityFacilityOut, 201: SecurityFacilityOut, **ERRORS},
    operation_id="places_security_facility_add",
    summary="Record a batch of facilities in one ring of a compound you manage (201); an Idempotency-Key retry "
    "answers 200 with the first",
)
def places_security_facility_add(
    request: HttpRequest, place_id: int, payload: SecurityFacilityIn
) -> Status[SecurityFacilityOut]:
    compound = _compound(request.user, place_id)
    facility, created = svc.security_facility_add(
        actor=request.user,
        compound=compound,
        data=_input(payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _facility_out(facility))


@router.put(
    "/security-facilities/{facility_id}",
    response={200: SecurityFacilityOut, **ERRORS},
    operation_id="places_security_facility_update",
    summary="Correct a batch still in service (every field as given; unchanged records nothing)",
)
def places_security_facility_update(
    request: HttpRequest, facility_id: int, payload: SecurityFacilityIn
) -> SecurityFacilityOut:
    facility = svc.security_facility_update(
        actor=request.user, facility=_facility(request.user, facility_id), data=_input(payload)
    )
    return _facility_out(facility)


@router.post(
    "/security-facilities/{facility_id}/retire",
    response={200: SecurityFacilityOut, **ERRORS},
    operation_id="places_security_facility_retire",
    summary="Take a batch out of service from a day (its row stays; it no longer covers its ring from that day)",
)
def places_security_facility_retire(
    request: HttpRequest, facility_id: int, payload: SecurityFacilityRetireIn
) -> SecurityFacilityOut:
    facility = svc.security_facility_retire(
        actor=request.user, facility=_facility(request.user, facility_id), retired_on=payload.retired_on
    )
    return _facility_out(facility)


@router.get(
    "/{place_id}/security/figures",
    response={200: SecurityFiguresOut, **ERRORS},
    operation_id="places_security_figures",
    summary="四层防控圈 figures under a district, street, community or compound: compounds, 闭环, rings, kinds",
)
def places_security_figures(
    request: HttpRequest, place_id: int, filters: Query[SecurityDayQuery]
) -> SecurityFiguresOut:
    node = access_place(request.user, place_id)
    if node.kind not in FIGURE_KINDS:
        raise InvalidInput(_("防控圈统计针对区、街道、社区或小区"), field="place_id")
    f = defence_figures(node, on=filters.on)
    return SecurityFiguresOut(
        place_id=node.pk,
        on=f.on,
        compounds=len(f.compounds),
        registered=f.registered,
        closed_loop=f.closed_loop,
        closed_loop_rate=f.closed_loop_rate,
        devices=f.devices,
        by_ring=[
            SecurityRingCountOut(ring=r.ring, label=r.label, compounds=r.compounds, devices=r.devices)
            for r in f.by_ring
        ],
        by_kind=[
            SecurityKindCountOut(kind=k.kind, label=k.label, devices=k.devices, compounds=k.compounds)
            for k in f.by_kind
        ],
        parts=[
            SecurityPartOut(
                place_id=p.place.pk,
                name=p.place.name,
                compounds=p.compounds,
                registered=p.registered,
                closed_loop=p.closed_loop,
                closed_loop_rate=p.closed_loop_rate,
                devices=p.devices,
            )
            for p in f.parts
        ],
        by_compound=[
            SecurityCompoundOut(
                compound_id=c.compound.pk,
                name=c.compound.name,
                covered=c.covered,
                closed_loop=c.closed_loop,
                devices_by_ring=dict(c.ring_cells),
            )
            for c in f.compounds
        ],
    )
