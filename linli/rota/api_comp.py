"""Compensatory days (调休), the balance and the figures under /api/v1/rota/.

A worker requests, lists and cancels their own; the desk's leads and managers list the pending ones they may decide
(``queue=true``) and approve or reject them — never their own. Figures are read for a district, street or community
where the caller holds ``lead`` or ``manage`` (else the 404 of a missing id).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from linli.core.errors import InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut
from linli.core.scoping import NOT_FOUND_MESSAGE
from linli.places.models import Place
from linli.rota import selectors as sel
from linli.rota import services_comp as sc
from linli.rota.api_schemas import (
    RotaBalanceOut,
    RotaCompApproveIn,
    RotaCompIn,
    RotaCompListOut,
    RotaCompListQuery,
    RotaCompOut,
    RotaCompRejectIn,
    RotaDeskFiguresOut,
    RotaEarnedShiftOut,
    RotaFiguresOut,
    RotaFiguresQuery,
)
from linli.rota.models import CompDay, CompStatus

router = Router(tags=["rota"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def comp_out(c: CompDay) -> RotaCompOut:
    return RotaCompOut(
        id=c.pk,
        shift_id=c.shift_id,
        shift_day=c.shift.day,
        desk_id=c.desk_id,
        person_id=c.person_id,
        person_name=c.person.name,
        day=c.day,
        status=c.status,
        note=c.note,
        decision_note=c.decision_note,
        decided_at=c.decided_at,
        created_at=c.created_at,
    )


@router.get(
    "/comp-days",
    response={200: RotaCompListOut, 422: ErrorOut},
    operation_id="rota_comp_days_list",
    summary="My compensatory days, or (queue=true) the pending ones I may decide; newest first (keyset pages)",
)
def rota_comp_days_list(request: HttpRequest, filters: Query[RotaCompListQuery]) -> RotaCompListOut:
    user = request.user
    if filters.queue:
        qs = sel.approvable_comp_days(user).filter(status=CompStatus.PENDING).exclude(person_id=user.person_id or 0)  # type: ignore[union-attr]
    else:
        qs = CompDay.objects.filter(person_id=getattr(user, "person_id", None) or 0)
    page = keyset_page(
        qs.select_related("shift", "person"), key="id", cursor=filters.cursor, limit=filters.limit, descending=True
    )
    return RotaCompListOut(items=[comp_out(c) for c in page.items], next=page.next)


@router.post(
    "/comp-days",
    response={200: RotaCompOut, 201: RotaCompOut, **ERRORS},
    operation_id="rota_comp_days_request",
    summary="Request a workday off for one of your checked-in rest-day shifts (201); an Idempotency-Key retry "
    "answers 200 with the first; a second request for the same shift is 409",
)
def rota_comp_days_request(request: HttpRequest, payload: RotaCompIn) -> Status[RotaCompOut]:
    shift = sel.access_own_shift(request.user, payload.shift_id, field="shift_id")
    comp, created = sc.comp_request(
        actor=request.user,
        shift=shift,
        day=payload.day,
        note=payload.note,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, comp_out(sel.access_comp(request.user, comp.pk)))


@router.post(
    "/comp-days/{comp_day_id}/approve",
    response={200: RotaCompOut, **ERRORS},
    operation_id="rota_comp_days_approve",
    summary="Approve a pending request at a desk where you hold lead or manage (never your own)",
)
def rota_comp_days_approve(request: HttpRequest, comp_day_id: int, payload: RotaCompApproveIn) -> RotaCompOut:
    sc.comp_approve(actor=request.user, comp=sel.access_comp(request.user, comp_day_id), note=payload.note)
    return comp_out(sel.access_comp(request.user, comp_day_id))


@router.post(
    "/comp-days/{comp_day_id}/reject",
    response={200: RotaCompOut, **ERRORS},
    operation_id="rota_comp_days_reject",
    summary="Reject a pending request with the reason (never your own)",
)
def rota_comp_days_reject(request: HttpRequest, comp_day_id: int, payload: RotaCompRejectIn) -> RotaCompOut:
    sc.comp_reject(actor=request.user, comp=sel.access_comp(request.user, comp_day_id), reason=payload.reason)
    return comp_out(sel.access_comp(request.user, comp_day_id))


@router.post(
    "/comp-days/{comp_day_id}/cancel",
    response={200: RotaCompOut, **ERRORS},
    operation_id="rota_comp_days_cancel",
    summary="Cancel your own pending or approved day off, before the day",
)
def rota_comp_days_cancel(request: HttpRequest, comp_day_id: int) -> RotaCompOut:
    sc.comp_cancel(actor=request.user, comp=sel.access_comp(request.user, comp_day_id))
    return comp_out(sel.access_comp(request.user, comp_day_id))


@router.get(
    "/balance",
    response={200: RotaBalanceOut},
    operation_id="rota_balance_read",
    summary="My compensatory days: earned, taken, pending, expired, available",
)
def rota_balance_read(request: HttpRequest) -> RotaBalanceOut:
    b = sel.balance(getattr(request.user, "person_id", None))
    return RotaBalanceOut(
        earned=b.earned,
        taken=b.taken,
        pending=b.pending,
        expired=b.expired,
        available=b.available,
        shifts=[
            RotaEarnedShiftOut(shift_id=s.pk, desk_id=s.desk_id, day=s.day, comp_until=s.comp_until) for s in b.shifts
        ],
    )


@router.get(
    "/figures",
    response={200: RotaFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="rota_figures_read",
    summary="休息日值守率, check-in rate and compensatory days for the desks at and under a node, per desk",
)
def rota_figures_read(request: HttpRequest, filters: Query[RotaFiguresQuery]) -> RotaFiguresOut:
    node = Place.objects.filter(pk=filters.node_id).first()
    if node is None:
        raise NotFound(_(NOT_FOUND_MESSAGE), field="node_id")
    first, last = sel.default_period()
    since, until = filters.since or first, filters.until or last
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    if (until - since).days > 366 * 2:
        raise InvalidInput(_("统计期间最长两年"), field="until")
    f = sel.figures(request.user, node, since, until)
    return RotaFiguresOut(
        node_id=node.pk,
        since=since,
        until=until,
        end=f.end,
        rest_days=f.rest_days,
        desks=len(f.desks),
        covered=f.covered,
        coverage_rate=f.coverage_rate,
        shifts=f.shifts,
        checked_in=f.checked_in,
        check_in_rate=f.check_in_rate,
        earned=f.earned,
        taken=f.taken,
        pending=f.pending,
        expired=f.expired,
        outstanding=f.outstanding,
        per_desk=[
            RotaDeskFiguresOut(
                desk_id=d.desk.pk,
                name=d.desk.name,
                place_name=d.desk.place.name,
                rest_days=d.rest_days,
                covered=d.covered,
                coverage_rate=d.coverage_rate,
                shifts=d.shifts,
                checked_in=d.checked_in,
                check_in_rate=d.check_in_rate,
                earned=d.earned,
                taken=d.taken,
                pending=d.pending,
                expired=d.expired,
                outstanding=d.outstanding,
            )
            for d in f.desks
        ],
    )
