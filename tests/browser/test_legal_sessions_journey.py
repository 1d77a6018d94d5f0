"""Done when: community staff set up a 百姓评理说事点, plan a “四员一律”进小区 session there, record it held
with the officers who came and the residents consulted, turn a dispute heard there into a mediation case,
the figures page counts it, and a resident of the community sees the venue (on-duty names masked)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_staff_run_a_legal_session_at_a_venue_and_a_resident_finds_the_venue(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.core.masking import mask_name
    from linli.deliberation.models import LegalSession, MediationCase, MediationVenue
    from linli.people.models import Person
    from linli.places.models import Place

    url = live_demo.url
    community = Place.objects.filter(kind="community").order_by("path").first()
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    duty = Person.objects.filter(positions__place__path__startswith=community.path).order_by("id").first()
    today = timezone.localdate().isoformat()

    login("community")
    page.goto(f"{url}/deliberation/venues/new/")
    page.select_option("select[name=place_id]", str(community.pk))
    page.fill("input[name=name]", "平安驿站")
    page.select_option("select[name=kind]", "safety_post")
    page.fill("input[name=address]", "社区党群服务中心一楼")
    page.fill("input[name=opening_hours]", "每天 8:30–17:30")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    page.wait_for_url("**/deliberation/venues/*/")
    venue = MediationVenue.objects.get(name="平安驿站", place=community)
    duty_box = page.locator(f"input[name=on_duty_ids][value='{duty.pk}']")
    duty_box.wait_for()
    duty_box.check()
    with page.expect_navigation():
        page.click("form[action$='/edit/'] button[type=submit]")
    assert list(venue.on_duty.values_list("pk", flat=True)) == [duty.pk]

    page.goto(f"{url}/deliberation/legal-sessions/new/")
    page.select_option("select[name=place_id]", str(compound.pk))
    page.select_option("select[name=venue_id]", str(venue.pk))
    page.fill("input[name=scheduled_on]", today)
    page.fill("textarea[name=topics]", "物业纠纷、防范电信诈骗")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    page.wait_for_url("**/deliberation/legal-sessions/*/")
    session = LegalSession.objects.get(topics="物业纠纷、防范电信诈骗")
    assert session.venue_id == venue.pk

    hold = page.locator("#hold-form")
    hold.wait_for()
    hold.locator("input[name=residents_consulted]").fill("18")
    names = hold.locator("input[name=attendee_name]")
    roles = hold.locator("select[name=attendee_role]")
    for i, (role, name) in enumerate([("police", "周警官"), ("judge", "吴法官"), ("lawyer", "钱律师")]):
        roles.nth(i).select_option(role)
        names.nth(i).fill(name)
    with page.expect_navigation():
        hold.locator("button[type=submit]").click()
    page.locator("#residents-consulted").wait_for()
    assert page.locator("#residents-consulted").inner_text() == "18"
    assert page.locator("#session-status").inner_text() == "已开展"

    case_form = page.locator("#mediation-form")
    case_form.wait_for()
    case_form.locator("input[name=title]").fill("车位纠纷")
    case_form.locator("input[name=parties]").fill("张先生,李女士")
    case_form.locator("textarea[name=dispute]").fill("车位长期被占")
    with page.expect_navigation():
        case_form.locator("button[type=submit]").click()
    page.locator("#intakes a", has_text="车位纠纷").wait_for()
    case = MediationCase.objects.get(title="车位纠纷")
    assert case.venue_id == venue.pk and case.legal_intake.session_id == session.pk

    page.goto(f"{url}/deliberation/legal-sessions/figures/?node={community.pk}")
    page.locator("#sessions-held").wait_for()
    assert page.locator("#sessions-held").inner_text() == "1"
    assert page.locator("#figure-consulted").inner_text() == "18"

    page.context.clear_cookies()
    login("resident")
    page.goto(f"{url}/deliberation/venues/")
    public = page.locator("#public-venues")
    public.wait_for()
    text = public.inner_text()
    assert "平安驿站" in text and "每天 8:30–17:30" in text
    assert mask_name(duty.name) in text and duty.name not in text
    assert page.locator("#managed-venues").count() == 0
