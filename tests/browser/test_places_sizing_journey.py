"""Done when: on a phone-sized screen the street leader opens 网格规模核查 from the dashboard, sees every grid
unclassified, records a compound's 小区档案 (杂居型, 无物业管理, 1992) from the compound page, and back on the
check finds that compound's grid judged against 300–400户 / 900–1200人; then sets the street's own standard for
杂居型 wide enough for the demo grid and sees it judged 符合标准."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_narrow_screens import OVERFLOWING

pytestmark = pytest.mark.browser
WIDTH = 390


@pytest.mark.django_db(transaction=True)
def test_street_leader_records_a_compound_profile_and_checks_its_grid_against_the_standard(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.places.models import CompoundProfile, Place

    url = live_demo.url
    street = Place.objects.get(kind="street")
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    grid = Place.objects.filter(kind="grid", path__startswith=compound.path).first()

    login("street")
    page.goto(f"{url}/insights/?node={street.pk}")
    with page.expect_navigation():
        page.click("#open-grid-sizing")
    page.wait_for_selector("#sizing-units")
    assert page.locator(f"#sizing-units tr[data-place='{grid.pk}']").get_attribute("data-status") == "unclassified"
    assert page.evaluate(OVERFLOWING, WIDTH) == []

    page.goto(f"{url}/places/{compound.pk}/")
    with page.expect_navigation():
        page.click("#compound-profile a")
    page.select_option("select[name=compound_type]", "mixed")
    page.select_option("select[name=management_mode]", "none")
    page.fill("input[name=built_year]", "1992")
    with page.expect_navigation():
        page.click("#profile-form button[type=submit]")
    assert "老旧小区" in page.locator("#compound-profile").inner_text()
    assert CompoundProfile.objects.get(compound=compound).management_mode == "none"

    page.goto(f"{url}/places/{street.pk}/grids/")
    row = page.locator(f"#sizing-units tr[data-place='{grid.pk}']")
    assert row.get_attribute("data-status") == "small"
    assert "300–400" in row.inner_text()

    page.goto(f"{url}/places/{street.pk}/grid-standards/")
    form = page.locator("form.standard[data-type='mixed']")
    form.locator("input[name=households_min]").fill("1")
    form.locator("input[name=residents_min]").fill("1")
    with page.expect_navigation():
        form.locator("button[value=set]").click()
    page.goto(f"{url}/places/{street.pk}/grids/")
    assert page.locator(f"#sizing-units tr[data-place='{grid.pk}']").get_attribute("data-status") == "ok"
    assert page.evaluate(OVERFLOWING, WIDTH) == []
