"""Ledger edit journey on a 390px phone: a grid worker opens a resident, edits the workplace,
adds a care tag, gives a wrong ID number (told why, nothing saved), records a move-out; the
household page lists the members' recent requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.audit.models import AuditEvent
from linli.people.models import CareTag, Person, PersonTag, Residence
from linli.places.models import Place
from linli.tickets.models import Ticket

pytestmark = pytest.mark.browser


def test_a_grid_worker_edits_tags_and_records_a_move_out_from_a_phone(login, live_demo):
    grid = Place.objects.filter(kind="grid").order_by("path").first()
    person = (
        Person.objects.filter(place_path__startswith=grid.path, user__isnull=True, positions__isnull=True)
        .order_by("pk")
        .first()
    )
    tag = CareTag.objects.filter(sensitive=False, active=True).exclude(person_tags__person=person).first()
    page = login("grid")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_demo.url}/ledger/people/{person.pk}/")
    page.click("#edit-link")
    page.wait_for_url(f"**/ledger/people/{person.pk}/edit")

    page.fill("input[name=workplace]", "社区养老驿站")
    page.click("#basic button[type=submit]")
    page.wait_for_url(f"**/ledger/people/{person.pk}/edit")
    assert "已保存修改" in page.locator(".messages").inner_text()

    page.click(f"#tags button[data-tag='{tag.code}']")
    page.wait_for_selector(f"#tags button[data-tag='{tag.code}'][aria-pressed='true']")

    page.fill("input[name=id_number]", "110101199003071234")
    page.click("#basic button[type=submit]")
    assert "身份证号" in page.locator("#basic .error").inner_text()

    page.fill("#move input[name=on]", (timezone.localdate() - dt.timedelta(days=1)).isoformat())
    page.click("#move form[action$='move-out'] button")
    page.wait_for_url(f"**/ledger/people/{person.pk}/edit")
    assert "已登记迁出" in page.locator(".messages").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"

    person.refresh_from_db()
    assert person.workplace == "社区养老驿站" and person.moved_out_on == timezone.localdate() - dt.timedelta(days=1)
    assert PersonTag.objects.filter(person=person, tag=tag).exists()
    assert Residence.objects.filter(person=person, moved_out_on=person.moved_out_on).exists()
    assert {"resident.updated", "resident.tagged", "resident.moved_out"} <= set(
        AuditEvent.objects.filter(target_id=str(person.pk)).values_list("action", flat=True)
    )


def test_the_household_page_lists_a_members_recent_request(login, live_demo):
    resident = User.objects.get(username="resident")
    household = Person.objects.get(pk=resident.person_id).household
    ticket = Ticket.objects.create(
        number="HHB000001",
        title="电梯异响",
        description="三号梯",
        place=household.place,
        place_path=household.place_path,
        submitted_by=resident,
        submitted_at=timezone.now() - dt.timedelta(days=2),
    )
    page = login("grid")
    page.goto(f"{live_demo.url}/ledger/households/{household.pk}/")
    row = page.locator(f"#household-requests tr[data-ticket='{ticket.pk}']")
    assert "电梯异响" in row.inner_text() and ticket.number in row.inner_text()
