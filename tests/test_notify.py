"""Inbox rows, SMS to residents and group robots — against local fake servers, never the internet."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.notify import sms
from linli.notify.models import Delivery, NodeWebhook, Notification
from linli.notify.robots import dingtalk_signed_url
from linli.notify.selectors import inbox_for, unread_count, webhooks_hearing
from linli.notify.services import (
    BATCH_SIZE,
    group_robot_post,
    notification_mark_read,
    notify,
    sms_to_person,
    webhook_add,
    webhook_remove,
)
from linli.notify.sweeps import register_sweep, registered_sweeps, run_sweeps, unregister_sweep
from linli.notify.tasks import sweep_every_15_minutes
from linli.people.models import Person
from linli.places.models import Place

pytestmark = pytest.mark.django_db


# --- a local fake HTTP server ------------------------------------------------------------------------


class FakeServer:
    """Records every POST; answers with ``status`` and ``answer`` (JSON)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                outer.received.append(
                    {
                        "path": parsed.path,
                        "query": dict(urllib.parse.parse_qsl(parsed.query)),
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(raw.decode()),
                    }
                )
                body = json.dumps(outer.answer).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.close()


@pytest.fixture
def http_sms(settings, server):
    settings.SMS_BACKEND = "linli.notify.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = f"{server.url}/sms"
    sms._backend.cache_clear()
    yield server
    sms._backend.cache_clear()


@pytest.fixture
def no_leftover_retries():
    yield
    HUEY.storage.flush_schedule()


# --- inbox ---------------------------------------------------------------------------------------------


def test_notify_puts_one_message_in_each_users_inbox(users):
    n = notify(
        users=[users["grid"], users["resident"], users["grid"]],
        kind="request.assigned",
        title="新诉求待处理",
        body="楼道灯不亮",
        link="/requests/1/",
    )
    assert n == 2
    assert list(inbox_for(users["grid"]).values_list("title", "link")) == [("新诉求待处理", "/requests/1/")]
    assert unread_count(users["resident"]) == 1
    assert not inbox_for(users["community"]).exists()


def test_notifying_a_thousand_people_costs_one_query_per_batch(db, django_assert_max_num_queries):
    User = get_user_model()
    User.objects.bulk_create([User(username=f"bulk{i}") for i in range(1200)])
    people = list(User.objects.filter(username__startswith="bulk"))
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    per_batch = min(BATCH_SIZE, connection.ops.bulk_batch_size(fields, people) or BATCH_SIZE)
    batches = -(-1200 // per_batch)  # SQLite caps parameters per statement; PostgreSQL takes all 500
    with django_assert_max_num_queries(batches + 2):  # the INSERTs plus one savepoint and its release
        assert notify(users=people, kind="meeting", title="周四晚恳谈会") == 1200
    assert Notification.objects.filter(kind="meeting").count() == 1200


def test_notify_refuses_an_empty_title_and_an_outside_link(users):
    with pytest.raises(InvalidInput) as empty:
        notify(users=[users["grid"]], kind="x", title="  ")
    assert empty.value.field == "title"
    for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        with pytest.raises(InvalidInput) as bad:
            notify(users=[users["grid"]], kind="x", title="t", link=link)
        assert bad.value.field == "link"
    assert not Notification.objects.exists()


def test_nobody_to_notify_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert notify(users=[], kind="x", title="t") == 0


def test_marking_read_touches_only_the_users_own_messages(users):
    notify(users=[users["grid"], users["resident"]], kind="x", title="一")
    notify(users=[users["grid"]], kind="x", title="二")
    theirs = Notification.objects.get(recipient=users["resident"])
    mine = list(inbox_for(users["grid"]).values_list("id", flat=True))
    assert notification_mark_read(user=users["grid"], ids=[mine[0], theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread_count(users["grid"]) == 1
    assert notification_mark_read(user=users["grid"], ids=[mine[0]]) == 0  # already read
    assert notification_mark_read(user=users["grid"], ids=None) == 1
    assert unread_count(users["grid"]) == 0


def test_unread_count_stops_counting_at_the_badge_cap(users):
    notify(users=[users["resident"]], kind="x", title="a")
    Notification.objects.bulk_create(
        [Notification(recipient=users["resident"], kind="x", title=str(i)) for i in range(150)]
    )
    assert unread_count(users["resident"]) == 100


# --- SMS to residents ------------------------------------------------------------------------------------


def test_the_http_sms_backend_posts_json_to_the_gateway(server):
    sms.HttpSmsBackend(url=f"{server.url}/sms").send(phone="+8613800138000", text="您的验证码是 123456")
    assert server.received == [
        {
            "path": "/sms",
            "query": {},
            "content_type": "application/json; charset=utf-8",
            "json": {"phone": "+8613800138000", "text": "您的验证码是 123456"},
        }
    ]


def test_sms_to_a_resident_reaches_the_gateway_after_commit(users, http_sms, django_capture_on_commit_callbacks):
    person = Person.objects.exclude(phone_enc="").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sms_to_person(person=person, text="您反映的楼道灯已修好,请评价。") is True
        assert http_sms.received == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert [r["json"] for r in http_sms.received] == [{"phone": person.phone, "text": "您反映的楼道灯已修好,请评价。"}]


def test_the_queued_sms_is_an_outbox_row_with_the_person_id_not_the_phone(users, django_capture_on_commit_callbacks):
    person = Person.objects.exclude(phone_enc="").first()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms_to_person(person=person, text="通知")
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.person_id, delivery.status) == ("sms", person.pk, "pending")
    assert callbacks[0].args == (delivery.pk,)
    assert person.phone not in repr(callbacks[0]) and person.phone not in delivery.text


def test_sms_to_a_person_without_a_phone_is_skipped(db, http_sms, django_capture_on_commit_callbacks):
    person = Person.objects.filter(phone_enc="").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sms_to_person(person=person, text="通知") is False
    assert callbacks == [] and http_sms.received == []
    with pytest.raises(InvalidInput):
        sms_to_person(person=person, text="")


def test_a_failing_sms_gateway_never_crashes_the_caller(
    users, http_sms, django_capture_on_commit_callbacks, caplog, no_leftover_retries
):
    http_sms.status = 500
    person = Person.objects.exclude(phone_enc="").first()
    with caplog.at_level(logging.WARNING, logger="linli.notify"), django_capture_on_commit_callbacks(execute=True):
        assert sms_to_person(person=person, text="通知") is True
    assert len(http_sms.received) == 1
    assert "will retry" in caplog.text
    assert person.phone not in caplog.text  # logs show the masked number only


# --- group robots ------------------------------------------------------------------------------------------


@pytest.fixture
def hooks(users, places, server):
    community, other = places.communities[0], places.other_community
    compound = places.compounds[0]
    admin = users["admin"]
    made = {
        "community": webhook_add(
            actor=admin, place=community, kind="wecom", name="五长工作群", url=f"{server.url}/wecom/c?key=K1"
        ),
        "compound": webhook_add(
            actor=admin,
            place=compound,
            kind="dingtalk",
            name="小区群",
            url=f"{server.url}/ding/robot/send?access_token=T2",
            secret="SECabc",
            cascade=False,
        ),
        "other": webhook_add(actor=admin, place=other, kind="wecom", name="别的社区", url=f"{server.url}/wecom/o"),
    }
    return made


def test_a_message_about_a_building_reaches_its_communitys_group(
    places, hooks, server, django_capture_on_commit_callbacks
):
    building = Place.objects.filter(path__startswith=places.compounds[0].path, kind="building").first()
    with django_capture_on_commit_callbacks(execute=True):
        assert group_robot_post(place=building, text="3号楼有新诉求:楼道灯不亮") == 1
    assert server.received == [
        {
            "path": "/wecom/c",
            "query": {"key": "K1"},
            "content_type": "application/json; charset=utf-8",
            "json": {"msgtype": "text", "text": {"content": "3号楼有新诉求:楼道灯不亮"}},
        }
    ]
    hooks["community"].refresh_from_db()
    assert hooks["community"].last_sent_at is not None and hooks["community"].failures == 0


def test_a_compound_hears_its_own_messages_and_the_community_hears_them_too(places, hooks):
    assert webhooks_hearing(places.compounds[0]) == sorted([hooks["community"].pk, hooks["compound"].pk])
    assert webhooks_hearing(places.communities[0]) == [hooks["community"].pk]
    assert webhooks_hearing(places.street) == []


def test_a_switched_off_robot_hears_nothing(places, hooks):
    NodeWebhook.objects.filter(pk=hooks["community"].pk).update(active=False)
    assert webhooks_hearing(places.compounds[0]) == [hooks["compound"].pk]


def test_dingtalk_messages_are_signed_with_the_secret(places, hooks, server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert group_robot_post(place=places.compounds[0], text="督办提醒") == 2
    ding = next(r for r in server.received if r["path"] == "/ding/robot/send")
    assert ding["json"] == {"msgtype": "text", "text": {"content": "督办提醒"}}
    timestamp, sign = ding["query"]["timestamp"], ding["query"]["sign"]
    expected = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected
    assert ding["query"]["access_token"] == "T2"


def test_the_dingtalk_signature_matches_the_documented_example():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SEC1", now_ms=1700000000000)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    digest = hmac.new(b"SEC1", b"1700000000000\nSEC1", hashlib.sha256).digest()
    assert query == {"access_token": "x", "timestamp": "1700000000000", "sign": base64.b64encode(digest).decode()}


def test_a_robot_that_refuses_is_logged_and_retried_but_the_caller_carries_on(
    places, hooks, server, django_capture_on_commit_callbacks, caplog, no_leftover_retries
):
    server.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    scheduled_before = len(HUEY.scheduled())
    with caplog.at_level(logging.WARNING, logger="linli.notify"), django_capture_on_commit_callbacks(execute=True):
        assert group_robot_post(place=places.communities[0], text="测试") == 1
    hook = NodeWebhook.objects.get(pk=hooks["community"].pk)
    assert hook.failures == 1 and "93000" in hook.last_error
    assert "五长工作群" in caplog.text
    delivery = Delivery.objects.get(hook=hook)  # the outbox tries again later, not Huey
    assert (delivery.status, delivery.attempts) == ("pending", 1) and delivery.next_attempt_at > timezone.now()
    assert len(HUEY.scheduled()) == scheduled_before


def test_an_unreachable_robot_never_crashes_the_caller(
    users, places, django_capture_on_commit_callbacks, no_leftover_retries
):
    # A port we hold but never listen on: connections are refused, and nobody else can take it meanwhile.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}/x"
        hook = webhook_add(actor=users["admin"], place=places.street, kind="wecom", name="街道群", url=url)
        with django_capture_on_commit_callbacks(execute=True):
            assert group_robot_post(place=places.street, text="测试") == 1
    hook.refresh_from_db()
    assert hook.failures == 1 and hook.last_error.startswith("network")


def test_robot_urls_are_encrypted_at_rest(hooks):
    row = NodeWebhook.objects.filter(pk=hooks["compound"].pk).values("url_enc", "secret_enc").get()
    # Search for whole plaintext fragments: a two-letter token may turn up in
    # base64 ciphertext by chance (it did, once in a CI run).
    assert "access_token=T2" not in row["url_enc"] and "/ding/robot/send" not in row["url_enc"]
    assert "SECabc" not in row["secret_enc"]
    assert hooks["compound"].url.endswith("access_token=T2")
    assert "T2" not in hooks["compound"].url_masked


def test_a_manager_adds_a_robot_only_where_they_manage(users, places, server):
    hook = webhook_add(
        actor=users["community"], place=places.communities[0], kind="wecom", name="社区群", url=f"{server.url}/w"
    )
    assert hook.place_path == places.communities[0].path
    assert AuditEvent.objects.filter(action="webhook.added", target_id=str(hook.pk)).exists()
    with pytest.raises(Forbidden):
        webhook_add(actor=users["community"], place=places.other_community, kind="wecom", name="x", url=server.url)
    with pytest.raises(Forbidden):
        webhook_add(actor=users["grid"], place=places.first_grid, kind="wecom", name="x", url=server.url)


def test_a_robot_needs_a_real_url_and_only_dingtalk_takes_a_secret(users, places):
    street = places.street
    with pytest.raises(InvalidInput) as bad_url:
        webhook_add(actor=users["admin"], place=street, kind="wecom", name="x", url="file:///etc/passwd")
    assert bad_url.value.field == "url"
    with pytest.raises(InvalidInput) as bad_secret:
        webhook_add(actor=users["admin"], place=street, kind="wecom", name="x", url="https://a.cn/x", secret="S")
    assert bad_secret.value.field == "secret"
    with pytest.raises(InvalidInput):
        webhook_add(actor=users["admin"], place=street, kind="feishu", name="x", url="https://a.cn/x")
    assert not NodeWebhook.objects.exists()


def test_removing_a_robot_is_audited_and_needs_manage(users, hooks):
    with pytest.raises(Forbidden):
        webhook_remove(actor=users["community"], hook=hooks["other"])
    webhook_remove(actor=users["community"], hook=hooks["community"])
    assert not NodeWebhook.objects.filter(pk=hooks["community"].pk).exists()
    assert AuditEvent.objects.filter(action="webhook.removed").count() == 1


def test_robots_follow_their_node_when_the_subtree_moves(users, places, hooks):
    from linli.places.services import place_move

    compound = places.compounds[0]
    target = places.other_community
    place_move(actor=users["admin"], node=compound, new_parent=target)
    compound.refresh_from_db()
    assert NodeWebhook.objects.get(pk=hooks["compound"].pk).place_path == compound.path
    assert webhooks_hearing(compound) == sorted([hooks["other"].pk, hooks["compound"].pk])


# --- periodic sweeps ------------------------------------------------------------------------------------------


def test_registered_sweeps_run_every_quarter_hour_and_one_failure_does_not_stop_the_rest(caplog):
    ran: list[str] = []

    def remind() -> None:
        ran.append("remind")

    def broken() -> None:
        raise RuntimeError("boom")

    register_sweep(broken)
    register_sweep(remind)
    register_sweep(remind)  # twice is still once
    try:
        assert sum(1 for name in registered_sweeps() if name.endswith(".remind")) == 1
        with caplog.at_level(logging.WARNING):
            outcome = run_sweeps()
            sweep_every_15_minutes.call_local()
        assert ran == ["remind", "remind"]
        assert [ok for name, ok in sorted(outcome.items()) if name.endswith((".remind", ".broken"))] == [False, True]
        assert "boom" in caplog.text
    finally:
        unregister_sweep(broken)
        unregister_sweep(remind)
    assert not any(name.endswith((".remind", ".broken")) for name in registered_sweeps())


def test_the_sweep_is_scheduled_every_fifteen_minutes():
    import datetime as dt

    validate = sweep_every_15_minutes.task_class().validate_datetime
    assert validate(dt.datetime(2026, 3, 2, 9, 15))
    assert validate(dt.datetime(2026, 3, 2, 9, 45))
    assert not validate(dt.datetime(2026, 3, 2, 9, 20))
