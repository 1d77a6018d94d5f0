"""Done when: street staff, on a phone-sized screen, find 街道职责与准入 in the menu, give their street the usual
“五办三中心”, list a duty and an entry-list item, register a task a department pushed down to a community and
admit it under that item; the community's worker then sees the task, read-only, and anyone reads the public
duty list without signing in."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_street_staff_list_a_duty_admit_a_pushed_down_task_and_the_community_sees_it(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.places.models import Place

    url = live_demo.url
    street = Place.objects.filter(kind="street").order_by("path").first()
    community = Place.objects.filter(kind="community").order_by("path").first()

    login("street")
    page.click("a[data-nav=duties]")
    page.wait_for_selector("#figures")
    page.goto(f"{url}/duties/streets/{street.pk}/manage/")
    page.click("#offices button[type=submit]")
    page.wait_for_selector("#offices li[data-office] >> text=社会事务办公室")
    assert page.locator("#offices li[data-office]").count() == 8

    page.click("#duty-add summary")
    form = page.locator("#duty-add form")
    form.locator("select[name=category_id]").select_option(label="民生服务")
    form.locator("input[name=title]").fill("社会救助")
    form.locator("textarea[name=content]").fill("受理低保、特困供养申请,入户核查并公示。")
    form.locator("select[name=office_id]").select_option(label="社会事务办公室")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#duties li[data-duty] >> text=社会救助")

    page.click("#entry-add summary")
    form = page.locator("#entry-add form")
    form.locator("input[name=title]").fill("低保对象入户核查")
    form.locator("input[name=department_name]").fill("区民政局")
    form.locator("select[name=level]").select_option("community")
    form.locator("input[name=funded]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#entries li[data-entry] >> text=低保对象入户核查")

    page.goto(f"{url}/duties/tasks/")
    page.click("#task-add summary")
    form = page.locator("#task-add form")
    form.locator("input[name=title]").fill("2027年低保家庭收入复核")
    form.locator("input[name=department_name]").fill("区民政局")
    form.locator("select[name=target_id]").select_option(str(community.pk))
    form.locator("select[name=entry_id]").select_option(label="低保对象入户核查 · 区民政局")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#task[data-status=registered]")
    page.locator("#accept form button[type=submit]").click()
    page.wait_for_selector("#task[data-status=accepted]")
    assert page.locator("#review").count() == 0
    assert page.locator("#timeline li[data-event=accepted]").count() == 1

    page.context.clear_cookies()
    login("community")
    page.goto(f"{url}/duties/tasks/")
    page.click("#tasks a >> text=2027年低保家庭收入复核")
    page.wait_for_selector("#task[data-status=accepted]")
    assert page.locator("#review").count() == 0
    assert page.locator("form[method=post] input[name=form]").count() == 0

    page.context.clear_cookies()
    page.goto(f"{url}/duties/streets/{street.pk}/")
    assert "社会救助" in page.locator("#duties").inner_text()
    assert "社会事务办公室" in page.locator("#duties").inner_text()
