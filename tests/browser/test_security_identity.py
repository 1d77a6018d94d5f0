"""Browser journeys of the identity controls: a reveal holder enrols in 2FA on a phone-sized screen,
logs in again with a code, and ends another session from the account security page."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_a_community_worker_enrols_in_two_factor_and_must_type_a_code_next_time(login, page, live_demo):
    login("community")  # the fixture enrols through the real page, reading the secret it shows
    page.goto(f"{live_demo.url}/accounts/security/")
    assert "已启用" in page.content()
    assert page.locator("text=当前会话").count() == 1
    page.goto(f"{live_demo.url}/places/")
    assert "/accounts/2fa/" not in page.url
    page.locator("form[action='/accounts/logout/'] button").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_demo.url}/accounts/login/")
    page.fill("input[name=username]", "community")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "/accounts/2fa/" in page.url
    assert "两步验证" in page.content()
    page.fill("input[name=code]", "000000")
    page.click("button[type=submit].primary")
    assert "验证码不正确" in page.locator("[role=alert]").inner_text()
    page.goto(f"{live_demo.url}/places/")
    assert "/accounts/2fa/" in page.url  # still held at the gate


def test_a_grid_worker_logs_in_without_a_second_factor(login, page, live_demo):
    login("grid")
    page.goto(f"{live_demo.url}/accounts/security/")
    assert "/accounts/2fa/" not in page.url
    assert "账号安全" in page.content()
