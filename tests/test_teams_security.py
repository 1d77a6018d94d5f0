"""Thinking like an attacker with a grid-worker account (and a community worker's): the team pages and API show
a grid worker their own compound's team and list, read-only; anything outside is the same 404 as a missing id,
and no write they attempt changes anything."""

from __future__ import annotations

import json
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import DutyItem, TeamMember, TeamPost, TeamStandard
from tests.teams_support import residents

pytestmark = pytest.mark.django_db
MISSING = 987654321
JSON = "application/json"


@pytest.fixture
def world(users: Any, places: Any) -> Any:
    """A template in each community copied into its compounds, and one member on each compound's team."""

    class W:
        pass

    w = W()
    street = users["street"]
    w.mine, w.neighbour, w.elsewhere = places.compounds[0], places.compounds[1], places.compounds[2]
    w.members = {}
    w.items = {}
    for community in places.communities:
        si.item_create(
            actor=street,
            place=community,
            duty=si.Duty(
                category="governance", title=f"{community.name}网格巡查", frequency="weekly", post="grid_chief"
            ),
        )
        si.items_copy(actor=street, community=community)
    for compound in (w.mine, w.neighbour, w.elsewhere):
        person = residents(compound, 1)[0]
        w.members[compound.pk], _ = s.member_add(actor=street, compound=compound, post="grid_chief", person=person)
        w.items[compound.pk] = DutyItem.objects.get(place=compound)
    w.template = DutyItem.objects.get(place=places.communities[0])
    w.standard, _ = s.standard_adopt(actor=street, place=places.communities[1])
    return w


def _snapshot() -> tuple[Any, ...]:
    return (
        sorted(TeamMember.objects.values_list("pk", "post", "ended_on")),
        sorted(DutyItem.objects.values_list("pk", "title", "post", "member_id")),
        sorted(TeamPost.objects.values_list("pk", "name", "fixed", "per_building", "active")),
        TeamStandard.objects.count(),
    )


def test_a_grid_worker_reads_their_own_compounds_team_and_list_but_gets_no_forms(
    client_as: Any, api_as: Any, world: Any
) -> None:
    page = client_as("grid").get(f"/teams/compounds/{world.mine.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.members[world.mine.pk].person.name in html and world.items[world.mine.pk].title in html
    assert 'name="form"' not in html
    team = api_as("grid").get(f"/api/v1/teams/compounds/{world.mine.pk}").json()
    assert team["may_edit"] is False and team["compound_name"] == world.mine.name
    listed = api_as("grid").get("/api/v1/teams/items", {"limit": 200}).json()["items"]
    assert [i["id"] for i in listed] == [world.items[world.mine.pk].pk]
    compounds = api_as("grid").get("/api/v1/teams/compounds").json()["items"]
    assert [c["compound_id"] for c in compounds] == [world.mine.pk]


def test_a_grid_worker_cannot_edit_their_own_compounds_team_or_list(
    users: Any, client_as: Any, api_as: Any, world: Any
) -> None:
    before = _snapshot()
    api = api_as("grid")
    mine, member, item = world.mine, world.members[world.mine.pk], world.items[world.mine.pk]
    person = residents(mine, 2)[1]
    answers = [
        api.post(f"/api/v1/teams/compounds/{mine.pk}/members", {"post": "building", "person_id": person.pk}, JSON),
        api.post(f"/api/v1/teams/members/{member.pk}/end", {}, JSON),
        api.post(
            "/api/v1/teams/items",
            {"place_id": mine.pk, "category": "service", "title": "x", "frequency": "weekly"},
            JSON,
        ),
        api.put(
            f"/api/v1/teams/items/{item.pk}",
            json.dumps({"category": "service", "title": "改掉", "frequency": "daily"}),
            JSON,
        ),
        api.delete(f"/api/v1/teams/items/{item.pk}"),
    ]
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert all(a.json()["error"] == "forbidden" for a in answers)
    pages = client_as("grid")
    for form in (
        {"form": "member_add", "post": "building", "person_id": person.pk},
        {"form": "member_end", "member_id": member.pk},
        {"form": "item_remove", "duty_id": item.pk},
        {"form": "copy"},
    ):
        refused = pages.post(f"/teams/compounds/{mine.pk}/", form)
        assert refused.status_code == 403 and "只能查看" in refused.content.decode()
    assert _snapshot() == before
    assert not AuditEvent.objects.filter(actor=users["grid"], action__startswith="teams.").exists()


def test_a_grid_worker_cannot_read_another_compound_of_their_own_community(
    client_as: Any, api_as: Any, world: Any
) -> None:
    """The neighbouring compound is in the same community: a check at community level would let it through."""
    api, pages = api_as("grid"), client_as("grid")
    neighbour, item = world.neighbour, world.items[world.neighbour.pk]
    for url in ("/api/v1/teams/compounds/{}", "/api/v1/teams/items/{}"):
        real = api.get(url.format(neighbour.pk if "compounds" in url else item.pk))
        missing = api.get(url.format(MISSING))
        assert real.status_code == missing.status_code == 404
        assert real.json() == missing.json()
    assert pages.get(f"/teams/compounds/{neighbour.pk}/").status_code == 404
    assert api.get("/api/v1/teams/coverage", {"node_id": neighbour.pk}).status_code == 404
    assert api.get("/api/v1/teams/items", {"place_id": neighbour.pk}).status_code == 404
    assert pages.get("/teams/", {"node": neighbour.pk}).status_code == 404
    assert pages.get("/teams/standards/", {"place": neighbour.pk}).status_code == 404


def test_a_grid_worker_cannot_read_the_community_template_above_them(
    places: Any, client_as: Any, api_as: Any, world: Any
) -> None:
    api = api_as("grid")
    assert api.get(f"/api/v1/teams/items/{world.template.pk}").status_code == 404
    assert api.get("/api/v1/teams/items", {"place_id": places.communities[0].pk}).status_code == 404
    assert client_as("grid").get(f"/teams/communities/{places.communities[0].pk}/template/").status_code == 404


def test_a_grid_worker_cannot_edit_another_communitys_team(users: Any, api_as: Any, world: Any) -> None:
    before = _snapshot()
    api = api_as("grid")
    elsewhere, member, item = world.elsewhere, world.members[world.elsewhere.pk], world.items[world.elsewhere.pk]
    person = residents(elsewhere, 2)[1]
    pairs = [
        (f"/api/v1/teams/compounds/{elsewhere.pk}/members", f"/api/v1/teams/compounds/{MISSING}/members"),
        (f"/api/v1/teams/members/{member.pk}/end", f"/api/v1/teams/members/{MISSING}/end"),
    ]
    body = {"post": "building", "person_id": person.pk}
    for real_url, missing_url in pairs:
        real, missing = api.post(real_url, body, JSON), api.post(missing_url, body, JSON)
        assert real.status_code == missing.status_code == 404 and real.json() == missing.json()
    fields = {"category": "service", "title": "改掉", "frequency": "daily"}
    real = api.put(f"/api/v1/teams/items/{item.pk}", json.dumps(fields), JSON)
    missing = api.put(f"/api/v1/teams/items/{MISSING}", json.dumps(fields), JSON)
    assert real.status_code == missing.status_code == 404 and real.json() == missing.json()
    created = api.post("/api/v1/teams/items", {**fields, "place_id": elsewhere.pk}, JSON)
    assert created.status_code == 404 and created.json()["field"] == "place_id"
    real = api.put(
        f"/api/v1/teams/standards/{world.standard.pk}/posts/building", {"name": "楼栋长", "per_building": 5}, JSON
    )
    missing = api.put(f"/api/v1/teams/standards/{MISSING}/posts/building", {"name": "楼栋长", "per_building": 5}, JSON)
    assert real.status_code == missing.status_code == 404 and real.json() == missing.json()
    assert "滨湖" not in real.content.decode()
    assert _snapshot() == before
    assert AuditEvent.objects.filter(actor=users["grid"], action="permission.denied").exists()


def test_a_grid_worker_cannot_seat_themselves_or_anyone_by_typing_an_id(users: Any, client_as: Any, world: Any) -> None:
    before = _snapshot()
    page = client_as("grid").post(
        f"/teams/compounds/{world.mine.pk}/",
        {"form": "member_add", "post": "secretary", "person_number": users["grid"].person_id},
    )
    assert page.status_code == 403
    assert _snapshot() == before


def test_a_community_worker_cannot_touch_another_communitys_teams_template_or_standard(
    users: Any, places: Any, client_as: Any, api_as: Any, world: Any
) -> None:
    before = _snapshot()
    api = api_as("community")
    other_community = places.communities[1]
    assert api.get(f"/api/v1/teams/compounds/{world.elsewhere.pk}").status_code == 404
    assert (
        api.post("/api/v1/teams/items/copy", {"community_id": other_community.pk}, JSON).json()["field"]
        == "community_id"
    )
    copy_into = api.post(
        "/api/v1/teams/items/copy",
        {"community_id": places.communities[0].pk, "compound_ids": [world.elsewhere.pk]},
        JSON,
    )
    assert copy_into.status_code == 404 and copy_into.json()["field"] == "compound_ids"
    assert api.post("/api/v1/teams/standards", {"place_id": other_community.pk}, JSON).status_code == 404
    assert api.post("/api/v1/teams/standards", {"place_id": places.street.pk}, JSON).status_code == 404
    assert client_as("community").get(f"/teams/communities/{other_community.pk}/template/").status_code == 404
    assert _snapshot() == before


def test_a_community_worker_sees_the_street_standard_they_follow_but_cannot_change_it(
    users: Any, places: Any, api_as: Any, world: Any
) -> None:
    street, _ = s.standard_adopt(actor=users["street"], place=places.street)
    api = api_as("community")
    read = api.get("/api/v1/teams/standards", {"place_id": places.compounds[0].pk}).json()
    assert (read["id"], read["own"], read["may_edit"]) == (street.pk, False, False)
    refused = api.put(
        f"/api/v1/teams/standards/{street.pk}/posts/building", {"name": "楼栋长", "per_building": 1}, JSON
    )
    assert refused.status_code == 403
    assert TeamPost.objects.get(standard=street, code="building").per_building == 2


def test_a_person_outside_the_workers_sight_cannot_be_put_on_a_team(
    users: Any, places: Any, api_as: Any, world: Any
) -> None:
    """The community worker may seat people of their ledger or staff of their community, not a resident of the
    other community whose id they guessed (their name would show on the roster)."""
    stranger = residents(places.communities[1], 1)[0]
    answer = api_as("community").post(
        f"/api/v1/teams/compounds/{world.mine.pk}/members", {"post": "volunteer", "person_id": stranger.pk}, JSON
    )
    assert answer.status_code == 404 and answer.json()["field"] == "person_id"
    assert stranger.name not in answer.content.decode()
    assert not TeamMember.objects.filter(person=stranger, compound=world.mine).exists()


@pytest.mark.parametrize("who", ["resident", "volunteer"])
def test_residents_and_volunteers_see_no_team(who: str, client_as: Any, api_as: Any, world: Any) -> None:
    api = api_as(who)
    assert api.get(f"/api/v1/teams/compounds/{world.mine.pk}").status_code == 404
    assert api.get("/api/v1/teams/items").json()["items"] == []
    assert api.get("/api/v1/teams/compounds").status_code == 404
    assert api.get("/api/v1/teams/coverage").status_code == 404
    assert client_as(who).get(f"/teams/compounds/{world.mine.pk}/").status_code == 404
    assert client_as(who).get("/teams/").status_code == 404
