"""The shared-income pages: the staff overview with its figures, a compound's ledger, recording an entry from the
form (元 typed as people type them), a refused form keeping what was typed, reversing from an entry's page,
publishing a quarter, the owners' 公示 page on a phone; list pages that cost the same statements for many rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.commons.models import Entry, Ledger, Notice
from tests.commons_support import income, last_quarter, outflow, owners_vote

pytestmark = pytest.mark.django_db


def test_staff_record_parking_fees_typed_in_yuan_from_the_form(client_as: Any, places: Any) -> None:
    compound = places.compounds[0]
    staff = client_as("community")
    form = staff.get(reverse("commons:record", args=[compound.pk]) + "?kind=income")
    assert form.status_code == 200 and 'name="idempotency_key"' in form.content.decode()
    today = timezone.localdate()
    data = {
        "kind": "income", "category": "parking", "amount": "12,345.60元",
        "occurred_on": today.isoformat(),
        "summary": "十一月地面停车费", "period_start": today.replace(day=1).isoformat(),
        "period_end": today.isoformat(),
        "receipt_no": "TC-2026-11", "idempotency_key": "form-1",
    }  # fmt: skip
    response = staff.post(reverse("commons:record", args=[compound.pk]), data)
    assert response.status_code == 302
    staff.post(reverse("commons:record", args=[compound.pk]), data)  # a double click
    assert Entry.objects.get(ledger__compound=compound).amount_fen == 1_234_560
    page = staff.get(reverse("commons:ledger", args=[compound.pk])).content.decode()
    assert "十一月地面停车费" in page and "12,345.60" in page


def test_a_refused_form_comes_back_with_what_was_typed_and_the_field_named(client_as: Any, places: Any) -> None:
    compound = places.compounds[0]
    data = {
        "kind": "spending",
        "category": "maintenance",
        "amount": "800",
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "修补路面坑洼",
    }
    response = client_as("community").post(reverse("commons:record", args=[compound.pk]), data)
    body = response.content.decode()
    assert response.status_code == 422 and 'data-field="vote_id"' in body and "修补路面坑洼" in body
    assert not Entry.objects.exists()
    bad = client_as("community").post(reverse("commons:record", args=[compound.pk]), {**data, "amount": "八百"})
    assert bad.status_code == 422 and 'data-field="amount_fen"' in bad.content.decode()


def test_a_routine_repair_on_the_committees_note_from_the_form(client_as: Any, users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 1_000_000)
    staff = client_as("community")
    saved = staff.post(
        reverse("commons:settings", args=[compound.pk]), {"routine_limit": "1500", "routine_basis": "管理规约第十二条"}
    )
    assert saved.status_code == 302 and Ledger.objects.get(compound=compound).routine_limit_fen == 150_000
    data = {
        "kind": "spending", "category": "maintenance", "amount": "1500",
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "更换路灯", "approval_note": "业委会书面同意(2026-11-30)",
    }  # fmt: skip
    assert staff.post(reverse("commons:record", args=[compound.pk]), data).status_code == 302
    over = staff.post(reverse("commons:record", args=[compound.pk]), {**data, "amount": "1500.01"})
    assert over.status_code == 422 and "1,500.00" in over.content.decode()


def test_reversing_from_the_entry_page(client_as: Any, users: Any, places: Any) -> None:
    entry = income(users["community"], places.compounds[0], 200_000)
    staff = client_as("community")
    page = staff.get(reverse("commons:entry", args=[entry.pk])).content.decode()
    assert 'id="reverse-form"' in page
    empty = staff.post(reverse("commons:reverse", args=[entry.pk]), {"reason": ""})
    assert empty.status_code == 422 and 'data-field="reason"' in empty.content.decode()
    done = staff.post(reverse("commons:reverse", args=[entry.pk]), {"reason": "票据作废", "idempotency_key": "r1"})
    assert done.status_code == 302 and Ledger.objects.get(compound=places.compounds[0]).balance_fen == 0
    assert 'id="reversed-by"' in staff.get(reverse("commons:entry", args=[entry.pk])).content.decode()
    assert staff.get(reverse("commons:reverse", args=[entry.pk])).status_code == 405


def test_publishing_last_quarter_from_the_ledger_page_and_residents_see_it(
    client_as: Any, users: Any, places: Any
) -> None:
    compound = places.compounds[0]
    year, quarter, first, last = last_quarter()
    income(
        users["community"],
        compound,
        900_000,
        occurred_on=last,
        period_start=first,
        period_end=last,
        summary="场地租赁收入",
    )
    staff = client_as("community")
    assert f'value="{year}-{quarter}"' in staff.get(reverse("commons:ledger", args=[compound.pk])).content.decode()
    response = staff.post(
        reverse("commons:publish", args=[compound.pk]), {"quarter": f"{year}-{quarter}", "note": "欢迎监督"}
    )
    notice = Notice.objects.get(ledger__compound=compound)
    assert response.status_code == 302 and response["Location"] == reverse("commons:notice", args=[notice.pk])
    again = staff.post(reverse("commons:publish", args=[compound.pk]), {"quarter": f"{year}-{quarter}"})
    assert again.status_code == 409
    resident = client_as("resident")
    page = resident.get(reverse("commons:notice", args=[notice.pk])).content.decode()
    assert "场地租赁收入" in page and "9,000.00" in page and "欢迎监督" in page
    assert notice.label in resident.get(reverse("commons:public", args=[compound.pk])).content.decode()
    home = resident.get(reverse("commons:index")).content.decode()
    assert reverse("commons:public", args=[compound.pk]) in home


def test_the_overview_shows_the_figures_of_the_compounds_under_the_node(
    client_as: Any, users: Any, places: Any
) -> None:
    income(users["street"], places.compounds[0], 1_000_000)
    page = client_as("street").get(reverse("commons:index"), {"node": places.street.pk})
    body = page.content.decode()
    assert page.status_code == 200 and 'data-figure="income"' in body and "10,000.00" in body
    assert all(c.name in body for c in places.compounds)
    bad = client_as("street").get(reverse("commons:index"), {"node": places.street.pk, "from": "2026-13-01"})
    assert bad.status_code == 422
    assert client_as("grid").get(reverse("commons:index"), {"node": places.street.pk}).status_code == 404


def test_the_ledger_page_costs_the_same_statements_for_one_entry_or_many(
    client_as: Any, users: Any, places: Any
) -> None:
    compound = places.compounds[0]
    staff = client_as("community")
    income(users["community"], compound)
    url = reverse("commons:ledger", args=[compound.pk])
    staff.get(url)
    with CaptureQueriesContext(connection) as one:
        staff.get(url)
    vote = owners_vote(users["community"], compound)
    for _ in range(5):
        income(users["community"], compound)
    outflow(users["community"], compound, "distribution", 1000, vote=vote)
    cost = outflow(users["community"], compound, "cost", 1000)
    from linli.commons.services import entry_reverse

    entry_reverse(actor=users["community"], entry=cost, reason="重复")
    with CaptureQueriesContext(connection) as many:
        staff.get(url)
    assert len(many) == len(one)
    public = reverse("commons:public", args=[compound.pk])
    resident = client_as("resident")
    with CaptureQueriesContext(connection) as public_many:
        assert resident.get(public).status_code == 200
    income(users["community"], compound)
    with CaptureQueriesContext(connection) as public_more:
        resident.get(public)
    assert len(public_more) == len(public_many)
