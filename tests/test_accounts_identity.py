"""Identity controls of issue 13: password policy and history, expiry reminder, lockout per account and
per address, absolute session age, two-factor for staff who can reveal, recovery codes, re-authentication,
my sessions, administrators ending sessions."""

from __future__ import annotations

import datetime as dt
import time

import pyotp
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from linli.accounts.middleware import AUTH_AT
from linli.accounts.models import PasswordHistory, PasswordState, RecoveryCode, TwoFactor, UserSession
from linli.accounts.services import (
    needs_two_factor,
    password_change,
    password_expired,
    totp_begin,
    totp_confirm,
    two_factor_verify,
)
from linli.audit.models import AuditEvent
from linli.core.errors import InvalidInput
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _now_code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + 30 * offset_steps)


def _enrol(user) -> tuple[str, list[str]]:
    secret = totp_begin(user=user)
    codes = totp_confirm(user=user, code=_now_code(secret))
    return secret, codes


# --- password policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Ab1!", "10"),  # too short: Django names the minimum
        ("onlylowercase", "至少 3 类"),
        ("lowercase1234", "至少 3 类"),
        ("Password1234", "太常见"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(users, password, reason):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
        password_change(user=users["grid"], new_password=password)
    assert exc.value.field == "new_password"
    assert reason in exc.value.message, exc.value.message


def test_a_strong_password_is_accepted_and_starts_the_expiry_clock(users):
    password_change(user=users["grid"], new_password="Tiao-Jie-2026")
    users["grid"].refresh_from_db()
    assert users["grid"].check_password("Tiao-Jie-2026")
    assert PasswordState.objects.get(user=users["grid"]).changed_at > timezone.now() - dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="password.changed", actor=users["grid"]).exists()


def test_none_of_the_last_five_passwords_can_be_used_again(users):
    user = users["grid"]
    used = [f"Wangge-{n}-Yuan!" for n in range(6)]
    for password in used:
        password_change(user=user, new_password=password)
    for recent in used[-5:]:
        with pytest.raises(InvalidInput, match="最近"):
            password_change(user=user, new_password=recent)
    password_change(user=user, new_password=used[0])  # the sixth-last is allowed again
    assert PasswordHistory.objects.filter(user=user).count() == 5
    assert all(h.password.startswith(("md5$", "pbkdf2")) for h in PasswordHistory.objects.filter(user=user))


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_password_older_than_ninety_days_gets_a_reminder_at_login(users):
    user = users["grid"]
    PasswordState.objects.update_or_create(user=user, defaults={"changed_at": timezone.now() - dt.timedelta(days=91)})
    assert password_expired(user)
    client = Client()
    response = _login(client, "grid", follow=True)
    assert "密码已超过 90 天未更换" in response.content.decode()


@override_settings(PASSWORD_MAX_AGE_DAYS=0)
def test_the_expiry_reminder_can_be_switched_off(users):
    PasswordState.objects.update_or_create(
        user=users["grid"], defaults={"changed_at": timezone.now() - dt.timedelta(days=900)}
    )
    assert not password_expired(users["grid"])


def test_the_security_page_changes_the_password_after_checking_the_current_one(client_as, users):
    client = client_as("grid")
    bad = client.post(
        "/accounts/security/password/",
        {"old_password": "wrong", "new_password": "Xin-Mima-2026", "new_password2": "Xin-Mima-2026"},
        follow=True,
    )
    assert "密码不正确" in bad.content.decode()
    ok = client.post(
        "/accounts/security/password/",
        {"old_password": PASSWORD, "new_password": "Xin-Mima-2026", "new_password2": "Xin-Mima-2026"},
        follow=True,
    )
    assert "密码已修改" in ok.content.decode()
    users["grid"].refresh_from_db()
    assert users["grid"].check_password("Xin-Mima-2026")
    assert client.get("/accounts/security/").status_code == 200  # this session survives its own change


# --- lockout ----------------------------------------------------------------------------------


@override_settings(LOGIN_LOCKOUT_FAILURES_PER_ADDRESS=5, LOGIN_LOCKOUT_FAILURES=5)
def test_five_failures_from_one_address_lock_that_address_for_every_account(client):
    for n in range(5):
        _login(client, f"nobody{n}", "wrong", REMOTE_ADDR="203.0.113.9")
    page = _login(client, "grid", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert "连续登录失败次数过多" in page.content.decode()
    assert AuditEvent.objects.filter(action="login.locked", detail__scope="address").exists()
    other = _login(Client(), "grid", PASSWORD, REMOTE_ADDR="203.0.113.10")
    assert other.status_code == 302  # another address is not locked


def test_five_failures_lock_the_account_for_fifteen_minutes(client, settings):
    assert settings.LOGIN_LOCKOUT_FAILURES == 5 and settings.LOGIN_LOCKOUT_MINUTES == 15
    for n in range(5):
        _login(Client(), "grid", "wrong", REMOTE_ADDR=f"198.51.100.{n}")
    page = _login(client, "grid", PASSWORD, REMOTE_ADDR="198.51.100.99")
    assert "请 15 分钟后再试" in page.content.decode()
    locked = AuditEvent.objects.filter(action="login.locked", actor_label="grid").latest("id")
    assert locked.detail["scope"] == "account" and locked.success is False


def test_wrong_second_factor_codes_count_towards_the_lockout(users):
    user = users["street"]
    _enrol(user)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            two_factor_verify(user=user, code="000000")
    with pytest.raises(Exception, match="连续登录失败次数过多"):
        two_factor_verify(user=user, code="123456")


# --- sessions -----------------------------------------------------------------------------------


@override_settings(SESSION_ABSOLUTE_HOURS=12)
def test_a_session_ends_twelve_hours_after_login_however_busy(client_as, users):
    client = client_as("grid")
    assert client.get("/places/").status_code == 200
    session = client.session
    session[AUTH_AT] = int(time.time()) - 12 * 3600 - 5
    session.save()
    response = client.get("/places/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert AuditEvent.objects.filter(action="logout.absolute", actor=users["grid"]).exists()


def test_a_login_is_listed_on_my_sessions_page_with_address_and_device(users):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) 测试", REMOTE_ADDR="192.0.2.7")
    _login(client, "grid", REMOTE_ADDR="192.0.2.7")
    row = UserSession.objects.get(user=users["grid"], ended_at__isnull=True)
    assert row.ip == "192.0.2.7" and "iPhone" in row.user_agent
    page = client.get("/accounts/security/").content.decode()
    assert "192.0.2.7" in page and "当前会话" in page


def test_ending_one_of_my_sessions_logs_that_browser_out_at_once(users):
    phone, laptop = Client(), Client()
    _login(phone, "grid")
    _login(laptop, "grid")
    phone_row = UserSession.objects.get(session_key=phone.session.session_key)
    assert laptop.post(f"/accounts/sessions/{phone_row.pk}/end/").status_code == 302
    assert phone.get("/places/").status_code == 302  # back to the login page
    assert laptop.get("/places/").status_code == 200
    phone_row.refresh_from_db()
    assert phone_row.end_reason == "revoked"
    assert AuditEvent.objects.filter(action="session.revoked", actor=users["grid"]).exists()


def test_nobody_can_end_another_users_session_by_guessing_its_id(users):
    victim, attacker = Client(), Client()
    _login(victim, "grid")
    _login(attacker, "resident")
    row = UserSession.objects.get(session_key=victim.session.session_key)
    assert attacker.post(f"/accounts/sessions/{row.pk}/end/").status_code == 404
    assert victim.get("/places/").status_code == 200


def test_an_administrator_ends_all_sessions_and_tokens_of_a_user(client_as, users):
    from linli.accounts.services import token_issue

    victim = Client()
    _login(victim, "grid")
    _token, key = token_issue(user=users["grid"])
    admin = client_as("admin")
    page = admin.get("/accounts/admin/sessions/", {"user": "grid"}).content.decode()
    assert "grid" in page
    assert admin.post(f"/accounts/admin/users/{users['grid'].pk}/end-sessions/").status_code == 302
    assert victim.get("/places/").status_code == 302
    assert Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="session.ended_by_admin", actor=users["admin"]).exists()


def test_only_administrators_end_other_peoples_sessions(client_as, users):
    for who in ("street", "community", "grid"):
        assert client_as(who).post(f"/accounts/admin/users/{users['resident'].pk}/end-sessions/").status_code == 403
        assert client_as(who).get("/accounts/admin/sessions/").status_code == 403


def test_the_admin_session_list_keeps_its_query_count_as_sessions_grow(client_as, users, django_assert_max_num_queries):
    from linli.accounts.services import session_register

    admin = client_as("admin")
    admin.get("/accounts/admin/sessions/")
    for n in range(3):
        session_register(user=users["grid"], session_key=f"k{n}", request=None)
    with django_assert_max_num_queries(20) as small:
        admin.get("/accounts/admin/sessions/")
    for n in range(3, 40):
        session_register(user=users["grid"], session_key=f"k{n}", request=None)
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin.get("/accounts/admin/sessions/")


# --- two-factor ---------------------------------------------------------------------------------


def test_staff_who_can_reveal_must_use_two_factor_and_grid_workers_need_not(users):
    assert needs_two_factor(users["admin"]) and needs_two_factor(users["street"])
    assert needs_two_factor(users["community"])
    assert not needs_two_factor(users["grid"]) and not needs_two_factor(users["resident"])


def test_after_the_password_a_reveal_holder_is_held_at_enrolment_until_it_is_done(users):
    client = Client()
    response = _login(client, "community")
    assert response["Location"].startswith("/accounts/2fa/")
    page = client.get("/places/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/2fa/")
    assert client.get("/api/v1/me").status_code == 403
    setup = client.get("/accounts/2fa/").content.decode()
    assert "<svg" in setup and "data-totp-secret" in setup
    secret = TwoFactor.objects.get(user=users["community"])
    from linli.core import crypto

    clear = crypto.decrypt(secret.secret_enc)
    assert clear not in secret.secret_enc  # encrypted at rest
    wrong = client.post("/accounts/2fa/", {"code": "000000", "next": "/places/"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    done = client.post("/accounts/2fa/", {"code": _now_code(clear), "next": "/places/"})
    assert "恢复码" in done.content.decode()
    assert RecoveryCode.objects.filter(user=users["community"], used_at__isnull=True).count() == 10
    assert client.get("/places/").status_code == 200
    assert AuditEvent.objects.filter(action="2fa.enabled", actor=users["community"]).exists()


def test_an_enrolled_user_types_the_code_at_each_login(users):
    secret, _codes = _enrol(users["street"])
    client = Client()
    _login(client, "street")
    assert client.get("/places/").status_code == 302
    assert client.post("/accounts/2fa/", {"code": "111111"}).status_code == 422
    ok = client.post("/accounts/2fa/", {"code": _now_code(secret, 1), "next": "/places/"})
    assert ok.status_code == 302 and ok["Location"] == "/places/"
    assert client.get("/places/").status_code == 200
    assert AuditEvent.objects.filter(action="login.success", actor=users["street"], detail__method="totp").exists()


def test_a_code_cannot_be_replayed(users):
    secret, _ = _enrol(users["street"])
    code = _now_code(secret, 1)
    assert two_factor_verify(user=users["street"], code=code) == "totp"
    with pytest.raises(InvalidInput):
        two_factor_verify(user=users["street"], code=code)


def test_a_recovery_code_works_once(users):
    _secret, codes = _enrol(users["street"])
    assert two_factor_verify(user=users["street"], code=codes[0]) == "recovery"
    with pytest.raises(InvalidInput):
        two_factor_verify(user=users["street"], code=codes[0])
    assert not RecoveryCode.objects.filter(digest__in=[c.replace("-", "") for c in codes]).exists()  # digests only


def test_a_token_for_a_reveal_holder_needs_the_second_factor_too(client, users):
    secret, _ = _enrol(users["street"])
    body = {"username": "street", "password": PASSWORD}
    refused = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert refused.status_code == 403
    body["otp"] = _now_code(secret, 1)
    assert client.post("/api/v1/auth/token", body, content_type="application/json").status_code == 201


# --- re-authentication ----------------------------------------------------------------------------


def test_changing_the_phone_needs_the_password_again(client_as, users):
    client = client_as("resident")
    first = client.post("/accounts/security/phone/", {"phone": "13912345678"})
    assert first.status_code == 302 and first["Location"].startswith("/accounts/reauth/")
    assert client.post("/accounts/reauth/", {"password": "wrong"}).status_code == 422
    assert client.post("/accounts/reauth/", {"password": PASSWORD, "next": "/accounts/security/"}).status_code == 302
    done = client.post("/accounts/security/phone/", {"phone": "13912345678"}, follow=True)
    assert "登录手机号已更新" in done.content.decode()
    assert AuditEvent.objects.filter(action="account.phone_changed", actor=users["resident"]).exists()


@override_settings(REAUTH_MINUTES=5)
def test_a_re_authentication_is_good_for_a_few_minutes_only(client_as, users):
    _enrol(users["street"])
    client = client_as("street")
    client.post("/accounts/reauth/", {"password": PASSWORD})
    session = client.session
    session["_linli_reauth_at"] = int(time.time()) - 6 * 60
    session.save()
    response = client.post("/accounts/security/2fa/off/")
    assert response["Location"].startswith("/accounts/reauth/")
    assert TwoFactor.objects.filter(user=users["street"]).exists()


def test_turning_two_factor_off_sends_a_reveal_holder_back_to_enrolment(client_as, users):
    _enrol(users["street"])
    client = client_as("street")
    client.post("/accounts/reauth/", {"password": PASSWORD})
    client.post("/accounts/security/2fa/off/")
    assert not TwoFactor.objects.filter(user=users["street"]).exists()
    assert client.get("/places/")["Location"].startswith("/accounts/2fa/")
    assert AuditEvent.objects.filter(action="2fa.disabled", actor=users["street"]).exists()
