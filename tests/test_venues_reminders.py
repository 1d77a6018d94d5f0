"""The day before, each approved booking reminds its booker once (inbox and SMS), from the hourly Huey task; the
guard rows of time gone by are released."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.notify.models import Delivery, Notification
from linli.venues import services_bookings as sb
from linli.venues.models import BookingSlot
from linli.venues.reminders import release_past_slots, remind_tomorrow
from linli.venues.tasks import venues_reminders_hourly
from tests.venues_support import book, later, past, venue

pytestmark = pytest.mark.django_db


def test_an_approved_booking_of_tomorrow_reminds_its_booker_once(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    approved = book(users["resident"], room, later(1), "10:00", "11:00", title="读书会")
    sb.booking_approve(actor=users["community"], booking=approved)
    book(users["grid"], room, later(1), "14:00", "15:00")  # still pending: not reminded
    cancelled = book(users["volunteer"], room, later(1), "16:00", "17:00")
    sb.booking_cancel(actor=users["volunteer"], booking=cancelled)
    later_on = book(users["resident"], room, later(2), "10:00", "11:00")
    sb.booking_approve(actor=users["community"], booking=later_on)  # the day after: not yet

    assert remind_tomorrow().reminded == 1
    note = Notification.objects.get(kind="venues.booking_tomorrow")
    assert note.recipient_id == users["resident"].pk and "读书会" in note.title
    assert Delivery.objects.filter(notification=note, channel="sms").count() == 1
    assert remind_tomorrow().reminded == 0  # once, however often it runs
    assert Notification.objects.filter(kind="venues.booking_tomorrow").count() == 1


def test_the_hourly_task_runs_in_the_daytime_and_reminds_through_the_worker_entry_point(
    users: Any, places: Any
) -> None:
    room = venue(users["community"], places.communities[0])
    book(users["resident"], room, later(1))  # confirmed at once
    assert venues_reminders_hourly.call_local() == 1
    assert venues_reminders_hourly.call_local() == 0
    validate = venues_reminders_hourly.task_class().validate_datetime
    assert validate(dt.datetime(2026, 5, 15, 8, 17)) and validate(dt.datetime(2026, 5, 15, 21, 17))
    assert not validate(dt.datetime(2026, 5, 15, 3, 17))  # nobody gets an SMS at night
    assert not validate(dt.datetime(2026, 5, 15, 9, 20))


def test_guard_rows_of_time_gone_by_are_released_and_upcoming_ones_kept(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0])
    upcoming = book(users["resident"], room, later(1), "10:00", "11:00")
    old = past(users["grid"], room, days_ago=5)
    BookingSlot.objects.create(venue=room, starts_at=old.starts_at, booking=old)
    assert release_past_slots(now=timezone.now()) == 1
    assert list(BookingSlot.objects.filter(venue=room).values_list("booking_id", flat=True).distinct()) == [upcoming.pk]
