"""Visit journey on a 390px phone: a grid worker records a key-household visit with the 六查
checklist and a photo, turns a finding into a request with one tap, and the community's coverage
page shows the visit and one fewer overdue key household."""

from __future__ import annotations

import pytest

from linli.accounts.models import User
from linli.people.models import CareTag, PersonTag
from linli.places.models import Household, Place
from linli.tickets.models import Ticket
from linli.visits.coverage import coverage
from linli.visits.models import Visit
from tests.support import image_bytes

pytestmark = pytest.mark.browser


def test_a_grid_worker_records_a_key_household_visit_and_the_community_coverage_shows_it(page, login, live_demo):
    grid = Place.objects.filter(kind="grid").order_by("path").first()
    community = Place.objects.filter(kind="community").order_by("path").first()
    household = Household.objects.filter(place_path__startswith=grid.path).order_by("id").first()
    PersonTag.objects.create(
        person=household.members.order_by("id").first(), tag=CareTag.objects.get(code="living_alone")
    )
    overdue_before = len(coverage(User.objects.get(username="community"), community).key_overdue)
    assert household.pk in {k.household.pk for k in coverage(User.objects.get(username="grid"), grid).key_overdue}

    login("grid")
    page.goto(f"{live_demo.url}/visits/coverage/")
    page.click(f"#key-overdue tr[data-household='{household.pk}'] a.button")
    page.wait_for_url("**/visits/new/?household=*")
    page.select_option("select[name=kind]", "key_household")
    page.select_option("#template", label="六查六反馈")
    page.fill("input[name=answer_people]", "独居老人在家,身体尚可")
    page.fill("input[name=answer_risks]", "燃气软管老化")
    page.fill("textarea[name=findings]", "燃气软管老化需更换")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "visit.png", "mimeType": "image/png", "buffer": image_bytes((16, 16))}]
    )
    page.check("input[name=feedback_resident]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    page.click("#visit-form button[type=submit]")
    page.wait_for_url("**/visits/*/")
    assert "走访已记录" in page.locator(".messages").inner_text()
    assert "燃气软管老化" in page.locator("#checklist").inner_text()
    assert page.locator("#photos img").count() == 1

    page.click("#findings button.primary")
    page.wait_for_selector("#findings a[data-ticket]")
    visit = Visit.objects.get(household=household)
    finding = visit.findings.get()
    ticket = Ticket.objects.get(pk=finding.ticket_id)
    assert ticket.source == "visit" and ticket.photos.count() == 1
    assert ticket.number in page.locator("#findings").inner_text()
    assert visit.kind == "key_household" and visit.feedback_resident

    page.context.clear_cookies()
    login("community")
    page.goto(f"{live_demo.url}/visits/coverage/?node={community.pk}")
    assert int(page.locator("#key-overdue-count").inner_text()) == overdue_before - 1
    assert page.locator(f"#recent tr[data-visit='{visit.pk}']").count() == 1
    assert page.locator(f"#key-overdue tr[data-household='{household.pk}']").count() == 0
