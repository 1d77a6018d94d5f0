"""The venue pages: a public page without personal data, the booking form's Chinese errors, one's own bookings,
the staff week with masked phones, the approvals queue and the venue form; each list costs the same for more rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from linli.venues.models import Booking, BookingStatus, Venue
from tests.venues_support import account, book, later, past, staff_of, venue

pytestmark = pytest.mark.django_db


def test_the_public_page_shows_free_and_busy_times_and_nothing_personal(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], hours=[("09:00", "12:00")] * 7)
    book(users["resident"], room, later(1), "10:00", "11:00", title="私人聚会", public=False)
    book(users["grid"], room, later(1), "11:00", "12:00", title="楼栋长例会", public=True)
    page = Client().get(f"/venues/{room.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "已预约" in text and "楼栋长例会" in text and "私人聚会" not in text
    for person in (users["resident"].person, users["grid"].person):
        assert person.name not in text and person.phone_masked not in text and person.phone not in text
    assert f'data-day="{later(1).isoformat()}"' in text and 'data-state="free"' in text
    assert "0551-62345678" in text  # the venue's public office line


def test_an_internal_venue_is_404_for_the_public_and_for_another_community(users: Any, places: Any) -> None:
    room = venue(users["community"], places.communities[0], "社区议事室", public=False)
    assert Client().get(f"/venues/{room.pk}/").status_code == 404
    outsider = Client()
    outsider.force_login(staff_of(places.other_community, "binhu-staff"))
    assert outsider.get(f"/venues/{room.pk}/").status_code == 404
    grid = Client()
    grid.force_login(users["grid"])
    assert grid.get(f"/venues/{room.pk}/").status_code == 200


def test_the_list_filters_by_purpose_and_capacity_and_shows_figures_only_to_those_who_manage(
    users: Any, places: Any, client_as: Any
) -> None:
    community = places.communities[0]
    venue(users["community"], community, "多功能厅", capacity=80, purposes=["education"])
    venue(users["community"], community, "小活动室", capacity=12, purposes=["culture"])
    url = f"/venues/?place={community.pk}"
    resident = client_as("resident").get(f"{url}&purpose=culture").content.decode()
    assert "小活动室" in resident and "多功能厅" not in resident and 'id="figures"' not in resident
    big = Client().get(f"{url}&capacity=50").content.decode()
    assert "多功能厅" in big and "小活动室" not in big
    staff = client_as("community").get(url)
    assert staff.status_code == 200 and 'id="figures"' in staff.content.decode()
    assert 'data-figure="partner_open"' in staff.content.decode()
    bad = client_as("community").get(f"{url}&capacity=abc&from=2026-12-31&to=2026-01-01")
    assert bad.status_code == 422
    assert client_as("resident").get("/venues/?place=987654321").status_code == 404


def test_a_resident_books_through_the_form_and_a_double_submit_books_once(
    users: Any, places: Any, client_as: Any
) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    client = client_as("resident")
    form = client.get(f"/venues/{room.pk}/book/?day={later(2)}&start=10:00")
    assert form.status_code == 200 and 'name="idempotency_key"' in form.content.decode()
    body = {
        "day": later(2).isoformat(), "start": "10:00", "end": "11:00", "purpose": "culture",
        "title": "广场舞排练", "attendees": "20", "idempotency_key": "form-1", "public": "1",
    }  # fmt: skip
    first = client.post(f"/venues/{room.pk}/book/", body)
    second = client.post(f"/venues/{room.pk}/book/", body)
    booking = Booking.objects.get(venue=room)
    assert first.status_code == second.status_code == 302 and first["Location"] == f"/venues/bookings/{booking.pk}/"
    assert booking.status == BookingStatus.PENDING and booking.public
    detail = client.get(first["Location"]).content.decode()
    assert "待审核" in detail and 'id="cancel-own"' in detail


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"start": "07:00", "end": "08:30"}, "start", "超出开放时间"),
        ({"day": "far"}, "day", "最多提前 14 天"),
        ({"attendees": "500"}, "attendees", "最多 40 人"),
        ({"attendees": "9" * 5000}, "attendees", "预计人数应为 1 到 30000 之间的整数"),  # int() refuses it: was a 500
        ({"start": "10:30", "end": "11:30"}, "start", "10:00–11:00 已被预约"),
        ({"title": ""}, "title", "请填写活动名称"),
    ],
)
def test_the_form_names_the_field_in_chinese(
    users: Any, places: Any, client_as: Any, change: dict[str, str], field: str, words: str
) -> None:
    room = venue(users["community"], places.communities[0])
    book(users["grid"], room, later(2), "10:00", "11:00")
    body = {"day": later(2).isoformat(), "start": "14:00", "end": "15:00", "purpose": "culture", "title": "读书会"}
    body["attendees"] = "10"
    body.update(change)
    if body["day"] == "far":
        body["day"] = later(20).isoformat()
    answer = client_as("resident").post(f"/venues/{room.pk}/book/", body)
    text = answer.content.decode()
    assert answer.status_code == 422 and f'data-field="{field}"' in text and words in text
    assert Booking.objects.filter(venue=room).count() == 1


def test_my_bookings_list_and_cancel_before_the_start(users: Any, places: Any, client_as: Any) -> None:
    room = venue(users["community"], places.communities[0])
    upcoming = book(users["resident"], room, later(1))
    past(users["resident"], room, days_ago=3)
    client = client_as("resident")
    page = client.get("/venues/mine/").content.decode()
    assert f'data-booking="{upcoming.pk}"' in page and "取消预约" in page
    cancelled = client.post(f"/venues/bookings/{upcoming.pk}/", {"form": "cancel", "next": "mine"})
    assert cancelled.status_code == 302 and cancelled["Location"] == "/venues/mine/"
    assert Booking.objects.get(pk=upcoming.pk).status == BookingStatus.CANCELLED
    assert client.post(f"/venues/bookings/{upcoming.pk}/", {"form": "approve"}).status_code == 403


def test_staff_see_the_week_with_masked_phones_and_approve_from_the_queue(
    users: Any, places: Any, client_as: Any
) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    booking = book(users["resident"], room, later(1), title="合唱排练")
    staff = client_as("community")
    person = users["resident"].person
    week = staff.get(f"/venues/{room.pk}/week/?week={later(1)}").content.decode()
    assert person.name in week and person.phone_masked in week and person.phone not in week
    queue = staff.get("/venues/approvals/").content.decode()
    assert f'data-booking="{booking.pk}"' in queue
    done = staff.post(f"/venues/bookings/{booking.pk}/", {"form": "approve", "next": "approvals"})
    assert done.status_code == 302 and done["Location"] == "/venues/approvals/"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.APPROVED
    refused = staff.post(f"/venues/bookings/{booking.pk}/", {"form": "reject", "reason": ""})
    assert refused.status_code == 422
    resident = client_as("resident")
    assert resident.get(f"/venues/{room.pk}/week/").status_code == 404
    assert resident.get("/venues/approvals/").status_code == 403
    neighbour = Client()
    neighbour.force_login(account(places.communities[0], "neighbour"))
    assert neighbour.get(f"/venues/bookings/{booking.pk}/").status_code == 404


def test_staff_set_up_and_edit_a_venue_through_the_form(users: Any, places: Any, client_as: Any) -> None:
    staff = client_as("community")
    assert staff.get(f"/venues/new/?place={places.communities[0].pk}").status_code == 200
    body: dict[str, Any] = {
        "place_id": str(places.compounds[0].pk), "name": "3号楼党支部活动室", "capacity": "20",
        "purposes": ["party", "deliberation"], "facilities": ["投影", "桌椅"], "facilities_other": "乒乓球台",
        "slot_minutes": "30", "max_hours": "3", "days_ahead": "14", "max_per_person": "3",
        "requires_approval": "1", "public": "1", "contact_phone": "0551-62345678", "idempotency_key": "new-1",
    }  # fmt: skip
    for n in range(7):
        body[f"opens_{n}"], body[f"closes_{n}"] = ("09:00", "21:00") if n < 6 else ("", "")
    created = staff.post("/venues/new/", body)
    room = Venue.objects.get(name="3号楼党支部活动室")
    assert created.status_code == 302 and room.facilities == ["投影", "桌椅", "乒乓球台"]
    assert room.weekly_hours[6] is None and room.weekly_hours[0] == ["09:00", "21:00"]
    assert staff.post("/venues/new/", body).status_code == 302 and Venue.objects.filter(name=room.name).count() == 1
    bad = staff.post("/venues/new/", {**body, "name": "坏的", "closes_0": "08:00", "idempotency_key": "new-2"})
    assert bad.status_code == 422 and 'data-field="hours_0"' in bad.content.decode()
    edit = staff.get(f"/venues/{room.pk}/edit/")
    assert edit.status_code == 200 and "乒乓球台" in edit.content.decode()
    saved = staff.post(f"/venues/{room.pk}/edit/", {**body, "capacity": "25", "status": "suspended"})
    room.refresh_from_db()
    assert saved.status_code == 302 and (room.capacity, room.status) == (25, "suspended")
    assert client_as("grid").get("/venues/new/").status_code == 403
    assert client_as("grid").get(f"/venues/{room.pk}/edit/").status_code == 404


def _grow(users: Any, places: Any, n: int, start: int) -> Venue:
    room = Venue.objects.filter(name="计数厅").first() or venue(
        users["community"], places.communities[0], "计数厅", requires_approval=True, max_per_person=20
    )
    for k in range(start, start + n):
        who = users["resident"] if k % 2 else users["grid"]
        book(who, room, later(1), f"{8 + k:02d}:00", f"{8 + k:02d}:30", title=f"活动{k}")
        venue(users["community"], places.communities[0], f"厅{k}")
    return room


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("anonymous", "/venues/?place={community}"),
        ("community", "/venues/?place={community}"),
        ("anonymous", "/venues/{room}/"),
        ("resident", "/venues/mine/"),
        ("community", "/venues/approvals/"),
        ("community", "/venues/{room}/week/?week={day}"),
    ],
)
def test_each_page_costs_the_same_queries_for_two_rows_and_for_twelve(
    users: Any, places: Any, client_as: Any, django_assert_max_num_queries: Any, who: str, path: str
) -> None:
    room = _grow(users, places, 2, 0)
    client = Client() if who == "anonymous" else client_as(who)
    url = path.format(community=places.communities[0].pk, room=room.pk, day=later(1))
    client.get(url)
    with django_assert_max_num_queries(60) as small:
        assert client.get(url).status_code == 200
    _grow(users, places, 10, 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
