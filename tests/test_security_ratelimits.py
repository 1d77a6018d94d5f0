"""Rate limits (issue 13): login and token requests per address, one-time codes per phone and per
address, resident intake per account, Open311 bad keys per address — 429, Retry-After, a Chinese message."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from linli.accounts.models import RateCounter
from linli.audit.models import AuditEvent
from linli.core.ratelimit import RateLimited, rate_limit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_limiter_refuses_the_call_after_the_budget_with_a_wait_time():
    for _ in range(3):
        rate_limit(purpose="test", key="k", limit=3, window_seconds=60)
    with pytest.raises(RateLimited) as exc:
        rate_limit(purpose="test", key="k", limit=3, window_seconds=60)
    assert exc.value.status == 429 and 1 <= exc.value.retry_after <= 60
    assert "操作过于频繁" in exc.value.message
    rate_limit(purpose="test", key="other", limit=3, window_seconds=60)  # other keys are not affected
    assert AuditEvent.objects.filter(action="ratelimit.exceeded", detail__purpose="test").count() == 1


def test_keys_are_stored_only_as_keyed_hashes():
    rate_limit(purpose="otp.phone", key="+8613812345678")
    assert not RateCounter.objects.filter(key__contains="13812345678").exists()


@override_settings(RATE_LIMITS={"login.address": (3, 60)})
def test_the_login_page_answers_429_with_retry_after_past_the_limit():
    client = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "grid", "password": PASSWORD})
    response = client.post("/accounts/login/", {"username": "grid", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "操作过于频繁" in response.content.decode()


@override_settings(RATE_LIMITS={"login.address": (2, 60)})
def test_the_token_endpoint_shares_the_login_limit():
    client = Client(REMOTE_ADDR="203.0.113.51")
    body = {"username": "grid", "password": "wrong"}
    for _ in range(2):
        client.post("/api/v1/auth/token", body, content_type="application/json")
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 429 and response.json()["error"] == "rate_limited"
    assert "Retry-After" in response


@override_settings(
    SMS_BACKEND="linli.notify.sms.OutboxSmsBackend", RATE_LIMITS={"otp.phone": (2, 3600), "otp.address": (100, 3600)}
)
def test_one_time_codes_are_limited_per_phone(users):
    phone = users["resident"].person.phone[3:]
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/code/", {"phone": phone})
    page = Client(REMOTE_ADDR="198.51.100.77").post("/accounts/login/code/", {"phone": phone})
    assert page.status_code == 429 and "该手机号验证码发送过于频繁" in page.content.decode()


@override_settings(
    SMS_BACKEND="linli.notify.sms.OutboxSmsBackend", RATE_LIMITS={"otp.phone": (100, 3600), "otp.address": (2, 3600)}
)
def test_one_time_codes_are_limited_per_address_across_phones():
    client = Client(REMOTE_ADDR="198.51.100.78")
    client.post("/accounts/login/code/", {"phone": "13900000001"})
    client.post("/accounts/login/code/", {"phone": "13900000002"})
    assert client.post("/accounts/login/code/", {"phone": "13900000003"}).status_code == 429


@override_settings(RATE_LIMITS={"intake.user": (2, 3600)})
def test_resident_intake_is_limited_per_account(api_as, client_as, places):
    from linli.places.models import Place

    building = Place.objects.filter(kind="building", path__startswith=places.first_grid.path).first()
    api = api_as("resident")
    for n in range(2):
        body = {"description": f"路灯不亮 {n}", "place_id": building.pk, "source": "app"}
        assert api.post("/api/v1/requests", body, content_type="application/json").status_code == 201
    refused = api.post(
        "/api/v1/requests", {"description": "第三次", "place_id": building.pk}, content_type="application/json"
    )
    assert refused.status_code == 429 and "Retry-After" in refused
    page = client_as("resident").post("/requests/new/", {"description": "网页也一样", "place_id": building.pk})
    assert page.status_code == 429


@override_settings(RATE_LIMITS={"open311.address": (2, 60)})
def test_open311_calls_with_unknown_keys_are_limited_per_address():
    client = Client(REMOTE_ADDR="192.0.2.99")
    for _ in range(2):
        assert client.post("/open311/v2/requests.json", {"api_key": "o311_guess"}).status_code == 403
    response = client.post("/open311/v2/requests.json", {"api_key": "o311_guess"})
    assert response.status_code == 429 and "Retry-After" in response
