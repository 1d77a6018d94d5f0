"""Who sees what of a compound's shared income: those who record it (community and street staff), its party branch
secretary and owners' committee read the ledger; its owners and residents read the 公示 only; anyone else — a grid
worker, a resident of another compound, another community's staff — gets the 404 of a missing id."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from linli.audit.models import AuditEvent
from linli.commons import selectors as sel
from linli.commons.permissions import sees_ledger, sees_notices
from linli.core.errors import NotFound
from tests.commons_support import account, committee_member_of, income, secretary_of, staff_of

pytestmark = pytest.mark.django_db


def test_a_grid_worker_gets_not_found_for_the_ledger_of_their_own_compound(
    client_as: Any, users: Any, places: Any
) -> None:
    compound = places.compounds[0]  # the grid worker's grid lies in it; they read its 公示 as one who lives there
    entry = income(users["community"], compound)
    grid = client_as("grid")
    assert grid.get(reverse("commons:ledger", args=[compound.pk])).status_code == 404
    assert grid.get(reverse("commons:entry", args=[entry.pk])).status_code == 404
    assert grid.get(reverse("commons:export", args=[compound.pk])).status_code == 404
    assert grid.get(reverse("commons:record", args=[compound.pk])).status_code == 404


def test_a_grid_worker_or_another_communitys_staff_cannot_tell_a_ledger_elsewhere_exists(
    client_as: Any, users: Any, places: Any
) -> None:
    elsewhere = places.compounds[-1]
    entry = income(users["street"], elsewhere)
    other_staff = staff_of(places.communities[0], "c0-staff")
    from django.test import Client

    staff = Client()
    staff.force_login(other_staff)
    for client in (client_as("grid"), staff, client_as("resident")):
        for name, pk in (
            ("commons:ledger", elsewhere.pk),
            ("commons:public", elsewhere.pk),
            ("commons:entry", entry.pk),
        ):
            real = client.get(reverse(name, args=[pk]))
            missing = client.get(reverse(name, args=[987654321]))
            assert real.status_code == missing.status_code == 404, name
            assert elsewhere.name not in real.content.decode()


def test_the_branch_secretary_and_the_owners_committee_read_the_ledger_but_do_not_record(
    client_as: Any, users: Any, places: Any
) -> None:
    from django.test import Client

    compound = places.compounds[0]
    income(users["community"], compound, 1_234_500)
    for user in (secretary_of(compound), committee_member_of(compound)):
        assert sees_ledger(user, compound.path) and not sees_ledger(user, places.compounds[1].path)
        client = Client()
        client.force_login(user)
        page = client.get(reverse("commons:ledger", args=[compound.pk]))
        assert page.status_code == 200 and "12,345.00" in page.content.decode()
        assert 'id="record-income"' not in page.content.decode()
        assert client.get(reverse("commons:record", args=[compound.pk])).status_code == 403
        assert client.get(reverse("commons:ledger", args=[places.compounds[1].pk])).status_code == 404


def test_residents_read_their_compounds_public_notice_without_personal_data_but_not_the_ledger(
    client_as: Any, users: Any, places: Any
) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 500_000, counterparty="王师傅", summary="二季度停车费")
    resident = client_as("resident")
    public = resident.get(reverse("commons:public", args=[compound.pk]))
    body = public.content.decode()
    assert public.status_code == 200 and "二季度停车费" in body and "5,000.00" in body
    assert "王师傅" not in body and users["community"].person.name not in body
    assert resident.get(reverse("commons:ledger", args=[compound.pk])).status_code == 404
    assert resident.get(reverse("commons:public", args=[places.compounds[1].pk])).status_code == 404


def test_an_owner_living_elsewhere_reads_the_notice_of_the_compound_where_they_own_a_flat(
    users: Any, places: Any
) -> None:
    from linli.people.models import Ownership
    from linli.places.models import Household

    owner = account(places.compounds[-1], "absentee")
    flat = Household.objects.filter(place_path__startswith=places.compounds[0].path).order_by("pk").first()
    assert not sees_notices(owner, places.compounds[0].path)
    Ownership.objects.create(person=owner.person, household=flat, place_path=flat.place_path, area_m2=80)
    owner = type(owner).objects.get(pk=owner.pk)  # a new request
    assert sees_notices(owner, places.compounds[0].path) and not sees_ledger(owner, places.compounds[0].path)


def test_the_figures_are_for_staff_who_manage_or_lead_the_node(users: Any, places: Any) -> None:
    assert sel.figures(users["street"], places.street, *sel.default_period()).compounds == len(places.compounds)
    for who in ("grid", "resident"):
        with pytest.raises(NotFound):
            sel.figures(users[who], places.street, *sel.default_period())
    with pytest.raises(NotFound):
        sel.figures(users["community"], places.other_community, *sel.default_period())


def test_exporting_the_ledger_is_audited_with_its_rows(client_as: Any, users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound)
    income(users["community"], compound)
    response = client_as("community").get(reverse("commons:export", args=[compound.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    event = AuditEvent.objects.get(action="commons.ledger_exported")
    assert event.detail["rows"] == 2 and event.actor == users["community"]


def test_the_export_holds_every_entry_with_its_signed_amount(client_as: Any, users: Any, places: Any) -> None:
    import io

    from openpyxl import load_workbook

    compound = places.compounds[0]
    income(users["community"], compound, 300_000, summary="广告收益")
    body = client_as("street").get(reverse("commons:export", args=[compound.pk])).content
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and rows[1][4] == "3000.00" and rows[1][6] == "广告收益"
