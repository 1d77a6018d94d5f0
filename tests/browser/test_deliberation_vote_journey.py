"""Owners' vote on a major matter (Civil Code Art. 278 items 6–8) in a browser: staff open it, two
owners vote online, staff enter the two paper ballots, the result page shows both thresholds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.deliberation.models import Ballot, Vote, Voter
from linli.people.models import Ownership, Person
from linli.places.models import Place
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _switch(page, login, username):
    page.context.clear_cookies()
    return login(username)


def _owners(compound: Place) -> list[Person]:
    resident = User.objects.get(username="resident").person
    owners = [resident]
    for p in (
        Person.objects.filter(place_path__startswith=compound.path, household__isnull=False)
        .exclude(household=resident.household)
        .order_by("household_id", "id")
    ):
        if len(owners) == 4:
            break
        if all(o.household_id != p.household_id for o in owners):
            owners.append(p)
    for person in owners:
        Ownership.objects.create(
            person=person, household=person.household, place_path=person.household.place_path, area_m2=Decimal("100")
        )
    owner2 = User(username="owner2", person=owners[1])
    owner2.set_password(PASSWORD)
    owner2.save()
    return owners


def test_owners_vote_online_and_on_paper_and_the_result_shows_both_thresholds(login, live_demo):
    base = live_demo.url
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    owners = _owners(compound)

    page = login("community")
    page.goto(f"{base}/deliberation/votes/new/")
    page.select_option("select[name=place_id]", str(compound.pk))
    page.fill("input[name=title]", "使用专项维修资金更换电梯")
    page.fill("textarea[name=question]", "是否同意使用专项维修资金更换1号楼电梯")
    page.select_option("select[name=electorate]", "owners")
    page.select_option("select[name=rule]", "art278_special")
    closes = timezone.localtime() + dt.timedelta(days=7)
    page.fill("input[name=closes_at]", closes.strftime("%Y-%m-%dT%H:%M"))
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    vote = Vote.objects.get(title="使用专项维修资金更换电梯")
    page.click("form[action$='/open/'] button")
    page.wait_for_load_state("networkidle")
    assert "投票人名册已按台账生成" in page.content()
    assert Voter.objects.filter(vote=vote).count() == 4

    for username in ("resident", "owner2"):
        page = _switch(page, login, username)
        page.goto(f"{base}/deliberation/votes/{vote.pk}/")
        page.check("input[name=choice][value=for]")
        page.click("form[action$='/cast/'] button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "您已投票" in page.content()

    page = _switch(page, login, "community")
    page.goto(f"{base}/deliberation/votes/{vote.pk}/")
    for number, owner, choice in (("P-001", owners[2], "for"), ("P-002", owners[3], "against")):
        voter = Voter.objects.get(vote=vote, person=owner)
        page.select_option("#paper select[name=voter_id]", str(voter.pk))
        page.fill("#paper input[name=paper_number]", number)
        page.select_option("#paper select[name=choice]", choice)
        page.click("#paper button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert f"已录入纸质票 {number}" in page.content()
    assert Ballot.objects.filter(vote=vote).count() == 4

    page.fill("input[name=reason]", "全部业主已投票")
    page.click("form[action$='/close/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    checks = page.locator("[data-testid=checks] tbody tr")
    assert checks.count() == 4
    texts = [checks.nth(i).inner_text() for i in range(4)]
    assert "参与表决专有部分面积" in texts[0] and "400 / 400" in texts[0]
    assert "参与表决业主人数" in texts[1] and "4 / 4" in texts[1]
    # exactly 3/4 of the area and of the owners voted for: "四分之三以上" includes the boundary
    assert "300 / 400" in texts[2] and "≥ 3/4" in texts[2] and "✔" in texts[2]
    assert "3 / 4" in texts[3] and "✔" in texts[3]
    assert page.locator("[data-testid=outcome]").inner_text() == "结果:通过"

    page = _switch(page, login, "resident")
    page.goto(f"{base}/deliberation/")
    page.click("text=表决结果公示:使用专项维修资金更换电梯")
    page.wait_for_load_state("networkidle")
    assert "结果:通过" in page.content()


def test_staff_register_a_written_proxy_and_the_proxy_casts_that_ballot_beside_their_own(login, live_demo):
    """An elderly owner signs a 委托书 for a neighbour; staff check it and register it on the vote page;
    the neighbour sees the owner's ballot on their own vote page and casts both."""
    from linli.deliberation.models import ProxyRegistration
    from linli.deliberation.services_votes import vote_create, vote_open

    base = live_demo.url
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    owners = _owners(compound)
    staff = User.objects.get(username="community")
    vote = vote_create(
        actor=staff,
        place=compound,
        title="更换小区大门",
        question="是否同意更换小区大门",
        electorate="owners",
        rule="simple",
        closes_at=timezone.now() + dt.timedelta(days=7),
    )
    vote_open(actor=staff, vote=vote)
    elderly = Voter.objects.get(vote=vote, person=owners[2])

    page = login("community")
    page.goto(f"{base}/deliberation/votes/{vote.pk}/")
    page.select_option("#proxies select[name=voter_id]", str(elderly.pk))
    page.fill("#proxies input[name=proxy_id_number]", owners[0].id_number)
    page.fill("#proxies input[name=document]", "委托书 2026-07")
    page.click("#proxies button:has-text('登记委托')")
    page.wait_for_load_state("networkidle")
    assert "已登记代理委托" in page.content() and "委托书 2026-07" in page.content()
    assert ProxyRegistration.objects.get(vote=vote).proxy_id == owners[0].pk

    page = _switch(page, login, "resident")
    page.goto(f"{base}/deliberation/votes/{vote.pk}/")
    proxy_form = page.locator(f"form[data-proxy-for='{elderly.pk}']")
    assert elderly.label in proxy_form.inner_text()
    proxy_form.locator("input[name=choice][value=against]").check()
    proxy_form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert f"已代 {elderly.label} 投票" in page.content()
    assert page.locator(f"form[data-proxy-for='{elderly.pk}']").count() == 0
    page.locator("form[action$='/cast/']").first.locator("input[name=choice][value=for]").check()
    page.locator("form[action$='/cast/']").first.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "您已投票" in page.content()
    ballots = {b.voter_id: b for b in Ballot.objects.filter(vote=vote)}
    assert ballots[elderly.pk].proxy_id == owners[0].pk and ballots[elderly.pk].proxy_authorisation == "委托书 2026-07"
    assert len(ballots) == 2
