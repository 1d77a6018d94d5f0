"""Interop endpoints under /api/v1/: hand-over from an external hotline, and its status read-back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from linli.core.errors import NotFound
from linli.core.schemas import ErrorOut
from linli.interop.api_admin import router as admin_router
from linli.interop.handover import EXTERNAL_ID_MAX, SYSTEM_MAX, handover_receive
from linli.interop.models import Handover
from linli.interop.open311_format import open_or_closed
from linli.tickets.models import DESCRIPTION_MAX, TITLE_MAX
from linli.tickets.workflow import may_see

router = Router(tags=["interop"])
router.add_router("", admin_router)  # /open311-keys, /webhooks (api_admin.py)


NON_BLANK = r"\S"


class HandoverIn(Schema):
    system: str = Field(min_length=1, max_length=SYSTEM_MAX, pattern=NON_BLANK, description="e.g. 12345")
    external_id: str = Field(
        min_length=1, max_length=EXTERNAL_ID_MAX, pattern=NON_BLANK, description="the hotline's own ticket id"
    )
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX, pattern=NON_BLANK)
    place_id: int = Field(ge=1, description="a community, compound, grid, building or unit in your street")
    title: str | None = Field(default=None, max_length=TITLE_MAX)
    category_id: int | None = Field(default=None, ge=1)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    contact_phone: str | None = Field(default=None, max_length=40)
    reporter_name: str | None = Field(default=None, max_length=64)
    public: bool = False


class HandoverOut(Schema):
    system: str
    external_id: str
    request_id: int
    number: str
    status: str
    open311_status: str
    received_at: dt.datetime
    resolve_due: dt.datetime | None
    resolution: str
    created: bool


def _out(row: Handover, created: bool) -> HandoverOut:
    t = row.ticket
    return HandoverOut(
        system=row.system,
        external_id=row.external_id,
        request_id=t.pk,
        number=t.number,
        status=t.status,
        open311_status=open_or_closed(t.status),
        received_at=row.received_at,
        resolve_due=t.resolve_due,
        resolution=t.resolution,
        created=created,
    )


@router.post(
    "/handover",
    response={200: HandoverOut, 201: HandoverOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="handover_create",
    summary="Hand over a request from an external hotline; repeats with the same (system, external_id) "
    "return the first (200) instead of creating another (201)",
)
def handover_create(request: HttpRequest, payload: HandoverIn) -> Status[HandoverOut]:
    result = handover_receive(
        actor=request.user,
        system=payload.system,
        external_id=payload.external_id,
        description=payload.description,
        place_id=payload.place_id,
        title=payload.title or "",
        category_id=payload.category_id,
        lat=None if payload.lat is None else Decimal(str(payload.lat)),
        lng=None if payload.lng is None else Decimal(str(payload.lng)),
        contact_phone=payload.contact_phone or "",
        reporter_name=payload.reporter_name or "",
        public=payload.public,
    )
    return Status(201 if result.created else 200, _out(result.handover, result.created))


@router.get(
    "/handover/{system}/{external_id}",
    response={200: HandoverOut, 404: ErrorOut},
    operation_id="handover_read",
    summary="The current state of a handed-over request, by the external system's ticket id",
)
def handover_read(request: HttpRequest, system: str, external_id: str) -> HandoverOut:
    row: Any = Handover.objects.select_related("ticket").filter(system=system, external_id=external_id).first()
    if row is None or not may_see(request.user, row.ticket):
        raise NotFound(_("未找到该转交工单,或您无权查看"))
    return _out(row, False)
