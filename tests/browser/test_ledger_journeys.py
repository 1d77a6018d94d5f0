"""Ledger journeys: community staff import a sheet with bad rows, commit the good ones, find a
resident by ID number, see it masked, reveal it with a reason (audited); a grid worker cannot
reach a resident of another grid by page, API or export."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from linli.audit.models import AuditEvent
from linli.core.crypto import keyed_hash
from linli.core.masking import mask_id_number
from linli.people.fakes import resident_rows
from linli.people.models import Person
from linli.people.sheets import TEMPLATE_HEADERS
from linli.places.models import Place

pytestmark = pytest.mark.browser


def first_community_addresses() -> list[tuple[str, str, str]]:
    community = Place.objects.filter(kind="community").order_by("path").first()
    result = []
    for unit in Place.objects.filter(kind="unit", path__startswith=community.path).order_by("path"):
        building = Place.objects.get(path=unit.path[:-4])
        compound = Place.objects.get(kind="compound", path=unit.path[:16])
        result.append((compound.name, building.name.removeprefix(compound.name), unit.name.removeprefix(building.name)))
    return result


def sheet_with_three_bad_rows(path) -> tuple[list[list], dict[int, str]]:
    rows = [[*r[:9], ""] for r in resident_rows(first_community_addresses(), 200, seed=11)]
    good = rows[10][1]
    rows[4][1] = rows[4][1][:-1] + ("1" if rows[4][1][-1] != "1" else "2")  # wrong check digit → sheet row 6
    rows[49][1] = good  # same ID as row 12 → sheet row 51
    rows[120][4] = "88栋"  # no such building → sheet row 122
    wb = Workbook()
    wb.active.append(TEMPLATE_HEADERS)
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return rows, {6: "身份证号", 51: "身份证号", 122: "楼栋"}


def test_staff_import_find_mask_and_reveal_with_an_audited_reason(login, live_demo, tmp_path):
    rows, bad = sheet_with_three_bad_rows(tmp_path / "台账.xlsx")
    page = login("community")
    page.goto(f"{live_demo.url}/ledger/import/")
    page.set_input_files("input[type=file]", str(tmp_path / "台账.xlsx"))
    page.click("button[type=submit].primary")
    page.wait_for_url("**/ledger/import/*/")
    assert page.locator("#error-rows").inner_text() == "3"
    assert page.locator("#valid-rows").inner_text() == "197"
    shown = {
        int(r.get_attribute("data-row")): r.locator("td").nth(1).inner_text() for r in page.locator("tr.fail").all()
    }
    assert shown == bad
    assert "校验位错误" in page.locator("tr[data-row='6']").inner_text()
    assert "与第 12 行的身份证号重复" in page.locator("tr[data-row='51']").inner_text()

    page.click("#commit")
    page.wait_for_selector("#batch-status[data-status=committed]")
    assert page.locator("#created-count").inner_text() == "197"

    id_number = rows[20][1]
    page.goto(f"{live_demo.url}/ledger/")
    page.fill("input[name=q]", id_number)
    page.click("form[role=search] button[type=submit]")
    result = page.locator("table.ledger tbody tr")
    assert result.count() == 1
    assert result.locator("td").nth(1).inner_text() == mask_id_number(id_number)
    result.locator("a").first.click()
    assert page.locator("#id-number").inner_text() == mask_id_number(id_number)
    assert id_number not in page.content()

    page.fill("#reveal-form input[name=reason]", "入户核实低保申请材料")
    page.click("#reveal-form button[type=submit]")
    assert page.locator("#id-number").inner_text() == id_number
    person = Person.objects.get(id_number_hash=keyed_hash("id", id_number))
    event = AuditEvent.objects.get(action="resident.reveal", target_id=str(person.pk))
    assert event.actor_label == "community" and event.detail["reason"] == "入户核实低保申请材料"

    page.context.clear_cookies()
    admin = login("admin")
    admin.goto(f"{live_demo.url}/audit/?action=resident.reveal")
    assert "resident.reveal" in admin.content() and "community" in admin.content()


def test_a_grid_worker_cannot_reach_another_grids_resident_by_page_api_or_export(login, live_demo):
    grids = list(Place.objects.filter(kind="grid").order_by("path"))
    compounds = list(Place.objects.filter(kind="compound").order_by("path"))
    other = next(g for g in grids if not g.path.startswith(compounds[0].path))
    stranger = Person.objects.filter(place_path__startswith=other.path).exclude(id_number_enc="").first()
    page = login("grid")

    page.goto(f"{live_demo.url}/ledger/?q={stranger.id_number}")
    assert page.locator("table.ledger tbody tr").count() == 0
    assert page.goto(f"{live_demo.url}/ledger/people/{stranger.pk}/").status == 404
    assert stranger.name not in page.content()

    api = page.request.get(f"{live_demo.url}/api/v1/residents/{stranger.pk}")
    assert api.status == 404
    listed = page.request.get(f"{live_demo.url}/api/v1/residents?q={stranger.id_number}").json()
    assert listed["items"] == []

    export = page.request.get(f"{live_demo.url}/ledger/export.xlsx")
    assert export.status == 200
    sheet = load_workbook(io.BytesIO(export.body())).worksheets[0]
    exported = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported and stranger.pk not in exported
    assert exported <= set(Person.objects.filter(place_path__startswith=grids[0].path).values_list("pk", flat=True))


def test_the_import_template_downloads_with_chinese_headers(login, live_demo):
    page = login("community")
    response = page.request.get(f"{live_demo.url}/ledger/import/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.body())).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())] == TEMPLATE_HEADERS
