"""First journeys: a street leader browses to a compound; a grid worker is refused another grid."""

from __future__ import annotations

import pytest

from linli.places.models import Place

pytestmark = pytest.mark.browser


def test_street_leader_logs_in_and_opens_a_compound(login, live_demo):
    page = login("street")
    assert page.url.rstrip("/").endswith("/places")
    page.click("a[data-kind=street]")
    page.click("a[data-kind=community] >> nth=0")
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    page.click(f"text={compound.name}")
    assert page.locator("h1").inner_text().endswith(compound.name)
    assert page.locator(".stat", has_text="楼栋").count() == 1
    assert page.locator("text=支部书记").count() >= 1


def test_grid_worker_is_refused_another_grids_page(login, live_demo):
    page = login("grid")
    compounds = list(Place.objects.filter(kind="compound").order_by("path"))
    other = Place.objects.filter(kind="grid", path__startswith=compounds[1].path).first()
    response = page.goto(f"{live_demo.url}/places/{other.pk}/")
    assert response.status == 404
    assert "未找到" in page.content()
    assert other.name not in page.content()


def test_wrong_password_shows_an_error_and_stays_on_login(page, live_demo):
    page.goto(f"{live_demo.url}/accounts/login/")
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit].primary")
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
