"""Done when: a resident on a 360-px phone finds 场地预约 in the menu, opens the community hall, taps a free time and
books it; the community worker approves it from the queue; the resident sees it approved in 我的预约; another
resident sees that time busy on the venue's page, without anyone's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_accessibility import RUN_AXE, SEVERE
from tests.browser.test_narrow_screens import OVERFLOWING

pytestmark = pytest.mark.browser

WIDTH = 360
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def severe_violations(page: Any) -> list[Any]:
    """axe-core's serious and critical WCAG 2.0 A/AA violations on the page as it runs (test_accessibility.py)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in SEVERE]


@pytest.mark.django_db(transaction=True)
def test_a_resident_books_a_room_on_a_phone_staff_approve_and_a_neighbour_sees_it_busy(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.venues_support import account, later, venue

    url = live_demo.url
    community = Place.objects.filter(kind="community").order_by("path").first()
    staff = User.objects.get(username="community")
    hall = venue(staff, community, "党群服务中心二楼多功能厅", requires_approval=True, capacity=60)
    neighbour = account(community, "neighbour", exclude=(User.objects.get(username="resident").person_id,))
    day = later(2).isoformat()
    page.set_viewport_size({"width": WIDTH, "height": 740})

    login("resident")
    page.click("a[data-nav=venues]")
    page.wait_for_selector("#venues")
    with page.expect_navigation():
        page.click(f"#venues li[data-venue='{hall.pk}'] a.vn-name")
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    with page.expect_navigation():
        page.click(f"li[data-day='{day}'] a[data-state=free][data-start='08:00']")
    form = page.locator("#book-form")
    assert form.locator("input[name=day]").input_value() == day
    assert form.locator("select[name=start]").input_value() == "08:00"
    form.locator("select[name=end]").select_option("09:30")
    form.locator("select[name=purpose]").select_option("culture")
    form.locator("input[name=title]").fill("老年合唱队排练")
    form.locator("input[name=attendees]").fill("25")
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_selector("#booking[data-status=pending]")
    booking_id = page.url.rstrip("/").split("/")[-1]

    page.context.clear_cookies()
    login("community")
    page.goto(f"{url}/venues/approvals/")
    item = page.locator(f"#queue li[data-booking='{booking_id}']")
    assert severe_violations(page) == []
    assert "老年合唱队排练" in item.inner_text() and "****" in item.inner_text()  # the booker's phone, masked
    with page.expect_navigation():
        item.locator("button.vn-approve").click()
    page.wait_for_selector("#queue")
    assert page.locator(f"#queue li[data-booking='{booking_id}']").count() == 0
    for staff_page in (f"/venues/?place={community.pk}", "/venues/new/", f"/venues/{hall.pk}/week/?week={day}"):
        page.goto(f"{url}{staff_page}")  # the staff's own pages fit the phone and pass axe too
        assert page.evaluate(OVERFLOWING, WIDTH) == [], staff_page
        assert severe_violations(page) == [], staff_page

    page.context.clear_cookies()
    login("resident")
    page.goto(f"{url}/venues/mine/")
    page.wait_for_selector(f"#upcoming li[data-booking='{booking_id}'][data-status=approved]")
    assert severe_violations(page) == []
    page.goto(f"{url}/inbox/")
    assert "场地预约已通过" in page.content()

    page.context.clear_cookies()
    login(neighbour.username)
    page.goto(f"{url}/venues/{hall.pk}/")
    today = page.locator(f"li[data-day='{day}']")
    busy = today.locator("[data-state=busy][data-start='08:00']")
    assert "08:00–09:30" in busy.inner_text() and "已预约" in busy.inner_text()
    assert User.objects.get(username="resident").person.name not in page.content()
    assert today.locator("a[data-state=free][data-start='09:30']").count() == 1
