"""The plans part of the visits API: hazard points, care plans, quota rules — schemas, scope, page bounds."""

from __future__ import annotations

from typing import Any

import pytest

from linli.people.models import CareTag, PersonTag
from linli.places.models import Household
from linli.visits.models import CarePlan, HazardPoint, QuotaRule
from linli.visits.services_plans import hazard_create

pytestmark = pytest.mark.django_db
JSON = "application/json"


def first_household(place: Any) -> Household:
    return Household.objects.filter(place_path__startswith=place.path).order_by("id").first()


def tagged(household: Household) -> Household:
    PersonTag.objects.create(person=household.members.order_by("id").first(), tag=CareTag.objects.get(code="elderly"))
    return household


def test_a_grid_worker_creates_lists_and_reads_hazards_and_gets_404_for_another_grids(
    users, places, api_as, django_assert_max_num_queries
) -> None:
    api = api_as("grid")
    created = api.post(
        "/api/v1/visits/hazards",
        {
            "place_id": places.first_grid.pk,
            "name": "河道护栏",
            "responsible_id": users["grid"].person_id,
            "level": "high",
            "inspect_every_days": 3,
            "response_plan": "拉警戒线,通知社区",
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "河道护栏" and body["level"] == "high" and body["overdue"] is False
    other = hazard_create(
        actor=users["admin"], place_id=places.other_grid.pk, name="别处", responsible_id=users["street"].person_id
    )
    with django_assert_max_num_queries(8):
        listed = api.get("/api/v1/visits/hazards?limit=200").json()
    ids = {h["id"] for h in listed["items"]}
    assert body["id"] in ids and other.pk not in ids
    assert api.get(f"/api/v1/visits/hazards/{body['id']}").json()["response_plan"] == "拉警戒线,通知社区"
    assert api.get(f"/api/v1/visits/hazards/{other.pk}").status_code == 404
    assert api.get("/api/v1/visits/hazards/99999999").status_code == 404
    outside = api.post(
        "/api/v1/visits/hazards",
        {"place_id": places.other_grid.pk, "name": "越界", "responsible_id": users["grid"].person_id},
        content_type=JSON,
    )
    assert outside.status_code == 404 and outside.json()["field"] == "place_id"
    assert not HazardPoint.objects.filter(name="越界").exists()


def test_hazard_and_rule_lists_refuse_page_sizes_outside_1_to_200(api_as) -> None:
    api = api_as("community")
    for url in ("/api/v1/visits/hazards", "/api/v1/visits/rules"):
        assert api.get(f"{url}?limit=0").status_code == 422
        assert api.get(f"{url}?limit=201").status_code == 422
        assert api.get(f"{url}?limit=1").status_code == 200


def test_a_grid_worker_sets_and_reads_a_care_plan_only_for_households_in_scope(users, places, api_as) -> None:
    api = api_as("grid")
    household = tagged(first_household(places.first_grid))
    url = f"/api/v1/visits/households/{household.pk}"
    assert api.get(url + "/care-plans").json() == {"items": []}
    saved = api.put(
        url + "/care-plan",
        {"responsible_id": users["grid"].person_id, "frequency_days": 14, "note": "独居老人"},
        content_type=JSON,
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["frequency_days"] == 14
    changed = api.put(
        url + "/care-plan", {"responsible_id": users["grid"].person_id, "frequency_days": 7}, content_type=JSON
    )
    assert changed.json()["id"] == saved.json()["id"] and changed.json()["frequency_days"] == 7
    items = api.get(url + "/care-plans").json()["items"]
    assert [(p["household_id"], p["frequency_days"]) for p in items] == [(household.pk, 7)]
    elsewhere = tagged(first_household(places.other_grid))
    assert api.get(f"/api/v1/visits/households/{elsewhere.pk}/care-plans").status_code == 404
    refused = api.put(
        f"/api/v1/visits/households/{elsewhere.pk}/care-plan",
        {"responsible_id": users["grid"].person_id, "frequency_days": 7},
        content_type=JSON,
    )
    assert refused.status_code == 404
    assert not CarePlan.objects.filter(household=elsewhere).exists()
    bad = api.put(
        url + "/care-plan", {"responsible_id": users["grid"].person_id, "frequency_days": 0}, content_type=JSON
    )
    assert bad.status_code == 422


def test_quota_rules_are_listed_for_staff_and_changed_only_by_administrators(users, api_as) -> None:
    grid = api_as("grid")
    listed = grid.get("/api/v1/visits/rules").json()["items"]
    assert {r["position_kind"] for r in listed} >= {"grid_worker", "community_staff"}
    payload = {"position_kind": "building_head", "period": "month", "mode": "count", "target": 4}
    assert grid.post("/api/v1/visits/rules", payload, content_type=JSON).status_code == 403
    assert not QuotaRule.objects.filter(position_kind="building_head").exists()
    admin = api_as("admin")
    created = admin.post("/api/v1/visits/rules", payload, content_type=JSON)
    assert created.status_code == 201 and created.json()["target"] == 4
    rule_id = created.json()["id"]
    assert admin.post("/api/v1/visits/rules", payload, content_type=JSON).status_code == 422
    assert grid.patch(f"/api/v1/visits/rules/{rule_id}", {"active": False}, content_type=JSON).status_code == 403
    off = admin.patch(f"/api/v1/visits/rules/{rule_id}", {"active": False}, content_type=JSON)
    assert off.status_code == 200 and off.json()["active"] is False
    assert admin.patch("/api/v1/visits/rules/99999999", {"active": True}, content_type=JSON).status_code == 404
    assert api_as("resident").get("/api/v1/visits/rules").status_code == 403
