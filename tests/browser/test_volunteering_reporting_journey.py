"""Done when: on a phone-sized screen street staff set the street's 双报到积分管理办法 (6 points and 2 services a
year), then next year's version (this year's stays in force), open the year's 报到考评, find the community with
its reported member, open it and see the member 未达标 and by how much, and download the members as .xlsx; a
form with a bad value says which field and keeps what was typed; nothing overflows the screen."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.browser.test_narrow_screens import OVERFLOWING

pytestmark = pytest.mark.browser
WIDTH = 390


@pytest.mark.django_db(transaction=True)
def test_street_staff_set_the_points_rules_and_read_the_years_assessment(page: Any, login: Any, live_demo: Any) -> None:
    from django.utils import timezone
    from openpyxl import load_workbook

    from linli.people.models import Person
    from linli.places.models import Place
    from linli.volunteering.models import PartyPointRule, RegistrationStatus, WorkplaceRegistration

    url = live_demo.url
    this_year = timezone.localdate().year
    street = Place.objects.get(kind="street")
    community = Place.objects.filter(kind="community").order_by("path").first()
    member = Person.objects.filter(place_path__startswith=community.path, user__isnull=True).order_by("pk").first()
    Person.objects.filter(pk=member.pk).update(is_party_member=True)
    WorkplaceRegistration.objects.create(
        person=member, community=community, place_path=community.path, workplace_name="区税务局机关党支部",
        status=RegistrationStatus.APPROVED,
    )  # fmt: skip

    login("street")
    page.goto(f"{url}/volunteering/reporting/rules/{street.pk}/")
    assert page.locator("#rule-source").inner_text() == "默认办法"
    page.fill("#rule-form input[name=title]", "烟墩街道“双报到”积分管理办法")
    page.fill("#rule-form input[name=annual_points]", "6")
    page.fill("#rule-form input[name=annual_services]", "200")
    with page.expect_navigation():
        page.click("#rule-form button[value=set]")
    error = page.locator("p.error")
    assert error.get_attribute("data-field") == "annual_services" and "0 到 100" in error.inner_text()
    assert page.input_value("#rule-form input[name=title]") == "烟墩街道“双报到”积分管理办法"  # kept
    page.fill("#rule-form input[name=annual_services]", "2")
    with page.expect_navigation():
        page.click("#rule-form button[value=set]")
    assert page.locator("#rule-source").inner_text() == street.name
    assert page.locator("#rule-in-force td[data-field=annual_points]").inner_text() == "6"
    assert PartyPointRule.objects.get(place=street, year=this_year).annual_services == 2
    assert page.locator(f"#rule-versions tr[data-year='{this_year}']").count() == 1
    assert page.evaluate(OVERFLOWING, WIDTH) == []

    # next year's 办法, issued in December: this year's rule stays in force until then
    with page.expect_navigation():
        page.select_option("#rule-year select[name=year]", str(this_year + 1))
        page.click("#rule-year button")
    page.fill("#rule-form input[name=annual_points]", "8")
    with page.expect_navigation():
        page.click("#rule-form button[value=set]")
    assert page.locator("#rule-since").inner_text() == f"自 {this_year + 1} 年起施行"
    assert page.locator("#rule-versions tbody tr").count() == 2
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    with page.expect_navigation():
        page.click(f"#rule-versions a[href='?year={this_year}']")
    assert page.locator("#rule-in-force td[data-field=annual_points]").inner_text() == "6"

    with page.expect_navigation():
        page.click(f"a[href$='/volunteering/reporting/?place={street.pk}']")
    row = page.locator(f"#assessment-communities tr[data-place='{community.pk}']")
    assert row.locator("td").nth(1).inner_text() == "1"
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    with page.expect_navigation():
        row.locator("a").click()
    member_row = page.locator("#assessment-members tr[data-met=no]")
    assert member.name in member_row.inner_text() and "差 6 分" in member_row.inner_text()
    assert page.evaluate(OVERFLOWING, WIDTH) == []

    with page.expect_download() as download:
        page.click("a[href*='/volunteering/reporting/export.xlsx']")
    body = download.value.path().read_bytes()
    rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][1] == member.name and rows[1][-1] == "未达标"
