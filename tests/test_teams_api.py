"""The team API does what the pages do, through the same services: status codes for a first and a repeated
write, refusals naming the field in Chinese, keyset pages, and lists whose query count does not grow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.teams import services_items as si
from linli.teams.models import DutyItem, TeamMember, TeamStandard
from tests.teams_support import fill, residents

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_seating_a_member_is_201_then_200_and_leaving_is_repeatable(places: Any, api_as: Any) -> None:
    api = api_as("community")
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    url = f"/api/v1/teams/compounds/{compound.pk}/members"
    first = api.post(url, {"post": "building", "person_id": person.pk, "note": "1栋楼栋长"}, JSON)
    again = api.post(url, {"post": "building", "person_id": person.pk}, JSON)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["person_name"] == person.name
    team = api.get(f"/api/v1/teams/compounds/{compound.pk}").json()
    building = next(p for p in team["posts"] if p["code"] == "building")
    assert [m["person_id"] for m in building["members"]] == [person.pk] and team["may_edit"] is True
    end = f"/api/v1/teams/members/{first.json()['id']}/end"
    left = api.post(end, {"reason": "搬家"}, JSON)
    assert left.status_code == 200 and left.json()["ended_on"] and left.json()["end_reason"] == "搬家"
    assert api.post(end, {}, JSON).json()["end_reason"] == "搬家"


def test_refusals_name_the_field_in_chinese(places: Any, api_as: Any) -> None:
    api = api_as("community")
    compound = places.compounds[0]
    person = residents(compound, 1)[0]
    bad_post = api.post(
        f"/api/v1/teams/compounds/{compound.pk}/members", {"post": "boss", "person_id": person.pk}, JSON
    )
    assert bad_post.status_code == 422 and bad_post.json()["field"] == "post"
    assert "配备标准中的岗位" in bad_post.json()["detail"]
    blank = api.post(
        "/api/v1/teams/items",
        {"place_id": compound.pk, "category": "party", "title": " ", "frequency": "monthly"},
        JSON,
    )
    assert blank.status_code == 422 and (blank.json()["field"], blank.json()["detail"]) == ("title", "请填写事项名称")
    code = api.put(
        f"/api/v1/teams/standards/{TeamStandard.objects.get(place_path='').pk}/posts/BAD",
        {"name": "x", "fixed": 1},
        JSON,
    )
    assert code.status_code == 403  # the default is the administrators'; nothing is looked at before that


def test_an_item_is_created_once_per_key_rewritten_and_deleted(places: Any, api_as: Any) -> None:
    api = api_as("community")
    compound = places.compounds[0]
    body = {
        "place_id": compound.pk,
        "category": "governance",
        "title": "楼道堆物清理",
        "frequency": "weekly",
        "post": "building",
    }
    first = api.post("/api/v1/teams/items", body, JSON, headers={"Idempotency-Key": "abc-1"})
    again = api.post("/api/v1/teams/items", body, JSON, headers={"Idempotency-Key": "abc-1"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert first.json()["post_name"] == "网格员/楼栋长" and first.json()["template"] is False
    same_title = api.post("/api/v1/teams/items", body, JSON)
    assert same_title.status_code == 409 and same_title.json()["field"] == "title"
    url = f"/api/v1/teams/items/{first.json()['id']}"
    changed = api.put(url, json.dumps({**body, "frequency": "daily", "detail": "每天傍晚"}), JSON)
    assert changed.status_code == 200 and changed.json()["frequency_label"] == "每日"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_the_template_is_copied_into_the_compounds_once(users: Any, places: Any, api_as: Any) -> None:
    community = places.communities[0]
    si.item_create(
        actor=users["community"],
        place=community,
        duty=si.Duty(category="party", title="主题党日", frequency="monthly", post="secretary"),
    )
    api = api_as("community")
    first = api.post("/api/v1/teams/items/copy", {"community_id": community.pk}, JSON).json()
    again = api.post("/api/v1/teams/items/copy", {"community_id": community.pk}, JSON).json()
    assert (first, again) == ({"created": 2, "skipped": 0}, {"created": 0, "skipped": 2})
    template = api.get("/api/v1/teams/items", {"place_id": community.pk}).json()["items"]
    assert [(i["title"], i["template"]) for i in template] == [("主题党日", True)]


def test_a_standard_is_kept_and_its_posts_changed_through_the_api(places: Any, api_as: Any) -> None:
    api = api_as("street")
    community = places.communities[1]
    adopted = api.post("/api/v1/teams/standards", {"place_id": community.pk}, JSON)
    again = api.post("/api/v1/teams/standards", {"place_id": community.pk}, JSON)
    assert (adopted.status_code, again.status_code) == (201, 200) and adopted.json()["own"] is True
    sid = adopted.json()["id"]
    added = api.put(f"/api/v1/teams/standards/{sid}/posts/mediator", {"name": "调解员", "fixed": 1}, JSON)
    changed = api.put(f"/api/v1/teams/standards/{sid}/posts/mediator", {"name": "人民调解员", "fixed": 1}, JSON)
    assert (added.status_code, changed.status_code) == (201, 200)
    read = api.get("/api/v1/teams/standards", {"place_id": places.compounds[2].pk}).json()
    assert read["id"] == sid and read["formula"] == "1+1+2N+1+X" and read["may_edit"] is True
    removed = api.delete(f"/api/v1/teams/standards/{sid}/posts/mediator")
    assert removed.status_code == 200 and removed.json()["active"] is False
    assert api.delete(f"/api/v1/teams/standards/{sid}/posts/nosuch").status_code == 404
    dropped = api.delete(f"/api/v1/teams/standards/{sid}")
    assert dropped.status_code == 200 and dropped.json()["own"] is False and dropped.json()["formula"] == "1+1+2N+X"
    assert api.delete(f"/api/v1/teams/standards/{sid}").status_code == 404


def test_the_compound_list_is_paged_in_tree_order(users: Any, places: Any, api_as: Any) -> None:
    fill(users["street"], places.compounds[1])
    api = api_as("street")
    first = api.get("/api/v1/teams/compounds", {"limit": 2}).json()
    second = api.get("/api/v1/teams/compounds", {"limit": 2, "cursor": first["next"]}).json()
    ids = [c["compound_id"] for c in first["items"] + second["items"]]
    assert ids == [c.pk for c in places.compounds] and second["next"] is None
    assert [c["complete"] for c in first["items"]] == [False, True]


def _count(api: Any, url: str, params: dict[str, Any]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        body = api.get(url, params).json()
    return len(ctx), len(body.get("items", body.get("gaps", [])))


def test_lists_cost_the_same_queries_with_more_rows(users: Any, places: Any, api_as: Any) -> None:
    api = api_as("street")
    community = places.communities[0]
    si.item_create(
        actor=users["street"], place=community, duty=si.Duty(category="party", title="事项0", frequency="monthly")
    )
    member = fill(users["street"], places.compounds[0], short=2)[0]
    lists = [
        ("/api/v1/teams/items", {"limit": 200}),
        ("/api/v1/teams/compounds", {"limit": 200}),
        ("/api/v1/teams/coverage", {}),
    ]
    before = [_count(api, url, params) for url, params in lists]
    for n in range(1, 6):
        si.item_create(
            actor=users["street"],
            place=community,
            duty=si.Duty(category="service", title=f"事项{n}", frequency="weekly", post="building"),
        )
        si.item_create(
            actor=users["street"],
            place=places.compounds[0],
            duty=si.Duty(category="party", title=f"小区事项{n}", frequency="weekly", member=member),
        )
    si.items_copy(actor=users["street"], community=community)
    fill(users["street"], places.compounds[3], short=1)
    after = [_count(api, url, params) for url, params in lists]
    assert after[0][1] > before[0][1]  # more items listed (the coverage has more members, fewer gaps)
    assert all(a[0] <= b[0] for a, b in zip(after, before, strict=True)), (before, after)
    assert DutyItem.objects.count() > 10 and TeamMember.objects.count() > 10
