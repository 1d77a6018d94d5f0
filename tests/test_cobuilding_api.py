"""Co-building API: the same rules as the pages — scope (404), bad input (422), conflicts (409)."""

from __future__ import annotations

from typing import Any

import pytest

from linli.cobuilding import services_funds as sf
from linli.cobuilding import services_rating as sr
from linli.orgs.models import PartyOrg
from tests.test_cobuilding_world import all_scores, build_world, make_need_and_resource

pytestmark = pytest.mark.django_db
BASE = "/api/v1/co-building"


@pytest.fixture
def world(users: dict[str, Any], places: Any) -> Any:
    return build_world(users, places)


def test_an_overlapping_contract_is_a_409_and_a_bad_company_a_404(api_as: Any, world: Any, places: Any) -> None:
    api = api_as("street")
    body = {
        "company_id": world.company.pk,
        "compound_id": world.compound.pk,
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "fee_grade": "二级",
        "fee_per_m2": "1.5",
        "project_manager": "张",
    }
    response = api.post(f"{BASE}/contracts", body, content_type="application/json")
    assert response.status_code == 409 and response.json()["field"] == "starts_on"
    body["company_id"] = 999999
    assert api.post(f"{BASE}/contracts", body, content_type="application/json").status_code == 404
    assert any(c["compound_id"] == world.compound.pk for c in api.get(f"{BASE}/contracts").json()["items"])


def test_a_resident_answers_the_survey_by_api_once_and_staff_close_the_rating(
    api_as: Any, users: dict[str, Any], world: Any
) -> None:
    rating = sr.rating_open(
        actor=users["street"], template=world.template, company=world.company, compound=world.compound, sample_size=500
    )
    resident = api_as("resident")
    body = {"rater": "survey", "scores": all_scores(world.template, 4)}
    url = f"{BASE}/ratings/{rating.pk}/answers"
    assert resident.post(url, body, content_type="application/json").status_code == 201
    again = resident.post(url, body, content_type="application/json")
    assert again.status_code == 409 and "每户只能评价一次" in again.json()["detail"]
    assert api_as("grid").post(url, {**body, "rater": "branch"}, content_type="application/json").status_code in (
        403,
        404,
    )
    street = api_as("street")
    for rater in ("branch", "committee"):
        r = street.post(url, {"rater": rater, "scores": all_scores(world.template, 3)}, content_type="application/json")
        assert r.status_code == 201
    closed = street.post(f"{BASE}/ratings/{rating.pk}/close").json()
    # 50 × 80 + 25 × 60 + 25 × 60 = 70 → 3 stars
    assert closed["score"] == "70.00" and closed["stars"] == 3


def test_a_black_list_entry_without_reason_is_a_422(api_as: Any, world: Any) -> None:
    response = api_as("street").post(
        f"{BASE}/lists",
        {
            "organisation_id": world.company.pk,
            "kind": "black",
            "reason": "",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["field"] == "reason"


def test_need_matching_and_spending_more_than_the_balance_by_api(
    api_as: Any, users: dict[str, Any], places: Any, world: Any
) -> None:
    need, resource = make_need_and_resource(users, places, world)
    api = api_as("street")
    suggested = api.get(f"{BASE}/needs/{need.pk}/suggestions").json()
    assert [r["id"] for r in suggested] == [resource.pk]
    matched = api.post(f"{BASE}/needs/{need.pk}/match", {"resource_id": resource.pk}, content_type="application/json")
    assert matched.json()["status"] == "matched"
    branch = PartyOrg.objects.get(kind="branch", place=places.compounds[0])
    fund = sf.fund_open(actor=users["street"], holder="branch", name="经费", party_org=branch)
    sf.fund_grant(actor=users["street"], fund=fund, kind="startup", amount="3000", note="启动")
    over = api.post(
        f"{BASE}/funds/{fund.pk}/spend",
        {"amount": "3000.01", "note": "x", "receipt_number": "R"},
        content_type="application/json",
    )
    assert over.status_code == 409 and "余额不足" in over.json()["detail"]
    ok = api.post(
        f"{BASE}/funds/{fund.pk}/spend",
        {"amount": "100", "note": "x", "receipt_number": "R"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["balance_after"] == "2900.00"
    # a compound-level need sits above a grid worker's grid: outside their scope, the same 404 as absent
    assert api_as("grid").get(f"{BASE}/needs/{need.pk}/suggestions").status_code == 404
