"""Done when: a volunteer signs up for an activity, checks in and out with the QR link, the organiser
confirms, points appear, the volunteer redeems a reward; a resident's micro-wish is claimed and
fulfilled and the counts move — all in a 390px browser."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.places.models import Place
from linli.volunteering.models import Signup, Wish

pytestmark = pytest.mark.browser


def _switch(page, login, username):
    """Hand the phone to ``username``. Each person keeps their own phone: someone already signed in during
    this test gets their session back instead of signing in again (a second login with a two-step code
    waits for the next 30-second code, and the community worker's five logins took 90 s of CI)."""
    if page is None:
        page = login(username)
        page.linli_sessions = {"": username}  # type: ignore[attr-defined]
        return page
    sessions = page.linli_sessions
    sessions[sessions[""]] = page.context.cookies()
    page.context.clear_cookies()
    if username in sessions:
        page.context.add_cookies(sessions[username])
    else:
        page = login(username)
    sessions[""] = username
    return page


def _click(page, selector):
    page.locator(selector).first.click()
    page.wait_for_load_state("networkidle")


def test_activity_check_in_points_reward_and_a_wish_fulfilled(login, live_demo):
    base = live_demo.url
    compound = Place.objects.filter(kind="compound").order_by("path").first()

    # The community worker publishes an activity that started two hours ago, and stocks a reward.
    page = _switch(None, login, "community")
    page.goto(f"{base}/volunteering/activities/new/")
    page.fill("input[name=title]", "小区环境整治")
    page.select_option("select[name=place_id]", str(compound.pk))
    now = timezone.localtime()
    page.fill("input[name=starts_at]", (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=capacity]", "5")
    page.fill("input[name=points_per_hour]", "10")
    _click(page, "button[type=submit].primary")
    activity_url = page.url
    assert "小区环境整治" in page.locator("h1").inner_text()
    scan_url = page.locator("a.scan-link").get_attribute("href")
    assert page.locator(".qr svg").count() == 1
    page.goto(f"{base}/volunteering/rewards/")
    page.select_option("form[action$='/rewards/new/'] select[name=place_id]", str(compound.pk))
    page.fill("input[name=name]", "环保购物袋")
    page.fill("input[name=cost]", "10")
    page.fill("input[name=stock]", "2")
    _click(page, "form[action$='/rewards/new/'] button[type=submit]")
    assert page.locator("[data-reward=环保购物袋]").count() == 1

    # The volunteer signs up, then scans the QR link to check in and out.
    page = _switch(page, login, "volunteer")
    page.goto(activity_url)
    _click(page, "button[type=submit].primary")
    assert "已报名" in page.locator(".my-signup").inner_text()
    page.goto(scan_url)
    _click(page, "button[value=in]")
    assert "签到成功" in page.locator(".messages").inner_text()
    volunteer = User.objects.get(username="volunteer")
    # An hour and a half of work passes.
    Signup.objects.filter(person=volunteer.person).update(checked_in_at=timezone.now() - dt.timedelta(minutes=90))
    page.goto(scan_url)
    _click(page, "button[value=out]")
    assert "签退成功" in page.locator(".messages").inner_text()

    # The organiser confirms; points appear.
    page = _switch(page, login, "community")
    page.goto(activity_url)
    _click(page, "[data-signup] button[type=submit]")
    assert "1.5" in page.locator("[data-signup]").first.inner_text()
    page = _switch(page, login, "volunteer")
    page.goto(f"{base}/volunteering/points/")
    assert page.locator(".balance-volunteer").inner_text() == "15"

    # The volunteer redeems the reward.
    page.goto(f"{base}/volunteering/rewards/")
    _click(page, "[data-reward=环保购物袋] button[type=submit]")
    assert "兑换成功" in page.locator(".messages").inner_text()
    assert page.locator(".balance-volunteer").inner_text() == "5"

    # A resident's micro-wish is reviewed, claimed, fulfilled and confirmed; the counts move.
    page = _switch(page, login, "community")
    page.goto(f"{base}/volunteering/wishes/")
    collected = int(page.locator(".wishes-collected").inner_text())
    fulfilled = int(page.locator(".wishes-fulfilled").inner_text())
    page = _switch(page, login, "resident")
    page.goto(f"{base}/volunteering/wishes/new/")
    page.fill("input[name=title]", "希望有人帮忙修收音机")
    _click(page, "button[type=submit].primary")
    wish_url = page.url
    page = _switch(page, login, "community")
    page.goto(wish_url)
    _click(page, "button[value=approve]")
    page = _switch(page, login, "volunteer")
    page.goto(wish_url)
    _click(page, "button[value=claim]")
    page.fill("input[name=note]", "已修好送回")
    _click(page, "button[value=fulfil]")
    page = _switch(page, login, "resident")
    page.goto(wish_url)
    page.check("input[name=rating][value=satisfied]")  # the wisher rates on confirming (微心愿满意度)
    _click(page, "button[value=confirm]")
    wish = Wish.objects.get(title="希望有人帮忙修收音机")
    assert (wish.status, wish.rating) == ("confirmed", "satisfied")
    page = _switch(page, login, "community")
    page.goto(f"{base}/volunteering/wishes/")
    assert int(page.locator(".wishes-collected").inner_text()) == collected + 1
    assert int(page.locator(".wishes-fulfilled").inner_text()) == fulfilled + 1
