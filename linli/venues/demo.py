"""Demo data for venue booking (street and district sizes; tests call it on the small street): in every community a
党群服务中心 hall (approval needed) and its first compound's 党支部活动室 (confirmed at once), and in the first
community a partner unit's 职工之家 opened to residents (双向开放). The first street's venues get a few weeks of
history (used, and one 未到场) and upcoming bookings, one of them waiting for approval.

Venues and upcoming bookings are written through the services (audited, as staff and residents would). The
history cannot be: the service refuses a time already past, as it must. ``record_past_booking`` writes those rows
directly, with their events, and is used by nothing else. Safe to run again: every step answers with what is there.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from linli.core.errors import LinliError
from linli.places.models import Place, PlaceKind
from linli.venues import services as vs
from linli.venues import services_bookings as sb
from linli.venues.models import Booking, BookingEvent, BookingStatus, Purpose, Venue, VenueType
from linli.venues.opening import hm, openings

OFFICE_HOURS = [("08:30", "17:30")] * 5 + [("09:00", "12:00"), ("", "")]
ROOM_HOURS = [("09:00", "21:00")] * 7
HALL_HOURS = [("14:00", "17:30")] * 5 + [("09:00", "17:00"), ("", "")]


def record_past_booking(
    *, venue: Venue, booker: Any, day: dt.date, start: str, end: str, title: str, purpose: str, attendees: int,
    status: str = BookingStatus.APPROVED,
) -> Booking:  # fmt: skip
    """A booking that already took place (demo history): approved, or approved and then 未到场."""
    first, last = (int(t[:2]) * 60 + int(t[3:]) for t in (start, end))
    starts_at = sb.moment(day, first)
    existing = Booking.objects.filter(venue=venue, starts_at=starts_at).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        booking = Booking.objects.create(
            venue=venue,
            place_path=venue.place_path,
            booker=booker,
            purpose=purpose,
            title=title,
            attendees=attendees,
            public=True,
            day=day,
            starts_at=starts_at,
            ends_at=sb.moment(day, last),
            minutes=last - first,
            status=status,
            decided_at=starts_at - dt.timedelta(days=1),
        )
        BookingEvent.objects.create(booking=booking, actor=booker, to_status=BookingStatus.PENDING)
        BookingEvent.objects.create(
            booking=booking, from_status=BookingStatus.PENDING, to_status=BookingStatus.APPROVED
        )
        if status == BookingStatus.NO_SHOW:
            BookingEvent.objects.create(booking=booking, from_status=BookingStatus.APPROVED, to_status=status)
    return booking


def _venue(actor: Any, place: Place, name: str, **values: Any) -> Venue:
    existing = Venue.objects.filter(place=place, name=name).first()
    if existing is not None:
        return existing
    fields = vs.VenueFields(name=name, **values)
    return vs.venue_create(actor=actor, place=place, fields=fields)[0]


def _open_days(venue: Venue, *, ahead: int) -> list[Any]:
    today = timezone.localdate()
    return [o for o in openings(venue, today + dt.timedelta(days=1), today + dt.timedelta(days=ahead)) if o.window]


def _book(actor: Any, venue: Venue, key: str, *, nth: int, hour_offset: int, title: str, purpose: str) -> None:
    """An upcoming booking on the venue's ``nth`` open day, ``hour_offset`` hours after it opens."""
    days = _open_days(venue, ahead=venue.days_ahead)
    if not days:
        return
    opening = days[min(nth, len(days) - 1)]
    assert opening.window is not None
    start = min(opening.window.opens + hour_offset * 60, opening.window.closes - 60)
    data = sb.BookingInput(
        day=opening.day, start=hm(start), end=hm(start + 60), purpose=purpose, title=title, attendees=15, public=True
    )
    try:
        sb.booking_request(actor=actor, venue=venue, data=data, idempotency_key=key)
    except LinliError:  # the time is taken (a rerun on another day) or the person's limit is reached
        return


def build_demo_venues(rng: random.Random) -> None:
    from linli.orgs.models import Organisation

    User = get_user_model()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return
    streets = list(Place.objects.filter(kind=PlaceKind.STREET).order_by("path"))
    for s_index, street in enumerate(streets):
        for community in Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path"):
            _venue(
                admin, community, "党群服务中心多功能厅", capacity=80, purposes=list(Purpose.values),
                hours=OFFICE_HOURS, facilities=["投影", "音响", "话筒", "桌椅", "空调"], kind=VenueType.PARTY_CENTRE,
                address=f"{community.name}党群服务中心二楼", contact_phone=f"0551-6{rng.randrange(10**7):07d}",
                notice="活动结束后请恢复桌椅、关闭空调和灯。", requires_approval=True,
            )  # fmt: skip
            compound = (
                Place.objects.filter(path__under=community.path, kind=PlaceKind.COMPOUND).order_by("path").first()
            )
            if compound is not None:
                _venue(
                    admin, compound, f"{compound.name}党支部活动室", capacity=20,
                    purposes=["party", "deliberation", "education", "culture"], hours=ROOM_HOURS,
                    facilities=["桌椅", "电视屏", "饮水"], address=f"{compound.name}3号楼一楼",
                    kind=VenueType.BRANCH_ROOM, requires_approval=False, open_on_holidays=True, max_hours=3,
                )  # fmt: skip
        if s_index == 0:
            unit = Organisation.objects.filter(kind="partner_unit", place_path=street.path).order_by("pk").first()
            first = Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path").first()
            if unit is not None and first is not None:
                _venue(
                    admin, first, f"{unit.name.removesuffix('党支部')}职工之家", organisation=unit, capacity=60,
                    purposes=["culture", "education", "training", "service"], hours=HALL_HOURS,
                    facilities=["投影", "音响", "乒乓球台"], address="滨河路18号三楼",
                    contact_phone="0551-63300000", requires_approval=True, slot_minutes=60,
                )  # fmt: skip
            _bookings(street)


def _bookings(street: Place) -> None:
    User = get_user_model()
    people = {u.username: u for u in User.objects.filter(username__in=["resident", "community", "grid"])}
    if len(people) < 3:
        return
    venues = list(Venue.objects.filter(place_path__under=street.path).order_by("place_path", "pk"))
    hall = next((v for v in venues if v.name == "党群服务中心多功能厅"), None)
    room = next((v for v in venues if v.name.endswith("党支部活动室")), None)
    partner_hall = next((v for v in venues if v.organisation_id), None)
    today = timezone.localdate()
    if hall is not None:
        history = [
            (3, "08:30", "11:30", "社区“两委”班子学习会", "party", 25, BookingStatus.APPROVED),
            (6, "14:00", "16:00", "加装电梯议事协商会", "deliberation", 40, BookingStatus.APPROVED),
            (10, "09:00", "11:00", "反诈宣传讲座", "education", 60, BookingStatus.APPROVED),
            (13, "14:30", "16:30", "健康义诊", "service", 30, BookingStatus.NO_SHOW),
            (17, "09:00", "10:30", "网格员业务培训", "training", 20, BookingStatus.APPROVED),
        ]
        for days_ago, start, end, title, purpose, attendees, status in history:
            day = today - dt.timedelta(days=days_ago)
            if day.weekday() >= 5:
                day -= dt.timedelta(days=day.weekday() - 4)
            record_past_booking(
                venue=hall, booker=people["community"], day=day, start=start, end=end, title=title,
                purpose=purpose, attendees=attendees, status=status,
            )  # fmt: skip
        _book(
            people["community"], hall, "demo-hall-1", nth=1, hour_offset=1, title="社区议事会", purpose="deliberation"
        )
        _book(
            people["resident"], hall, "demo-hall-2", nth=2, hour_offset=5, title="广场舞队冬季排练", purpose="culture"
        )
    if room is not None:
        _book(people["grid"], room, "demo-room-1", nth=0, hour_offset=10, title="楼栋长碰头会", purpose="party")
    if partner_hall is not None:
        _book(
            people["resident"], partner_hall, "demo-hall-3", nth=1, hour_offset=0, title="书法兴趣班", purpose="culture"
        )
