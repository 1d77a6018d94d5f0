"""The venue-booking API: public venue fields, free and busy without names, bookings seen by their booker and the
venue's managers only, every change as the services decide it, and lists whose cost does not grow with rows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.venues.models import Booking, Venue
from tests.venues_support import EVERY_DAY, account, book, later, past, staff_of, venue

pytestmark = pytest.mark.django_db
API = "/api/v1/venues"


def post(client: Any, url: str, body: Any, **headers: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def hours(pairs: Any = EVERY_DAY) -> list[dict[str, str]]:
    return [{"opens": a, "closes": b} for a, b in pairs]


def test_residents_list_public_venues_and_staff_also_see_internal_ones(users: Any, places: Any, api_as: Any) -> None:
    community = places.communities[0]
    hall = venue(users["community"], community, "多功能厅", capacity=80, purposes=["culture", "education"])
    venue(users["community"], community, "议事室", public=False)
    venue(users["community"], community, "小活动室", capacity=10)
    url = f"{API}?place_id={community.pk}"
    resident = api_as("resident").get(url).json()
    assert {v["name"] for v in resident["items"]} == {"多功能厅", "小活动室"}
    assert {v["name"] for v in api_as("grid").get(url).json()["items"]} == {"多功能厅", "议事室", "小活动室"}
    filtered = api_as("resident").get(f"{url}&purpose=education&min_capacity=20").json()["items"]
    assert [v["id"] for v in filtered] == [hall.pk]
    one = api_as("resident").get(f"{API}/{hall.pk}").json()
    assert one["hours"] == ["08:00–20:00"] * 7 and one["contact_phone"] == "0551-62345678"
    assert one["may_manage"] is False and one["partner_owned"] is False
    assert api_as("resident").get(f"{url}&purpose=zzz").status_code == 422


def test_availability_names_nobody_and_is_bounded_to_31_days(users: Any, places: Any, api_as: Any) -> None:
    room = venue(users["community"], places.communities[0], hours=[("09:00", "12:00")] * 7)
    day = later(2)
    book(users["resident"], room, day, "10:00", "11:00", title="读书会", public=True)
    answer = api_as("volunteer").get(f"{API}/{room.pk}/availability?since={day}&until={day}")
    assert answer.status_code == 200
    [shown] = answer.json()["days"]
    assert shown["open"] and shown["hours"] == "09:00–12:00"
    assert [(b["start"], b["end"], b["state"], b["title"]) for b in shown["bands"]] == [
        ("09:00", "10:00", "free", ""),
        ("10:00", "11:00", "busy", "读书会"),
        ("11:00", "12:00", "free", ""),
    ]
    resident_name = users["resident"].person.name
    assert resident_name not in answer.content.decode() and "booker" not in answer.content.decode()
    too_long = api_as("volunteer").get(f"{API}/{room.pk}/availability?since={later(0)}&until={later(31)}")
    assert too_long.status_code == 422 and too_long.json()["field"] == "until"


def test_staff_set_up_a_venue_once_under_a_retried_key_and_others_may_not(users: Any, places: Any, api_as: Any) -> None:
    body = {
        "place_id": places.compounds[0].pk, "name": "3号楼党支部活动室", "capacity": 20,
        "purposes": ["party", "deliberation"], "hours": hours(), "facilities": ["桌椅", "电视屏"],
        "contact_phone": "0551-62345678",
    }  # fmt: skip
    staff = api_as("community")
    first = post(staff, API, body, **{"Idempotency-Key": "venue-1"})
    again = post(staff, API, body, **{"Idempotency-Key": "venue-1"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert Venue.objects.filter(name="3号楼党支部活动室").count() == 1
    assert post(api_as("grid"), API, {**body, "name": "网格的"}).status_code == 403
    elsewhere = post(staff, API, {**body, "place_id": places.other_community.pk, "name": "别处"})
    assert elsewhere.status_code == 403
    bad = post(staff, API, {**body, "name": "坏时间", "hours": hours([("10:00", "09:00")] + [("", "")] * 6)})
    assert bad.status_code == 422 and bad.json()["field"] == "hours_0"
    venue_id = first.json()["id"]
    changed = staff.put(
        f"{API}/{venue_id}",
        json.dumps({**body, "capacity": 25, "status": "suspended"}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and (changed.json()["capacity"], changed.json()["status"]) == (25, "suspended")
    assert AuditEvent.objects.filter(action="venues.venue_suspended", target_id=str(venue_id)).count() == 1
    foreign = api_as("community").put(f"{API}/987654321", json.dumps(body), content_type="application/json")
    assert foreign.status_code == 404


def test_a_resident_books_overlaps_are_409_naming_the_time_and_a_retry_answers_the_first(
    users: Any, places: Any, api_as: Any
) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    day = str(later(2))
    body = {"day": day, "start": "10:00", "end": "11:30", "purpose": "culture", "title": "合唱排练", "attendees": 15}
    resident = api_as("resident")
    first = post(resident, f"{API}/{room.pk}/bookings", body, **{"Idempotency-Key": "tap-1"})
    again = post(resident, f"{API}/{room.pk}/bookings", body, **{"Idempotency-Key": "tap-1"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "pending" and first.json()["booker_phone_masked"] == ""
    taken = post(api_as("grid"), f"{API}/{room.pk}/bookings", {**body, "start": "11:00", "end": "12:00"})
    assert taken.status_code == 409 and "10:00–11:30" in taken.json()["detail"]
    crowd = post(
        api_as("grid"), f"{API}/{room.pk}/bookings", {**body, "start": "14:00", "end": "15:00", "attendees": 99}
    )
    assert crowd.status_code == 422 and crowd.json()["field"] == "attendees"
    mine = resident.get(f"{API}/bookings/mine").json()["items"]
    assert [b["id"] for b in mine] == [first.json()["id"]] and mine[0]["may_cancel"]


def test_staff_see_bookers_masked_and_decide_while_residents_and_other_communities_get_404(
    users: Any, places: Any, api_as: Any
) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    booking = book(users["resident"], room, later(2))
    listed = api_as("community").get(f"{API}/{room.pk}/bookings").json()["items"]
    person = users["resident"].person
    assert listed[0]["booker_name"] == person.name and listed[0]["booker_phone_masked"] == person.phone_masked
    assert "****" in listed[0]["booker_phone_masked"] and person.phone not in json.dumps(listed, ensure_ascii=False)
    assert api_as("resident").get(f"{API}/{room.pk}/bookings").status_code == 404
    queue = api_as("community").get(f"{API}/bookings/pending").json()["items"]
    assert [b["id"] for b in queue] == [booking.pk] and queue[0]["may_decide"]
    outsider = staff_of(places.other_community, "binhu-staff")
    from django.test import Client

    from linli.accounts.services import token_issue

    _token, key = token_issue(user=outsider, name="t")
    other = Client(headers={"Authorization": f"Bearer {key}"})
    assert other.post(f"{API}/bookings/{booking.pk}/approve").status_code == 404
    assert other.get(f"{API}/bookings/{booking.pk}").status_code == 404
    neighbour = account(places.communities[0], "neighbour")
    _token, key = token_issue(user=neighbour, name="t")
    assert Client(headers={"Authorization": f"Bearer {key}"}).get(f"{API}/bookings/{booking.pk}").status_code == 404
    assert api_as("resident").post(f"{API}/bookings/{booking.pk}/approve").status_code == 403
    approved = api_as("community").post(f"{API}/bookings/{booking.pk}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_reject_cancel_and_no_show_over_the_api(users: Any, places: Any, api_as: Any) -> None:
    room = venue(users["community"], places.communities[0], requires_approval=True)
    first = book(users["resident"], room, later(2), "10:00", "11:00")
    second = book(users["resident"], room, later(2), "14:00", "15:00")
    staff = api_as("community")
    blank = post(staff, f"{API}/bookings/{first.pk}/reject", {"reason": " "})
    assert blank.status_code == 422 and blank.json()["field"] == "reason"
    rejected = post(staff, f"{API}/bookings/{first.pk}/reject", {"reason": "当天停电检修"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "当天停电检修"
    cancelled = post(api_as("resident"), f"{API}/bookings/{second.pk}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert post(staff, f"{API}/bookings/{second.pk}/approve", {}).status_code == 409
    gone = past(users["resident"], room, days_ago=1)
    marked = staff.post(f"{API}/bookings/{gone.pk}/no-show")
    assert marked.status_code == 200 and marked.json()["status"] == "no_show"


def test_figures_for_staff_and_404_for_a_grid_worker(users: Any, places: Any, api_as: Any) -> None:
    community = places.communities[0]
    room = venue(users["community"], community)
    past(users["resident"], room, days_ago=0, start="08:00", end="09:00")
    answer = api_as("community").get(f"{API}/figures?place_id={community.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["venues_open"], body["approved"], body["hours_booked"]) == (1, 1, 1.0)
    assert body["venues"][0]["venue_id"] == room.pk
    assert api_as("grid").get(f"{API}/figures?place_id={community.pk}").status_code == 404


def _rows(users: Any, places: Any, n: int, start: int) -> Venue:
    room = Venue.objects.filter(name="计数厅").first() or venue(
        users["community"], places.communities[0], "计数厅", requires_approval=True, max_per_person=20
    )
    for k in range(start, start + n):
        who = users["resident"] if k % 2 else users["grid"]
        day = later(1 + k // 10)
        book(who, room, day, f"{8 + k % 10:02d}:00", f"{8 + k % 10:02d}:30")
        venue(users["community"], places.communities[0], f"厅{k}")
    return room


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("resident", "?place_id={community}"),
        ("resident", "/bookings/mine"),
        ("community", "/bookings/pending"),
        ("community", "/{room}/bookings"),
    ],
)
def test_each_list_costs_the_same_queries_for_two_rows_and_for_twelve(
    users: Any, places: Any, api_as: Any, django_assert_max_num_queries: Any, who: str, path: str
) -> None:
    room = _rows(users, places, 2, 0)
    client = api_as(who)
    url = API + path.format(community=places.communities[0].pk, room=room.pk)
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    _rows(users, places, 10, 2)
    assert Booking.objects.filter(venue=room).count() == 12
    with django_assert_max_num_queries(len(small.captured_queries)):
        answer = client.get(url)
    assert answer.status_code == 200 and len(answer.json()["items"]) >= 6
