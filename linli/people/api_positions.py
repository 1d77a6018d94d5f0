"""力量名册 API (/api/v1/positions, /api/v1/forces): 物业监督员 and 民意联络员 — how many on a day, who, appoint, end
— and the residents per care tag (五老, 4050人员 …), as on the forces page.

Reads: staff who manage the node (``insights.selectors.dashboard_node``); anyone else gets the 404 of a missing
node. Writes: staff who manage the place, through ``services_positions``, which check the input and name the field
(422). Names only: no phone or ID number ever leaves here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.i18n import seeded
from linli.core.schemas import Day, ErrorOut
from linli.insights.selectors import dashboard_node
from linli.people import selectors_positions as sel
from linli.people import services_positions as svc
from linli.people.models import Position

router = Router(tags=["people"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
KINDS_DOC = "property_supervisor (物业监督员, at a compound) or opinion_liaison (民意联络员, at a grid or building)"


class ForcesQuery(Schema):
    node_id: int | None = Field(None, description="a node the caller manages; default their outermost one")
    on: Day | None = Field(None, description="the day counted; default today")


class ForcesKindOut(Schema):
    kind: str
    label: str
    people: int = Field(..., description="distinct people holding it under the node on the day")


class ForcesPartOut(Schema):
    place_id: int
    name: str
    counts: dict[str, int] = Field(..., description="kind → distinct people holding it in this part")


class ForcesTagOut(Schema):
    tag_id: int
    code: str
    name: str
    sensitive: bool
    people: int = Field(..., description="residents under the node, not moved out, carrying the tag")


class ForcesOut(Schema):
    node_id: int
    on: dt.date
    kinds: list[ForcesKindOut]
    parts: list[ForcesPartOut]
    tags: list[ForcesTagOut]


class RosterQuery(ForcesQuery):
    kind: str = Field(..., description=KINDS_DOC)


class PositionHeldOut(Schema):
    id: int
    kind: str
    label: str
    person_id: int
    person_name: str
    place_id: int
    place_name: str
    title: str
    start_date: dt.date
    end_date: dt.date | None


class RosterOut(Schema):
    node_id: int
    on: dt.date
    kind: str
    total: int = Field(..., description="positions held on the day (the list stops at 500)")
    people: int = Field(..., description="distinct people holding it on the day")
    items: list[PositionHeldOut]


class AppointIn(Schema):
    kind: str = Field(..., description=KINDS_DOC)
    place_id: int
    person_id: int = Field(..., description="the resident's ledger id (in the caller's ledger scope)")
    start_date: Day = Field(..., description="not in the future")
    title: str = Field("", description="0–64 characters, e.g. 3号楼民意联络员")


class EndIn(Schema):
    end_date: Day | None = Field(None, description="default today; not in the future, not before the start")


def held_out(p: Position) -> PositionHeldOut:
    return PositionHeldOut(
        id=p.pk, kind=p.kind, label=p.kind_label, person_id=p.person_id, person_name=p.person.name,
        place_id=p.place_id, place_name=p.place.name, title=p.title, start_date=p.start_date, end_date=p.end_date,
    )  # fmt: skip


@router.get(
    "/forces",
    response={200: ForcesOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="people_forces_read",
    summary="力量名册: 物业监督员 and 民意联络员 per part on a day, residents per care tag under the node",
)
def forces_read(request: HttpRequest, q: Query[ForcesQuery]) -> ForcesOut:
    node = dashboard_node(request.user, q.node_id)
    f = sel.forces_figures(request.user, node, on=q.on or timezone.localdate())
    return ForcesOut(
        node_id=node.pk,
        on=f.on,
        kinds=[ForcesKindOut(kind=k.kind, label=k.label, people=k.total) for k in f.kinds],
        parts=[ForcesPartOut(place_id=r.place.pk, name=r.place.name, counts=r.counts) for r in f.parts],
        tags=[
            ForcesTagOut(
                tag_id=t.tag.pk,
                code=t.tag.code,
                name=str(seeded(t.tag.name)),
                sensitive=t.tag.sensitive,
                people=t.people,
            )
            for t in f.tags
        ],
    )


@router.get(
    "/positions/roster",
    response={200: RosterOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="people_positions_roster",
    summary="Who holds 物业监督员 or 民意联络员 under the node on a day, place by place",
)
def positions_roster(request: HttpRequest, q: Query[RosterQuery]) -> RosterOut:
    node = dashboard_node(request.user, q.node_id)
    kind = svc.appointable_kind(q.kind)
    on = q.on or timezone.localdate()
    groups, total = sel.roster(node, kind, on=on)
    people = len(sel.holder_sets(node.path, len(node.path), (kind,), on)[kind][""])
    items = [held_out(p) for g in groups for p in g.positions]
    return RosterOut(node_id=node.pk, on=on, kind=kind, total=total, people=people, items=items)


@router.post(
    "/positions",
    response={200: PositionHeldOut, 201: PositionHeldOut, **ERRORS},
    operation_id="people_positions_appoint",
    summary="任命 a 物业监督员 (resident of the compound) or 民意联络员; 200 with the position already held",
)
def positions_appoint(request: HttpRequest, payload: AppointIn) -> Status[PositionHeldOut]:
    svc.appointable_kind(payload.kind)
    person = sel.access_candidate(request.user, payload.person_id)
    position, created = svc.position_appoint(
        actor=request.user, kind=payload.kind, place_id=payload.place_id, person=person,
        start_date=payload.start_date, title=payload.title,
    )  # fmt: skip
    return Status(201 if created else 200, held_out(sel.access_appointment(request.user, position.pk)))


@router.post(
    "/positions/{position_id}/end",
    response={200: PositionHeldOut, **ERRORS},
    operation_id="people_positions_end",
    summary="卸任: end a 物业监督员 or 民意联络员 position (history is kept)",
)
def positions_end(request: HttpRequest, position_id: int, payload: EndIn) -> PositionHeldOut:
    position = svc.position_end(
        actor=request.user, position=sel.access_appointment(request.user, position_id), end_date=payload.end_date
    )
    return held_out(sel.access_appointment(request.user, position.pk))
