"""The demo's venues: a 党群服务中心 hall and a 党支部活动室 per community, a partner unit's hall opened to residents,
and bookings past and upcoming (one waiting for approval); the hook the demo builder runs on the bigger sizes."""

from __future__ import annotations

import random
from typing import Any

import pytest

from linli.places.models import Place
from linli.venues.demo import build_demo_venues
from linli.venues.models import Booking, BookingEvent, Venue
from linli.venues.selectors import figures

pytestmark = pytest.mark.django_db


def test_every_community_gets_a_hall_and_a_room_and_one_partner_hall_is_opened(places: Any, users: Any) -> None:
    build_demo_venues(random.Random(7))
    for community in places.communities:
        here = Venue.objects.filter(place_path__startswith=community.path)
        assert here.filter(name="党群服务中心多功能厅", place=community, requires_approval=True).count() == 1
        assert here.filter(name__endswith="党支部活动室", place__kind="compound", requires_approval=False).count() == 1
    partner_halls = Venue.objects.filter(organisation__kind="partner_unit")
    assert partner_halls.count() == 1 and partner_halls.get().name.endswith("职工之家")


def test_the_first_street_has_history_upcoming_bookings_and_one_pending(places: Any, users: Any) -> None:
    build_demo_venues(random.Random(7))
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert {"approved", "pending", "no_show"} <= statuses
    today = _last_month()[1]
    assert Booking.objects.filter(status="approved", day__lt=today).exists()  # history
    assert Booking.objects.filter(status="approved", day__gt=today).exists()  # upcoming
    assert Booking.objects.filter(status="pending").exists()
    assert all(BookingEvent.objects.filter(booking=b).exists() for b in Booking.objects.all())
    f = figures(users["street"], places.street, *_last_month())
    assert (
        f.approved >= 4 and f.no_show == 1 and f.partner_open == 1 and f.venues_open == 2 * len(places.communities) + 1
    )


def _last_month() -> tuple[Any, Any]:
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    return today - dt.timedelta(days=30), today


def test_running_the_demo_again_adds_nothing(places: Any) -> None:
    build_demo_venues(random.Random(7))
    counts = [Venue.objects.count(), Booking.objects.count(), BookingEvent.objects.count()]
    build_demo_venues(random.Random(7))
    assert [Venue.objects.count(), Booking.objects.count(), BookingEvent.objects.count()] == counts
    assert Place.objects.filter(kind="community").count() == len(places.communities)


def test_the_demo_builder_runs_the_venues_hook() -> None:
    from linli.core.demo.builder import DEMO_HOOKS

    assert "linli.venues.demo:build_demo_venues" in DEMO_HOOKS
