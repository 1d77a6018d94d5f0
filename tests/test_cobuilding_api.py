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


def test_a_micro_project_runs_its_whole_lifecycle_by_api_with_progress_and_a_photo(
    api_as: Any, client_as: Any, users: dict[str, Any], places: Any, world: Any
) -> None:
    from linli.cobuilding.models import Need
    from tests.support import png_upload
    from tests.test_cobuilding_partners import _meeting

    need, _resource = make_need_and_resource(users, places, world)
    api = api_as("street")
    created = api.post(
        f"{BASE}/projects",
        {"place_id": world.compound.pk, "title": "老旧电线改造", "budget": "2000", "need_id": need.pk},
        content_type="application/json",
    ).json()
    pid = created["id"]
    early = api.post(f"{BASE}/projects/{pid}/progress", {"note": "材料已到"}, content_type="application/json")
    assert early.status_code == 409 and "实施中" in early.json()["detail"]
    meeting = _meeting(users, world)
    approved = api.post(
        f"{BASE}/projects/{pid}/approve",
        {"meeting_id": meeting.pk, "note": "全票通过"},
        content_type="application/json",
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert api.post(f"{BASE}/projects/{pid}/start", {}, content_type="application/json").json()["status"] == "executing"
    progress = api.post(f"{BASE}/projects/{pid}/progress", {"note": "一单元已完工"}, content_type="application/json")
    assert progress.status_code == 201
    assert progress.json()["events"][-1] == {
        **progress.json()["events"][-1],
        "to_status": "executing",
        "note": "一单元已完工",
    }
    photo = api.post(f"{BASE}/projects/{pid}/photos", {"photo": png_upload(size=(40, 30))})
    assert photo.status_code == 201 and (photo.json()["width"], photo.json()["height"]) == (40, 30)
    served = client_as("street").get(photo.json()["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    blank = api.post(f"{BASE}/projects/{pid}/accept", {"note": "  "}, content_type="application/json")
    assert blank.status_code == 422 and blank.json()["field"] == "note"
    done = api.post(
        f"{BASE}/projects/{pid}/accept",
        {"note": "验收合格", "beneficiaries": 36, "beneficiaries_note": "一单元住户"},
        content_type="application/json",
    ).json()
    assert done["status"] == "accepted" and done["beneficiaries"] == 36
    assert [e["to_status"] for e in done["events"]] == ["proposed", "approved", "executing", "executing", "accepted"]
    assert len(done["photos"]) == 1
    assert Need.objects.get(pk=need.pk).status == "closed"
    assert api_as("resident").get(f"{BASE}/projects/{pid}").status_code == 404
    assert api_as("grid").post(f"{BASE}/projects/{pid}/start", {}, content_type="application/json").status_code == 404


def test_a_resource_is_corrected_and_deactivated_by_api_and_is_then_no_longer_suggested(
    api_as: Any, users: dict[str, Any], places: Any, world: Any
) -> None:
    need, resource = make_need_and_resource(users, places, world)
    api = api_as("street")
    edited = api.patch(
        f"{BASE}/resources/{resource.pk}", {"title": "电力抢修志愿队"}, content_type="application/json"
    ).json()
    assert edited["title"] == "电力抢修志愿队" and edited["category"] == "volunteers"
    no_reason = api.post(f"{BASE}/resources/{resource.pk}/deactivate", {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    off = api.post(
        f"{BASE}/resources/{resource.pk}/deactivate", {"reason": "队伍解散"}, content_type="application/json"
    )
    assert off.status_code == 200 and off.json()["active"] is False
    again = api.post(f"{BASE}/resources/{resource.pk}/deactivate", {"reason": "x"}, content_type="application/json")
    assert again.status_code == 409
    assert api.get(f"{BASE}/needs/{need.pk}/suggestions").json() == []
    assert api.post(f"{BASE}/resources/{resource.pk}/reactivate").json()["active"] is True
    assert [r["id"] for r in api.get(f"{BASE}/needs/{need.pk}/suggestions").json()] == [resource.pk]
    assert api_as("resident").patch(
        f"{BASE}/resources/{resource.pk}", {"title": "x"}, content_type="application/json"
    ).status_code in (403, 404)


def test_a_contract_is_corrected_by_api_and_an_edit_that_would_overlap_another_is_a_409(
    api_as: Any, users: dict[str, Any], world: Any
) -> None:
    import datetime as dt

    from linli.cobuilding import services_property as spr
    from linli.cobuilding.models import PropertyContract

    api = api_as("street")
    contract = PropertyContract.objects.filter(compound=world.compound).order_by("starts_on").first()
    later = spr.contract_create(
        actor=users["street"],
        company=world.company,
        compound=world.compound,
        starts_on=contract.ends_on + dt.timedelta(days=1),
        ends_on=contract.ends_on + dt.timedelta(days=365),
        fee_grade="二级",
        fee_per_m2="1.2",
        project_manager="王",
    )
    clash = api.patch(
        f"{BASE}/contracts/{contract.pk}",
        {"ends_on": (later.starts_on + dt.timedelta(days=3)).isoformat()},
        content_type="application/json",
    )
    assert clash.status_code == 409 and clash.json()["field"] == "starts_on"
    ok = api.patch(
        f"{BASE}/contracts/{contract.pk}",
        {
            "fee_per_m2": "1.80",
            "project_manager": "李经理",
            "ends_on": (contract.ends_on - dt.timedelta(days=30)).isoformat(),
        },
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert (ok.json()["fee_per_m2"], ok.json()["project_manager"]) == ("1.80", "李经理")
    contract.refresh_from_db()
    assert contract.fee_grade and contract.project_manager == "李经理"
    backwards = api.patch(f"{BASE}/contracts/{contract.pk}", {"ends_on": "2000-01-01"}, content_type="application/json")
    assert backwards.status_code == 422 and backwards.json()["field"] == "ends_on"
    assert api_as("grid").patch(
        f"{BASE}/contracts/{contract.pk}", {"project_manager": "x"}, content_type="application/json"
    ).status_code in (403, 404)
