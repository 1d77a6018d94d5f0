"""百姓评理说事点 (mediation venues): staff set them up per community or compound, cases name them, residents
see their own community's venues with the on-duty people's names masked, and a venue is retired, never deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.deliberation.models import MediationVenue
from linli.deliberation.selectors_legal import public_venues
from linli.deliberation.services_mediation import mediation_open
from linli.deliberation.services_venues import venue_create, venue_retire, venue_update
from linli.people.models import Person

pytestmark = pytest.mark.django_db

API = "/api/v1/deliberation"


def staff_person(place: Any) -> Person:
    return Person.objects.filter(positions__place__path__startswith=place.path).order_by("id").first()


def make_venue(users: Any, place: Any, name: str = "平安驿站", **kw: Any) -> MediationVenue:
    return venue_create(
        actor=users["street"],
        place=place,
        name=name,
        kind=kw.pop("kind", "safety_post"),
        address=kw.pop("address", "党群服务中心一楼"),
        opening_hours=kw.pop("opening_hours", "每天 8:30–17:30"),
        **kw,
    )


def test_community_staff_set_up_a_venue_with_people_on_duty_and_it_is_audited(users: Any, places: Any) -> None:
    duty = staff_person(places.communities[0])
    venue = venue_create(
        actor=users["community"],
        place=places.communities[0],
        name="“惠解忧”调解工作室",
        kind="mediation_room",
        address="社区二楼",
        opening_hours="工作日",
        on_duty=[duty],
    )
    assert venue.place_path == places.communities[0].path
    assert list(venue.on_duty.all()) == [duty]
    assert AuditEvent.objects.filter(action="venue.created", target_id=str(venue.pk)).exists()


def test_a_venue_is_refused_at_a_building_and_for_a_grid_worker_and_twice_by_name(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput):
        make_venue(users, places.buildings[0])
    with pytest.raises(Forbidden):
        venue_create(actor=users["grid"], place=places.compounds[0], name="驿站", kind="safety_post")
    with pytest.raises(InvalidInput):
        make_venue(users, places.communities[0], kind="nonsense")
    make_venue(users, places.communities[0])
    with pytest.raises(Conflict):
        make_venue(users, places.communities[0])


def test_a_case_names_its_venue_and_the_venue_cannot_be_deleted_only_retired(users: Any, places: Any) -> None:
    venue = make_venue(users, places.communities[0])
    compound = places.compounds[0]
    case = mediation_open(
        actor=users["street"],
        place=compound,
        title="漏水",
        dispute="楼上漏水",
        parties=["甲", "乙"],
        mediator=staff_person(compound),
        opened_on=timezone.localdate(),
        venue=venue,
    )
    assert case.venue == venue
    with pytest.raises(ProtectedError):
        venue.delete()
    retired = venue_retire(actor=users["community"], venue=venue)
    assert not retired.active and retired.retired_on == timezone.localdate()
    again = venue_retire(actor=users["community"], venue=retired)  # a double submit changes nothing
    assert again.retired_on == retired.retired_on
    assert AuditEvent.objects.filter(action="venue.retired", target_id=str(venue.pk)).count() == 1
    case.refresh_from_db()
    assert case.venue_id == venue.pk
    with pytest.raises(InvalidInput):  # a retired venue takes no new case
        mediation_open(
            actor=users["street"],
            place=compound,
            title="噪音",
            dispute="装修",
            parties=["甲", "乙"],
            mediator=staff_person(compound),
            opened_on=timezone.localdate(),
            venue=venue,
        )
    with pytest.raises(Conflict):
        venue_update(actor=users["community"], venue=venue, name="新名", kind="other")


def test_a_venue_of_another_community_is_refused_for_a_case(users: Any, places: Any) -> None:
    venue = make_venue(users, places.other_community)
    with pytest.raises(InvalidInput):
        mediation_open(
            actor=users["street"],
            place=places.compounds[0],
            title="漏水",
            dispute="楼上漏水",
            parties=["甲", "乙"],
            mediator=staff_person(places.compounds[0]),
            opened_on=timezone.localdate(),
            venue=venue,
        )


def test_a_resident_sees_the_active_venues_of_their_community_with_masked_names_only(
    users: Any, places: Any, client_as: Any
) -> None:
    duty = staff_person(places.communities[0])
    make_venue(users, places.communities[0], on_duty=[duty])
    make_venue(users, places.compounds[0], name="“暖心桥”政协委员工作室", kind="member_room")
    make_venue(users, places.other_community, name="滨湖驿站")
    retired = make_venue(users, places.communities[0], name="旧驿站")
    venue_retire(actor=users["street"], venue=retired)
    names = [v.name for v in public_venues(users["resident"])]
    assert sorted(names) == sorted(["平安驿站", "“暖心桥”政协委员工作室"])
    body = client_as("resident").get("/deliberation/venues/").content.decode()
    assert "平安驿站" in body and "暖心桥" in body
    assert "滨湖驿站" not in body and "旧驿站" not in body
    assert duty.name not in body
    from linli.core.masking import mask_name

    assert mask_name(duty.name) in body
    assert "说事点管理" not in body  # residents get no staff table
    api = client_as("resident").get(f"{API}/venues/public").json()
    assert {v["name"] for v in api} == set(names)
    assert all(duty.name not in str(v) for v in api)


def test_a_resident_and_another_communitys_staff_get_404_on_a_venue_page_and_api(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    venue = make_venue(users, places.other_community, name="滨湖驿站")
    for who in ("resident", "grid", "community"):
        assert client_as(who).get(f"/deliberation/venues/{venue.pk}/").status_code == 404
        assert api_as(who).get(f"{API}/venues/{venue.pk}").status_code == 404
        assert client_as(who).post(f"/deliberation/venues/{venue.pk}/retire/").status_code == 404
    venue.refresh_from_db()
    assert venue.active
    assert client_as("street").get(f"/deliberation/venues/{venue.pk}/").status_code == 200
    assert api_as("street").get(f"{API}/venues/{venue.pk}").json()["name"] == "滨湖驿站"


def test_staff_create_edit_and_retire_a_venue_through_the_pages(users: Any, places: Any, client_as: Any) -> None:
    client = client_as("community")
    assert client.get("/deliberation/venues/new/").status_code == 200
    refused = client.post("/deliberation/venues/new/", {"place_id": places.communities[0].pk, "name": "", "kind": "x"})
    assert refused.status_code == 422
    response = client.post(
        "/deliberation/venues/new/",
        {"place_id": places.communities[0].pk, "name": "平安驿站", "kind": "safety_post", "address": "一楼"},
    )
    venue = MediationVenue.objects.get(name="平安驿站")
    assert response["Location"].endswith(f"/deliberation/venues/{venue.pk}/")
    duty = staff_person(places.communities[0])
    client.post(
        f"/deliberation/venues/{venue.pk}/edit/",
        {"name": "平安驿站", "kind": "safety_post", "opening_hours": "全天", "on_duty_ids": [duty.pk]},
    )
    venue.refresh_from_db()
    assert venue.opening_hours == "全天" and list(venue.on_duty.all()) == [duty]
    client.post(f"/deliberation/venues/{venue.pk}/retire/")
    venue.refresh_from_db()
    assert not venue.active
    assert "已撤销" in client.get("/deliberation/venues/").content.decode()
    assert client.get("/deliberation/venues/new/", HTTP_ACCEPT="text/html").status_code == 200
    assert client_as("grid").get("/deliberation/venues/new/").status_code == 404


def test_the_venue_api_creates_updates_retires_and_names_a_case_venue(users: Any, places: Any, api_as: Any) -> None:
    api = api_as("community")
    duty = staff_person(places.communities[0])
    created = api.post(
        f"{API}/venues",
        {"place_id": places.communities[0].pk, "name": "平安驿站", "kind": "safety_post", "on_duty_ids": [duty.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    venue_id = created.json()["id"]
    assert created.json()["on_duty"] == [{"person_id": duty.pk, "name": duty.name}]
    twice = api.post(
        f"{API}/venues",
        {"place_id": places.communities[0].pk, "name": "平安驿站", "kind": "safety_post"},
        content_type="application/json",
    )
    assert twice.status_code == 409
    updated = api.put(
        f"{API}/venues/{venue_id}",
        {"name": "平安驿站", "kind": "safety_post", "address": "二楼"},
        content_type="application/json",
    )
    assert updated.status_code == 200 and updated.json()["address"] == "二楼" and updated.json()["on_duty"] == []
    case = api.post(
        f"{API}/mediation",
        {
            "place_id": places.compounds[0].pk,
            "title": "漏水",
            "dispute": "楼上漏水",
            "parties": ["甲", "乙"],
            "mediator_id": duty.pk,
            "opened_on": timezone.localdate().isoformat(),
            "venue_id": venue_id,
        },
        content_type="application/json",
    )
    assert case.status_code == 201 and case.json()["venue_id"] == venue_id
    retired = api.post(f"{API}/venues/{venue_id}/retire")
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert api.post(f"{API}/venues/{venue_id}/retire").status_code == 200
    assert api.get(f"{API}/venues/987654321").status_code == 404


def _count(client: Any, url: str) -> int:
    client.get(url)  # once before counting: the first request of a token or session writes its last use
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_venue_list_page_and_api_do_not_grow_in_queries_with_rows(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    duty = staff_person(places.communities[0])
    make_venue(users, places.communities[0], name="驿站0", on_duty=[duty])
    page, api, resident = client_as("community"), api_as("community"), client_as("resident")
    few = (
        _count(page, "/deliberation/venues/"),
        _count(api, f"{API}/venues"),
        _count(resident, f"{API}/venues/public"),
    )
    for i in range(1, 6):
        make_venue(users, places.compounds[i % 2], name=f"驿站{i}", on_duty=[duty])
    many = (
        _count(page, "/deliberation/venues/"),
        _count(api, f"{API}/venues"),
        _count(resident, f"{API}/venues/public"),
    )
    assert many == few
