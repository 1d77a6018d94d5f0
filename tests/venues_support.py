"""Helpers the venue-booking tests share (not a test module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from linli.places.models import Place
from linli.venues import services as vs
from linli.venues import services_bookings as sb
from linli.venues.models import Booking, Purpose, Venue

EVERY_DAY = [("08:00", "20:00")] * 7
OFFICE_WEEK = [("08:30", "17:30")] * 5 + [("09:00", "12:00"), ("", "")]


def venue(actor: Any, place: Place, name: str = "党群服务中心二楼多功能厅", **extra: Any) -> Venue:
    """A venue open every day 08:00–20:00 (holidays too) that confirms at once, unless told otherwise."""
    fields = vs.VenueFields(
        name=name,
        capacity=extra.pop("capacity", 40),
        purposes=extra.pop("purposes", list(Purpose.values)),
        hours=extra.pop("hours", EVERY_DAY),
        requires_approval=extra.pop("requires_approval", False),
        open_on_holidays=extra.pop("open_on_holidays", True),
        address=extra.pop("address", "社区党群服务中心二楼"),
        contact_phone=extra.pop("contact_phone", "0551-62345678"),
        **extra,
    )
    return vs.venue_create(actor=actor, place=place, fields=fields)[0]


def fields_of(room: Venue, **changes: Any) -> vs.VenueFields:
    """The venue's own fields (as its edit form would send them back), with ``changes``."""
    values: dict[str, Any] = {
        "name": room.name,
        "capacity": room.capacity,
        "purposes": room.purpose_list,
        "hours": [tuple(h) if h else ("", "") for h in room.weekly_hours],
        "organisation": room.organisation,
        "address": room.address,
        "facilities": room.facilities,
        "open_on_holidays": room.open_on_holidays,
        "slot_minutes": room.slot_minutes,
        "max_hours": room.max_hours,
        "days_ahead": room.days_ahead,
        "requires_approval": room.requires_approval,
        "max_per_person": room.max_per_person,
        "public": room.public,
        "contact_phone": room.contact_phone,
        "notice": room.notice,
    }
    values.update(changes)
    return vs.VenueFields(**values)


def later(days: int = 1) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def next_weekday(weekday: int, *, at_least: int = 1) -> dt.date:
    """The first day ``at_least`` days from today or later that falls on ``weekday`` (Monday 0)."""
    day = later(at_least)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def data(day: dt.date, start: str = "10:00", end: str = "11:00", **extra: Any) -> sb.BookingInput:
    return sb.BookingInput(
        day=day,
        start=start,
        end=end,
        purpose=extra.pop("purpose", "culture"),
        title=extra.pop("title", "太极拳练习"),
        attendees=extra.pop("attendees", 12),
        **extra,
    )


def book(
    actor: Any, place_venue: Venue, day: dt.date, start: str = "10:00", end: str = "11:00", **extra: Any
) -> Booking:
    key = extra.pop("idempotency_key", "")
    return sb.booking_request(actor=actor, venue=place_venue, data=data(day, start, end, **extra), idempotency_key=key)[
        0
    ]


def account(place: Place, username: str, *, exclude: tuple[int, ...] = ()) -> Any:
    """A sign-in for a resident of ``place`` (a demo person without an account yet)."""
    from linli.accounts.models import User
    from linli.people.models import Person

    person = (
        Person.objects.filter(place_path__startswith=place.path, user__isnull=True)
        .exclude(pk__in=exclude)
        .exclude(phone_enc="")
        .order_by("pk")
        .first()
    )
    assert person is not None
    return User.objects.create_user(username=username, password="demo-pass-2026", person=person)


def liaison(organisation: Any, place: Place, username: str) -> Any:
    """A sign-in for the liaison (``department_liaison`` linked to ``organisation``) of a unit."""
    from linli.people.models import Position

    user = account(place, username)
    Position.objects.create(
        person=user.person,
        kind="department_liaison",
        place=place,
        place_path=place.path,
        organisation=organisation,
        title="联络员",
        start_date=dt.date(2025, 1, 1),
    )
    return user


def staff_of(community: Place, username: str) -> Any:
    """A sign-in for a community worker (``community_staff``) of ``community``."""
    from linli.accounts.models import User
    from linli.people.models import Position

    position = Position.objects.filter(place=community, kind="community_staff").order_by("pk").first()
    assert position is not None
    existing = User.objects.filter(person=position.person).first()
    return existing or User.objects.create_user(username=username, password="demo-pass-2026", person=position.person)


def partner(street: Place) -> Any:
    from linli.orgs.models import Organisation

    return Organisation.objects.filter(kind="partner_unit", place_path=street.path).order_by("pk").first()


def past(
    actor: Any, place_venue: Venue, *, days_ago: int, start: str = "09:00", end: str = "11:00", **extra: Any
) -> Booking:
    """A booking that already happened (the demo's history; the service refuses past times): approved."""
    from linli.venues.demo import record_past_booking

    return record_past_booking(
        venue=place_venue, booker=actor, day=timezone.localdate() - dt.timedelta(days=days_ago), start=start, end=end,
        title=extra.pop("title", "读书会"), purpose=extra.pop("purpose", "education"),
        attendees=extra.pop("attendees", 10), status=extra.pop("status", "approved"),
    )  # fmt: skip
