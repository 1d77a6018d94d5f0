"""The inbox page and API (residents and staff alike), and the group-robot settings page."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.notify.models import Delivery, NodeWebhook, Notification
from linli.notify.services import notify, webhook_add

pytestmark = pytest.mark.django_db


def fill(user, n: int, *, link: str = "") -> list[int]:
    notify(users=[user], kind="test", title="占位", link=link)  # ensures the user exists in the inbox
    Notification.objects.bulk_create(
        [Notification(recipient=user, kind="test", title=f"第{i}条", link=link) for i in range(1, n)]
    )
    return list(Notification.objects.filter(recipient=user).order_by("-id").values_list("id", flat=True))


# --- pages ------------------------------------------------------------------------------------------------


def test_the_inbox_shows_only_my_messages_newest_first(users, client_as):
    notify(users=[users["resident"]], kind="request.resolved", title="您的诉求已办结", link="/requests/7/")
    notify(users=[users["grid"]], kind="request.assigned", title="别人的消息")
    html = client_as("resident").get("/inbox/").content.decode()
    assert "您的诉求已办结" in html
    assert "别人的消息" not in html


def test_the_inbox_pages_by_keyset(users, client_as):
    ids = fill(users["grid"], 35)
    client = client_as("grid")
    first = client.get("/inbox/")
    assert first.context["page"].items[0].pk == ids[0]
    assert len(first.context["page"].items) == 30
    cursor = first.context["page"].next
    assert cursor and f"?cursor={cursor}" in first.content.decode()
    second = client.get(f"/inbox/?cursor={cursor}")
    assert [n.pk for n in second.context["page"].items] == ids[30:]
    assert second.context["page"].next is None


def test_the_inbox_page_costs_a_bounded_number_of_queries(users, client_as, django_assert_max_num_queries):
    fill(users["grid"], 60)
    client = client_as("grid")
    client.get("/inbox/")  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get("/inbox/").status_code == 200


def test_the_unread_badge_is_in_the_navigation_for_everyone(users, client_as):
    notify(users=[users["resident"], users["community"]], kind="x", title="一")
    notify(users=[users["resident"]], kind="x", title="二")
    assert 'class="pill" aria-label="2 条未读">2</span>' in client_as("resident").get("/inbox/").content.decode()
    badge = client_as("community").get("/inbox/badge/").content.decode()
    assert ">1</span>" in badge


def test_the_badge_says_99_plus_beyond_the_cap(users, client_as):
    fill(users["resident"], 120)
    assert ">99+</span>" in client_as("resident").get("/inbox/badge/").content.decode()


def test_marking_one_read_with_htmx_returns_the_row_and_refreshes_the_badge(users, client_as):
    notify(users=[users["grid"]], kind="x", title="待阅")
    note = Notification.objects.get(recipient=users["grid"])
    response = client_as("grid").post("/inbox/read/", {"ids": note.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Trigger"] == "inbox-changed"
    assert f'id="n{note.pk}"' in response.content.decode() and "标为已读" not in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None


def test_marking_all_read_without_javascript_redirects_back(users, client_as):
    fill(users["grid"], 3)
    response = client_as("grid").post("/inbox/read/", {"all": "1"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert not Notification.objects.filter(recipient=users["grid"], read_at__isnull=True).exists()


def test_nobody_can_mark_someone_elses_message(users, client_as):
    notify(users=[users["resident"]], kind="x", title="私信")
    note = Notification.objects.get(recipient=users["resident"])
    client_as("grid").post("/inbox/read/", {"ids": note.pk})
    note.refresh_from_db()
    assert note.read_at is None
    assert client_as("grid").post(f"/inbox/{note.pk}/open/").status_code == 404


def test_opening_a_message_marks_it_read_and_follows_its_link(users, client_as):
    notify(users=[users["resident"]], kind="x", title="去评价", link="/requests/7/")
    note = Notification.objects.get(recipient=users["resident"])
    response = client_as("resident").post(f"/inbox/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/requests/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_the_inbox_needs_a_login():
    assert Client().get("/inbox/").status_code == 302


# --- API --------------------------------------------------------------------------------------------------


def test_the_api_lists_my_inbox_with_a_cursor(users, api_as):
    ids = fill(users["resident"], 5, link="/requests/1/")
    client = api_as("resident")
    first = client.get("/api/v1/inbox?limit=3").json()
    assert [i["id"] for i in first["items"]] == ids[:3]
    assert first["unread"] == 5
    assert set(first["items"][0]) == {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    second = client.get(f"/api/v1/inbox?limit=3&cursor={first['next']}").json()
    assert [i["id"] for i in second["items"]] == ids[3:]
    assert second["next"] is None


def test_the_api_marks_read_by_id_or_all(users, api_as):
    ids = fill(users["grid"], 4)
    client = api_as("grid")
    response = client.post("/api/v1/inbox/read", {"ids": ids[:2]}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"marked": 2, "unread": 2}
    assert [i["id"] for i in client.get("/api/v1/inbox?unread=true").json()["items"]] == ids[2:]
    response = client.post("/api/v1/inbox/read", {"all": True}, content_type="application/json")
    assert response.json() == {"marked": 2, "unread": 0}


def test_the_api_wants_either_ids_or_all(users, api_as):
    client = api_as("grid")
    for body in ({}, {"ids": [1], "all": True}):
        response = client.post("/api/v1/inbox/read", body, content_type="application/json")
        assert response.status_code == 422 and response.json()["field"] == "ids"


def test_the_api_never_marks_someone_elses_message(users, api_as):
    notify(users=[users["resident"]], kind="x", title="私信")
    note = Notification.objects.get(recipient=users["resident"])
    response = api_as("grid").post("/api/v1/inbox/read", {"ids": [note.pk]}, content_type="application/json")
    assert response.json()["marked"] == 0
    note.refresh_from_db()
    assert note.read_at is None


def test_the_inbox_api_needs_a_token():
    assert Client().get("/api/v1/inbox").status_code == 401


def test_the_inbox_operations_are_documented(api_as):
    paths = api_as("admin").get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/inbox"]["get"]["operationId"] == "inbox_list"
    assert paths["/api/v1/inbox/read"]["post"]["operationId"] == "inbox_mark_read"


# --- group robot settings ----------------------------------------------------------------------------------


def test_a_community_manager_adds_a_robot_for_their_community(users, places, client_as):
    client = client_as("community")
    page = client.get("/inbox/robots/").content.decode()
    assert places.communities[0].name in page
    assert f'value="{places.other_community.pk}"' not in page
    response = client.post(
        "/inbox/robots/add/",
        {
            "place": places.communities[0].pk,
            "kind": "wecom",
            "name": "五长工作群",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh-1234-5678-9999-0123456789ab",
            "cascade": "on",
        },
    )
    assert response.status_code == 302
    hook = NodeWebhook.objects.get(name="五长工作群")
    assert hook.place_id == places.communities[0].pk and hook.cascade
    listing = client.get("/inbox/robots/").content.decode()
    assert "五长工作群" in listing and "89ab" in listing and "abcdefgh" not in listing


def test_a_robot_form_with_a_bad_url_is_explained(places, client_as):
    response = client_as("community").post(
        "/inbox/robots/add/", {"place": places.communities[0].pk, "kind": "wecom", "name": "群", "url": "not a url"}
    )
    assert response.status_code == 422
    assert "Webhook 地址" in response.content.decode()
    assert not NodeWebhook.objects.exists()


def test_a_manager_cannot_touch_another_communitys_robots(users, places, client_as):
    other = webhook_add(
        actor=users["admin"], place=places.other_community, kind="wecom", name="别处", url="https://a.cn/x"
    )
    client = client_as("community")
    assert (
        client.post(
            "/inbox/robots/add/",
            {"place": places.other_community.pk, "kind": "wecom", "name": "x", "url": "https://a.cn/y"},
        ).status_code
        == 404
    )
    assert client.post(f"/inbox/robots/{other.pk}/remove/").status_code == 404
    assert NodeWebhook.objects.filter(pk=other.pk).exists()
    assert "别处" not in client.get("/inbox/robots/").content.decode()


@pytest.mark.parametrize("role", ["grid", "volunteer", "resident"])
def test_the_robot_page_is_refused_to_people_who_manage_nothing(client_as, role):
    assert client_as(role).get("/inbox/robots/").status_code == 403


def test_a_manager_removes_and_tests_their_robot(users, places, client_as, django_capture_on_commit_callbacks):
    hook = webhook_add(
        actor=users["community"], place=places.communities[0], kind="wecom", name="社区群", url="http://127.0.0.1:9/x"
    )
    client = client_as("community")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(f"/inbox/robots/{hook.pk}/test/").status_code == 302
    [delivery] = Delivery.objects.filter(hook=hook)  # an outbox row, sent after commit
    assert len(queued) == 1 and queued[0].args == (delivery.pk,) and "社区群" in delivery.text
    assert client.post(f"/inbox/robots/{hook.pk}/remove/").status_code == 302
    assert not NodeWebhook.objects.filter(pk=hook.pk).exists()
