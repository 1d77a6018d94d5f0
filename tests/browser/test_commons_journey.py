"""Done when: the community worker, on a 360-px phone, records last quarter's parking fees paid in by the property
company into a compound's shared-income ledger and publishes the quarter's 公示; a resident of that compound finds
公共收益 in the menu, sees the published figures and the entry without anyone's name, and cannot open the ledger."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_narrow_screens import OVERFLOWING
from tests.browser.test_venues_journey import WIDTH, severe_violations

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_staff_record_and_publish_shared_income_and_a_resident_reads_the_notice_on_a_phone(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.accounts.models import User
    from tests.commons_support import last_quarter

    url = live_demo.url
    resident = User.objects.select_related("person").get(username="resident")
    from linli.places.models import Place

    compound = Place.objects.filter(
        kind="compound", path__in=[resident.person.place_path[:i] for i in range(4, 40, 4)]
    ).get()
    year, quarter, first, last = last_quarter()
    page.set_viewport_size({"width": WIDTH, "height": 740})

    login("community")
    page.goto(f"{url}/commons/compounds/{compound.pk}/record/?kind=income")
    form = page.locator("#entry-form")
    form.locator("select[name=category]").select_option("parking")
    form.locator("input[name=amount]").fill("26,800")
    form.locator("input[name=occurred_on]").fill(last.isoformat())
    form.locator("input[name=summary]").fill(f"{year}年第{quarter}季度地面停车费")
    form.locator("input[name=period_start]").fill(first.isoformat())
    form.locator("input[name=period_end]").fill(last.isoformat())
    form.locator("input[name=receipt_no]").fill("TC-0001")
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "26,800.00" in page.locator("#totals [data-figure=balance]").inner_text()
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    publish = page.locator("#publish-form")
    publish.locator("select[name=quarter]").select_option(f"{year}-{quarter}")
    publish.locator("textarea[name=note]").fill("欢迎业主监督")
    with page.expect_navigation():
        publish.locator("button[type=submit]").click()
    page.wait_for_selector("#frozen")

    page.context.clear_cookies()
    login("resident")
    page.click("a[data-nav=commons]")
    with page.expect_navigation():
        page.click(f"#homes li[data-compound='{compound.pk}'] a")
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    with page.expect_navigation():
        page.click("#published li[data-notice] a")
    frozen = page.locator("#frozen").inner_text()
    assert "26,800.00" in frozen and "地面停车费" in frozen and "欢迎业主监督" in page.content()
    assert User.objects.get(username="community").person.name not in page.content()
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    response = page.goto(f"{url}/commons/compounds/{compound.pk}/")
    assert response is not None and response.status == 404
