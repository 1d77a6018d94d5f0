"""Done when: on a phone-sized screen community staff open a volunteer team of their community, make it a
党员志愿服务队, sign a 盟约 with it for 法律援助 and 心理咨询 over a year, find the covenant with its fulfilment
(0 of 48 hours delivered, in force), and end it early with a reason — after which it reads 解约 and offers no
forms; nothing overflows the screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.test_narrow_screens import OVERFLOWING

pytestmark = pytest.mark.browser
WIDTH = 390


@pytest.mark.django_db(transaction=True)
def test_community_staff_sign_a_covenant_with_a_team_and_end_it(page: Any, login: Any, live_demo: Any) -> None:
    from django.utils import timezone

    from linli.accounts.models import User
    from linli.places.models import Place
    from linli.volunteering.models import TeamCovenant
    from linli.volunteering.services import team_create

    url = live_demo.url
    community = Place.objects.filter(kind="community").order_by("path").first()
    team = team_create(actor=User.objects.get(username="street"), place_id=community.pk, name="红管先锋志愿服务队")
    today = timezone.localdate()

    login("community")
    page.goto(f"{url}/volunteering/teams/{team.pk}/")
    page.select_option("#team-edit select[name=kind]", "party")
    with page.expect_navigation():
        page.click("#team-edit button[type=submit]")
    assert "党员志愿服务队" in page.locator("h1").inner_text()
    assert page.evaluate(OVERFLOWING, WIDTH) == []

    with page.expect_navigation():
        page.click(f"a[href$='/volunteering/covenants/new/?team={team.pk}']")
    page.select_option("select[name=community_id]", str(community.pk))
    page.select_option("select[name=team_id]", str(team.pk))
    page.fill("input[name=title]", "法律援助与心理咨询服务盟约")
    page.fill("textarea[name=services]", "法律援助\n心理咨询")
    page.fill("input[name=hours_promised]", "48")
    page.fill("input[name=starts_on]", today.isoformat())
    page.fill("input[name=ends_on]", (today + dt.timedelta(days=364)).isoformat())
    page.fill("input[name=signatory_name]", "王队长")
    with page.expect_navigation():
        page.click("#covenant-sign button[type=submit]")
    page.wait_for_selector("#fulfilment")
    assert float(page.locator("#fulfilment .delivered").inner_text()) == 0
    assert "法律援助" in page.locator(".services").inner_text()
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    covenant = TeamCovenant.objects.get(team=team)

    page.fill("#covenant-terminate input[name=reason]", "队伍人员调整,双方协商解约")
    with page.expect_navigation():
        page.click("#covenant-terminate button[type=submit]")
    covenant.refresh_from_db()
    assert covenant.status == "terminated"
    assert page.locator("#covenant-terminate").count() == 0
    assert "队伍人员调整" in page.content()
