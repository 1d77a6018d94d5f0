"""No double booking, ever; a double submit books once; each change of state is one audited, notified step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.notify.models import Delivery, Notification
from linli.venues import services as vs
from linli.venues import services_bookings as sb
from linli.venues.models import Booking, BookingEvent, BookingSlot, BookingStatus
from tests.venues_support import account, book, data, fields_of, later, liaison, partner, past, staff_of, venue

pytestmark = pytest.mark.django_db


def test_an_overlapping_request_is_refused_naming_the_time_taken_and_touching_times_are_fine(
    users: Any, places: Any
) -> None:
    room = venue(users["community"], places.communities[0])
    day = later(2)
    book(users["resident"], room, day, "10:00", "11:00")
    with pytest.raises(Conflict) as overlap:
        sb.booking_request(actor=users["grid"], venue=room, data=data(day, "10:30", "12:00"))
    assert overlap.value.field == "start" and "10:00–11:00 已被预约" in overlap.value.message
    with pytest.raises(Conflict):
        sb.booking_request(actor=users["grid"], venue=room, data=data(day, "09:00", "12:00"))  # around it
    after = book(users["grid"], room, day, "11:00", "12:00")
    before = book(users["volunteer"], room, day, "09:00", "10:00")
    assert (after.status, before.status) == (BookingStatus.APPROVED, BookingStatus.APPROVED)
    assert Booking.objects.filter(venue=room, day=day).count() == 3
    assert BookingSlot.objects.filter(venue=room).count() == 6  # three hours, six half hours, each once


def test_a_pending_request_holds_its_time_until_rejected_or_cancelled(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    day = later(3)
    first = book(users["resident"], room, day)
    assert first.status == BookingStatus.PENDING
    with pytest.raises(Conflict):
        book(users["grid"], room, day)
    sb.booking_reject(actor=users["community"], booking=first, reason="当天社区有会议")
    second = book(users["grid"], room, day)
    sb.booking_cancel(actor=users["grid"], booking=second)
    assert book(users["volunteer"], room, day).status == BookingStatus.PENDING
    assert BookingSlot.objects.filter(venue=room).count() == 2


def test_the_database_refuses_a_second_holder_of_a_half_hour_whatever_writes_it(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0])
    held = book(users["resident"], room, later(1), "10:00", "11:00")
    intruder = Booking.objects.create(
        venue=room, place_path=room.place_path, booker=users["grid"], purpose="other", title="绕过服务写入",
        attendees=1, day=held.day, starts_at=held.starts_at + dt.timedelta(minutes=30),
        ends_at=held.ends_at + dt.timedelta(minutes=30), minutes=60,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSlot.objects.create(venue=room, starts_at=intruder.starts_at, booking=intruder)


def test_a_double_submitted_request_books_once_and_another_request_under_the_same_key_is_refused(
    users: Any, places: Any
) -> None:
    room = venue(users["community"], places.communities[0])
    day = later(2)
    first, created = sb.booking_request(actor=users["resident"], venue=room, data=data(day), idempotency_key="k-1")
    again, created_again = sb.booking_request(
        actor=users["resident"], venue=room, data=data(day), idempotency_key="k-1"
    )
    assert created and not created_again and again.pk == first.pk
    assert Booking.objects.filter(venue=room).count() == 1
    with pytest.raises(Conflict) as other:
        sb.booking_request(actor=users["resident"], venue=room, data=data(later(5)), idempotency_key="k-1")
    assert other.value.field == "Idempotency-Key"
    assert AuditEvent.objects.filter(action="venues.booking_requested", target_id=str(first.pk)).count() == 1


def test_staff_approve_a_pending_request_and_the_booker_is_told(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    booking = book(users["resident"], room, later(2), title="老年合唱排练")
    assert Notification.objects.filter(kind="venues.booking_pending", recipient=users["community"]).exists()
    approved = sb.booking_approve(actor=users["community"], booking=booking)
    assert approved.status == BookingStatus.APPROVED and approved.decided_by_id == users["community"].pk
    note = Notification.objects.get(recipient=users["resident"], kind="venues.booking_approved")
    assert room.name in note.title and note.link == f"/venues/bookings/{booking.pk}/"
    assert sb.booking_approve(actor=users["community"], booking=booking).status == BookingStatus.APPROVED
    assert BookingEvent.objects.filter(booking=booking, to_status="approved").count() == 1  # the repeat wrote nothing
    assert AuditEvent.objects.filter(action="venues.booking_approved", target_id=str(booking.pk)).count() == 1
    with pytest.raises(Conflict):
        sb.booking_reject(actor=users["community"], booking=booking, reason="晚了")


def test_rejecting_needs_a_reason_which_the_booker_reads(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    booking = book(users["resident"], room, later(2))
    with pytest.raises(InvalidInput) as blank:
        sb.booking_reject(actor=users["community"], booking=booking, reason=" ")
    assert blank.value.field == "reason"
    sb.booking_reject(actor=users["community"], booking=booking, reason="场地当天维修")
    note = Notification.objects.get(recipient=users["resident"], kind="venues.booking_rejected")
    assert "场地当天维修" in note.body
    assert AuditEvent.objects.filter(action="venues.booking_rejected", target_id=str(booking.pk)).count() == 1


def test_the_booker_cancels_before_the_start_and_staff_cancel_with_a_reason_that_reaches_the_booker_by_sms(
    users: Any, places: Any
) -> None:
    room = venue(users["community"], places.communities[0])
    own = book(users["resident"], room, later(2), "10:00", "11:00")
    assert sb.booking_cancel(actor=users["resident"], booking=own).status == BookingStatus.CANCELLED
    assert not Notification.objects.filter(recipient=users["resident"], kind="venues.booking_cancelled").exists()
    other = book(users["resident"], room, later(2), "14:00", "15:00")
    with pytest.raises(InvalidInput) as blank:
        sb.booking_cancel(actor=users["community"], booking=other)
    assert blank.value.field == "reason"
    sb.booking_cancel(actor=users["community"], booking=other, reason="区里临时征用会场")
    note = Notification.objects.get(recipient=users["resident"], kind="venues.booking_cancelled")
    assert "区里临时征用会场" in note.body
    assert Delivery.objects.filter(notification=note, channel="sms").count() == 1
    cancelled = AuditEvent.objects.filter(action="venues.booking_cancelled").order_by("pk")
    assert [e.detail.get("by") for e in cancelled] == ["booker", "staff"]


def test_no_show_is_recorded_by_staff_only_after_the_booking_has_ended(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0])
    upcoming = book(users["resident"], room, later(1))
    with pytest.raises(Conflict) as early:
        sb.booking_no_show(actor=users["community"], booking=upcoming)
    assert "结束后" in early.value.message
    gone = past(users["resident"], room, days_ago=2)
    assert sb.booking_no_show(actor=users["community"], booking=gone).status == BookingStatus.NO_SHOW
    with pytest.raises(Forbidden):
        sb.booking_no_show(actor=users["resident"], booking=gone)
    with pytest.raises(Conflict):
        sb.booking_cancel(actor=users["resident"], booking=gone)
    assert AuditEvent.objects.filter(action="venues.booking_no_show", target_id=str(gone.pk)).count() == 1


def test_another_communitys_worker_and_the_booker_may_not_decide_and_strangers_may_not_cancel(
    users: Any, places: Any
) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    booking = book(users["resident"], room, later(2))
    elsewhere = staff_of(places.other_community, "binhu-staff")
    with pytest.raises(Forbidden):
        sb.booking_approve(actor=elsewhere, booking=booking)
    with pytest.raises(Forbidden):
        sb.booking_approve(actor=users["resident"], booking=booking)
    with pytest.raises(Forbidden):
        sb.booking_cancel(actor=users["grid"], booking=booking, reason="不是我的")
    with pytest.raises(Forbidden):
        vs.venue_update(actor=elsewhere, venue=room, fields=fields_of(room, capacity=10))
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.PENDING
    assert sb.booking_approve(actor=users["street"], booking=booking).status == BookingStatus.APPROVED


def test_an_internal_room_is_booked_only_by_those_who_work_around_it(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], "社区议事室", public=False)
    assert book(users["grid"], room, later(1)).booker_id == users["grid"].pk  # a grid worker under the community
    with pytest.raises(NotFound):
        book(users["resident"], room, later(1), "14:00", "15:00")
    with pytest.raises(NotFound):
        book(staff_of(places.other_community, "binhu-staff"), room, later(1), "16:00", "17:00")


def test_a_partner_units_liaison_runs_its_hall_but_cannot_hand_it_to_another_owner(users: Any, places: Any) -> None:
    unit = partner(places.street)
    hall = venue(users["street"], places.communities[0], "职工之家", organisation=unit, requires_approval=True)
    contact = liaison(unit, places.street, "unit-liaison")
    booking = book(users["resident"], hall, later(2))
    assert Notification.objects.filter(recipient=contact, kind="venues.booking_pending").exists()
    assert sb.booking_approve(actor=contact, booking=booking).status == BookingStatus.APPROVED
    changed = vs.venue_update(actor=contact, venue=hall, fields=fields_of(hall, capacity=80, days_ahead=30))
    assert (changed.capacity, changed.days_ahead) == (80, 30)
    with pytest.raises(Forbidden):
        vs.venue_update(actor=contact, venue=hall, fields=fields_of(hall, organisation=None))
    other = account(places.communities[0], "stranger")
    with pytest.raises(Forbidden):
        vs.venue_update(actor=other, venue=hall, fields=fields_of(hall, capacity=5))


def test_venue_setup_is_checked_and_audited(users: Any, places: Any) -> None:
    room = venue(users["community"], places.compounds[0], "3号楼党支部活动室", facilities=["投影", "桌椅、空调"])
    assert room.facilities == ["投影", "桌椅", "空调"] and room.place_path == places.compounds[0].path
    assert AuditEvent.objects.filter(action="venues.venue_created", target_id=str(room.pk)).count() == 1
    with pytest.raises(Conflict) as same_name:
        venue(users["community"], places.compounds[0], "3号楼党支部活动室")
    assert same_name.value.field == "name"
    with pytest.raises(InvalidInput) as hours:
        venue(users["community"], places.compounds[0], "活动室二", hours=[("18:00", "08:00")] + [("", "")] * 6)
    assert hours.value.field == "hours_0" and "周一" in hours.value.message
    with pytest.raises(InvalidInput) as none_open:
        venue(users["community"], places.compounds[0], "活动室三", hours=[("", "")] * 7)
    assert none_open.value.field == "hours"
    with pytest.raises(Forbidden):
        venue(users["grid"], places.compounds[0], "网格员设立的活动室")
    with pytest.raises(Forbidden):
        venue(users["community"], places.other_community, "别的社区的活动室")
    with pytest.raises(InvalidInput) as phone:
        venue(users["community"], places.compounds[0], "活动室四", contact_phone="12")
    assert phone.value.field == "contact_phone"


# ----------------------------------------------------------------------------- two people at the same moment


def _demo_world() -> tuple[Any, Any, Any]:
    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    community = Place.objects.filter(kind="community").order_by("path").first()
    staff = User.objects.get(username="community")
    room = venue(staff, community, "并发测试多功能厅")
    return staff, community, room


def _race(calls: list[Any]) -> list[str]:
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Any) -> None:
        try:
            barrier.wait()
            outcomes.append(call())
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_asking_for_overlapping_times_at_the_same_moment_get_one_booking() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    from linli.accounts.models import User

    _staff, _community, room = _demo_world()
    day = later(2)
    people = [User.objects.get(username=u) for u in ("resident", "grid", "volunteer")]
    starts = [("10:00", "11:00"), ("10:30", "11:30"), ("10:00", "12:00")]  # each overlaps both others
    outcomes = _race(
        [
            (lambda who=who, s=s: (sb.booking_request(actor=who, venue=room, data=data(day, *s)), "booked")[1])
            for who, s in zip(people, starts, strict=True)
        ]
    )
    assert sorted(outcomes) == ["booked", "refused", "refused"]
    [winner] = Booking.objects.filter(venue=room, status__in=["pending", "approved"])
    assert BookingSlot.objects.filter(venue=room, booking=winner).count() == winner.minutes // 30
    assert BookingSlot.objects.filter(venue=room).count() == winner.minutes // 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_arriving_twice_at_once_books_once() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    from linli.accounts.models import User

    _staff, _community, room = _demo_world()
    resident = User.objects.get(username="resident")
    day = later(3)

    def submit() -> str:
        _booking, created = sb.booking_request(actor=resident, venue=room, data=data(day), idempotency_key="twice")
        return "created" if created else "answered"

    assert sorted(_race([submit, submit])) == ["answered", "created"]
    assert Booking.objects.filter(venue=room, booker=resident).count() == 1
