"""Logins are audited, repeated failures lock the account, residents log in with an SMS code."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from linli.accounts.models import ApiToken
from linli.accounts.services import login_with_code, otp_request, token_issue
from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden
from linli.notify.sms import OutboxSmsBackend
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_good_password_logs_in_and_is_audited(client):
    response = _login(client, "grid", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login.success", actor_label="grid", success=True).exists()


def test_a_good_password_of_someone_who_needs_two_factor_is_only_the_first_step(client):
    response = _login(client, "street", PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
    assert AuditEvent.objects.filter(action="login.password_ok", actor_label="street").exists()
    assert not AuditEvent.objects.filter(action="login.success", actor_label="street").exists()


def test_a_bad_password_is_refused_and_audited(client):
    response = _login(client, "street", "nope")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert AuditEvent.objects.filter(action="login.failed", actor_label="street", success=False).exists()


@override_settings(LOGIN_LOCKOUT_FAILURES=3)
def test_it_locks_out_after_repeated_failures_even_with_the_right_password(client):
    for _ in range(3):
        _login(client, "grid", "wrong")
    response = _login(client, "grid", PASSWORD)
    assert "连续登录失败次数过多" in response.content.decode()
    assert AuditEvent.objects.filter(action="login.locked", actor_label="grid").exists()


def test_residents_may_type_their_phone_number_as_username(client, users):
    phone = users["resident"].person.phone
    response = _login(client, phone[3:], PASSWORD)
    assert response.status_code == 302


@override_settings(SMS_BACKEND="linli.notify.sms.OutboxSmsBackend")
def test_a_resident_logs_in_with_a_code_sent_by_sms(users):
    OutboxSmsBackend.outbox.clear()
    phone = users["resident"].person.phone
    otp_request(phone=phone[3:], request=None)
    sent_to, text = OutboxSmsBackend.outbox[-1]
    assert sent_to == phone
    code = re.search(r"(\d{6})", text).group(1)
    assert login_with_code(phone=phone, code=code, request=None) == users["resident"]
    with pytest.raises(Forbidden, match="验证码错误或已过期"):
        login_with_code(phone=phone, code=code, request=None)  # single use


@override_settings(SMS_BACKEND="linli.notify.sms.OutboxSmsBackend")
def test_an_unknown_phone_gets_no_code_and_no_hint():
    OutboxSmsBackend.outbox.clear()
    otp_request(phone="13900001111", request=None)
    assert OutboxSmsBackend.outbox == []


@override_settings(SMS_BACKEND="linli.notify.sms.OutboxSmsBackend")
def test_the_code_login_page_works_end_to_end(users):
    OutboxSmsBackend.outbox.clear()
    client = Client()
    phone = users["resident"].person.phone[3:]
    page = client.post("/accounts/login/code/", {"phone": phone})
    assert "验证码" in page.content.decode()
    code = re.search(r"(\d{6})", OutboxSmsBackend.outbox[-1][1]).group(1)
    response = client.post("/accounts/login/code/", {"phone": phone, "code": code})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_malformed_phone_gets_a_clear_error(client):
    page = client.post("/accounts/login/code/", {"phone": "12345"})
    assert "不是有效号码" in page.content.decode() or "无法识别" in page.content.decode()


def test_token_exchange_and_me(client, users):
    response = client.post(
        "/api/v1/auth/token", {"username": "grid", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").json()
    assert me["username"] == "grid"
    assert me["roles"][0] == "grid"
    assert me["positions"][0]["kind"] == "grid_worker"
    assert me["scope_everything"] is False


def test_bad_credentials_get_no_token(client):
    response = client.post("/api/v1/auth/token", {"username": "grid", "password": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_a_revoked_token_no_longer_works(users):
    token, key = token_issue(user=users["grid"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/v1/me").status_code == 200
    assert client.delete(f"/api/v1/auth/token/{token.pk}").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_tokens_are_stored_only_as_digests(users):
    token, key = token_issue(user=users["grid"])
    assert key not in {token.digest, token.prefix}
    assert not ApiToken.objects.filter(digest=key).exists()


def test_logout_needs_post_and_is_audited(client_as, users):
    client = client_as("community")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor=users["community"]).exists()


@override_settings(IDLE_TIMEOUT_MINUTES=1)
def test_idle_sessions_end(client_as, users):
    client = client_as("street")
    assert client.get("/places/").status_code == 200
    session = client.session
    session["_linli_last_seen"] = session["_linli_last_seen"] - 120
    session.save()
    response = client.get("/places/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.session_clock
def test_a_page_view_does_not_rewrite_the_session_until_a_minute_has_passed(client_as, monkeypatch):
    from django.db import connection

    from linli.accounts import middleware

    client = client_as("street")
    client.get("/places/")  # the first view records the session (tracking, 2FA state)
    with CaptureQueriesContext(connection) as views:
        client.get("/places/")
    assert not [q for q in views.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    later = middleware.time.time() + 61
    monkeypatch.setattr(middleware.time, "time", lambda: later)
    with CaptureQueriesContext(connection) as views:
        client.get("/places/")
    assert [q for q in views.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert client.session["_linli_last_seen"] == int(later)


@pytest.mark.session_clock
@override_settings(IDLE_TIMEOUT_MINUTES=1)
def test_with_a_one_minute_timeout_the_last_seen_time_is_written_every_two_seconds(client_as):
    from linli.accounts.middleware import seen_every

    assert seen_every() == 2
    client = client_as("street")
    client.get("/places/")
    session = client.session
    session["_linli_last_seen"] -= 45  # active 45 s ago: still signed in, and the time moves on
    session.save()
    assert client.get("/places/").status_code == 200
    assert int(time.time()) - client.session["_linli_last_seen"] <= 1
