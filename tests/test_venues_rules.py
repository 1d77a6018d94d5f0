"""A booking keeps to its venue's hours, the official calendar and its rules; each refusal names its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, InvalidInput
from linli.venues import services as vs
from linli.venues import services_bookings as sb
from linli.venues.models import Booking, BookingStatus, VenueStatus
from tests.venues_support import OFFICE_WEEK, book, data, fields_of, later, next_weekday, venue

pytestmark = pytest.mark.django_db


def refused(exc_type: type[Exception], actor: Any, room: Any, booking: sb.BookingInput) -> Any:
    with pytest.raises(exc_type) as caught:
        sb.booking_request(actor=actor, venue=room, data=booking)
    return caught.value


def test_it_books_within_the_weekday_window_and_refuses_before_opening_or_after_closing(
    users: Any, places: Any
) -> None:
    room = venue(users["community"], places.communities[0], hours=OFFICE_WEEK, open_on_holidays=True)
    tuesday = next_weekday(1)
    booking = book(users["resident"], room, tuesday, "08:30", "10:00")
    assert booking.status == BookingStatus.APPROVED and booking.minutes == 90
    early = refused(InvalidInput, users["resident"], room, data(tuesday, "08:00", "09:00"))
    assert early.field == "start" and "08:30–17:30" in early.message and "超出开放时间" in early.message
    late = refused(InvalidInput, users["resident"], room, data(tuesday, "17:00", "18:00"))
    assert late.field == "end"


def test_saturday_has_its_own_window_and_sunday_is_closed(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], hours=OFFICE_WEEK, open_on_holidays=True)
    saturday, sunday = next_weekday(5), next_weekday(6)
    assert book(users["resident"], room, saturday, "09:00", "12:00").minutes == 180
    afternoon = refused(InvalidInput, users["resident"], room, data(saturday, "14:00", "15:00"))
    assert afternoon.field == "start" and "09:00–12:00" in afternoon.message
    closed = refused(InvalidInput, users["resident"], room, data(sunday, "10:00", "11:00"))
    assert closed.field == "day" and "周日不开放" in closed.message


def _holiday(users: Any, day: dt.date, *, kind: str = "holiday", name: str = "测试节") -> None:
    from linli.workdays.services import calendar_day_set, calendar_year_publish

    calendar_day_set(actor=users["admin"], day=day, kind=kind, name=name)
    calendar_year_publish(actor=users["admin"], year=day.year)


def test_a_statutory_holiday_closes_the_venue_unless_it_opens_on_holidays(users: Any, places: Any) -> None:
    wednesday = next_weekday(2)
    _holiday(users, wednesday)
    closed_room = venue(users["community"], places.communities[0], "三号楼党支部活动室", open_on_holidays=False)
    open_room = venue(users["community"], places.communities[0], "党群服务中心多功能厅", open_on_holidays=True)
    error = refused(InvalidInput, users["resident"], closed_room, data(wednesday))
    assert error.field == "day" and "法定节假日(测试节)不开放" in error.message
    assert book(users["resident"], open_room, wednesday).status == BookingStatus.APPROVED


def test_a_make_up_workday_opens_with_mondays_hours(users: Any, places: Any) -> None:
    sunday = next_weekday(6)
    _holiday(users, dt.date(sunday.year, 1, 1), name="元旦")  # a year is published once it has a holiday
    _holiday(users, sunday, kind="workday", name="测试节")  # the Sunday works (调休上班)
    room = venue(users["community"], places.communities[0], hours=OFFICE_WEEK, open_on_holidays=False)
    assert book(users["resident"], room, sunday, "14:00", "15:00").day == sunday


def test_it_refuses_days_beyond_the_ahead_window_and_days_gone_by(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], days_ahead=14)
    assert book(users["resident"], room, later(14)).day == later(14)
    far = refused(InvalidInput, users["resident"], room, data(later(15)))
    assert far.field == "day" and "最多提前 14 天" in far.message and later(14).isoformat() in far.message
    gone = refused(InvalidInput, users["resident"], room, data(later(-1)))
    assert gone.field == "day" and "已过去" in gone.message


def test_a_start_time_already_past_today_is_refused(users: Any, places: Any) -> None:
    now = timezone.localtime()
    if now.hour == 0 and now.minute < 30:
        pytest.skip("the first half hour of the day is not yet past")
    room = venue(users["community"], places.communities[0], hours=[("00:00", "24:00")] * 7)
    error = refused(InvalidInput, users["resident"], room, data(now.date(), "00:00", "00:30"))
    assert error.field == "start" and "已过" in error.message


def test_expected_attendees_may_reach_the_capacity_but_not_exceed_it(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], capacity=30)
    assert book(users["resident"], room, later(2), attendees=30).attendees == 30
    error = refused(InvalidInput, users["resident"], room, data(later(2), "12:00", "13:00", attendees=31))
    assert error.field == "attendees" and "最多 30 人" in error.message


def test_a_person_holds_at_most_the_venues_limit_of_bookings_not_yet_begun(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], max_per_person=3)
    held = [book(users["resident"], room, later(n)) for n in (1, 2, 3)]
    error = refused(Conflict, users["resident"], room, data(later(4)))
    assert "最多 3 个" in error.message
    assert book(users["grid"], room, later(4)).booker_id == users["grid"].pk  # someone else still may
    sb.booking_cancel(actor=users["resident"], booking=held[0])
    assert book(users["resident"], room, later(4), "14:00", "15:00").status == BookingStatus.APPROVED


def test_purpose_grid_length_and_title_are_checked_with_the_field_named(users: Any, places: Any) -> None:
    room = venue(
        users["community"], places.communities[0], purposes=["party", "education"], slot_minutes=60, max_hours=2
    )
    day = later(3)
    wrong = refused(InvalidInput, users["resident"], room, data(day, purpose="culture"))
    assert wrong.field == "purpose" and "党组织活动" in wrong.message
    quarter = refused(InvalidInput, users["resident"], room, data(day, "10:15", "11:00", purpose="party"))
    assert quarter.field == "start" and "整点或半点" in quarter.message
    off_grid = refused(InvalidInput, users["resident"], room, data(day, "10:30", "11:30", purpose="party"))
    assert off_grid.field == "start" and "60 分钟" in off_grid.message
    too_long = refused(InvalidInput, users["resident"], room, data(day, "08:00", "11:00", purpose="party"))
    assert too_long.field == "end" and "2 小时" in too_long.message
    backwards = refused(InvalidInput, users["resident"], room, data(day, "11:00", "10:00", purpose="party"))
    assert backwards.field == "end"
    untitled = refused(InvalidInput, users["resident"], room, data(day, purpose="party", title="  "))
    assert untitled.field == "title"
    assert Booking.objects.filter(venue=room).count() == 0


def test_a_suspended_venue_takes_no_bookings_and_reopens(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0])
    fields = fields_of(room)
    vs.venue_update(actor=users["community"], venue=room, fields=fields, status=VenueStatus.SUSPENDED)
    room.refresh_from_db()
    error = refused(Conflict, users["resident"], room, data(later(1)))
    assert "暂停开放" in error.message
    vs.venue_update(actor=users["community"], venue=room, fields=fields, status=VenueStatus.ACTIVE)
    room.refresh_from_db()
    assert book(users["resident"], room, later(1)).status == BookingStatus.APPROVED
