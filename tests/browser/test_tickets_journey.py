"""The whole request journey in a browser: resident reports with a photo → grid worker accepts and
publishes to the order board → volunteer claims and resolves → resident rates → the community's
three rates change."""

from __future__ import annotations

import pytest

from linli.places.models import Place
from linli.tickets.models import Ticket
from tests.support import image_bytes

pytestmark = pytest.mark.browser


def _switch(page, login, username):
    page.context.clear_cookies()
    return login(username)


def _rates(page, base, community):
    page.goto(f"{base}/requests/metrics/?node={community.pk}")
    return {
        name: page.locator(f"[data-metric={name}] b").inner_text()
        for name in ("received", "response_rate", "resolution_rate", "satisfaction_rate")
    }


def _act(page, action, note=None):
    form = page.locator(f"form[data-action={action}]")
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_report_claim_resolve_rate_changes_the_three_rates(login, live_demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_demo.url
    community = Place.objects.filter(kind="community").order_by("path").first()
    photo = tmp_path / "lamp.png"
    photo.write_bytes(image_bytes((32, 24)))

    page = login("community")
    before = _rates(page, base, community)

    page = _switch(page, login, "resident")
    page.goto(f"{base}/requests/new/")
    page.fill("textarea[name=description]", "3栋2单元楼道灯不亮,晚上老人上下楼不安全")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    number = page.locator("#ticket-number").inner_text()
    assert page.locator("#ticket-status").get_attribute("data-status") == "submitted"
    ticket = Ticket.objects.get(number=number)
    assert ticket.photos.count() == 1
    detail = f"{base}/requests/{ticket.pk}/"

    page = _switch(page, login, "grid")
    page.goto(f"{base}/requests/?queue=mine")
    assert page.locator(f"tr[data-number='{number}']").count() == 1
    page.goto(detail)
    _act(page, "accept")
    assert page.locator("#ticket-status").get_attribute("data-status") == "accepted"
    _act(page, "publish")
    assert page.locator("#ticket-status").get_attribute("data-status") == "published"

    page = _switch(page, login, "volunteer")
    page.goto(f"{base}/requests/board/")
    page.locator(f".order[data-number='{number}'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ticket-status").get_attribute("data-status") == "claimed"
    _act(page, "resolve", note="已更换LED灯泡,楼道恢复照明")
    assert page.locator("#ticket-status").get_attribute("data-status") == "resolved"

    page = _switch(page, login, "resident")
    page.goto(detail)
    assert "已更换LED灯泡" in page.locator("#resolution").inner_text()
    page.locator("form[data-action=rate] input[value=satisfied]").check()
    _act(page, "rate", note="很及时,谢谢")
    assert page.locator("#ticket-status").get_attribute("data-status") == "closed"
    assert page.locator("#timeline li[data-action=claim]").count() == 1

    page = _switch(page, login, "community")
    after = _rates(page, base, community)
    assert int(after["received"]) == int(before["received"]) + 1
    for name in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert after[name] == "100%", (name, before, after)
    assert before["satisfaction_rate"] != after["satisfaction_rate"] or before["satisfaction_rate"] == "100%"
