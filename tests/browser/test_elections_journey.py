"""Done when: on a 360-px phone an owner finds 业委会选举 in the menu, opens the election, ticks two candidates and
votes; the community worker enters a paper ballot, closes voting and certifies; the owner reads the result with
each candidate's counts and nobody's choice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.test_narrow_screens import OVERFLOWING
from tests.browser.test_venues_journey import severe_violations

pytestmark = pytest.mark.browser

WIDTH = 360


@pytest.mark.django_db(transaction=True)
def test_an_owner_votes_on_a_phone_staff_close_and_certify_and_the_owner_reads_the_result(
    page: Any, login: Any, live_demo: Any
) -> None:
    from django.utils import timezone

    from linli.accounts.models import User
    from linli.elections.models import Candidate, ElectionVoter
    from linli.places.models import Place
    from tests.elections_support import make_owners, voting

    url = live_demo.url
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    staff = User.objects.get(username="community")
    resident = User.objects.get(username="resident")
    owners = make_owners(compound, ["100", "100", "100", "100"], first=resident.person)
    election = voting(staff, compound, owners[:3], seats=2)
    a, b, c = Candidate.objects.filter(election=election).order_by("id")
    page.set_viewport_size({"width": WIDTH, "height": 740})

    login("resident")
    page.click("a[data-nav=elections]")
    page.wait_for_selector("#elections")
    with page.expect_navigation():
        page.click(f"#elections li[data-election='{election.pk}'] a")
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    with page.expect_navigation():
        page.click("#vote-link")
    ballot = page.locator("#ballot")
    for candidate in (a, b, c):
        ballot.locator(f"input[value='{candidate.pk}']").check()
    with page.expect_navigation():
        ballot.locator("button[type=submit]").click()
    assert "最多选 2 名" in page.locator("#ballot [role=alert]").inner_text()  # three for two seats: refused
    ballot = page.locator("#ballot")
    ballot.locator(f"input[value='{c.pk}']").uncheck()
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert severe_violations(page) == []
    with page.expect_navigation():
        ballot.locator("button[type=submit]").click()
    page.wait_for_selector("#not-counted")

    page.context.clear_cookies()
    login("community")
    page.goto(f"{url}/elections/{election.pk}/paper/")
    voters = {v.person_id: v.pk for v in ElectionVoter.objects.filter(election=election)}
    form = page.locator("#paper-form")
    form.locator("select[name=voter_id]").select_option(str(voters[owners[1].pk]))
    form.locator("input[name=paper_number]").fill("HJ-0001")
    form.locator(f"input[value='{a.pk}']").check()
    form.locator(f"input[value='{b.pk}']").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "2 / 4" in page.locator("#turnout").inner_text()
    page.goto(f"{url}/elections/{election.pk}/paper/")
    form = page.locator("#paper-form")
    for owner in owners[2:4]:
        form = page.locator("#paper-form")
        form.locator("select[name=voter_id]").select_option(str(voters[owner.pk]))
        form.locator("input[name=paper_number]").fill(f"HJ-{owner.pk}")
        form.locator(f"input[value='{a.pk}']").check()
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
    page.goto(f"{url}/elections/{election.pk}/")
    page.locator("#close input[name=reason]").fill("纸质票已全部收回")
    with page.expect_navigation():
        page.locator("#close button[type=submit]").click()
    page.wait_for_selector("#certify")
    assert severe_violations(page) == []
    with page.expect_navigation():
        page.locator("#certify button[type=submit]").click()
    page.wait_for_selector("#election[data-status=certified]")
    assert page.evaluate(OVERFLOWING, WIDTH) == []

    page.context.clear_cookies()
    login("resident")
    page.goto(f"{url}/elections/{election.pk}/result/")
    page.wait_for_selector("#participation[data-met='1']")
    counts = page.locator("#counts")
    assert a.name in counts.inner_text() and b.name in counts.inner_text()
    assert owners[3].name not in page.content()  # a voter, not a candidate: never named
    assert severe_violations(page) == []
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    assert timezone.now() - election.voting_opened_at < dt.timedelta(hours=1)
