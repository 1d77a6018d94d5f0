"""Done when: a community worker, on a phone-sized screen, finds 小区治理团队 in the menu, seats themselves as the
compound's 党组织书记, gives an item of the 事项清单 to themselves (责任到人), and the grid worker of that compound
sees the team and the item, with nothing to change."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_community_worker_staffs_a_compound_and_its_grid_worker_sees_it(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.accounts.models import User
    from linli.places.models import Place

    url = live_demo.url
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    worker = User.objects.get(username="community").person

    login("community")
    page.click("a[data-nav=teams]")
    page.wait_for_selector("[data-figure=team_share]")
    page.click(f"#compounds tr[data-compound='{compound.pk}'] a")
    page.wait_for_selector("#team")
    assert page.locator("li[data-post=secretary] .tm-miss").count() == 1

    page.click("#member-add summary")
    form = page.locator("#member-add form")
    form.locator("select[name=post]").select_option("secretary")
    form.locator("select[name=person_id]").select_option(str(worker.pk))
    form.locator("input[name=note]").fill("社区两委委员")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"li[data-post=secretary] li[data-member] >> text={worker.name}")
    assert page.locator("li[data-post=secretary] .tm-miss").count() == 0

    page.click("#item-add summary")
    form = page.locator("#item-add form")
    form.locator("select[name=category]").select_option("party")
    form.locator("input[name=title]").fill("组织小区党员开展主题党日")
    form.locator("select[name=frequency]").select_option("monthly")
    member_value = form.locator("select[name=assignee] option", has_text=worker.name).get_attribute("value")
    form.locator("select[name=assignee]").select_option(member_value)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#items li[data-item] >> text=组织小区党员开展主题党日")
    assert worker.name in page.locator("#items").inner_text()

    page.context.clear_cookies()
    login("grid")
    page.goto(f"{url}/teams/")
    page.wait_for_selector(f"#children, #compounds, h1:has-text('{compound.name}')")
    page.goto(f"{url}/teams/compounds/{compound.pk}/")
    assert "组织小区党员开展主题党日" in page.locator("#items").inner_text()
    assert worker.name in page.locator("#team").inner_text()
    assert page.locator("form[method=post] input[name=form]").count() == 0
