"""The service-list API: the public list without sign-in, an item, keeping the list, the versions, import, figures;
every write scoped to those who keep the community's list (the 404 of a missing id for anyone else)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from linli.guide.models import ItemStatus, ListPublication, ServiceItem
from tests.guide_support import draft, published

pytestmark = pytest.mark.django_db

BODY = {
    "name": "老年人优待证办理",
    "category": "civil",
    "audience": "60周岁以上老年人",
    "materials": ["身份证原件", "一寸照片"],
    "channels": ["window", "home"],
    "location": "党群服务中心一楼",
    "hours": "工作日",
    "time_limit_days": 5,
    "mode": "quick",
    "responsible_post": "民政专干",
}


def post(api: Client, url: str, body: dict[str, Any], **headers: Any) -> Any:
    return api.post(url, json.dumps(body), content_type="application/json", **headers)


def test_the_public_list_needs_no_sign_in_and_shows_only_published_items(users: Any, places: Any) -> None:
    community = places.communities[0]
    item = published(users["community"], community)
    draft(users["community"], community, "法律援助咨询", category="legal", mode="quick", time_limit_days=3)

    response = Client().get("/api/v1/guide/public/items", {"community_id": community.pk})

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items] == [item.pk]
    assert items[0]["due_on"] and items[0]["materials"] == ["身份证原件", "房产证或租房合同"]


def test_the_public_communities_list_gives_counts_and_versions(users: Any, places: Any) -> None:
    published(users["community"], places.communities[0])

    body = Client().get("/api/v1/guide/public/communities", {"street_id": places.street.pk}).json()

    rows = {r["community_id"]: r for r in body["communities"]}
    assert rows[places.communities[0].pk]["published"] == 1 and rows[places.communities[0].pk]["version"] == 1
    assert rows[places.other_community.pk]["version"] is None


def test_the_public_list_of_a_place_that_is_not_a_community_is_404(places: Any) -> None:
    response = Client().get("/api/v1/guide/public/items", {"community_id": places.street.pk})
    assert response.status_code == 404 and response.json()["field"] == "community_id"


def test_community_staff_create_edit_withdraw_and_publish_through_the_api(places: Any, api_as: Any) -> None:
    community = places.communities[0]
    api = api_as("community")

    created = post(api, "/api/v1/guide/items", {**BODY, "community_id": community.pk}, HTTP_IDEMPOTENCY_KEY="a1")
    repeated = post(api, "/api/v1/guide/items", {**BODY, "community_id": community.pk}, HTTP_IDEMPOTENCY_KEY="a1")
    assert created.status_code == 201 and repeated.status_code == 200
    item_id = created.json()["id"]
    assert repeated.json()["id"] == item_id and created.json()["status"] == ItemStatus.DRAFT

    publication = post(api, f"/api/v1/guide/communities/{community.pk}/publish", {"note": "首次公示"})
    again = post(api, f"/api/v1/guide/communities/{community.pk}/publish", {})
    assert publication.status_code == 201 and publication.json()["number"] == 1
    assert again.status_code == 200 and again.json()["number"] == 1

    updated = api.put(
        f"/api/v1/guide/items/{item_id}", json.dumps({**BODY, "fee": "工本费 5 元"}), content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["revised_at"] is not None

    withdrawn = post(api, f"/api/v1/guide/items/{item_id}/withdraw", {"reason": "划归街道办理"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == ItemStatus.WITHDRAWN
    edit_withdrawn = api.put(f"/api/v1/guide/items/{item_id}", json.dumps(BODY), content_type="application/json")
    assert edit_withdrawn.status_code == 409


def test_bad_input_is_422_naming_the_field(places: Any, api_as: Any) -> None:
    response = post(
        api_as("community"),
        "/api/v1/guide/items",
        {**BODY, "community_id": places.communities[0].pk, "mode": "instant"},
    )
    assert response.status_code == 422 and response.json()["field"] == "time_limit_days"
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize("role", ["grid", "volunteer", "resident"])
def test_writes_are_the_404_of_a_missing_id_for_those_who_do_not_keep_the_list(
    users: Any, places: Any, api_as: Any, role: str
) -> None:
    community = places.communities[0]
    item = draft(users["community"], community)
    api = api_as(role)

    assert post(api, "/api/v1/guide/items", {**BODY, "community_id": community.pk}).status_code == 404
    assert (
        api.put(f"/api/v1/guide/items/{item.pk}", json.dumps(BODY), content_type="application/json").status_code == 404
    )
    assert post(api, f"/api/v1/guide/items/{item.pk}/withdraw", {"reason": "x"}).status_code == 404
    assert post(api, f"/api/v1/guide/communities/{community.pk}/publish", {}).status_code == 404
    assert api.get("/api/v1/guide/items", {"community_id": community.pk}).status_code == 404
    assert api.get(f"/api/v1/guide/items/{item.pk}").status_code == 404
    assert not ListPublication.objects.exists()


def test_another_communitys_draft_is_not_found_for_a_community_worker(users: Any, places: Any, api_as: Any) -> None:
    item = draft(users["street"], places.other_community)
    assert api_as("community").get(f"/api/v1/guide/items/{item.pk}").status_code == 404
    assert api_as("street").get(f"/api/v1/guide/items/{item.pk}").status_code == 200


def test_a_published_item_is_read_by_any_signed_in_caller(users: Any, places: Any, api_as: Any) -> None:
    item = published(users["street"], places.other_community)
    response = api_as("grid").get(f"/api/v1/guide/items/{item.pk}")
    assert response.status_code == 200 and response.json()["may_keep"] is False


def test_reordering_through_the_api(users: Any, places: Any, api_as: Any) -> None:
    community = places.communities[0]
    a = draft(users["community"], community, "开具居住证明")
    b = draft(users["community"], community, "流动人口居住登记")

    response = post(
        api_as("community"),
        f"/api/v1/guide/communities/{community.pk}/order",
        {"category": "certificate", "item_ids": [b.pk, a.pk]},
    )

    assert response.status_code == 200 and [i["id"] for i in response.json()["items"]] == [b.pk, a.pk]


def test_the_versions_and_the_one_in_force_on_a_day(users: Any, places: Any, api_as: Any) -> None:
    community = places.communities[0]
    published(users["community"], community)
    api = api_as("resident")

    versions = api.get("/api/v1/guide/publications", {"community_id": community.pk}).json()["items"]
    before = api.get("/api/v1/guide/publications", {"community_id": community.pk, "on": "2020-01-01"}).json()
    one = api.get(f"/api/v1/guide/publications/{versions[0]['id']}").json()

    assert [v["number"] for v in versions] == [1] and before["items"] == []
    assert one["lines"][0]["name"] == "开具居住证明"


def test_the_api_imports_all_rows_or_none(places: Any, api_as: Any) -> None:
    from linli.guide import importing
    from tests.guide_support import workbook

    good = [
        "开具居住证明",
        "证明开具",
        "居民",
        "",
        "窗口",
        "一楼",
        "工作日",
        0,
        "即办",
        "否",
        "免费",
        "综合受理岗",
        "",
        "",
    ]
    bad = [
        "老年人优待证",
        "民政救助",
        "老人",
        "",
        "传真",
        "一楼",
        "工作日",
        5,
        "快办",
        "否",
        "免费",
        "民政专干",
        "",
        "",
    ]
    api = api_as("community")
    url = f"/api/v1/guide/imports?community_id={places.communities[0].pk}"

    refused = api.post(url, {"file": workbook(importing.HEADERS, [good, bad])})
    partial = api.post(url, {"file": workbook(importing.HEADERS, [good, bad]), "only_valid": "true"})

    row = refused.json()["rows"][0]
    assert refused.status_code == 422 and (row["row"], row["column"]) == (3, "办理方式")
    assert partial.status_code == 200 and partial.json()["created"] == 1 and partial.json()["skipped"][0]["row"] == 3


def test_figures_for_the_street_and_refused_to_a_grid_worker(users: Any, places: Any, api_as: Any) -> None:
    published(users["community"], places.communities[0])

    response = api_as("street").get("/api/v1/guide/figures", {"place_id": places.street.pk})
    refused = api_as("grid").get("/api/v1/guide/figures", {"place_id": places.street.pk})

    body = response.json()
    assert response.status_code == 200 and body["published"] == 1 and body["instant_share"] == 1.0
    assert body["without_list"] == [places.other_community.pk]
    assert refused.status_code == 404


def test_the_lists_without_a_community_answer_every_list_one_may_read(api_as, users, places) -> None:
    from linli.guide.models import ItemStatus, ServiceItem
    from tests.guide_support import draft

    mine = draft(users["street"], places.communities[0], name="开具居住证明")
    theirs = draft(users["street"], places.communities[1], name="开具无犯罪记录证明")
    api = api_as("community")
    kept = {i["id"] for i in api.get("/api/v1/guide/items").json()["items"]}
    assert mine.pk in kept and theirs.pk not in kept
    public = api.get("/api/v1/guide/public/items").json()["items"]
    assert len(public) == min(50, ServiceItem.objects.filter(status=ItemStatus.PUBLISHED).count())
    refused = api.get("/api/v1/guide/publications", {"on": "2026-01-01"})
    assert refused.status_code == 422 and refused.json()["field"] == "community_id"
