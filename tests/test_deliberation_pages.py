"""Deliberation pages: each renders for the right people, refuses the wrong ones, and scoping holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.deliberation.models import Ballot, Decision, MeetingSignIn, Publication, Topic, TopicComment, Voter
from linli.deliberation.services_meetings import agenda_add, decision_record, meeting_plan, results_publish
from linli.deliberation.services_topics import topic_comment, topic_raise
from linli.deliberation.services_votes import vote_close, vote_create, vote_open
from linli.orgs.models import Organisation
from tests.test_deliberation_votes import make_owners


@pytest.fixture
def vote(users: Any, places: Any) -> Any:
    make_owners(places.compounds[0], users["resident"].person, ["100", "60", "40"])
    v = vote_create(
        actor=users["community"],
        place=places.compounds[0],
        title="更换门禁",
        question="是否同意更换小区门禁",
        electorate="owners",
        rule="art278_ordinary",
        closes_at=timezone.now() + dt.timedelta(days=2),
    )
    return vote_open(actor=users["community"], vote=v)


def test_every_list_page_renders_for_staff_and_residents(client_as: Any) -> None:
    for name in ("community", "grid", "resident", "street"):
        client = client_as(name)
        for url in ("/deliberation/", "/deliberation/votes/", "/deliberation/topics/", "/deliberation/meetings/"):
            assert client.get(url).status_code == 200, (name, url)
    assert client_as("community").get("/deliberation/mediation/").status_code == 200
    assert client_as("community").get("/deliberation/mediation/rates/").status_code == 200


def test_a_resident_cannot_open_the_new_vote_form(client_as: Any) -> None:
    assert client_as("resident").get("/deliberation/votes/new/").status_code == 404


def test_staff_create_a_vote_by_form_and_a_bad_close_time_saves_nothing(client_as: Any, places: Any) -> None:
    client = client_as("community")
    data = {
        "place_id": places.compounds[0].pk,
        "title": "停车位",
        "question": "是否同意划线",
        "electorate": "adults",
        "rule": "simple",
        "closes_at": "2000-01-01T10:00",
    }
    r = client.post("/deliberation/votes/new/", data)
    assert r.status_code == 422 and "截止时间应晚于现在" in r.content.decode()
    data["closes_at"] = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = client.post("/deliberation/votes/new/", data)
    assert r.status_code == 302


def test_resident_votes_on_the_page_and_sees_they_have_voted(client_as: Any, vote: Any) -> None:
    client = client_as("resident")
    page = client.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert 'name="choice"' in page
    client.post(f"/deliberation/votes/{vote.pk}/cast/", {"choice": "for"})
    page = client.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "您已投票" in page and 'name="choice"' not in page
    r = client.post(f"/deliberation/votes/{vote.pk}/cast/", {"choice": "against"}, follow=True)
    assert "已经投过票" in r.content.decode()
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_the_staff_vote_page_shows_roster_and_both_thresholds(
    client_as: Any, vote: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_as("community")
    with django_assert_max_num_queries(25):
        page = client.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "参与表决专有部分面积 / 总面积" in page and "参与表决业主人数 / 业主总人数" in page
    assert "录入纸质票" in page


def test_a_grid_worker_elsewhere_gets_404_for_a_vote_by_guessed_id(client_as: Any, users: Any, places: Any) -> None:
    other = vote_create(
        actor=users["street"],
        place=places.other_community,
        title="别的社区",
        question="q",
        electorate="adults",
        rule="simple",
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    assert client_as("grid").get(f"/deliberation/votes/{other.pk}/").status_code == 404
    assert client_as("grid").post(f"/deliberation/votes/{other.pk}/open/").status_code == 404
    assert client_as("resident").get(f"/deliberation/votes/{other.pk}/").status_code == 404


def test_the_result_is_published_to_residents_of_the_compound_only(client_as: Any, users: Any, vote: Any) -> None:
    publication = vote_close(actor=users["community"], vote=vote, reason="测试提前结束", publish_days=5)
    assert publication.title in client_as("resident").get("/deliberation/").content.decode()
    assert client_as("resident").get(f"/deliberation/publications/{publication.pk}/").status_code == 200
    page = client_as("resident").get(f"/deliberation/votes/{vote.pk}/").content.decode()
    assert "门槛核算" in page and "投票人名册" not in page
    others = Publication.objects.visible_to(users["grid"]).filter(pk=publication.pk)
    assert others.exists()  # the grid worker's grid is inside the compound


def test_hidden_comments_disappear_for_residents_but_stay_for_moderators(
    client_as: Any, users: Any, places: Any
) -> None:
    topic = topic_raise(actor=users["resident"], place=places.compounds[0], title="广场舞噪音", body="晚上太吵")
    comment = topic_comment(actor=users["resident"], topic=topic, body="广告:代办证件")
    r = client_as("community").post(f"/deliberation/topics/{topic.pk}/comments/{comment.pk}/hide/", {"reason": "广告"})
    assert r.status_code == 302
    assert TopicComment.objects.get(pk=comment.pk).hidden
    assert "代办证件" not in client_as("resident").get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert "代办证件" in client_as("community").get(f"/deliberation/topics/{topic.pk}/").content.decode()


def test_a_published_decision_cannot_be_edited(users: Any, places: Any) -> None:
    from linli.core.errors import Conflict
    from linli.deliberation.services_meetings import decision_edit

    meeting = meeting_plan(
        actor=users["community"],
        place=places.compounds[0],
        kind="heart_to_heart",
        title="屋场恳谈会",
        location="小区广场",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )
    topic = topic_raise(actor=users["resident"], place=places.compounds[0], title="加装路灯")
    agenda_add(actor=users["community"], meeting=meeting, topic=topic)
    org = Organisation.objects.first()
    decision = decision_record(
        actor=users["community"],
        meeting=meeting,
        text="在3号楼前加装两盏路灯",
        deadline=timezone.localdate() + dt.timedelta(days=30),
        topic=topic,
        responsible_org=org,
    )
    results_publish(actor=users["community"], meeting=meeting, days=7)
    with pytest.raises(Conflict):
        decision_edit(actor=users["community"], decision=decision, text="改了", deadline=decision.deadline)
    assert Decision.objects.get(pk=decision.pk).text == "在3号楼前加装两盏路灯"
    assert Topic.objects.get(pk=topic.pk).status == "decided"


def test_signing_in_by_the_qr_link_works_once(client_as: Any, users: Any, places: Any) -> None:
    meeting = meeting_plan(
        actor=users["community"],
        place=places.compounds[0],
        kind="council",
        title="议事会",
        location="党群服务站",
        starts_at=timezone.now(),
    )
    staff_page = client_as("community").get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert "<svg" in staff_page and meeting.checkin_token in staff_page
    client = client_as("resident")
    url = f"/deliberation/meetings/{meeting.pk}/sign-in/"
    assert client.get(url + f"?t={meeting.checkin_token}").status_code == 200
    client.post(url, {"t": meeting.checkin_token})
    r = client.post(url, {"t": meeting.checkin_token}, follow=True)
    assert "已签到" in r.content.decode()
    assert client.post(url, {"t": "wrong"}, follow=True).status_code == 200
    assert MeetingSignIn.objects.filter(meeting=meeting).count() == 1


def test_the_voter_roster_is_frozen_at_open(vote: Any) -> None:
    assert Voter.objects.filter(vote=vote).count() == 3


def test_staff_open_a_mediation_case_by_form_and_close_it_with_an_agreement(client_as: Any, places: Any) -> None:
    from linli.deliberation.models import MediationCase

    client = client_as("grid")
    today = timezone.localdate().isoformat()
    r = client.post(
        "/deliberation/mediation/new/",
        {
            "place_id": places.first_grid.pk,
            "title": "漏水",
            "parties": "张三",
            "dispute": "楼上漏水",
            "opened_on": today,
        },
    )
    assert r.status_code == 422 and "两方当事人" in r.content.decode()
    r = client.post(
        "/deliberation/mediation/new/",
        {
            "place_id": places.first_grid.pk,
            "title": "漏水",
            "parties": "张三,李四",
            "dispute": "楼上漏水",
            "opened_on": today,
        },
    )
    assert r.status_code == 302
    case = MediationCase.objects.get(title="漏水")
    assert case.parties == ["张三", "李四"]
    client.post(
        f"/deliberation/mediation/{case.pk}/close/", {"outcome": "success", "closed_on": today, "agreement": ""}
    )
    case.refresh_from_db()
    assert case.outcome == ""
    client.post(
        f"/deliberation/mediation/{case.pk}/close/",
        {"outcome": "success", "closed_on": today, "agreement": "赔偿500元"},
    )
    case.refresh_from_db()
    assert case.outcome == "success"
    page = client_as("street").get("/deliberation/mediation/rates/").content.decode()
    assert "100.0%" in page


def test_a_grid_worker_does_not_see_mediation_in_another_community(client_as: Any, users: Any, places: Any) -> None:
    from linli.deliberation.services_mediation import mediation_open

    case = mediation_open(
        actor=users["street"],
        place=places.other_community,
        title="别处纠纷",
        dispute="d",
        parties=["甲", "乙"],
        mediator=users["grid"].person,
        opened_on=timezone.localdate(),
    )
    assert client_as("grid").get(f"/deliberation/mediation/{case.pk}/").status_code == 404
    assert "别处纠纷" not in client_as("grid").get("/deliberation/mediation/").content.decode()
    assert client_as("street").get(f"/deliberation/mediation/{case.pk}/").status_code == 200


def test_list_pages_stay_within_a_fixed_number_of_queries(
    client_as: Any, users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        topic_raise(actor=users["community"], place=places.compounds[0], title=f"议题{i}")
        meeting_plan(
            actor=users["community"],
            place=places.compounds[0],
            kind="council",
            title=f"会{i}",
            location="站",
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
        )
    client = client_as("community")
    for url in ("/deliberation/topics/", "/deliberation/meetings/", "/deliberation/", "/deliberation/votes/"):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


def test_staff_turn_a_request_into_a_topic_that_links_back_to_it(client_as: Any, users: Any, places: Any) -> None:
    from linli.tickets.services import ticket_submit

    ticket, _ = ticket_submit(actor=users["resident"], description="小区东门路灯坏了好几天", title="东门路灯")
    client = client_as("community")
    form = client.get(f"/deliberation/topics/new/?ticket={ticket.pk}").content.decode()
    assert "东门路灯" in form
    r = client.post(
        f"/deliberation/topics/new/?ticket={ticket.pk}",
        {"ticket_id": ticket.pk, "place_id": places.compounds[0].pk, "title": "东门路灯", "body": "x"},
    )
    assert r.status_code == 302
    topic = Topic.objects.get(ticket=ticket)
    assert topic.source == "request"
    assert f"/requests/{ticket.pk}/" in client.get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert client_as("grid").get("/deliberation/topics/new/?ticket=999999").status_code == 404
