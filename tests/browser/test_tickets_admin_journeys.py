"""On a 390px phone: the administrator adds a category that residents then pick; a community worker
finds an overdue request by its deadline text and puts it on the problem list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.tickets import transitions as tr
from linli.tickets.models import Category, ProblemItem, Ticket
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.browser


def _switch(page, login, username):
    page.context.clear_cookies()
    return login(username)


def test_admin_adds_a_category_and_the_resident_can_pick_it(login, live_demo):
    base = live_demo.url
    page = login("admin")
    page.goto(f"{base}/requests/categories/")
    form = page.locator("#category-add")
    form.locator("input[name=name]").fill("电梯故障")
    form.locator("input[name=resolve_workdays]").fill("2")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    category = Category.objects.get(name="电梯故障", parent=None)
    assert category.resolve_workdays == 2
    assert page.locator(f"#c{category.pk}").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1

    page = _switch(page, login, "resident")
    page.goto(f"{base}/requests/new/")
    assert page.locator(f"select[name=category_id] option[value='{category.pk}']").count() == 1


def test_community_worker_lists_an_overdue_request_on_the_problem_list(login, live_demo):
    from linli.accounts.models import User

    base = live_demo.url
    resident, grid = User.objects.get(username="resident"), User.objects.get(username="grid")
    t, _ = ticket_submit(actor=resident, description="单元门禁坏了一周")
    tr.ticket_accept(actor=grid, ticket_id=t.pk)
    Ticket.objects.filter(pk=t.pk).update(resolve_due=timezone.now() - dt.timedelta(days=3, hours=1))

    page = login("community")
    page.goto(f"{base}/requests/?queue=subtree&overdue=1")
    row = page.locator(f"tr[data-number='{t.number}']")
    assert "已超期 3 天" in row.inner_text()
    row.locator("a.number").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#due-text").inner_text() == "已超期 3 天"
    offer = page.locator("#problem-offer")
    offer.locator("select[name=responsible_id]").select_option(str(grid.person_id))
    offer.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "已列入问题清单" in page.locator("#problem-item").inner_text()
    assert ProblemItem.objects.get(ticket=t).responsible_id == grid.person_id
