"""场地类型 (seed 003: 高标准规划建设党群服务中心4个,楼院党支部活动室38个): a venue's type on the form, the page and the
API, and the venue figures counting venues and places by type under a node."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.venues import selectors as sel
from linli.venues import services as vs
from linli.venues.models import Venue, VenueStatus
from tests.venues_support import EVERY_DAY, fields_of, venue

pytestmark = pytest.mark.django_db
API = "/api/v1/venues"


def counts(user: Any, node: Any) -> dict[str, tuple[int, int]]:
    today = timezone.localdate()
    return {t.kind: (t.places, t.venues) for t in sel.figures(user, node, today, today).by_type}


def test_a_venue_has_the_type_it_was_set_up_with_and_other_when_none_is_given(users: Any, places: Any) -> None:
    centre = venue(users["community"], places.communities[0], "多功能厅", kind="party_centre")
    plain = venue(users["community"], places.communities[0], "会议室")
    assert (centre.kind, centre.kind_label, plain.kind) == ("party_centre", "党群服务中心", "other")
    event = AuditEvent.objects.get(action="venues.venue_created", target_id=str(centre.pk))
    assert event.detail["kind"] == "party_centre"


@pytest.mark.parametrize("value", ["centre", "党群服务中心", "mediation"])
def test_an_unknown_type_is_refused_naming_the_field_and_nothing_is_set_up(users: Any, places: Any, value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        venue(users["community"], places.communities[0], "厅", kind=value)
    assert refused.value.field == "kind" and "场地类型" in refused.value.message
    assert not Venue.objects.filter(name="厅").exists()


def test_saving_a_venue_without_a_type_keeps_it_and_a_type_change_is_audited(users: Any, places: Any) -> None:
    room = venue(users["community"], places.compounds[0], "活动室", kind="branch_room")
    vs.venue_update(actor=users["community"], venue=room, fields=fields_of(room, capacity=30))
    room.refresh_from_db()
    assert (room.kind, room.capacity) == ("branch_room", 30)
    vs.venue_update(actor=users["community"], venue=room, fields=fields_of(room, kind="compound_room"))
    room.refresh_from_db()
    assert room.kind == "compound_room"
    changes = [e.detail["changed"] for e in AuditEvent.objects.filter(action="venues.venue_updated").order_by("pk")]
    assert changes == [["capacity"], ["kind"]]


def test_a_grid_worker_and_another_communitys_worker_cannot_change_a_venues_type(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    room = venue(users["community"], places.communities[0], "多功能厅", kind="party_centre")
    far = venue(users["street"], places.other_community, "滨湖多功能厅", kind="party_centre")
    with pytest.raises(Forbidden):
        vs.venue_update(actor=users["grid"], venue=room, fields=fields_of(room, kind="other"))
    with pytest.raises(Forbidden):
        vs.venue_update(actor=users["community"], venue=far, fields=fields_of(far, kind="other"))
    assert client_as("grid").post(f"/venues/{room.pk}/edit/", {"kind": "other"}).status_code == 404
    assert client_as("community").post(f"/venues/{far.pk}/edit/", {"kind": "other"}).status_code == 404
    body = {"name": far.name, "capacity": 40, "purposes": ["culture"], "kind": "other",
            "hours": [{"opens": a, "closes": b} for a, b in EVERY_DAY]}  # fmt: skip
    answer = api_as("community").put(f"{API}/{far.pk}", json.dumps(body), content_type="application/json")
    assert answer.status_code == 404
    assert set(Venue.objects.filter(pk__in=[room.pk, far.pk]).values_list("kind", flat=True)) == {"party_centre"}


def test_staff_choose_the_type_on_the_form_and_the_venue_page_shows_it(users: Any, places: Any, client_as: Any) -> None:
    staff = client_as("community")
    form = staff.get(f"/venues/new/?place={places.communities[0].pk}").content.decode()
    assert 'name="kind"' in form and "党支部活动室" in form and "新时代文明实践站" in form
    body: dict[str, Any] = {
        "place_id": str(places.compounds[0].pk), "name": "楼院党支部活动室", "capacity": "20", "kind": "branch_room",
        "purposes": ["party"], "slot_minutes": "30", "max_hours": "3", "days_ahead": "14", "max_per_person": "3",
        "public": "1", "idempotency_key": "typed-1",
    }  # fmt: skip
    for n in range(7):
        body[f"opens_{n}"], body[f"closes_{n}"] = "09:00", "21:00"
    bad = staff.post("/venues/new/", {**body, "kind": "hall", "idempotency_key": "typed-0"})
    assert bad.status_code == 422 and 'data-field="kind"' in bad.content.decode()
    assert staff.post("/venues/new/", body).status_code == 302
    room = Venue.objects.get(name="楼院党支部活动室")
    assert room.kind == "branch_room"
    page = staff.get(f"/venues/{room.pk}/").content.decode()
    assert 'id="venue-kind"' in page and "党支部活动室" in page
    edit = staff.get(f"/venues/{room.pk}/edit/").content.decode()
    assert 'value="branch_room" selected' in edit


def test_the_list_filters_by_type_on_the_page_and_in_the_api(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    community = places.communities[0]
    venue(users["community"], community, "中心大厅", kind="party_centre")
    venue(users["community"], places.compounds[0], "支部活动室", kind="branch_room")
    page = client_as("resident").get(f"/venues/?place={community.pk}&kind=branch_room").content.decode()
    assert "支部活动室" in page and "中心大厅" not in page
    bad = client_as("resident").get(f"/venues/?place={community.pk}&kind=zzz")
    assert bad.status_code == 422
    listed = api_as("resident").get(f"{API}?place_id={community.pk}&kind=party_centre").json()["items"]
    assert [(v["name"], v["kind"], v["kind_label"]) for v in listed] == [("中心大厅", "party_centre", "党群服务中心")]
    everywhere = api_as("resident").get(f"{API}?kind=party_centre&limit=100").json()["items"]
    assert "中心大厅" in [v["name"] for v in everywhere] and {v["kind"] for v in everywhere} == {"party_centre"}
    refused = api_as("resident").get(f"{API}?kind=zzz")
    assert refused.status_code == 422 and refused.json()["field"] == "kind"


def test_the_figures_count_venues_and_places_by_type_and_a_centres_rooms_are_one_place(users: Any, places: Any) -> None:
    street, first, second = places.street, places.communities[0], places.other_community
    before, before_first = counts(users["street"], street), counts(users["community"], first)
    venue(users["street"], first, "一楼大厅", kind="party_centre")
    venue(users["street"], first, "二楼会议室", kind="party_centre", public=False)  # internal: still one built
    suspended = venue(users["street"], second, "多功能厅", kind="party_centre")
    vs.venue_update(actor=users["street"], venue=suspended, fields=fields_of(suspended), status=VenueStatus.SUSPENDED)
    venue(users["street"], places.compounds[0], "支部活动室", kind="branch_room")
    after = counts(users["street"], street)
    assert after["party_centre"] == (before["party_centre"][0] + 2, before["party_centre"][1] + 3)
    assert after["branch_room"] == (before["branch_room"][0] + 1, before["branch_room"][1] + 1)
    assert list(after) == ["party_centre", "branch_room", "compound_room", "civilisation_station",
                           "deliberation_hall", "other"]  # fmt: skip
    only_first = counts(users["community"], first)  # the other community's suspended centre is not under it
    assert only_first["party_centre"] == (before_first["party_centre"][0] + 1, before_first["party_centre"][1] + 2)
    assert only_first["branch_room"][1] == before_first["branch_room"][1] + 1


def test_the_figures_page_and_api_show_the_types(users: Any, places: Any, client_as: Any, api_as: Any) -> None:
    community = places.communities[0]
    venue(users["community"], community, "一楼大厅", kind="party_centre")
    page = client_as("community").get(f"/venues/?place={community.pk}").content.decode()
    assert 'id="by-type"' in page and 'data-kind="civilisation_station"' in page
    answer = api_as("community").get(f"{API}/figures?place_id={community.pk}").json()
    by_type = {t["kind"]: t for t in answer["by_type"]}
    assert by_type["party_centre"]["places"] >= 1 and by_type["party_centre"]["label"] == "党群服务中心"
    assert set(by_type) == {"party_centre", "branch_room", "compound_room", "civilisation_station",
                            "deliberation_hall", "other"}  # fmt: skip
    assert api_as("grid").get(f"{API}/figures?place_id={community.pk}").status_code == 404


def test_venues_set_up_before_types_get_the_type_their_name_states(users: Any, places: Any) -> None:
    from django.apps import apps

    migration = importlib.import_module("linli.venues.migrations.0003_venue_kind")
    names = {
        "党群服务中心多功能厅": "party_centre", "党群服务中心议事厅": "party_centre",
        "3号楼党支部活动室": "branch_room", "新时代文明实践站": "civilisation_station",
        "居民议事厅": "deliberation_hall", "小区活动室": "compound_room", "职工之家": "other",
    }  # fmt: skip
    rooms = {name: venue(users["community"], places.communities[0], name) for name in names}
    assert {r.kind for r in rooms.values()} == {"other"}
    migration.type_from_name(apps, None)
    assert {name: Venue.objects.get(pk=r.pk).kind for name, r in rooms.items()} == names
