"""Deliberation page actions through the API: hide a post, close a topic, record minutes, publish the
results — the services the pages use."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.deliberation.models import Topic, TopicComment
from linli.deliberation.services_topics import topic_comment, topic_raise

pytestmark = pytest.mark.django_db
BASE = "/api/v1/deliberation"


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(BASE + url, json.dumps(data), content_type="application/json")


@pytest.fixture
def discussed(users: Any, places: Any) -> tuple[Topic, TopicComment]:
    topic = topic_raise(actor=users["resident"], place=places.compounds[0], title="楼道堆物")
    return topic, topic_comment(actor=users["resident"], topic=topic, body="广告:低价装修")


def test_community_staff_hide_a_post_with_a_reason_and_residents_no_longer_see_it(
    api_as: Any, discussed: tuple[Topic, TopicComment]
) -> None:
    topic, comment = discussed
    r = post(api_as("community"), f"/topics/{topic.pk}/comments/{comment.pk}/hide", {"reason": "广告"})
    assert r.status_code == 200, r.content
    assert r.json()["hidden"] is True and r.json()["id"] == comment.pk
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "广告"
    assert AuditEvent.objects.filter(action="topic.comment_hidden").exists()
    listed = api_as("resident").get(f"{BASE}/topics/{topic.pk}/comments").json()
    assert comment.pk not in [c["id"] for c in listed]


def test_hiding_twice_is_409_and_a_blank_reason_is_422_naming_reason(
    api_as: Any, discussed: tuple[Topic, TopicComment]
) -> None:
    topic, comment = discussed
    staff = api_as("community")
    blank = post(staff, f"/topics/{topic.pk}/comments/{comment.pk}/hide", {"reason": "  "})
    assert blank.status_code == 422 and blank.json()["field"] == "reason" and "隐藏理由" in blank.json()["detail"]
    assert not TopicComment.objects.get(pk=comment.pk).hidden
    assert post(staff, f"/topics/{topic.pk}/comments/{comment.pk}/hide", {"reason": "广告"}).status_code == 200
    again = post(staff, f"/topics/{topic.pk}/comments/{comment.pk}/hide", {"reason": "广告"})
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_a_resident_may_not_moderate_and_a_comment_of_another_topic_is_404(
    api_as: Any, users: Any, places: Any, discussed: tuple[Topic, TopicComment]
) -> None:
    topic, comment = discussed
    hide = f"/topics/{topic.pk}/comments/{comment.pk}/hide"
    assert post(api_as("resident"), hide, {"reason": "x"}).status_code == 403
    other = topic_raise(actor=users["community"], place=places.compounds[0], title="另一个议题")
    wrong = post(api_as("community"), f"/topics/{other.pk}/comments/{comment.pk}/hide", {"reason": "x"})
    assert wrong.status_code == 404


def test_staff_close_a_topic_once_and_the_second_close_is_409(
    api_as: Any, discussed: tuple[Topic, TopicComment]
) -> None:
    topic, _ = discussed
    staff = api_as("community")
    r = post(staff, f"/topics/{topic.pk}/close", {})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert Topic.objects.get(pk=topic.pk).status == "closed"
    assert post(staff, f"/topics/{topic.pk}/close", {}).status_code == 409
    assert post(api_as("resident"), f"/topics/{topic.pk}/comments", {"body": "还想说"}).status_code == 409


def test_closing_is_forbidden_to_residents_and_a_topic_outside_scope_is_404(
    api_as: Any, users: Any, places: Any
) -> None:
    here = topic_raise(actor=users["resident"], place=places.compounds[0], title="停车难")
    assert post(api_as("resident"), f"/topics/{here.pk}/close", {}).status_code == 403
    elsewhere = topic_raise(actor=users["admin"], place=places.other_community, title="别的社区")
    assert post(api_as("community"), f"/topics/{elsewhere.pk}/close", {}).status_code == 404
    assert post(api_as("community"), "/topics/99999999/close", {}).status_code == 404
    assert Topic.objects.get(pk=elsewhere.pk).status != "closed"


# ----------------------------------------------------------------------------- meeting minutes and 议后公开


def test_staff_record_minutes_and_publish_the_results_once(api_as: Any, users: Any, places: Any) -> None:
    from linli.deliberation.models import Decision, Publication
    from tests.test_deliberation_api import _meeting_with_decision

    meeting, decision = _meeting_with_decision(users, places)
    staff = api_as("community")
    blank = post(staff, f"/meetings/{meeting.pk}/minutes", {"minutes": " "})
    assert blank.status_code == 422 and blank.json()["field"] == "minutes" and "会议纪要" in blank.json()["detail"]
    r = post(staff, f"/meetings/{meeting.pk}/minutes", {"minutes": "议定:物业牵头制定方案"})
    assert r.status_code == 200 and r.json()["status"] == "held", r.content
    published = post(staff, f"/meetings/{meeting.pk}/publish-results", {"days": 7})
    assert published.status_code == 200, published.content
    assert Decision.objects.get(pk=decision.pk).status == "published"
    assert Publication.objects.filter(meeting=meeting, kind="result").count() == 1
    again = post(staff, f"/meetings/{meeting.pk}/publish-results", {"days": 7})
    assert again.status_code == 422 and again.json()["field"] == "decisions"
    assert Publication.objects.filter(meeting=meeting, kind="result").count() == 1
    assert AuditEvent.objects.filter(action="meeting.minutes_recorded", actor=users["community"]).exists()


def test_minutes_and_results_are_refused_to_residents_and_outside_scope(api_as: Any, users: Any, places: Any) -> None:
    from linli.deliberation.models import Meeting
    from linli.deliberation.services_meetings import meeting_plan
    from tests.test_deliberation_api import _meeting_with_decision

    meeting, _ = _meeting_with_decision(users, places)
    resident = api_as("resident")
    assert post(resident, f"/meetings/{meeting.pk}/minutes", {"minutes": "x"}).status_code == 403
    elsewhere = meeting_plan(
        actor=users["admin"], place=places.other_community, kind="joint", title="别处会议", location="别处",
        starts_at=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip
    assert post(api_as("community"), f"/meetings/{elsewhere.pk}/minutes", {"minutes": "x"}).status_code == 404
    assert post(api_as("community"), f"/meetings/{elsewhere.pk}/publish-results", {}).status_code == 404
    assert Meeting.objects.get(pk=elsewhere.pk).minutes == ""
    assert Meeting.objects.get(pk=meeting.pk).status == "planned"
