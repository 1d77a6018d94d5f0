"""POST /requests/bulk: the workbench's bulk accept / assign for API clients (``linli.tickets.bulk``)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from linli.core.schemas import ErrorOut
from linli.tickets.bulk import BULK_MAX, tickets_bulk_act

router = Router(tags=["tickets"])


class BulkIn(Schema):
    action: Literal["accept", "assign"]
    ticket_ids: list[int] = Field(..., min_length=1, max_length=BULK_MAX, description=f"1–{BULK_MAX} request ids")
    place_id: int | None = Field(None, description="assign: the grid/community/street/district node")
    organisation_id: int | None = Field(None, description="assign: the organisation (instead of place_id)")
    note: str = Field("", max_length=2000)


class BulkItemOut(Schema):
    ticket_id: int
    ok: bool
    status: int = Field(..., description="what the single action would have answered: 200, 403, 404, 409 or 422")
    error: str | None = None
    detail: str | None = None
    new_status: str | None = None


class BulkOut(Schema):
    action: str
    done: int
    refused: int
    results: list[BulkItemOut]


@router.post(
    "/requests/bulk",
    response={200: BulkOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="requests_bulk_action",
    summary=(
        "Accept or assign up to 100 requests at once; each is its own transaction through the same"
        " transition service, and the answer lists the result per request (not all-or-nothing)"
    ),
)
def requests_bulk_action(request: HttpRequest, payload: BulkIn) -> BulkOut:
    outcomes = tickets_bulk_act(
        actor=request.user,
        action=payload.action,
        ticket_ids=payload.ticket_ids,
        place_id=payload.place_id,
        organisation_id=payload.organisation_id,
        note=payload.note,
    )
    items: list[Any] = [
        BulkItemOut(
            ticket_id=o.ticket_id,
            ok=o.ok,
            status=o.status,
            error=o.error,
            detail=o.detail,
            new_status=o.ticket.status if o.ticket is not None else None,
        )
        for o in outcomes
    ]
    done = sum(1 for o in outcomes if o.ok)
    return BulkOut(action=payload.action, done=done, refused=len(outcomes) - done, results=items)
