"""The outbox of SMS / group-robot messages: written with the notification, claimed once, sent with an
idempotency key, retried with backoff, recorded as failed for administrators — and a worker killed
with SIGKILL in the middle of a send ends, after recovery, in exactly one delivery at the gateway."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.notify import sms
from linli.notify.models import Delivery, DeliveryStatus, Notification
from linli.notify.outbox import deliveries_claim, deliveries_drain, delivery_send
from linli.notify.services import notify, sms_to_person
from linli.people.models import Person

ROOT = Path(__file__).resolve().parent.parent


class IdempotentGateway:
    """A local fake SMS gateway that honours ``Idempotency-Key``: a key it has taken is acknowledged
    again and not delivered twice. ``hold_first`` makes it stall on the first request (after taking
    the message, or before) until released, so a test can kill the sender mid-send."""

    def __init__(self, *, hold_first: bool = False, take_before_hold: bool = True) -> None:
        self.requests: list[str] = []  # the key of every request that reached us
        self.delivered: list[tuple[str, str, str]] = []  # (key, phone, text): what reached a phone
        self.status = 200
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.hold_first = hold_first
        self.take_before_hold = take_before_hold
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                key = self.headers.get("Idempotency-Key", "")
                outer.requests.append(key)
                if outer.hold_first:
                    outer.hold_first = False
                    if outer.take_before_hold:
                        outer.take(key, body)
                    outer.arrived.set()
                    outer.release.wait(20)
                    return  # the sender is dead by now: no answer
                if outer.status == 200:
                    outer.take(key, body)
                answer = json.dumps({"ok": outer.status == 200}).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sms"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def take(self, key: str, body: dict[str, str]) -> None:
        if key and any(k == key for k, _, _ in self.delivered):
            return  # the same message again: acknowledged, not sent twice
        self.delivered.append((key, body["phone"], body["text"]))

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def gateway(settings: Any) -> Any:
    fake = IdempotentGateway()
    settings.SMS_BACKEND = "linli.notify.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = fake.url
    sms._backend.cache_clear()
    yield fake
    sms._backend.cache_clear()
    fake.close()


def a_resident_with_a_phone() -> Person:
    return Person.objects.exclude(phone_enc="").filter(anonymised_at__isnull=True).order_by("pk").first()


# --- in one process ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sms_row_commits_with_its_notification_or_not_at_all(users: Any, gateway: Any) -> None:
    resident = users["resident"]
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(users=[resident], kind="ticket.resolved", title="已办结", sms_text="【邻里】已办结")
        assert Delivery.objects.filter(notification__recipient=resident).count() == 1
        raise RuntimeError("the transition failed after the notification was written")
    assert not Notification.objects.filter(recipient=resident).exists() and not Delivery.objects.exists()
    assert gateway.requests == []


@pytest.mark.django_db
def test_one_sms_row_per_notification_reaches_the_gateway_once_with_its_key(
    users: Any, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from linli.accounts.models import User

    resident = users["resident"]
    no_record = User.objects.create_user(username="no-record", password="x")
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[resident, no_record], kind="ticket.resolved", title="已办结", sms_text="【邻里】已办结")
    assert Notification.objects.filter(recipient=no_record).count() == 1
    [delivery] = Delivery.objects.all()  # an account without a resident record has no phone: no SMS
    assert delivery.notification.recipient == resident and delivery.status == DeliveryStatus.SENT
    assert gateway.delivered == [(str(delivery.key), resident.person.phone, "【邻里】已办结")]
    assert deliveries_drain().sent == 0, "a sent row is never sent again"
    assert len(gateway.requests) == 1


@pytest.mark.django_db
def test_a_row_is_claimed_by_one_worker_only(users: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        sms_to_person(person=a_resident_with_a_phone(), text="通知")
    first = deliveries_claim()
    assert len(first) == 1 and deliveries_claim() == []
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.SENDING and row.attempts == 1 and row.lease_until > timezone.now()


@pytest.mark.django_db
def test_failures_back_off_then_the_last_attempt_is_recorded_failed_audited_and_shown_to_administrators(
    users: Any, gateway: Any, settings: Any, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    gateway.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        sms_to_person(person=a_resident_with_a_phone(), text="通知")
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and "500" in row.last_error
    assert row.next_attempt_at - timezone.now() > dt.timedelta(seconds=50), "backoff: about a minute"
    assert deliveries_drain().sent == 0, "not due yet"
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # a minute later
    assert deliveries_drain().failed == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED and row.attempts == 2
    assert AuditEvent.objects.filter(action="notify.delivery_failed", target_id=str(row.pk), success=False).exists()

    assert client_as("community").get("/inbox/deliveries/").status_code == 403
    page = client_as("admin").get("/inbox/deliveries/?status=failed")
    assert page.status_code == 200 and f'id="delivery{row.pk}"' in page.content.decode()
    gateway.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        r = client_as("admin").post(f"/inbox/deliveries/{row.pk}/retry/")
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and [k for k, _, _ in gateway.delivered] == [str(row.key)]
    assert AuditEvent.objects.filter(action="notify.delivery_retried", target_id=str(row.pk)).exists()


@pytest.mark.django_db
def test_a_row_left_sending_past_its_lease_is_sent_again_under_the_same_key_and_delivered_once(
    users: Any, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        sms_to_person(person=a_resident_with_a_phone(), text="通知")
    [pk] = deliveries_claim()
    row = Delivery.objects.get(pk=pk)
    gateway.take(str(row.key), {"phone": "x", "text": "通知"})  # the gateway took it; the worker then died
    assert deliveries_drain().recovered == 0, "the lease still runs"
    Delivery.objects.filter(pk=pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    outcome = deliveries_drain()
    assert (outcome.recovered, outcome.sent) == (1, 1)
    assert gateway.requests == [str(row.key)] and len(gateway.delivered) == 1
    assert delivery_send(delivery_id=pk) == "not-claimed"


# --- a real worker process, killed with SIGKILL in the middle of a send ----------------------------------

SEED_AND_WORK = """
from django.core.management import call_command
from django.db import transaction
from linli.notify.services import sms_to_person
from linli.people.models import Person
with transaction.atomic():
    sms_to_person(person=Person.objects.get(pk={person_id}), text="【邻里】您反映的楼道灯已修好,请评价。")
call_command("notify_deliver", loop=True, interval=0.1)
"""


def _env(db_file: Path, tmp_path: Path, gateway_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "HUEY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="linli.settings",
        DEBUG="1",  # the same development keys as this test process: the phone decrypts
        DATABASE_URL=f"sqlite:///{db_file}",
        HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite3"),
        HUEY_IMMEDIATE="0",
        MEDIA_ROOT=str(tmp_path / "media"),
        LINLI_SMS_BACKEND="linli.notify.sms.HttpSmsBackend",
        LINLI_SMS_HTTP_URL=gateway_url,
        LINLI_NOTIFY_LEASE_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    return env


def _rows(db_file: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(db_file) as db:
        return db.execute("SELECT status, attempts, key FROM notify_delivery").fetchall()


@pytest.mark.parametrize("gateway_took_it", [True, False], ids=["gateway-took-it", "gateway-never-got-it"])
def test_a_worker_killed_mid_send_ends_in_exactly_one_delivery_after_recovery(
    gateway_took_it: bool, db: Any, tmp_path: Path
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("copies the SQLite test database for the worker process; the same code runs on PostgreSQL")
    gateway = IdempotentGateway(hold_first=True, take_before_hold=gateway_took_it)
    db_file = tmp_path / "linli.sqlite3"
    person = a_resident_with_a_phone()
    # A file copy of the test database (schema + demo) for the processes. The backup API would wait
    # for this test's open transaction; a dump read through the same connection does not.
    with sqlite3.connect(db_file) as copy:
        copy.executescript(";\n".join(connection.connection.iterdump()))
    env = _env(db_file, tmp_path, gateway.url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    worker = subprocess.Popen(
        [*manage, "shell", "-c", SEED_AND_WORK.format(person_id=person.pk)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert gateway.arrived.wait(20), "the worker reached the gateway"
        os.kill(worker.pid, signal.SIGKILL)  # in the middle of the send: no answer has come back
        assert worker.wait(10) == -signal.SIGKILL
        gateway.release.set()
        [(status, attempts, key)] = _rows(db_file)
        assert (status, attempts) == ("sending", 1), "the dead worker left its claim behind"
        assert len(gateway.delivered) == (1 if gateway_took_it else 0)

        time.sleep(1.1)  # the 1-second lease runs out
        recovery = subprocess.run(
            [*manage, "notify_deliver"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=30
        )
        assert recovery.returncode == 0, recovery.stderr
        assert "recovered=1 sent=1" in recovery.stdout
        [(status, attempts, key_after)] = _rows(db_file)
        assert (status, attempts, key_after) == ("sent", 2, key)
        assert len(gateway.requests) == 2 and {k.replace("-", "") for k in gateway.requests} == {key.replace("-", "")}
        assert len(gateway.delivered) == 1, gateway.delivered  # exactly once at the gateway
        assert gateway.delivered[0][1:] == (person.phone, "【邻里】您反映的楼道灯已修好,请评价。")
    finally:
        if worker.poll() is None:
            worker.kill()
        gateway.close()


@pytest.mark.django_db
def test_administrators_list_and_resend_failed_messages_over_the_api_and_nobody_else_may(
    users: Any, gateway: Any, settings: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 1
    gateway.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        sms_to_person(person=a_resident_with_a_phone(), text="通知")
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.FAILED
    assert api_as("community").get("/api/v1/deliveries").status_code == 403
    listed = api_as("admin").get("/api/v1/deliveries?status=failed").json()
    assert [(d["id"], d["status"], d["attempts"]) for d in listed["items"]] == [(row.pk, "failed", 1)]
    assert "phone" not in listed["items"][0] and row.person.phone not in str(listed)
    assert api_as("grid").post(f"/api/v1/deliveries/{row.pk}/retry").status_code == 403
    gateway.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as("admin").post(f"/api/v1/deliveries/{row.pk}/retry")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and len(gateway.delivered) == 1
    assert api_as("admin").post(f"/api/v1/deliveries/{row.pk}/retry").status_code == 409
    assert api_as("admin").post("/api/v1/deliveries/999999/retry").status_code == 404
