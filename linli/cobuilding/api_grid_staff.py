"""物业进网格 API (/api/v1/co-building/grid-staff, mounted beside ``api.py``): property companies' staff registered
into grids as the 一长四员 (seed 003), the figures under a node on a day and the list grid by grid, as on the page.

Reads: staff who manage the node (``insights.selectors.dashboard_node``). Writes: staff who manage the grid, through
``services_grid_staff``, which check the input and name the field (422). Names only: no phone or ID number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.cobuilding import selectors as sel
from linli.cobuilding import selectors_grid_staff as gs
from linli.cobuilding import services_grid_staff as svc
from linli.cobuilding.models import PropertyGridStaff
from linli.core.schemas import Day, ErrorOut
from linli.insights.selectors import dashboard_node
from linli.people.selectors_positions import access_candidate

router = Router(tags=["cobuilding"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ROLES_DOC = (
    "manager (物业项目经理, the 长), order (秩序维护员), cleaning (保洁员), greening (绿化员) or repair (维修员)"
)


class CobuildingGridStaffQuery(Schema):
    node_id: int | None = Field(None, description="a node the caller manages; default their outermost one")
    on: Day | None = Field(None, description="the day counted; default today")


class CobuildingGridStaffOut(Schema):
    id: int
    company_id: int
    company_name: str
    grid_id: int
    grid_name: str
    person_id: int
    person_name: str
    role: str = Field(..., description=ROLES_DOC)
    role_label: str
    start_date: dt.date
    end_date: dt.date | None


class CobuildingGridStaffFiguresOut(Schema):
    node_id: int
    on: dt.date
    companies: int = Field(..., description="distinct companies with staff serving in a grid under the node")
    staff: int = Field(..., description="distinct people serving")
    party_members: int = Field(..., description="of them, party members in the ledger")
    instructors: int = Field(..., description="distinct 党建指导员 on contracts in force under the node")
    listed_total: int = Field(..., description="rows serving on the day (the list stops at 500)")
    items: list[CobuildingGridStaffOut]


class CobuildingGridStaffIn(Schema):
    company_id: int
    grid_id: int
    person_id: int = Field(..., description="the staff member's ledger id (in the caller's ledger scope)")
    role: str = Field(..., description=ROLES_DOC)
    start_date: Day = Field(..., description="not in the future; the company's contract for the compound in force")


class CobuildingGridStaffEndIn(Schema):
    end_date: Day | None = Field(None, description="default today; not in the future, not before the start")


def staff_out(s: PropertyGridStaff) -> CobuildingGridStaffOut:
    return CobuildingGridStaffOut(
        id=s.pk, company_id=s.company_id, company_name=s.company.name, grid_id=s.grid_id, grid_name=s.grid.name,
        person_id=s.person_id, person_name=s.person.name, role=s.role, role_label=s.get_role_display(),
        start_date=s.start_date, end_date=s.end_date,
    )  # fmt: skip


@router.get(
    "/grid-staff",
    response={200: CobuildingGridStaffFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="cobuilding_grid_staff_read",
    summary="物业进网格 (一长四员): companies, staff and party members in grids under the node on a day, with the list",
)
def grid_staff_read(request: HttpRequest, q: Query[CobuildingGridStaffQuery]) -> CobuildingGridStaffFiguresOut:
    node = dashboard_node(request.user, q.node_id)
    f = gs.grid_staff_figures(node, on=q.on or timezone.localdate())
    return CobuildingGridStaffFiguresOut(
        node_id=node.pk, on=f.on, companies=f.total.companies, staff=f.total.staff,
        party_members=f.total.party_members, instructors=f.instructors, listed_total=f.listed_total,
        items=[staff_out(s) for g in f.grids for s in g.staff],
    )  # fmt: skip


@router.post(
    "/grid-staff",
    response={200: CobuildingGridStaffOut, 201: CobuildingGridStaffOut, **ERRORS},
    operation_id="cobuilding_grid_staff_register",
    summary="登记 a property company's staff member into a grid (200 when already serving there in that role)",
)
def grid_staff_register(request: HttpRequest, payload: CobuildingGridStaffIn) -> Status[CobuildingGridStaffOut]:
    row, created = svc.grid_staff_register(
        actor=request.user, company=sel.access_company(request.user, payload.company_id), grid_id=payload.grid_id,
        person=access_candidate(request.user, payload.person_id), role=payload.role, start_date=payload.start_date,
    )  # fmt: skip
    return Status(201 if created else 200, staff_out(gs.access_grid_staff(request.user, row.pk)))


@router.post(
    "/grid-staff/{staff_id}/end",
    response={200: CobuildingGridStaffOut, **ERRORS},
    operation_id="cobuilding_grid_staff_end",
    summary="结束: the staff member leaves the grid (history is kept)",
)
def grid_staff_end(request: HttpRequest, staff_id: int, payload: CobuildingGridStaffEndIn) -> CobuildingGridStaffOut:
    row = svc.grid_staff_end(
        actor=request.user, staff=gs.access_grid_staff(request.user, staff_id), end_date=payload.end_date
    )
    return staff_out(gs.access_grid_staff(request.user, row.pk))
