"""Free and busy times say nothing of who booked; the figures are counted from the records exactly as documented."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.core.errors import InvalidInput, NotFound
from linli.venues import selectors as sel
from linli.venues import services as vs
from linli.venues import services_bookings as sb
from linli.venues.models import Venue, VenueStatus
from linli.venues.opening import day_kinds, open_minutes
from tests.venues_support import book, fields_of, later, partner, past, staff_of, venue

pytestmark = pytest.mark.django_db


def test_busy_bands_show_only_taken_or_an_approved_public_title_and_free_bands_between(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], hours=[("09:00", "12:00")] * 7)
    day = later(2)
    book(users["resident"], room, day, "09:30", "10:00", title="居民私事", public=False)
    book(users["grid"], room, day, "10:00", "11:00", title="反诈宣传讲座", public=True)
    cancelled = book(users["volunteer"], room, day, "11:00", "11:30", title="取消了的")
    sb.booking_cancel(actor=users["volunteer"], booking=cancelled)
    [shown] = sel.availability(room, day, day)
    assert [(b.label, b.state, b.title) for b in shown.bands] == [
        ("09:00–09:30", "free", ""),
        ("09:30–10:00", "busy", ""),
        ("10:00–11:00", "busy", "反诈宣传讲座"),
        ("11:00–12:00", "free", ""),
    ]


def test_a_pending_public_booking_is_busy_without_its_title(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    day = later(1)
    book(users["resident"], room, day, "10:00", "11:00", title="还在审核", public=True)
    [shown] = sel.availability(room, day, day)
    busy = [b for b in shown.bands if b.state == "busy"]
    assert [(b.label, b.title) for b in busy] == [("10:00–11:00", "")]


def test_todays_time_already_gone_is_past_up_to_the_next_bookable_start(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], hours=[("08:00", "20:00")] * 7)
    today = timezone.localdate()
    at = timezone.make_aware(dt.datetime.combine(today, dt.time(10, 10)))
    [shown] = sel.availability(room, today, today, now=at)
    assert [(b.label, b.state) for b in shown.bands] == [("08:00–10:30", "past"), ("10:30–20:00", "free")]


def test_a_holiday_or_a_suspended_venue_shows_closed_with_the_reason(users: Any, places: Any) -> None:
    from linli.workdays.services import calendar_day_set, calendar_year_publish

    day = later(3)
    calendar_day_set(actor=users["admin"], day=day, kind="holiday", name="测试节")
    calendar_year_publish(actor=users["admin"], year=day.year)
    room = venue(users["community"], places.communities[0], open_on_holidays=False)
    shown = {d.day: d for d in sel.availability(room, later(1), later(4))}
    assert shown[day].opening.window is None and "测试节" in shown[day].opening.closed_reason
    assert shown[later(1)].bands and shown[later(1)].bands[0].state == "free"
    vs.venue_update(actor=users["community"], venue=room, fields=fields_of(room), status=VenueStatus.SUSPENDED)
    room.refresh_from_db()
    assert all(d.opening.closed_reason == "场地暂停开放" for d in sel.availability(room, later(1), later(4)))


def test_the_availability_span_is_at_most_31_days() -> None:
    first, last = sel.availability_span(None, None)
    assert (last - first).days == 13
    with pytest.raises(InvalidInput) as long:
        sel.availability_span(later(0), later(31))
    assert long.value.field == "until"


def _age(room: Venue, days: int) -> Venue:
    Venue.objects.filter(pk=room.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    room.refresh_from_db()
    return room


def test_the_figures_count_venues_bookings_hours_utilisation_purposes_and_no_shows_exactly(
    users: Any, places: Any
) -> None:
    staff, community = users["community"], places.communities[0]
    hall = _age(venue(staff, community, "多功能厅"), 30)
    unit_hall = _age(venue(users["street"], community, "职工之家", organisation=partner(places.street)), 30)
    internal = _age(venue(staff, community, "议事室", public=False), 30)
    closed = _age(venue(staff, places.compounds[0], "活动室"), 30)
    vs.venue_update(actor=staff, venue=closed, fields=fields_of(closed), status=VenueStatus.SUSPENDED)
    elsewhere = venue(users["street"], places.other_community, "别处的厅")
    past(users["resident"], hall, days_ago=2, start="09:00", end="11:00", purpose="culture", attendees=30)
    past(users["resident"], unit_hall, days_ago=3, start="14:00", end="15:00", purpose="education", attendees=8,
         status="no_show")  # fmt: skip
    past(users["resident"], internal, days_ago=4, start="10:00", end="10:30", purpose="culture", attendees=5)
    past(users["resident"], elsewhere, days_ago=2, purpose="culture")  # another community: not counted
    gone = past(users["resident"], hall, days_ago=5, start="15:00", end="16:00", purpose="party")
    gone.status = "cancelled"
    gone.save()
    book(users["resident"], hall, later(10), purpose="party")  # in the future, outside the period
    pending_room = venue(staff, community, "待审的厅", requires_approval=True)
    book(users["resident"], pending_room, later(2))
    since, until = timezone.localdate() - dt.timedelta(days=7), timezone.localdate()

    f = sel.figures(staff, community, since, until)
    assert (f.venues_open, f.partner_open) == (3, 1)  # 多功能厅, 职工之家, 待审的厅 (议事室 internal, 活动室 suspended)
    assert (f.approved, f.booked_minutes, f.hours_booked, f.attendees) == (3, 210, 3.5, 43)
    assert f.by_purpose == [("education", "宣传教育", 1), ("culture", "文体娱乐", 2)]
    assert (f.no_show, f.ended, f.no_show_rate) == (1, 3, round(1 / 3, 4))
    assert f.pending == 1
    kinds = day_kinds(since, until)
    expected_open = sum(
        open_minutes(v, since, until, kinds) for v in Venue.objects.filter(place_path__under=community.path)
    )
    assert expected_open == 4 * 8 * 12 * 60 + 12 * 60  # four venues all eight days, the new one today only
    assert f.open_minutes == expected_open and f.utilisation == round(210 / expected_open, 4)
    rows = {r.venue.name: r for r in f.venues}
    assert (rows["多功能厅"].booked_minutes, rows["多功能厅"].approved) == (120, 1)
    assert rows["多功能厅"].utilisation == round(120 / (8 * 12 * 60), 4)
    assert rows["职工之家"].no_show == 1


def test_figures_are_for_those_who_manage_or_lead_the_place(users: Any, places: Any) -> None:
    today = timezone.localdate()
    community = places.communities[0]
    assert sel.figures(users["street"], community, today, today).node == community
    for outsider in (users["grid"], users["resident"], staff_of(places.other_community, "binhu-staff")):
        with pytest.raises(NotFound):
            sel.figures(outsider, community, today, today)
    with pytest.raises(InvalidInput) as reversed_period:
        sel.figures(users["community"], community, today, today - dt.timedelta(days=1))
    assert reversed_period.value.field == "since"


def test_the_figures_cost_the_same_queries_for_two_venues_and_for_twelve(
    users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    staff, community = users["community"], places.communities[0]
    since, until = timezone.localdate() - dt.timedelta(days=30), timezone.localdate()
    for n in range(2):
        past(users["resident"], _age(venue(staff, community, f"厅{n}"), 40), days_ago=n + 1)
    sel.figures(staff, community, since, until)
    with django_assert_max_num_queries(8) as small:
        sel.figures(staff, community, since, until)
    for n in range(2, 12):
        past(users["resident"], _age(venue(staff, community, f"厅{n}"), 40), days_ago=n + 1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        sel.figures(staff, community, since, until)
