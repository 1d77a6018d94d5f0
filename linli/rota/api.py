"""The duty rota under /api/v1/rota/: desks, shifts, swaps and auto-schedule (compensatory days, the balance and the
figures are in ``api_comp``).

A desk, its shifts and its staff are read and changed by those with ``manage`` at its place; anyone else gets the
404 of a missing id. A person always reads their own shifts (``mine=true``) and their swaps. ``GET
/desks/{id}/today`` is public (no sign-in): hours, place, the office phone and the on-duty worker's surname.
Texts and choices are checked by the services, so a refusal names the field in Chinese (422); a state that does
not allow the change is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from linli.core.dates import FIRST, LAST
from linli.core.errors import InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut, PageQuery
from linli.core.scoping import NOT_FOUND_MESSAGE
from linli.people.models import Person
from linli.rota import board
from linli.rota import selectors as sel
from linli.rota import services_desks as sd
from linli.rota import services_schedule as sch
from linli.rota import services_shifts as ss
from linli.rota.api_schemas import (
    RotaDeskCreateIn,
    RotaDeskIn,
    RotaDeskListOut,
    RotaDeskOut,
    RotaOpeningOut,
    RotaPlanOut,
    RotaProposalOut,
    RotaReassignIn,
    RotaRunOut,
    RotaScheduleApplyIn,
    RotaScheduleIn,
    RotaShiftIn,
    RotaShiftListOut,
    RotaShiftListQuery,
    RotaShiftOut,
    RotaShortDayOut,
    RotaStaffListOut,
    RotaStaffOut,
    RotaStaffQuery,
    RotaSwapIn,
    RotaSwapListOut,
    RotaSwapListQuery,
    RotaSwapOut,
    RotaTodayOut,
)
from linli.rota.models import DutyDesk, DutyShift, ShiftSwap, SwapStatus
from linli.rota.staffing import roster
from linli.rota.views_common import parse_time

router = Router(tags=["rota"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ----------------------------------------------------------------------------- desks


def desk_out(d: DutyDesk) -> RotaDeskOut:
    return RotaDeskOut(
        id=d.pk,
        place_id=d.place_id,
        place_name=d.place.name,
        name=d.name,
        phone=d.phone,
        location=d.location,
        opens_at=d.opens_at.strftime("%H:%M"),
        closes_at=d.closes_at.strftime("%H:%M"),
        required_people=d.required_people,
        comp_window_days=d.comp_window_days,
        active=d.active,
    )


def hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def clock_in(raw: str | None, field: str) -> dt.time | None:
    """``HH:MM`` (the schema's pattern) as a time; None stays None."""
    return parse_time(raw, field)


def _desk_fields(payload: RotaDeskIn) -> sd.DeskFields:
    return sd.DeskFields(
        phone=payload.phone,
        location=payload.location,
        name=payload.name,
        opens_at=clock_in(payload.opens_at, "opens_at"),
        closes_at=clock_in(payload.closes_at, "closes_at"),
        required_people=payload.required_people,
        comp_window_days=payload.comp_window_days,
        active=payload.active,
    )


@router.get(
    "/desks",
    response={200: RotaDeskListOut, 422: ErrorOut},
    operation_id="rota_desks_list",
    summary="Duty desks at places you manage (keyset pages by id)",
)
def rota_desks_list(request: HttpRequest, filters: Query[PageQuery]) -> RotaDeskListOut:
    qs = sel.visible_desks(request.user).select_related("place")
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return RotaDeskListOut(items=[desk_out(d) for d in page.items], next=page.next)


@router.post(
    "/desks",
    response={200: RotaDeskOut, 201: RotaDeskOut, **ERRORS},
    operation_id="rota_desks_create",
    summary="Set up the duty desk of a community or street you manage (201); one it has already: 200 with it",
)
def rota_desks_create(request: HttpRequest, payload: RotaDeskCreateIn) -> Status[RotaDeskOut]:
    place = sel.managed_places(request.user, payload.place_id)
    desk, created = sd.desk_create(actor=request.user, place=place, fields=_desk_fields(payload))
    return Status(201 if created else 200, desk_out(sel.access_desk(request.user, desk.pk)))


@router.get(
    "/desks/{desk_id}",
    response={200: RotaDeskOut, 404: ErrorOut},
    operation_id="rota_desks_read",
    summary="One desk you manage",
)
def rota_desks_read(request: HttpRequest, desk_id: int) -> RotaDeskOut:
    return desk_out(sel.access_desk(request.user, desk_id))


@router.put(
    "/desks/{desk_id}",
    response={200: RotaDeskOut, **ERRORS},
    operation_id="rota_desks_update",
    summary="Rewrite a desk (every field as given); unchanged records nothing",
)
def rota_desks_update(request: HttpRequest, desk_id: int, payload: RotaDeskIn) -> RotaDeskOut:
    desk = sel.access_desk(request.user, desk_id)
    sd.desk_update(actor=request.user, desk=desk, fields=_desk_fields(payload))
    return desk_out(sel.access_desk(request.user, desk_id))


@router.get(
    "/desks/{desk_id}/staff",
    response={200: RotaStaffListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="rota_desks_staff_list",
    summary="Who may be on duty at a desk you manage on a day (staff there, or above it and covering it)",
)
def rota_desks_staff_list(request: HttpRequest, desk_id: int, filters: Query[RotaStaffQuery]) -> RotaStaffListOut:
    desk = sel.access_desk(request.user, desk_id)
    day = filters.day or timezone.localdate()
    members = [m for m in roster(desk, day, day).values() if m.on(day)]
    return RotaStaffListOut(
        day=day,
        items=[RotaStaffOut(person_id=m.person_id, name=m.name, positions=m.kind_label, own=m.own) for m in members],
    )


def _opening(o: board.Opening) -> RotaOpeningOut:
    return RotaOpeningOut(
        day=o.info.day,
        rest_day=o.info.rest,
        holiday=o.info.name if o.info.rest else "",
        open=o.open,
        starts_at=hhmm(o.starts_at),
        ends_at=hhmm(o.ends_at),
        on_duty=o.on_duty,
        checked_in=o.checked_in,
    )


@router.get(
    "/desks/{desk_id}/today",
    response={200: RotaTodayOut, 404: ErrorOut},
    operation_id="rota_desks_today",
    summary="Public (no sign-in): is the centre staffed today, hours, place, office phone, the next 7 days",
    auth=None,
)
def rota_desks_today(request: HttpRequest, desk_id: int) -> RotaTodayOut:
    desk = sel.public_desk(desk_id)
    card = board.today_card(desk)
    return RotaTodayOut(
        desk_id=desk.pk,
        name=desk.name,
        place_name=desk.place.name,
        phone=desk.phone,
        location=desk.location,
        today=_opening(card.today),
        week=[_opening(o) for o in card.week],
    )


# ----------------------------------------------------------------------------- shifts


def shift_out(s: DutyShift) -> RotaShiftOut:
    return RotaShiftOut(
        id=s.pk,
        desk_id=s.desk_id,
        day=s.day,
        person_id=s.person_id,
        person_name=s.person.name,
        starts_at=s.starts_at.strftime("%H:%M"),
        ends_at=s.ends_at.strftime("%H:%M"),
        rest_day=s.rest_day,
        status=s.status,
        state=s.state_on(timezone.localdate()),
        checked_in_at=s.checked_in_at,
        comp_until=s.comp_until,
    )


@router.get(
    "/shifts",
    response={200: RotaShiftListOut, 422: ErrorOut},
    operation_id="rota_shifts_list",
    summary="Shifts of desks you manage and your own, by id (keyset pages)",
)
def rota_shifts_list(request: HttpRequest, filters: Query[RotaShiftListQuery]) -> RotaShiftListOut:
    qs = (sel.own_shifts(request.user) if filters.mine else sel.readable_shifts(request.user)).select_related("person")
    if filters.desk_id is not None:
        qs = qs.filter(desk_id=filters.desk_id)
    if filters.since is not None:
        qs = qs.filter(day__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(day__lte=filters.until)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return RotaShiftListOut(items=[shift_out(s) for s in page.items], next=page.next)


def _staff(desk: DutyDesk, person_id: int, field: str = "person_id") -> Person:
    """A person the desk's roster knows (anyone else is the 404 of a missing id: ids cannot be probed)."""
    if person_id not in roster(desk, FIRST, LAST):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return Person.objects.get(pk=person_id)


@router.post(
    "/shifts",
    response={200: RotaShiftOut, 201: RotaShiftOut, **ERRORS},
    operation_id="rota_shifts_add",
    summary="Put someone on duty at a desk you manage (201); the same person and day again: 200 with it",
)
def rota_shifts_add(request: HttpRequest, payload: RotaShiftIn) -> Status[RotaShiftOut]:
    desk = sel.access_desk(request.user, payload.desk_id, field="desk_id")
    shift, created = ss.shift_add(
        actor=request.user,
        desk=desk,
        person=_staff(desk, payload.person_id),
        day=payload.day,
        starts_at=clock_in(payload.starts_at, "starts_at"),
        ends_at=clock_in(payload.ends_at, "ends_at"),
    )
    return Status(201 if created else 200, shift_out(sel.access_shift_managed(request.user, shift.pk)))


@router.post(
    "/shifts/{shift_id}/reassign",
    response={200: RotaShiftOut, **ERRORS},
    operation_id="rota_shifts_reassign",
    summary="Give a planned shift of today or later to someone else",
)
def rota_shifts_reassign(request: HttpRequest, shift_id: int, payload: RotaReassignIn) -> RotaShiftOut:
    shift = sel.access_shift_managed(request.user, shift_id)
    ss.shift_reassign(actor=request.user, shift=shift, person=_staff(shift.desk, payload.person_id))
    return shift_out(sel.access_shift_managed(request.user, shift_id))


@router.post(
    "/shifts/{shift_id}/remove",
    response={204: None, **ERRORS},
    operation_id="rota_shifts_remove",
    summary="Take a planned shift of today or later off the rota",
)
def rota_shifts_remove(request: HttpRequest, shift_id: int) -> Status[None]:
    ss.shift_remove(actor=request.user, shift=sel.access_shift_managed(request.user, shift_id))
    return Status(204, None)


@router.post(
    "/shifts/{shift_id}/check-in",
    response={200: RotaShiftOut, **ERRORS},
    operation_id="rota_shifts_check_in",
    summary="签到: your own shift, on its day; a repeat changes nothing",
)
def rota_shifts_check_in(request: HttpRequest, shift_id: int) -> RotaShiftOut:
    shift = sel.access_own_shift(request.user, shift_id)
    ss.shift_check_in(actor=request.user, shift=shift)
    return shift_out(sel.access_own_shift(request.user, shift_id))


# ----------------------------------------------------------------------------- swaps


def swap_out(s: ShiftSwap) -> RotaSwapOut:
    return RotaSwapOut(
        id=s.pk,
        shift_id=s.shift_id,
        desk_id=s.shift.desk_id,
        day=s.shift.day,
        from_person_id=s.from_person_id,
        from_name=s.from_person.name,
        to_person_id=s.to_person_id,
        to_name=s.to_person.name,
        status=s.status,
        note=s.note,
        created_at=s.created_at,
        decided_at=s.decided_at,
    )


@router.get(
    "/swaps",
    response={200: RotaSwapListOut, 422: ErrorOut},
    operation_id="rota_swaps_list",
    summary="Swaps you offered or were offered, newest first (keyset pages)",
)
def rota_swaps_list(request: HttpRequest, filters: Query[RotaSwapListQuery]) -> RotaSwapListOut:
    qs = sel.my_swaps(request.user).select_related("shift", "from_person", "to_person")
    if filters.status:
        if filters.status not in SwapStatus.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
        qs = qs.filter(status=filters.status)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return RotaSwapListOut(items=[swap_out(s) for s in page.items], next=page.next)


def _colleague(shift: DutyShift, person_id: int) -> Person:
    """Someone who may be on duty at the shift's desk that day; anyone else is the 404 of a missing id."""
    member = roster(shift.desk, shift.day, shift.day).get(person_id)
    if member is None or not member.on(shift.day):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="to_person_id")
    return Person.objects.get(pk=person_id)


@router.post(
    "/shifts/{shift_id}/swap",
    response={200: RotaSwapOut, 201: RotaSwapOut, **ERRORS},
    operation_id="rota_swaps_offer",
    summary="换班: offer your planned shift to a named colleague (201); the same offer again: 200 with it",
)
def rota_swaps_offer(request: HttpRequest, shift_id: int, payload: RotaSwapIn) -> Status[RotaSwapOut]:
    shift = sel.access_own_shift(request.user, shift_id)
    swap, created = ss.swap_offer(
        actor=request.user, shift=shift, to_person=_colleague(shift, payload.to_person_id), note=payload.note
    )
    return Status(201 if created else 200, swap_out(sel.access_swap(request.user, swap.pk)))


def _swap_action(request: HttpRequest, swap_id: int, action: Any) -> RotaSwapOut:
    action(actor=request.user, swap=sel.access_swap(request.user, swap_id))
    return swap_out(sel.access_swap(request.user, swap_id))


@router.post(
    "/swaps/{swap_id}/accept",
    response={200: RotaSwapOut, **ERRORS},
    operation_id="rota_swaps_accept",
    summary="Take the shift offered to you; a repeat changes nothing",
)
def rota_swaps_accept(request: HttpRequest, swap_id: int) -> RotaSwapOut:
    return _swap_action(request, swap_id, ss.swap_accept)


@router.post(
    "/swaps/{swap_id}/decline",
    response={200: RotaSwapOut, **ERRORS},
    operation_id="rota_swaps_decline",
    summary="Decline a shift offered to you",
)
def rota_swaps_decline(request: HttpRequest, swap_id: int) -> RotaSwapOut:
    return _swap_action(request, swap_id, ss.swap_decline)


@router.post(
    "/swaps/{swap_id}/withdraw",
    response={200: RotaSwapOut, **ERRORS},
    operation_id="rota_swaps_withdraw",
    summary="Withdraw an offer you made",
)
def rota_swaps_withdraw(request: HttpRequest, swap_id: int) -> RotaSwapOut:
    return _swap_action(request, swap_id, ss.swap_withdraw)


# ----------------------------------------------------------------------------- auto-schedule


def plan_out(plan: sch.Plan) -> RotaPlanOut:
    return RotaPlanOut(
        desk_id=plan.desk.pk,
        since=plan.since,
        until=plan.until,
        rest_days=plan.rest_days,
        token=plan.token,
        proposals=[
            RotaProposalOut(day=p.day, person_id=p.person_id, name=p.name, holiday=p.holiday, load=p.load)
            for p in plan.proposals
        ],
        short=[RotaShortDayOut(day=day, missing=n) for day, n in plan.short],
    )


@router.post(
    "/desks/{desk_id}/schedule/preview",
    response={200: RotaPlanOut, **ERRORS},
    operation_id="rota_schedule_preview",
    summary="自动排班 preview: the shifts that would fill the rest days short of people (nothing is written)",
)
def rota_schedule_preview(request: HttpRequest, desk_id: int, payload: RotaScheduleIn) -> RotaPlanOut:
    desk = sel.access_desk(request.user, desk_id)
    return plan_out(sch.schedule_preview(actor=request.user, desk=desk, since=payload.since, until=payload.until))


@router.post(
    "/desks/{desk_id}/schedule/apply",
    response={200: RotaRunOut, 201: RotaRunOut, **ERRORS},
    operation_id="rota_schedule_apply",
    summary="Apply the previewed plan whole (201); 409 if anything changed since the preview; an Idempotency-Key "
    "retry answers 200 with the first run",
)
def rota_schedule_apply(request: HttpRequest, desk_id: int, payload: RotaScheduleApplyIn) -> Status[RotaRunOut]:
    desk = sel.access_desk(request.user, desk_id)
    run, created = sch.schedule_apply(
        actor=request.user,
        desk=desk,
        since=payload.since,
        until=payload.until,
        token=payload.token,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    out = RotaRunOut(id=run.pk, desk_id=desk.pk, since=run.since, until=run.until, shifts_created=run.shifts_created)
    return Status(201 if created else 200, out)
