"""Done when: on a phone-sized screen community staff open a held 业委会会议 of a compound, see that the compound's
branch secretary has not signed in, record them present from the meeting page, see 小区党支部书记列席: 是, and the
street's 业委会会议监督 page counts the meeting as attended; nothing overflows the screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.test_narrow_screens import OVERFLOWING

pytestmark = pytest.mark.browser
WIDTH = 390


@pytest.mark.django_db(transaction=True)
def test_staff_record_the_secretary_at_the_committee_meeting_and_the_oversight_counts_it(
    page: Any, login: Any, live_demo: Any
) -> None:
    from django.utils import timezone

    from linli.accounts.models import User
    from linli.deliberation.services_meetings import meeting_plan, meeting_record_minutes
    from linli.people.models import Position
    from linli.places.models import Place

    url = live_demo.url
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    secretary = Position.objects.get(kind="branch_secretary", place=compound, end_date__isnull=True).person
    staff = User.objects.get(username="community")
    meeting = meeting_plan(
        actor=staff, place=compound, kind="owners_committee", title="业委会例会", location="小区议事厅",
        starts_at=timezone.now() - dt.timedelta(days=3),
    )  # fmt: skip
    meeting_record_minutes(actor=staff, meeting=meeting, minutes="讨论电梯维保费用")

    login("community")
    page.goto(f"{url}/deliberation/meetings/{meeting.pk}/")
    assert page.locator("#secretary-present").get_attribute("data-present") == "no"
    page.select_option("#attendance-form select[name=person_id]", str(secretary.pk))
    with page.expect_navigation():
        page.click("#attendance-form button[type=submit]")
    assert page.locator("#secretary-present").get_attribute("data-present") == "yes"
    assert secretary.name in page.locator("#sign-ins").inner_text()
    assert page.evaluate(OVERFLOWING, WIDTH) == []

    login("street")
    start = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    page.goto(f"{url}/deliberation/committee-meetings/?node={compound.pk}&start={start}")
    row = page.locator(f"#oversight-compounds tr[data-place='{compound.pk}']")
    cells = row.locator("td")
    assert (cells.nth(1).inner_text(), cells.nth(2).inner_text(), cells.nth(3).inner_text()) == ("1", "1", "100.0%")
    assert page.evaluate(OVERFLOWING, WIDTH) == []
