"""A request nobody approved or rejected before it began lapses (逾期未审核): its time is freed, the booker is told,
a manager can no longer approve it, and the figures count it against the venue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict
from linli.notify.models import Notification
from linli.venues import selectors as sel
from linli.venues import services_bookings as sb
from linli.venues.models import Booking, BookingSlot, BookingStatus
from linli.venues.tasks import venues_expire_unanswered
from tests.venues_support import book, later, venue

pytestmark = pytest.mark.django_db


def test_a_request_still_pending_when_it_begins_lapses_frees_its_time_and_tells_the_booker(
    users: Any, places: Any
) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    waiting = book(users["resident"], room, later(1), "10:00", "11:00", title="读书会")
    decided = book(users["grid"], room, later(1), "14:00", "15:00")
    sb.booking_approve(actor=users["community"], booking=decided)
    tomorrow_later = book(users["volunteer"], room, later(1), "16:00", "17:00")  # begins after "now" below
    now = waiting.starts_at + dt.timedelta(minutes=1)

    assert sb.expire_unanswered(now=now) == 1
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.EXPIRED and waiting.decided_by_id is None
    assert not BookingSlot.objects.filter(booking=waiting).exists()
    assert Booking.objects.get(pk=decided.pk).status == BookingStatus.APPROVED
    assert Booking.objects.get(pk=tomorrow_later.pk).status == BookingStatus.PENDING
    note = Notification.objects.get(kind="venues.booking_expired")
    assert note.recipient_id == users["resident"].pk and room.name in note.title
    assert AuditEvent.objects.filter(action="venues.booking_expired", target_id=str(waiting.pk)).count() == 1
    assert [e.to_status for e in waiting.events.all()][-1] == BookingStatus.EXPIRED
    assert sb.expire_unanswered(now=now) == 0  # once


def test_a_lapsed_request_can_no_longer_be_approved_or_cancelled(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    waiting = book(users["resident"], room, later(1))
    sb.expire_unanswered(now=waiting.starts_at)
    with pytest.raises(Conflict):
        sb.booking_approve(actor=users["community"], booking=waiting)
    with pytest.raises(Conflict):
        sb.booking_reject(actor=users["community"], booking=waiting, reason="太晚了")


def test_the_figures_count_lapsed_requests_of_the_period_per_venue(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    day = later(1)
    first = book(users["resident"], room, day, "10:00", "11:00")
    book(users["grid"], room, day, "12:00", "13:00")
    sb.expire_unanswered(now=first.starts_at + dt.timedelta(hours=3))
    f = sel.figures(users["community"], places.communities[0], day, day)
    assert f.expired == 2 and f.approved == 0
    assert next(r for r in f.venues if r.venue.pk == room.pk).expired == 2
    assert sel.figures(users["community"], places.communities[0], later(2), later(2)).expired == 0


def test_the_worker_task_runs_every_quarter_hour(users: Any, places: Any) -> None:
    assert venues_expire_unanswered.call_local() == 0
    validate = venues_expire_unanswered.task_class().validate_datetime
    assert validate(dt.datetime(2026, 5, 15, 3, 15)) and validate(dt.datetime(2026, 5, 15, 10, 45))
    assert not validate(dt.datetime(2026, 5, 15, 10, 20))


def test_the_figures_page_and_api_show_the_lapsed_count(users: Any, places: Any, client_as: Any, api_as: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    day = later(1)
    waiting = book(users["resident"], room, day)
    sb.expire_unanswered(now=waiting.starts_at)
    query = {"place": places.communities[0].pk, "from": day.isoformat(), "to": day.isoformat()}
    page = client_as("community").get("/venues/", query).content.decode()
    assert 'data-figure="expired"><b>1</b>' in page
    body = (
        api_as("community")
        .get("/api/v1/venues/figures", {"place_id": places.communities[0].pk, "since": day, "until": day})
        .json()
    )
    assert body["expired"] == 1
