"""Done when: a branch secretary plans a 主题党日, members sign in (one absent with a reason), minutes
are recorded, an elderly member's study is completed by 送学上门, and 'meetings held vs required' updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import PASSWORD


def _setup_branch() -> dict[str, Any]:
    from linli.accounts.models import User
    from linli.partylife.models import Membership
    from linli.partylife.services import membership_add
    from linli.people.models import Person, Position
    from linli.places.models import Place

    compound = Place.objects.filter(kind="compound").order_by("path").first()
    pos = Position.objects.get(kind="branch_secretary", place=compound)
    taken = User.objects.exclude(person=None).values("person_id")
    people = list(Person.objects.filter(place_path__startswith=compound.path).exclude(pk__in=taken).order_by("id")[:4])
    Person.objects.filter(pk__in=[pos.person_id, *[p.pk for p in people]]).update(is_party_member=True)
    admin = User.objects.get(username="admin")
    Membership.objects.filter(person_id__in=[pos.person_id, *[p.pk for p in people]]).delete()
    for i, person in enumerate([pos.person, *people]):
        membership_add(
            actor=admin,
            branch_id=pos.party_org_id,
            person_id=person.pk,
            joined_on=dt.date(2024, 1, 1),
            is_elderly_or_infirm=i == 4,
        )
    User.objects.create_user(username="secretary", password=PASSWORD, person=pos.person)
    for i, person in enumerate(people[:2]):
        User.objects.create_user(username=f"member{i}", password=PASSWORD, person=person)
    return {"branch_id": pos.party_org_id, "absent": people[2], "elderly": people[3], "helper": people[0]}


@pytest.mark.django_db(transaction=True)
def test_a_secretary_runs_a_theme_day_and_delivers_study_to_an_elderly_member(
    page: Any, login: Any, live_demo: Any
) -> None:
    setup = _setup_branch()
    url = live_demo.url
    login("secretary")
    page.goto(f"{url}/party-life/branches/{setup['branch_id']}/")
    before = page.locator("#meetings-held-required").inner_text()
    held_before = int(before.split("/")[0])

    form = page.locator("#plan-meeting")
    form.locator("select[name=kind]").select_option("theme_day")
    form.locator("input[name=title]").fill("学习二十大精神主题党日")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/party-life/meetings/**")
    meeting_url = page.url
    assert page.locator("h1").inner_text().endswith("学习二十大精神主题党日")

    page.click("#sign-in button")  # the secretary signs in too
    page.wait_for_selector("#signed-in")

    for name in ("member0", "member1"):
        page.context.clear_cookies()
        login(name)
        page.goto(meeting_url)
        page.click("#sign-in button")
        page.wait_for_selector("#signed-in")

    page.context.clear_cookies()
    login("secretary")
    page.goto(meeting_url)
    form = page.locator("#record-attendance")
    form.locator("select[name=person_id]").select_option(str(setup["absent"].pk))
    form.locator("select[name=status]").select_option("leave")
    form.locator("input[name=reason]").fill("住院治疗")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#attendance tr[data-person='{setup['absent'].pk}'][data-status='leave']")
    assert "住院治疗" in page.locator("#attendance").inner_text()

    page.fill("#record-minutes textarea[name=minutes]", "传达学习二十大精神,党员交流心得。")
    page.click("#record-minutes button[type=submit]")
    page.wait_for_selector("#meeting-status[data-status='held']")
    assert "传达学习二十大精神" in page.locator("#minutes").inner_text()

    page.goto(f"{url}/party-life/branches/{setup['branch_id']}/")
    form = page.locator("#add-material")
    form.locator("input[name=title]").fill("党史学习教育第一讲")
    form.locator("textarea[name=body]").fill("请认真学习。")
    form.locator("button[type=submit]").click()
    page.click("#study a:has-text('党史学习教育第一讲')")
    deliver = page.locator("#deliver")
    deliver.locator("select[name=person_id]").select_option(str(setup["elderly"].pk))
    deliver.locator("select[name=delivered_by_id]").select_option(str(setup["helper"].pk))
    deliver.locator("input[name=note]").fill("送书上门,逐段讲解")
    deliver.locator("button[type=submit]").click()
    page.wait_for_selector(f"#completions tr[data-person='{setup['elderly'].pk}'][data-method='delivered']")

    page.goto(f"{url}/party-life/branches/{setup['branch_id']}/")
    after = page.locator("#meetings-held-required").inner_text()
    assert int(after.split("/")[0]) == held_before + 1
    assert page.locator("#study-rate").inner_text() == "20%"
