"""Web hardening: production settings pass ``check --deploy``; responses with personal data are
never cached; every page carries a strict Content-Security-Policy."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

from linli.core.middleware import content_security_policy

ROOT = Path(__file__).resolve().parent.parent


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LINLI_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="linli.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="linli.example.gov.cn",
        LINLI_FIELD_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        LINLI_HASH_KEY=secrets.token_hex(32),
    )
    return env


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_field_keys():
    env = _production_env()
    del env["LINLI_FIELD_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "LINLI_FIELD_KEYS" in result.stderr


def test_pages_with_personal_data_are_not_stored_by_browsers_or_proxies(client_as, users):
    client = client_as("community")
    person = users["resident"].person
    response = client.get(f"/ledger/people/{person.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_api_answers_are_not_stored_either(api_as):
    response = api_as("grid").get("/api/v1/requests")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/linli.css")
    assert "no-store" not in response.get("Cache-Control", "")


def test_every_page_carries_a_csp_without_unsafe_inline_and_with_a_fresh_nonce(client_as):
    client = client_as("street")
    first, second = client.get("/"), client.get("/")
    header = first.get("Content-Security-Policy") or first["Content-Security-Policy-Report-Only"]
    other = second.get("Content-Security-Policy") or second["Content-Security-Policy-Report-Only"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    for directive in (
        "default-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
    ):
        assert directive in header
    assert header != other, "the nonce changes on every response"


def test_the_map_tile_host_is_allowed_as_an_image_source():
    with override_settings(INSIGHTS_MAP_TILES="https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY", CSP_IMG_HOSTS=[]):
        policy = content_security_policy("n")
    img = next(d for d in policy.split("; ") if d.startswith("img-src"))
    assert "tianditu.gov.cn" in img and "KEY" not in img


def test_csp_is_enforced_when_report_only_is_off(client_as):
    with override_settings(CSP_REPORT_ONLY=False):
        response = client_as("grid").get("/")
    assert "Content-Security-Policy" in response and "Content-Security-Policy-Report-Only" not in response
