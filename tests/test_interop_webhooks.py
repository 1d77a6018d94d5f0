"""Outgoing webhooks against a local receiver (signatures verified), the delivery log and replay,
the 12345 hand-over endpoint, and the admin pages for keys and subscriptions."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.interop.models import DeliveryStatus, EventCursor, Handover, Open311Key, WebhookDelivery, WebhookSubscriber
from linli.interop.webhooks import MAX_ATTEMPTS, sign, verify_signature, webhook_scan, webhook_subscriber_create
from linli.places.models import Place
from linli.tickets import transitions as tr
from linli.tickets.models import Ticket
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db
JSON = "application/json"


class Receiver:
    """A webhook receiver on 127.0.0.1 (port 0): records each POST and answers ``status``."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(owner.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def street() -> Place:
    return Place.objects.get(kind="street")


@pytest.fixture
def subscription(users, receiver, street) -> tuple[WebhookSubscriber, str]:
    return webhook_subscriber_create(
        actor=users["admin"],
        name="12345 热线",
        url=receiver.url,
        place_id=street.pk,
        events=["created", "status_changed", "rated"],
    )


def scan(capture: Any) -> list[int]:
    with capture(execute=True):
        return webhook_scan(lag_seconds=0)


def report(users: dict[str, Any], text: str = "楼道灯坏了") -> Ticket:
    building = Place.objects.filter(kind="building").order_by("path").first()
    ticket, _ = ticket_submit(actor=users["resident"], description=text, place_id=building.pk)  # type: ignore[union-attr]
    return ticket


# --- signing ------------------------------------------------------------------------------------


def test_signature_verifies_only_with_the_right_secret_body_and_a_fresh_timestamp():
    body = b'{"event":"created"}'
    header = sign("whsec_abc", 1_767_225_600, body)
    assert header.startswith("t=1767225600,v1=")
    assert verify_signature("whsec_abc", header, body, now=1_767_225_700)
    assert not verify_signature("whsec_other", header, body, now=1_767_225_700)
    assert not verify_signature("whsec_abc", header, body + b" ", now=1_767_225_700)
    assert not verify_signature("whsec_abc", header, body, now=1_767_225_600 + 301)  # a replayed old delivery
    assert not verify_signature("whsec_abc", "garbage", body)


# --- delivery -----------------------------------------------------------------------------------


def test_request_events_reach_the_receiver_signed_and_verifiable(
    users, receiver, subscription, django_capture_on_commit_callbacks
):
    sub, secret = subscription
    assert secret not in sub.secret_enc and sub.secret == secret  # encrypted at rest
    ticket = report(users)
    tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk, note="收到")
    ids = scan(django_capture_on_commit_callbacks)
    assert len(ids) == 2 and len(receiver.received) == 2
    for hit in receiver.received:
        assert verify_signature(secret, hit["headers"]["X-Linli-Signature"], hit["body"])
    created, accepted = receiver.bodies()
    assert created["event"] == "created" and created["request"]["number"] == ticket.number
    assert accepted["event"] == "status_changed" and accepted["transition"]["to_status"] == "accepted"
    assert accepted["transition"]["note"] == "收到" and accepted["occurred_at"].endswith("+08:00")
    assert receiver.received[0]["headers"]["X-Linli-Event"] == "created"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert scan(django_capture_on_commit_callbacks) == []  # the cursor moved on: nothing twice
    assert EventCursor.objects.get().last_id == ticket.events.order_by("-id").first().pk  # type: ignore[union-attr]


def test_rating_sends_rated_and_status_changed(users, receiver, subscription, django_capture_on_commit_callbacks):
    ticket = report(users)
    grid = users["grid"]
    tr.ticket_accept(actor=grid, ticket_id=ticket.pk)
    tr.ticket_assign(actor=grid, ticket_id=ticket.pk, place_id=Place.objects.get(path=ticket.place_path[:20]).pk)
    tr.ticket_resolve(actor=grid, ticket_id=ticket.pk, note="已修好")
    scan(django_capture_on_commit_callbacks)
    receiver.received.clear()
    tr.ticket_rate(actor=users["resident"], ticket_id=ticket.pk, rating="satisfied")
    scan(django_capture_on_commit_callbacks)
    kinds = [(b["event"], b["transition"]["action"]) for b in receiver.bodies()]
    assert kinds == [("rated", "rate"), ("status_changed", "rate"), ("status_changed", "close")]
    assert receiver.bodies()[0]["request"]["rating"] == "satisfied"


def test_subscribers_hear_only_their_subtree_and_chosen_events(users, receiver, django_capture_on_commit_callbacks):
    communities = list(Place.objects.filter(kind="community").order_by("path"))
    webhook_subscriber_create(
        actor=users["admin"], name="别的社区", url=receiver.url, place_id=communities[1].pk, events=["created"]
    )
    webhook_subscriber_create(
        actor=users["admin"], name="只要状态", url=receiver.url, place_id=communities[0].pk, events=["status_changed"]
    )
    report(users)  # in the first community
    assert scan(django_capture_on_commit_callbacks) == []
    assert receiver.received == []


def test_a_failing_receiver_is_retried_then_marked_failed_and_replayed_from_the_log_page(
    users, receiver, subscription, client_as, django_capture_on_commit_callbacks
):
    receiver.status = 500
    report(users)
    [delivery_id] = scan(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"
    WebhookDelivery.objects.filter(pk=delivery_id).update(attempts=MAX_ATTEMPTS - 1)
    from linli.interop.webhooks import webhook_deliver

    webhook_deliver(delivery_id=delivery_id)  # the last retry: no exception, marked failed for a person to see
    assert WebhookDelivery.objects.get(pk=delivery_id).status == DeliveryStatus.FAILED

    admin = client_as("admin")
    page = admin.get(f"/interop/webhooks/{delivery.subscriber_id}/?status=failed")
    assert page.status_code == 200 and f'id="delivery{delivery_id}"' in page.content.decode()
    receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(f"/interop/deliveries/{delivery_id}/replay/")
    assert r.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert receiver.bodies()[-1] == receiver.bodies()[0]  # the same payload, freshly signed
    assert AuditEvent.objects.filter(action="webhook_delivery.replayed", target_id=str(delivery_id)).exists()
    again = admin.post(f"/interop/deliveries/{delivery_id}/replay/")
    assert again.status_code == 409  # a delivered one is not sent twice


def test_an_unreachable_receiver_records_a_network_error(users, street, django_capture_on_commit_callbacks):
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    port = holder.getsockname()[1]
    try:
        webhook_subscriber_create(
            actor=users["admin"], name="down", url=f"http://127.0.0.1:{port}/", place_id=street.pk, events=["created"]
        )
        report(users)
        [delivery_id] = scan(django_capture_on_commit_callbacks)
    finally:
        holder.close()
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.RETRYING and delivery.last_error.startswith("network:")


def test_events_before_a_subscription_existed_are_not_sent(users, receiver, street, django_capture_on_commit_callbacks):
    report(users)
    scan(django_capture_on_commit_callbacks)
    webhook_subscriber_create(
        actor=users["admin"], name="late", url=receiver.url, place_id=street.pk, events=["created"]
    )
    assert scan(django_capture_on_commit_callbacks) == []


def test_subscriber_input_is_checked_and_only_admins_may_subscribe(users, street):
    from linli.core.errors import Forbidden, InvalidInput

    with pytest.raises(InvalidInput) as bad_url:
        webhook_subscriber_create(actor=users["admin"], name="x", url="ftp://x", place_id=street.pk, events=["created"])
    assert bad_url.value.field == "url"
    with pytest.raises(InvalidInput) as bad_events:
        webhook_subscriber_create(
            actor=users["admin"], name="x", url="https://hotline.example/", place_id=street.pk, events=["x"]
        )
    assert bad_events.value.field == "events"
    with pytest.raises(Forbidden):
        webhook_subscriber_create(
            actor=users["street"], name="x", url="https://hotline.example/", place_id=street.pk, events=["created"]
        )


# --- hand-over ----------------------------------------------------------------------------------


@pytest.fixture
def hotline(street) -> Any:
    """A service account for the 12345 hotline, holding a position at the street."""
    from linli.accounts.models import User
    from linli.people.models import Person, Position

    person = Person.objects.create(name="12345热线接口", place=street, place_path=street.path)
    Position.objects.create(
        person=person, kind="street_staff", place=street, place_path=street.path, start_date=dt.date(2025, 1, 1)
    )
    return User.objects.create(username="hotline-12345", person=person)


def bearer(user: Any) -> Any:
    from django.test import Client

    from linli.accounts.services import token_issue

    _, key = token_issue(user=user, name="hotline")
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_handover_is_idempotent_on_the_external_id_and_results_flow_back_by_webhook(
    hotline, users, receiver, subscription, django_capture_on_commit_callbacks
):
    client = bearer(hotline)
    building = Place.objects.filter(kind="building").order_by("path").first()
    body = {
        "system": "12345",
        "external_id": "GD20260301-0042",
        "description": "来电反映楼下污水外溢",
        "place_id": building.pk,
        "contact_phone": "13800138000",
        "reporter_name": "王女士",
    }  # type: ignore[union-attr]
    first = client.post("/api/v1/handover", body, content_type=JSON)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] is True and data["status"] == "submitted" and data["open311_status"] == "open"
    again = client.post("/api/v1/handover", body, content_type=JSON)
    assert again.status_code == 200 and again.json()["request_id"] == data["request_id"]
    assert Ticket.objects.filter(pk=data["request_id"]).count() == 1 and Handover.objects.count() == 1
    ticket = Ticket.objects.get(pk=data["request_id"])
    assert ticket.source == "phone" and ticket.reporter_name == "王女士" and ticket.submitted_by == hotline

    tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)
    scan(django_capture_on_commit_callbacks)
    assert [b["external"] for b in receiver.bodies()] == [{"system": "12345", "id": "GD20260301-0042"}] * 2
    assert receiver.bodies()[-1]["request"]["status"] == "accepted"
    read = client.get("/api/v1/handover/12345/GD20260301-0042")
    assert read.status_code == 200 and read.json()["status"] == "accepted"
    assert client.get("/api/v1/handover/12345/unknown").status_code == 404


def test_handover_refuses_accounts_without_a_street_position_and_places_elsewhere(hotline, api_as, street):
    building = Place.objects.filter(kind="building").order_by("path").first()
    body = {"system": "12345", "external_id": "A1", "description": "x", "place_id": building.pk}  # type: ignore[union-attr]
    assert api_as("grid").post("/api/v1/handover", body, content_type=JSON).status_code == 403
    bad = bearer(hotline).post("/api/v1/handover", {**body, "place_id": street.pk}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "place_id"
    long_id = bearer(hotline).post("/api/v1/handover", {**body, "external_id": "x" * 65}, content_type=JSON)
    assert long_id.status_code == 422 and long_id.json()["field"] == "external_id"
    assert Ticket.objects.count() == 0


# --- admin pages --------------------------------------------------------------------------------


def test_admin_issues_a_key_on_the_page_and_sees_it_once(client_as, street):
    admin = client_as("admin")
    page = admin.get("/interop/")
    assert page.status_code == 200 and "Open311" in page.content.decode()
    r = admin.post("/interop/keys/create/", {"name": "小程序", "jurisdiction": street.pk, "rate_per_minute": 30})
    assert r.status_code == 200
    key = r.context["new_key"]
    assert key.startswith("o311_") and key in r.content.decode()
    row = Open311Key.objects.get(name="小程序")
    assert row.rate_per_minute == 30 and row.jurisdiction == street
    assert key not in admin.get("/interop/").content.decode()  # never shown again
    assert admin.post(f"/interop/keys/{row.pk}/revoke/").status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    bad = admin.post("/interop/keys/create/", {"name": "", "rate_per_minute": 30})
    assert bad.status_code == 422


def test_admin_creates_a_subscription_on_the_page_and_can_stop_it(client_as, street):
    admin = client_as("admin")
    r = admin.post(
        "/interop/webhooks/create/",
        {"name": "热线", "url": "https://hotline.example/hook", "place": street.pk, "events": ["created", "rated"]},
    )
    assert r.status_code == 200 and r.context["new_secret"].startswith("whsec_")
    sub = WebhookSubscriber.objects.get(name="热线")
    assert sub.events == ["created", "rated"] and sub.url == "https://hotline.example/hook"
    assert admin.post(f"/interop/webhooks/{sub.pk}/disable/").status_code == 302
    sub.refresh_from_db()
    assert not sub.active


@pytest.mark.parametrize("role", ["street", "community", "resident"])
def test_interop_pages_are_for_administrators_only(client_as, role):
    c = client_as(role)
    assert c.get("/interop/").status_code == 403
    assert c.post("/interop/keys/create/", {"name": "x", "rate_per_minute": 5}).status_code == 403
    assert Open311Key.objects.count() == 0
