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


def _meeting_with_decision(users: Any, places: Any) -> Any:
    from linli.deliberation.services_meetings import agenda_add, decision_record, meeting_plan
    from linli.deliberation.services_topics import topic_raise
    from linli.orgs.models import Organisation

    meeting = meeting_plan(
        actor=users["community"],
        place=places.compounds[0],
        kind="joint",
        title="联席会议",
        location="社区会议室",
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    topic = topic_raise(actor=users["community"], place=places.compounds[0], title="雨污分流改造")
    agenda_add(actor=users["community"], meeting=meeting, topic=topic)
    decision = decision_record(
        actor=users["community"],
        meeting=meeting,
        text="物业牵头制定改造方案",
        deadline=timezone.localdate() + dt.timedelta(days=20),
        topic=topic,
        responsible_org=Organisation.objects.first(),
    )
    return meeting, decision


def test_a_draft_decision_can_be_edited_and_a_published_one_is_a_409(api_as: Any, users: Any, places: Any) -> None:
    meeting, decision = _meeting_with_decision(users, places)
    staff = api_as("community")
    deadline = str(timezone.localdate() + dt.timedelta(days=25))
    r = staff.put(
        f"{BASE}/decisions/{decision.pk}",
        json.dumps({"text": "物业牵头,一个月内出方案", "deadline": deadline}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["text"] == "物业牵头,一个月内出方案"
    from linli.deliberation.services_meetings import results_publish

    results_publish(actor=users["community"], meeting=meeting)
    r = staff.put(
        f"{BASE}/decisions/{decision.pk}",
        json.dumps({"text": "改掉", "deadline": deadline}),
        content_type="application/json",
    )
    assert r.status_code == 409
    decision.refresh_from_db()
    assert decision.text == "物业牵头,一个月内出方案"


def test_staff_invite_a_person_and_an_organisation_and_a_duplicate_is_refused(
    api_as: Any, users: Any, places: Any
) -> None:
    from linli.deliberation.models import MeetingParticipant
    from linli.orgs.models import Organisation

    meeting, _ = _meeting_with_decision(users, places)
    staff = api_as("community")
    org = Organisation.objects.first()
    assert (
        post(staff, f"/meetings/{meeting.pk}/participants", {"organisation_id": org.pk, "role": "物业"}).status_code
        == 200
    )
    assert (
        post(staff, f"/meetings/{meeting.pk}/participants", {"person_id": users["resident"].person_id}).status_code
        == 200
    )
    assert post(staff, f"/meetings/{meeting.pk}/participants", {"organisation_id": org.pk}).status_code == 409
    assert post(staff, f"/meetings/{meeting.pk}/participants", {}).status_code == 422
    assert MeetingParticipant.objects.filter(meeting=meeting).count() == 2


def test_decision_goes_published_done_evaluated_and_an_evaluation_before_completion_is_refused(
    api_as: Any, users: Any, places: Any
) -> None:
    from linli.deliberation.services_meetings import results_publish

    meeting, decision = _meeting_with_decision(users, places)
    resident = api_as("resident")
    results_publish(actor=users["community"], meeting=meeting)
    assert post(resident, f"/decisions/{decision.pk}/evaluations", {"score": 5}).status_code == 409
    r = post(api_as("community"), f"/decisions/{decision.pk}/complete", {"note": "方案已公示并开工"})
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert post(resident, f"/decisions/{decision.pk}/evaluations", {"score": 4, "comment": "及时"}).status_code == 201
    assert post(resident, f"/decisions/{decision.pk}/evaluations", {"score": 5}).status_code == 409
    assert post(resident, f"/decisions/{decision.pk}/evaluations", {"score": 6}).status_code == 422


def test_mediation_rate_is_split_per_child_node_and_period(users: Any, places: Any) -> None:
    from linli.deliberation.selectors import mediation_rates
    from linli.deliberation.services_mediation import mediation_close, mediation_open

    today = timezone.localdate()
    old = today - dt.timedelta(days=400)
    plan = [
        (places.communities[0], "success", today),
        (places.communities[0], "failure", today),
        (places.other_community, "success", today),
        (places.other_community, "success", old),
    ]
    for place, outcome, day in plan:
        case = mediation_open(
            actor=users["street"],
            place=place,
            title="纠纷",
            dispute="d",
            parties=["甲", "乙"],
            mediator=users["grid"].person,
            opened_on=day,
        )
        mediation_close(actor=users["street"], case=case, outcome=outcome, closed_on=day, agreement="协议")
    rows = mediation_rates(users["street"], node=places.street, start=today.replace(day=1), end=today)
    by_label = {r.label: r for r in rows}
    assert (rows[0].closed, rows[0].success) == (3, 2)
    assert by_label[str(places.communities[0])].rate == 50.0
    assert by_label[str(places.other_community)].rate == 100.0
    from linli.core.errors import NotFound

    with pytest.raises(NotFound):
        mediation_rates(users["grid"], node=places.street, start=today, end=today)
