"""The venue pages everyone uses: the list of venues under a community or street (anyone; staff who manage the place
also see its figures), a venue's page with the next 14 days free and busy (anyone; never who booked), the booking
form, one's own bookings, and a booking's page (its booker and the venue's managers). A refused form comes back
with what was typed and the error naming the field (422)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.venues import selectors as sel
from linli.venues import services_bookings as sb
from linli.venues.models import HOLDING, Booking, BookingStatus, Purpose, Venue, VenueType
from linli.venues.opening import half_hours, hours_summary, weekday_label
from linli.venues.permissions import manages_anything, may_book, may_create_at
from linli.venues.views_common import SAFE_NEXT, form_error, period

LIST_SHOWN = 200
MINE_SHOWN = 100


def index(request: HttpRequest) -> HttpResponse:
    """Venues under a place (``?place=``; default: one's own community, or the place one manages), filtered by
    type, purpose and capacity; the place's figures for those who manage it."""
    user = request.user
    error: InvalidInput | None = None
    node = None
    raw = request.GET.get("place", "")
    if raw.strip():
        node = sel.public_node(raw)
    node = node or sel.default_node(user)
    purpose = request.GET.get("purpose", "")
    kind = request.GET.get("kind", "")
    capacity: int | None = None
    venues: list[Venue] = []
    try:
        capacity = sel.parse_capacity(request.GET.get("capacity"))
        if node is not None:
            listed = sel.listed_venues(user, node, purpose=purpose, capacity=capacity, kind=kind)
            venues = list(listed[: LIST_SHOWN + 1])
    except InvalidInput as exc:
        error = exc
    figures, since, until, period_error = None, None, None, None
    if node is not None and sel.may_see_figures(user, node):
        since, until, period_error = period(request)
        figures = sel.figures(user, node, since, until)
    street, communities = sel.node_family(node) if node is not None else (None, [])
    return render(
        request,
        "venues/index.html",
        {
            "node": node,
            "street": street,
            "communities": communities,
            "venues": venues[:LIST_SHOWN],
            "truncated": len(venues) > LIST_SHOWN,
            "purposes": Purpose.choices,
            "purpose": purpose if purpose in Purpose.values else "",
            "types": VenueType.choices,
            "kind": kind if kind in VenueType.values else "",
            "capacity": capacity,
            "error": error,
            "figures": figures,
            "since": since,
            "until": until,
            "period_error": period_error,
            "may_create": node is not None and may_create_at(user, node),
            "manages": manages_anything(user),
        },
        status=422 if error or period_error else 200,
    )


def venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    """A venue's page: what it is, its hours and rules, and the next 14 days free and busy."""
    item = sel.access_venue(request.user, venue_id)
    since, until = sel.availability_span(None, None)
    return render(
        request,
        "venues/venue.html",
        {
            "venue": item,
            "hours": hours_summary(item.weekly_hours),
            "days": sel.availability(item, since, until),
            "may_manage": sel.may_manage(request.user, item),
            "may_book": may_book(request.user, item) or not request.user.is_authenticated,
        },
    )


@login_required
def book(request: HttpRequest, venue_id: int) -> HttpResponse:
    user = request.user
    item = sel.access_venue(user, venue_id)
    if not may_book(user, item):
        raise Forbidden(_("您不能预约这个场地"))
    error: InvalidInput | Conflict | None = None
    data: Any = request.GET
    if request.method == "POST":
        data = request.POST
        try:
            booking, _created = sb.booking_request(
                actor=user, venue=item, data=_input(data), idempotency_key=data.get("idempotency_key", "")
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            if booking.status == BookingStatus.APPROVED:
                messages.success(request, _("预约成功:%(when)s") % {"when": sb.when(booking)})
            else:
                messages.success(request, _("已提交预约申请,等待社区审核:%(when)s") % {"when": sb.when(booking)})
            return redirect("venues:booking", booking.pk)
    try:
        day = parse_day(data.get("day"), "day")
    except InvalidInput:
        day = None
    today = timezone.localdate()
    shown = day if day is not None and today <= day <= today + dt.timedelta(days=30) else None
    days = sel.availability(item, shown, shown) if shown else []
    return render(
        request,
        "venues/book.html",
        {
            "venue": item,
            "data": data,
            "day": day,
            "shown": bool(days),
            "day_list": days,
            "min_day": today,
            "max_day": today + dt.timedelta(days=item.days_ahead),
            "times": half_hours(0, 24 * 60),
            "purposes": [(c, Purpose(c).label) for c in item.purpose_list if c in Purpose.values],
            "idempotency_key": data.get("idempotency_key") or uuid.uuid4().hex,
            **form_error("book", error),
        },
        status=422 if error else 200,
    )


def _input(data: Any) -> sb.BookingInput:
    return sb.BookingInput(
        day=parse_day(data.get("day"), "day"),
        start=data.get("start", ""),
        end=data.get("end", ""),
        purpose=data.get("purpose", ""),
        title=data.get("title", ""),
        attendees=data.get("attendees", ""),
        public=bool(data.get("public")),
        organiser=data.get("organiser", ""),
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    qs = sel.my_bookings(request.user)
    upcoming = list(qs.filter(ends_at__gt=now).order_by("starts_at", "id")[:MINE_SHOWN])
    done = list(qs.filter(ends_at__lte=now).order_by("-starts_at", "-id")[:MINE_SHOWN])
    return render(
        request,
        "venues/mine.html",
        {"upcoming": upcoming, "done": done, "now": now, "holding": HOLDING},
    )


ACTIONS = {"approve", "reject", "cancel", "no_show"}


@login_required
def booking(request: HttpRequest, booking_id: int) -> HttpResponse:
    """One booking: its booker sees it and may cancel it before the start; the venue's managers see the booker's
    name and masked phone and decide it."""
    user = request.user
    item = sel.access_booking(user, booking_id)
    manager = sel.may_manage(user, item.venue)
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in ACTIONS else ""
        try:
            done = _act(request, item, form, manager)
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, done)
            target = SAFE_NEXT.get(request.POST.get("next", ""))
            return redirect(target) if target else redirect("venues:booking", item.pk)
        item = sel.access_booking(user, booking_id)
    now = timezone.now()
    own = item.booker_id == user.pk
    return render(
        request,
        "venues/booking.html",
        {
            "booking": item,
            "venue": item.venue,
            "weekday": weekday_label(item.day),
            "when": sb.when(item),
            "events": sel.booking_events(item),
            "manager": manager,
            "booker_name": sel.booker_name(item) if manager or own else "",
            "booker_phone": sel.booker_phone_masked(item) if manager else "",
            "may_cancel_own": own and item.status in HOLDING and item.starts_at > now,
            "may_decide": manager and item.status == BookingStatus.PENDING and item.starts_at > now,
            "may_cancel_staff": manager and item.status in HOLDING and item.ends_at > now,
            "may_no_show": manager and item.status == BookingStatus.APPROVED and item.ends_at <= now,
            "data": request.POST if error else {},
            **form_error(form, error),
        },
        status=422 if error else 200,
    )


def _act(request: HttpRequest, item: Booking, form: str, manager: bool) -> str:
    user, data = request.user, request.POST
    if form == "cancel":
        sb.booking_cancel(actor=user, booking=item, reason=data.get("reason", ""))
        return _("已取消预约。")
    if not manager:
        raise Forbidden(_("只有场地管理人员可以审核预约"))
    if form == "approve":
        sb.booking_approve(actor=user, booking=item)
        return _("已通过,已通知预约人。")
    if form == "reject":
        sb.booking_reject(actor=user, booking=item, reason=data.get("reason", ""))
        return _("已不予通过,已通知预约人。")
    if form == "no_show":
        sb.booking_no_show(actor=user, booking=item)
        return _("已登记未到场。")
    raise InvalidInput(_("请使用页面上的表单提交"))
