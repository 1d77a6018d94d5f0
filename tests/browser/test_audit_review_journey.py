"""The reveal budget and the 敏感信息访问审查, in the browser: a community worker on a phone reveals residents until
the hour's budget is spent and is told so on the person's page; the administrator, at a desk, finds the account
in the review with its reveals and refusal flagged, and follows it to the account's entries in the audit log."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_a_spent_reveal_budget_is_told_on_the_page_and_the_administrator_finds_the_account_in_the_review(
    login: Any, live_demo: Any, settings: Any
) -> None:
    from linli.people.models import Person
    from linli.places.models import Place

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reveal.user": (2, 3600)}
    grid = Place.objects.filter(kind="grid").order_by("path").first()
    residents = list(
        Person.objects.filter(place_path__startswith=grid.path, user__isnull=True).exclude(phone_enc="").order_by("pk")
    )[:3]

    page = login("community")
    for person in residents[:2]:
        page.goto(f"{live_demo.url}/ledger/people/{person.pk}/")
        page.fill("#reveal-form input[name=reason]", "入户核实低保申请材料")
        page.click("#reveal-form button[type=submit]")
        assert page.locator("#id-number").inner_text() == person.id_number
    page.goto(f"{live_demo.url}/ledger/people/{residents[2].pk}/")
    page.fill("#reveal-form input[name=reason]", "入户核实低保申请材料")
    page.click("#reveal-form button[type=submit]")
    assert "操作过于频繁" in page.locator("[role=alert]").inner_text()
    assert page.locator("#id-number").inner_text() == residents[2].id_number_masked
    assert residents[2].id_number not in page.content()

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    admin = login("admin")
    admin.goto(f"{live_demo.url}/audit/")
    admin.click("text=敏感信息访问审查")
    row = admin.locator("table.plain tbody tr", has=admin.locator("a", has_text="community"))
    cells = row.locator("td")
    assert cells.nth(1).inner_text() == "2"  # reveals
    assert cells.nth(2).inner_text() == "2"  # different residents
    assert cells.nth(6).inner_text() == "1"  # the refusal
    assert "被限流或被拒" in cells.nth(7).inner_text()
    row.locator("a", has_text="community").click()
    admin.wait_for_load_state("networkidle")
    assert "/audit/?actor=community" in admin.url
    assert admin.locator("input[name=actor]").input_value() == "community"
    assert "查看完整证件号/电话" in admin.content()
