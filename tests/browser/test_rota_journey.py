"""Done when: on a phone-sized screen, a community secretary finds 值班与调休 in the menu, sets up the community's
duty desk and auto-schedules May (the 劳动节 holiday and the make-up Saturday as the official calendar has them); on
a rest day the community worker checks in on 我的值班 and asks for a workday off; the secretary approves it; and a
resident, without signing in, sees that the centre is staffed today by "X社工" with the office phone.

The clock is fixed (``tests.rota_support.freeze``): the live server runs in this process, so it sees the same day.
Each sign-in happens on the real clock (the second factor's codes follow it), and the day is set after it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.rota_support import TODAY, freeze

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_secretary_schedules_may_worker_checks_in_on_a_holiday_and_gets_a_day_off_approved(
    page: Any, login: Any, live_demo: Any, monkeypatch: Any
) -> None:
    from linli.accounts.models import User
    from linli.places.models import Place
    from linli.rota.models import CompDay, DutyShift
    from linli.workdays.services import is_working_day
    from tests.conftest import PASSWORD
    from tests.rota_support import staff_of

    url = live_demo.url
    community = Place.objects.filter(kind="community").order_by("path").first()
    boss = staff_of(community, "community_secretary")[0]
    User.objects.create_user(username="secretary", person=boss, password=PASSWORD)
    worker = User.objects.get(username="community")
    real_now = timezone.now

    def sign_in(username: str, day: dt.date, hour: int = 10) -> None:
        page.context.clear_cookies()
        monkeypatch.setattr(timezone, "now", real_now)
        login(username)
        freeze(monkeypatch, day, hour)

    # the secretary sets up the desk and auto-schedules May
    sign_in("secretary", TODAY)
    page.click("a[data-nav=rota]")
    page.wait_for_selector("#serving")
    page.click("text=设立值班台")
    page.wait_for_selector("#desk-form")
    page.fill("input[name=phone]", "0551 6234 5678")
    page.fill("input[name=location]", "党群服务中心一楼大厅")
    with page.expect_navigation():
        page.click("#desk-form button[type=submit]")
    page.wait_for_selector("#grid")
    assert "0551-62345678" in page.locator("main").inner_text()
    page.click("text=自动排班")
    page.wait_for_selector("#span")
    page.fill("input[name=since]", "2026-05-01")
    page.fill("input[name=until]", "2026-05-31")
    with page.expect_navigation():
        page.click("#span button[type=submit]")
    page.wait_for_selector("#plan tbody tr")
    assert page.locator("#plan tr[data-day='2026-05-01']").count() == 1  # 劳动节, a Friday
    assert page.locator("#plan tr[data-day='2026-05-09']").count() == 0  # 调休上班, a Saturday
    with page.expect_navigation():
        page.click("#apply button[type=submit]")
    page.wait_for_selector("#grid td[data-shift]")
    assert DutyShift.objects.filter(desk__place=community).count() == page.locator("#grid td[data-shift]").count()

    # on the first rest day the worker is on duty, they check in and ask for the next workday off
    day = DutyShift.objects.filter(person=worker.person).order_by("day").values_list("day", flat=True).first()
    day_off = day + dt.timedelta(days=1)
    while not is_working_day(day_off):
        day_off += dt.timedelta(days=1)
    sign_in("community", day, hour=9)
    page.goto(f"{url}/rota/mine/")
    with page.expect_navigation():
        page.click("#shifts form button:has-text('签到')")
    page.wait_for_selector("#shifts li[data-state=checked_in]")
    assert page.locator("#balance [data-figure=available] b").inner_text() == "1"
    page.fill("#comp-request input[name=day]", day_off.isoformat())
    page.fill("#comp-request input[name=note]", "陪老人复诊")
    with page.expect_navigation():
        page.click("#comp-request button[type=submit]")
    page.wait_for_selector("#comp-days li[data-status=pending]")

    # a resident sees, without signing in, that the centre is staffed today
    page.context.clear_cookies()
    desk_id = DutyShift.objects.filter(person=worker.person).values_list("desk_id", flat=True).first()
    page.goto(f"{url}/rota/desks/{desk_id}/open/")
    today_card = page.locator("#today").inner_text()
    assert f"{worker.person.name[0]}社工" in today_card and worker.person.name not in today_card
    assert "0551-62345678" in today_card and "已到岗" in today_card

    # the secretary approves the day off
    sign_in("secretary", day, hour=11)
    page.goto(f"{url}/rota/approvals/")
    page.wait_for_selector("#queue li[data-comp]")
    with page.expect_navigation():
        page.click("#queue li[data-comp] button.primary")
    page.wait_for_selector("#queue li.muted")
    assert CompDay.objects.get(person=worker.person).status == "approved"
