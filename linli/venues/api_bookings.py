"""Bookings under /api/v1/venues/: request a venue, one's own bookings, a venue's bookings and the approvals queue
for those who manage it, and the changes of state (approve, reject, cancel, no-show).

A booking is read by its booker and by the venue's managers (with the booker's name and masked phone); anyone else
gets the 404 of a missing id. Rules broken are 422 naming the field; a time already taken, the person's limit or
a change the booking's state does not allow is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.venues import selectors as sel
from linli.venues import services_bookings as sb
from linli.venues.models import HOLDING, Booking, BookingStatus, Purpose
from linli.venues.opening import hm, minutes
from linli.venues.permissions import may_manage_venue

router = Router(tags=["venues"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STATUSES = ", ".join(f"{v} ({label})" for v, label in BookingStatus.choices)


class VenueBookingIn(Schema):
    day: Day
    start: str = Field(description="HH:MM, on the venue's slot grid, within the day's opening hours")
    end: str = Field(description="HH:MM")
    purpose: str = Field(description=", ".join(f"{v} ({label})" for v, label in Purpose.choices))
    title: str = Field(description="活动名称, up to 60 characters")
    attendees: int = Field(description="expected attendees, at most the venue's capacity")
    public: bool = Field(False, description="show the title on the public calendar once approved")
    organiser: str = Field("", description="申请单位 (a branch, a team), up to 60 characters")


class VenueBookingOut(Schema):
    id: int
    venue_id: int
    venue_name: str
    day: dt.date
    start: str
    end: str
    purpose: str
    title: str
    attendees: int
    public: bool
    organiser: str
    status: str = Field(description=STATUSES)
    reason: str = Field(description="why it was rejected or cancelled")
    created_at: dt.datetime
    decided_at: dt.datetime | None
    booker_name: str = Field(description="shown to the booker and to the venue's managers only")
    booker_phone_masked: str = Field(description="138****5678, to the venue's managers; empty for the booker")
    may_cancel: bool
    may_decide: bool = Field(description="you manage the venue and it waits for approval")


class VenueBookingListOut(Schema):
    items: list[VenueBookingOut]
    next: str | None


class VenueBookingListQuery(PageQuery):
    status: str | None = Field(None, description=STATUSES)
    since: Day | None = Field(None, description="bookings on or after this day")
    until: Day | None = Field(None, description="bookings on or before this day")


class VenueBookingReasonIn(Schema):
    reason: str = Field(description="up to 200 characters")


class VenueBookingCancelIn(Schema):
    reason: str = Field("", description="required when the venue's staff cancel; optional for the booker")


def booking_out(request: HttpRequest, b: Booking) -> VenueBookingOut:
    user = request.user
    now = timezone.now()
    manager = may_manage_venue(user, b.venue)
    own = b.booker_id == user.pk
    first = minutes(timezone.localtime(b.starts_at).time())
    return VenueBookingOut(
        id=b.pk,
        venue_id=b.venue_id,
        venue_name=b.venue.name,
        day=b.day,
        start=hm(first),
        end=hm(first + b.minutes),
        purpose=b.purpose,
        title=b.title,
        attendees=b.attendees,
        public=b.public,
        organiser=b.organiser,
        status=b.status,
        reason=b.reason,
        created_at=b.created_at,
        decided_at=b.decided_at,
        booker_name=sel.booker_name(b) if manager or own else "",
        booker_phone_masked=sel.booker_phone_masked(b) if manager else "",
        may_cancel=b.status in HOLDING and ((own and b.starts_at > now) or (manager and b.ends_at > now)),
        may_decide=manager and b.status == BookingStatus.PENDING and b.starts_at > now,
    )


def _filtered(qs: Any, filters: VenueBookingListQuery) -> Any:
    if filters.status:
        if filters.status not in BookingStatus.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
        qs = qs.filter(status=filters.status)
    if filters.since is not None:
        qs = qs.filter(day__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(day__lte=filters.until)
    return qs.select_related("venue", "booker", "booker__person")


def _read(request: HttpRequest, booking_id: int) -> VenueBookingOut:
    return booking_out(request, sel.access_booking(request.user, booking_id))


@router.post(
    "/{venue_id}/bookings",
    response={200: VenueBookingOut, 201: VenueBookingOut, **ERRORS},
    operation_id="venues_bookings_create",
    summary="Book a venue (201: approved at once, or pending approval); an Idempotency-Key retry answers 200 with "
    "the first; a time already taken is 409 naming it",
)
def venues_bookings_create(request: HttpRequest, venue_id: int, payload: VenueBookingIn) -> Status[VenueBookingOut]:
    item = sel.access_venue(request.user, venue_id)
    booking, created = sb.booking_request(
        actor=request.user,
        venue=item,
        data=sb.BookingInput(
            day=payload.day,
            start=payload.start,
            end=payload.end,
            purpose=payload.purpose,
            title=payload.title,
            attendees=payload.attendees,
            public=payload.public,
            organiser=payload.organiser,
        ),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _read(request, booking.pk))


@router.get(
    "/bookings/mine",
    response={200: VenueBookingListOut, 422: ErrorOut},
    operation_id="venues_bookings_mine",
    summary="Your own bookings, newest request first (keyset pages)",
)
def venues_bookings_mine(request: HttpRequest, filters: Query[VenueBookingListQuery]) -> VenueBookingListOut:
    qs = _filtered(sel.my_bookings(request.user), filters)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return VenueBookingListOut(items=[booking_out(request, b) for b in page.items], next=page.next)


@router.get(
    "/bookings/pending",
    response={200: VenueBookingListOut, 422: ErrorOut},
    operation_id="venues_bookings_queue",
    summary="Requests waiting for your approval (venues you manage, not yet begun), first asked first (keyset)",
)
def venues_bookings_queue(request: HttpRequest, filters: Query[PageQuery]) -> VenueBookingListOut:
    qs = sel.pending_queue(request.user).order_by()
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return VenueBookingListOut(items=[booking_out(request, b) for b in page.items], next=page.next)


@router.get(
    "/{venue_id}/bookings",
    response={200: VenueBookingListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="venues_bookings_list",
    summary="A venue's bookings with their bookers, for those who manage it; newest request first (keyset)",
)
def venues_bookings_list(
    request: HttpRequest, venue_id: int, filters: Query[VenueBookingListQuery]
) -> VenueBookingListOut:
    item = sel.access_managed_venue(request.user, venue_id)
    qs = _filtered(Booking.objects.filter(venue=item), filters)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return VenueBookingListOut(items=[booking_out(request, b) for b in page.items], next=page.next)


@router.get(
    "/bookings/{booking_id}",
    response={200: VenueBookingOut, 404: ErrorOut},
    operation_id="venues_bookings_read",
    summary="One booking: its booker and the venue's managers",
)
def venues_bookings_read(request: HttpRequest, booking_id: int) -> VenueBookingOut:
    return _read(request, booking_id)


@router.post(
    "/bookings/{booking_id}/approve",
    response={200: VenueBookingOut, **ERRORS},
    operation_id="venues_bookings_approve",
    summary="Approve a pending request (the booker is told); a repeat changes nothing",
)
def venues_bookings_approve(request: HttpRequest, booking_id: int) -> VenueBookingOut:
    sb.booking_approve(actor=request.user, booking=sel.access_booking(request.user, booking_id))
    return _read(request, booking_id)


@router.post(
    "/bookings/{booking_id}/reject",
    response={200: VenueBookingOut, **ERRORS},
    operation_id="venues_bookings_reject",
    summary="Reject a pending request with the reason (the booker is told); its time is free again",
)
def venues_bookings_reject(request: HttpRequest, booking_id: int, payload: VenueBookingReasonIn) -> VenueBookingOut:
    sb.booking_reject(actor=request.user, booking=sel.access_booking(request.user, booking_id), reason=payload.reason)
    return _read(request, booking_id)


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: VenueBookingOut, **ERRORS},
    operation_id="venues_bookings_cancel",
    summary="Cancel: the booker before the start; the venue's staff before the end with a reason (the booker is told "
    "by inbox and SMS)",
)
def venues_bookings_cancel(request: HttpRequest, booking_id: int, payload: VenueBookingCancelIn) -> VenueBookingOut:
    sb.booking_cancel(actor=request.user, booking=sel.access_booking(request.user, booking_id), reason=payload.reason)
    return _read(request, booking_id)


@router.post(
    "/bookings/{booking_id}/no-show",
    response={200: VenueBookingOut, **ERRORS},
    operation_id="venues_bookings_no_show",
    summary="Record 未到场 on an approved booking that has ended",
)
def venues_bookings_no_show(request: HttpRequest, booking_id: int) -> VenueBookingOut:
    sb.booking_no_show(actor=request.user, booking=sel.access_booking(request.user, booking_id))
    return _read(request, booking_id)
