"""Done when: a community worker on a 360-px phone opens 服务清单 from the menu, adds an item to their community's
list and publishes the list (第 1 版); a resident on a phone finds it on the public list by a word of its name, opens
it, reads what to bring and when a request made today is due, and follows the link to the request form."""

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
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in SEVERE]


def fits(page: Any) -> None:
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_publishes_an_item_and_a_resident_finds_it_and_raises_a_request(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.guide.models import ServiceItem
    from linli.places.models import Place

    url = live_demo.url
    community = Place.objects.filter(kind="community").order_by("path").first()
    page.set_viewport_size({"width": WIDTH, "height": 740})

    login("community")
    page.click("a[data-nav=guide]")
    page.wait_for_selector("#kept")
    with page.expect_navigation():
        page.click(f"#kept a[href='/guide/communities/{community.pk}/manage/']")
    fits(page)
    with page.expect_navigation():
        page.click(f"a[href='/guide/communities/{community.pk}/new/']")
    form = page.locator("#item-form")
    form.locator("input[name=name]").fill("老年人优待证办理")
    form.locator("select[name=category]").select_option("civil")
    form.locator("input[name=audience]").fill("60周岁以上老年人")
    form.locator("textarea[name=materials]").fill("身份证原件\n一寸彩色照片1张")
    form.locator("input[name=channels][value=home]").check()
    form.locator("input[name=location]").fill("社区党群服务中心一楼综合窗口")
    form.locator("input[name=hours]").fill("工作日 8:30-17:30")
    form.locator("select[name=mode]").select_option("quick")
    form.locator("input[name=time_limit_days]").fill("5")
    form.locator("input[name=responsible_post]").fill("民政专干")
    fits(page)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    item = ServiceItem.objects.get(community=community, name="老年人优待证办理")
    page.wait_for_selector(f"li[data-item='{item.pk}'] [data-status=draft]")
    with page.expect_navigation():
        page.locator("#publish button[type=submit]").click()
    assert "第 1 版" in page.locator("#state").inner_text()

    page.context.clear_cookies()
    login("resident")
    page.goto(f"{url}/guide/communities/{community.pk}/")
    fits(page)
    page.locator("input[name=q]").fill("优待")
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").click()
    with page.expect_navigation():
        page.click(f"li[data-item='{item.pk}'] a.gd-name")
    fits(page)
    assert "一寸彩色照片1张" in page.locator("#materials").inner_text()
    assert "办结" in page.locator("#due").inner_text()
    with page.expect_navigation():
        page.click("#raise")
    assert page.url.endswith("/requests/new/")
