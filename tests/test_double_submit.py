"""A double-clicked or retried submit of a topic (议题) or a micro-wish (微心愿) creates one record.

The forms carry a hidden idempotency key, as the request and visit forms do, and the API takes an
``Idempotency-Key`` header: a retry with the same key answers with the first record; a different
record sent under a used key is refused (409), not silently answered with the first.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from linli.core.errors import Conflict
from linli.deliberation.models import Topic
from linli.deliberation.services_topics import TOPIC_PLACE_KINDS, topic_raise
from linli.deliberation.views_common import home_places
from linli.volunteering.models import Wish
from linli.volunteering.wishes import wish_submit
from tests.test_races_review_s12 import THREADS, _demo, _race, _slow_audit, _user

JSON = "application/json"


def form_key(body: str) -> str:
    match = re.search(r'<input type="hidden" name="idempotency_key" value="([0-9a-f]{32})">', body)
    assert match, "the form carries no idempotency key"
    return match.group(1)


# --- topics ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_quick_posts_of_the_topic_form_raise_one_topic(users, client_as):
    client = client_as("resident")
    key = form_key(client.get("/deliberation/topics/new/").content.decode())
    home = home_places(users["resident"], TOPIC_PLACE_KINDS)[0]
    form = {"place_id": home.pk, "title": "小区增设充电桩", "body": "电动车乱停乱充", "idempotency_key": key}
    first, second = client.post("/deliberation/topics/new/", form), client.post("/deliberation/topics/new/", form)
    topics = Topic.objects.filter(title="小区增设充电桩")
    assert topics.count() == 1
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert first["Location"].endswith(f"/deliberation/topics/{topics.get().pk}/")


@pytest.mark.django_db
def test_each_topic_form_shown_carries_a_new_key_also_after_an_error(client_as):
    client = client_as("resident")
    shown = form_key(client.get("/deliberation/topics/new/").content.decode())
    refused = client.post("/deliberation/topics/new/", {"title": "", "idempotency_key": shown})
    assert refused.status_code == 422 and form_key(refused.content.decode()) != shown


@pytest.mark.django_db
def test_a_different_topic_under_a_used_key_is_refused_not_answered_with_the_first(users):
    home = home_places(users["resident"], TOPIC_PLACE_KINDS)[0]
    first = topic_raise(actor=users["resident"], place=home, title="楼道堆物", idempotency_key="t-1")
    assert topic_raise(actor=users["resident"], place=home, title=" 楼道堆物 ", idempotency_key="t-1") == first
    with pytest.raises(Conflict):
        topic_raise(actor=users["resident"], place=home, title="垃圾分类", idempotency_key="t-1")
    assert Topic.objects.filter(idempotency_key="t-1").count() == 1


@pytest.mark.django_db
def test_the_same_key_from_another_person_is_another_topic(users, places):
    compound = places.compounds[0]
    a = topic_raise(actor=users["community"], place=compound, title="停车管理", idempotency_key="same")
    b = topic_raise(actor=users["street"], place=compound, title="停车管理", idempotency_key="same")
    assert a.pk != b.pk


@pytest.mark.django_db
def test_the_topic_api_takes_an_idempotency_key_header(users, api_as):
    client = api_as("resident")
    home = home_places(users["resident"], TOPIC_PLACE_KINDS)[0]
    body = {"place_id": home.pk, "title": "增设休息座椅"}
    answers = [
        client.post("/api/v1/deliberation/topics", body, content_type=JSON, headers={"Idempotency-Key": "api-t"})
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Topic.objects.filter(title="增设休息座椅").count() == 1
    other = client.post(
        "/api/v1/deliberation/topics",
        {**body, "title": "另一件事"},
        content_type=JSON,
        headers={"Idempotency-Key": "api-t"},
    )
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"


@pytest.mark.django_db
def test_the_database_refuses_a_second_topic_under_one_submitters_key(users, places):
    topic_raise(actor=users["community"], place=places.compounds[0], title="议题一", idempotency_key="db-t")
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(
            place=places.compounds[0],
            place_path=places.compounds[0].path,
            title="议题二",
            source="staff",
            raised_by=users["community"],
            idempotency_key="db-t",
        )


# --- wishes ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_quick_posts_of_the_wish_form_post_one_wish(client_as):
    client = client_as("resident")
    key = form_key(client.get("/volunteering/wishes/new/").content.decode())
    form = {"title": "希望有人陪我去医院复查", "description": "每周二上午", "idempotency_key": key}
    first, second = client.post("/volunteering/wishes/new/", form), client.post("/volunteering/wishes/new/", form)
    wishes = Wish.objects.filter(title="希望有人陪我去医院复查")
    assert wishes.count() == 1
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]


@pytest.mark.django_db
def test_each_wish_form_shown_carries_a_new_key_also_after_an_error(client_as):
    client = client_as("resident")
    shown = form_key(client.get("/volunteering/wishes/new/").content.decode())
    refused = client.post("/volunteering/wishes/new/", {"title": "", "idempotency_key": shown}).content.decode()
    assert 'class="error"' in refused and form_key(refused) != shown


@pytest.mark.django_db
def test_a_different_wish_under_a_used_key_is_refused_not_answered_with_the_first(users):
    first = wish_submit(actor=users["resident"], title="想学用智能手机", idempotency_key="w-1")
    assert wish_submit(actor=users["resident"], title="想学用智能手机", idempotency_key="w-1") == first
    with pytest.raises(Conflict):
        wish_submit(actor=users["resident"], title="想要一副老花镜", idempotency_key="w-1")
    assert Wish.objects.filter(idempotency_key="w-1").count() == 1


@pytest.mark.django_db
def test_the_wish_api_takes_an_idempotency_key_header(api_as):
    client = api_as("resident")
    body = {"title": "想要一本大字版字典"}
    answers = [
        client.post("/api/v1/volunteering/wishes", body, content_type=JSON, headers={"Idempotency-Key": "api-w"})
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Wish.objects.filter(title="想要一本大字版字典").count() == 1
    too_long = client.post(
        "/api/v1/volunteering/wishes", {"title": "x"}, content_type=JSON, headers={"Idempotency-Key": "k" * 65}
    )
    assert too_long.status_code == 422 and too_long.json()["field"] == "Idempotency-Key"


# --- overlapping submits (PostgreSQL: each thread on its own connection) --------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_submits_of_one_topic_raise_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.deliberation.services_topics")  # holds each insert's transaction open
    resident = _user("resident")
    home = home_places(resident, TOPIC_PLACE_KINDS)[0]
    raised: list[Any] = [None] * THREADS

    def submit(i: int) -> None:
        raised[i] = topic_raise(actor=resident, place=home, title="重叠提交", idempotency_key="race-t").pk

    assert _race(submit) == ["ok"] * THREADS
    assert Topic.objects.filter(idempotency_key="race-t").count() == 1 and len(set(raised)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_submits_of_one_wish_post_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _demo()
    _slow_audit(monkeypatch, "linli.volunteering.wishes")
    resident = _user("resident")
    posted: list[Any] = [None] * THREADS

    def submit(i: int) -> None:
        posted[i] = wish_submit(actor=resident, title="重叠提交的心愿", idempotency_key="race-w").pk

    assert _race(submit) == ["ok"] * THREADS
    assert Wish.objects.filter(idempotency_key="race-w").count() == 1 and len(set(posted)) == 1
