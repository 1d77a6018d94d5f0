"""Deliberation API: votes, ballots and results through the same services, scoped like the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from linli.deliberation.models import Ballot, MediationCase, Topic, Vote, Voter
from linli.deliberation.services_votes import vote_create, vote_open
from tests.test_deliberation_votes import make_owners

BASE = "/api/v1/deliberation"


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(BASE + url, json.dumps(data, default=str), content_type="application/json")


@pytest.fixture
def open_vote(users: Any, places: Any) -> Vote:
    make_owners(places.compounds[0], users["resident"].person, ["120", "80", "100"])
    vote = vote_create(
        actor=users["community"],
        place=places.compounds[0],
        title="外墙维修",
        question="是否同意使用维修资金维修外墙",
        electorate="owners",
        rule="art278_special",
        closes_at=timezone.now() + dt.timedelta(days=5),
    )
    return vote_open(actor=users["community"], vote=vote)


def test_staff_create_and_open_a_vote_through_the_api(api_as: Any, users: Any, places: Any) -> None:
    make_owners(places.compounds[0], users["resident"].person, ["100"])
    staff = api_as("community")
    r = post(
        staff,
        "/votes",
        {
            "place_id": places.compounds[0].pk,
            "title": "加装电梯",
            "question": "是否同意加装电梯",
            "electorate": "owners",
            "rule": "art278_ordinary",
            "closes_at": timezone.now() + dt.timedelta(days=3),
        },
    )
    assert r.status_code == 201, r.content
    vote_id = r.json()["id"]
    r = post(staff, f"/votes/{vote_id}/open", {})
    assert r.status_code == 200 and r.json()["status"] == "open"
    assert Voter.objects.filter(vote_id=vote_id).count() == 1


def test_an_owner_votes_and_a_second_ballot_is_a_409(api_as: Any, open_vote: Vote) -> None:
    resident = api_as("resident")
    r = post(resident, f"/votes/{open_vote.pk}/ballots", {"choice": "for"})
    assert r.status_code == 201, r.content
    r = post(resident, f"/votes/{open_vote.pk}/ballots", {"choice": "against"})
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"
    assert Ballot.objects.filter(vote=open_vote).count() == 1


def test_the_result_shows_both_thresholds_to_staff_and_is_refused_to_residents_until_the_close(
    api_as: Any, open_vote: Vote
) -> None:
    post(api_as("resident"), f"/votes/{open_vote.pk}/ballots", {"choice": "for"})
    assert api_as("resident").get(f"{BASE}/votes/{open_vote.pk}/result").status_code == 403
    body = api_as("community").get(f"{BASE}/votes/{open_vote.pk}/result").json()
    assert body["electorate_count"] == 3 and body["participating_count"] == 1
    assert [c["rule"] for c in body["checks"]] == ["≥ 2/3", "≥ 2/3", "≥ 3/4", "≥ 3/4"]
    assert body["approved"] is False


def test_a_paper_ballot_number_used_twice_is_a_409_naming_the_field(api_as: Any, open_vote: Vote) -> None:
    staff = api_as("community")
    voters = list(Voter.objects.filter(vote=open_vote).order_by("id"))
    assert (
        post(
            staff,
            f"/votes/{open_vote.pk}/paper-ballots",
            {"voter_id": voters[1].pk, "choice": "for", "paper_number": "001"},
        ).status_code
        == 201
    )
    r = post(
        staff,
        f"/votes/{open_vote.pk}/paper-ballots",
        {"voter_id": voters[2].pk, "choice": "for", "paper_number": "001"},
    )
    assert r.status_code == 409 and r.json()["field"] == "paper_number"


def test_a_grid_worker_of_another_community_cannot_see_the_vote_or_guess_its_id(
    api_as: Any, open_vote: Vote, users: Any, places: Any
) -> None:
    other = vote_create(
        actor=users["street"],
        place=places.other_community,
        title="别处",
        question="q",
        electorate="adults",
        rule="simple",
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    grid = api_as("grid")
    assert grid.get(f"{BASE}/votes/{other.pk}").status_code == 404
    assert post(grid, f"/votes/{other.pk}/open", {}).status_code == 404
    ids = [v["id"] for v in grid.get(f"{BASE}/votes").json()["items"]]
    assert other.pk not in ids


def test_votes_list_is_bounded_in_queries(api_as: Any, open_vote: Vote, django_assert_max_num_queries: Any) -> None:
    client = api_as("community")
    with django_assert_max_num_queries(8):
        r = client.get(f"{BASE}/votes?limit=200")
    assert r.status_code == 200 and r.json()["items"][0]["id"] == open_vote.pk


def test_page_size_above_200_is_refused(api_as: Any) -> None:
    assert api_as("community").get(f"{BASE}/votes?limit=201").status_code == 422


def test_a_resident_raises_a_topic_in_their_compound_and_discusses_it(api_as: Any, users: Any, places: Any) -> None:
    resident = api_as("resident")
    r = post(resident, "/topics", {"place_id": places.compounds[0].pk, "title": "楼道堆物", "body": "消防通道被占"})
    assert r.status_code == 201, r.content
    topic_id = r.json()["id"]
    assert r.json()["source"] == "resident"
    assert post(resident, f"/topics/{topic_id}/comments", {"body": "同意清理"}).status_code == 201
    assert post(api_as("community"), f"/topics/{topic_id}/escalate", {}).json()["level"] == "property"
    r = post(resident, "/topics", {"place_id": places.other_community.pk, "title": "别人家", "body": ""})
    assert r.status_code == 403
    assert Topic.objects.filter(title="别人家").count() == 0


def test_mediation_case_is_opened_closed_and_counted_in_the_rate(api_as: Any, users: Any, places: Any) -> None:
    staff = api_as("community")
    today = timezone.localdate()
    r = post(
        staff,
        "/mediation",
        {
            "place_id": places.compounds[0].pk,
            "title": "漏水纠纷",
            "dispute": "楼上漏水",
            "parties": ["张三", "李四"],
            "mediator_id": users["grid"].person_id,
            "opened_on": today,
        },
    )
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    assert post(staff, f"/mediation/{case_id}/close", {"outcome": "success", "closed_on": today}).status_code == 422
    r = post(
        staff, f"/mediation/{case_id}/close", {"outcome": "success", "closed_on": today, "agreement": "楼上维修并赔偿"}
    )
    assert r.status_code == 200 and r.json()["outcome"] == "success"
    rates = staff.get(f"{BASE}/mediation-rates?node={places.communities[0].pk}&start={today}&end={today}").json()
    assert rates[0]["closed"] == 1 and rates[0]["rate_percent"] == 100.0
    assert MediationCase.objects.get(pk=case_id).agreement == "楼上维修并赔偿"
