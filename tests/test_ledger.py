"""The resident ledger: scoped and masked everywhere, reveal only with a reason and an audit row,
sensitive tags only for those who need them, search through the keyed hash, exports, corrections,
key rotation and retention."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from linli.core import crypto
from linli.core.errors import Forbidden, InvalidInput
from linli.core.identifiers import national_phone
from linli.people.maintenance import ANONYMISED_NAME, purge_ledger
from linli.people.models import CareTag, CorrectionRequest, Person, PersonTag, Residence
from linli.people.selectors import LedgerFilter, search_ledger
from linli.people.services import correction_request, correction_resolve, person_move_out, person_reveal

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(places):
    """A resident of the first grid, with a phone and no account."""
    return (
        Person.objects.filter(place_path__startswith=places.first_grid.path, user__isnull=True, positions__isnull=True)
        .exclude(phone_enc="")
        .order_by("pk")
        .first()
    )


@pytest.fixture
def stranger(places):
    """A resident of a grid in another compound."""
    return Person.objects.filter(place_path__startswith=places.other_grid.path).order_by("pk").first()


def tag(code):
    return CareTag.objects.get(code=code)


def test_search_by_exact_id_number_finds_the_one_person(users, neighbour):
    page = search_ledger(users["community"], LedgerFilter(q=neighbour.id_number))
    assert [p.pk for p in page.items] == [neighbour.pk]


def test_search_by_phone_accepts_national_spaced_and_plus86_forms(users, neighbour):
    national = national_phone(neighbour.phone)
    for q in (national, f"{national[:3]} {national[3:7]} {national[7:]}", f"+86 {national}"):
        assert neighbour.pk in [p.pk for p in search_ledger(users["community"], LedgerFilter(q=q)).items], q


def test_search_by_partial_name_tag_building_and_residence_type(users, neighbour):
    PersonTag.objects.create(person=neighbour, tag=tag("veteran"))
    building = neighbour.place if neighbour.place.kind == "building" else None
    building_pk = building.pk if building else type(neighbour.place).objects.get(path=neighbour.place_path[:-4]).pk
    found = search_ledger(
        users["community"],
        LedgerFilter(q=neighbour.name[1:], tag=tag("veteran").pk, building=building_pk, residence_type="resident"),
    ).items
    assert [p.pk for p in found] == [neighbour.pk]


def test_a_grid_worker_cannot_find_a_resident_of_another_grid(users, stranger):
    assert search_ledger(users["grid"], LedgerFilter(q=stranger.id_number)).items == []
    assert search_ledger(users["community"], LedgerFilter(q=stranger.id_number)).items == [stranger]


def test_the_ledger_list_costs_a_fixed_number_of_queries(client_as, django_assert_max_num_queries):
    client = client_as("community")
    with django_assert_max_num_queries(12):
        response = client.get("/ledger/")
    assert response.status_code == 200 and response.content.count(b"data-person=") == 50


def test_the_api_list_costs_a_fixed_number_of_queries_and_pages_by_cursor(api_as, django_assert_max_num_queries):
    client = api_as("community")
    with django_assert_max_num_queries(10):
        first = client.get("/api/v1/residents?limit=20").json()
    second = client.get(f"/api/v1/residents?limit=20&cursor={first['next']}").json()
    assert len(first["items"]) == 20 and first["next"]
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_identifiers_are_masked_on_the_list_page_and_the_api(client_as, api_as, neighbour):
    page = client_as("community").get(f"/ledger/?q={neighbour.id_number}").content.decode()
    table = page[page.index("<table") :]  # the search box repeats what the user typed; the results never do
    assert neighbour.id_number not in table and neighbour.id_number_masked in table
    assert national_phone(neighbour.phone) not in table
    item = api_as("community").get(f"/api/v1/residents?q={neighbour.id_number}").json()["items"][0]
    assert item["id_number_masked"] == neighbour.id_number_masked and "*" in item["phone_masked"]
    assert neighbour.id_number not in json.dumps(item)


def test_reveal_needs_a_reason_and_is_audited(users, neighbour):
    with pytest.raises(InvalidInput):
        person_reveal(actor=users["community"], person=neighbour, reason=" ")
    revealed = person_reveal(actor=users["community"], person=neighbour, reason="上门核实低保材料")
    assert revealed.id_number == neighbour.id_number
    event = AuditEvent.objects.get(action="resident.reveal", target_id=str(neighbour.pk))
    assert event.actor == users["community"] and event.detail["reason"] == "上门核实低保材料"


def test_a_grid_worker_without_reveal_capability_is_refused(users, neighbour):
    with pytest.raises(Forbidden):
        person_reveal(actor=users["grid"], person=neighbour, reason="想看看号码")


def test_reveal_by_api_returns_the_full_numbers_and_by_page_shows_them_once(api_as, client_as, neighbour):
    response = api_as("community").post(
        f"/api/v1/residents/{neighbour.pk}/reveal", {"reason": "核对户籍信息"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["id_number"] == neighbour.id_number
    assert (
        api_as("grid")
        .post(f"/api/v1/residents/{neighbour.pk}/reveal", {"reason": "核对户籍信息"}, content_type="application/json")
        .status_code
        == 403
    )
    page = client_as("community").post(f"/ledger/people/{neighbour.pk}/reveal", {"reason": "核对户籍信息"})
    assert neighbour.id_number in page.content.decode()
    assert neighbour.id_number not in client_as("community").get(f"/ledger/people/{neighbour.pk}/").content.decode()


def test_reveal_without_reason_on_the_page_shows_the_error_and_no_number(client_as, neighbour):
    page = client_as("community").post(f"/ledger/people/{neighbour.pk}/reveal", {"reason": ""})
    assert page.status_code == 422 and neighbour.id_number not in page.content.decode()


def test_another_grids_resident_is_404_by_page_and_api(client_as, api_as, stranger):
    assert client_as("grid").get(f"/ledger/people/{stranger.pk}/").status_code == 404
    assert api_as("grid").get(f"/api/v1/residents/{stranger.pk}").status_code == 404
    assert api_as("grid").get(f"/api/v1/households/{stranger.household_id}").status_code == 404


def test_sensitive_tags_are_hidden_from_roles_without_the_capability(users, client_as, api_as, neighbour):
    PersonTag.objects.create(person=neighbour, tag=tag("low_income"))
    PersonTag.objects.create(person=neighbour, tag=tag("veteran"))
    street_staff = users["street"]
    assert "低保户" in client_as("community").get(f"/ledger/people/{neighbour.pk}/").content.decode()
    body = api_as("community").get(f"/api/v1/residents/{neighbour.pk}").json()
    assert {t["name"] for t in body["tags"]} == {"低保户", "退役军人"}
    # the volunteer has no ledger at all; a street_staff position has ledger but not sensitive
    from linli.people.models import Position

    Position.objects.filter(person=street_staff.person).update(kind="street_staff")
    page = search_ledger(street_staff, LedgerFilter(q=neighbour.id_number)).items
    assert [t.name for t in page[0].visible_tags] == ["退役军人"]
    assert search_ledger(street_staff, LedgerFilter(tag=tag("low_income").pk)).items == []


def test_household_view_lists_members_and_their_tags(api_as, neighbour):
    PersonTag.objects.create(person=neighbour, tag=tag("living_alone"))
    body = api_as("grid").get(f"/api/v1/households/{neighbour.household_id}").json()
    assert neighbour.pk in [m["id"] for m in body["members"]]
    assert "独居老人" in [t["name"] for t in body["tags"]]


def test_export_is_masked_scoped_formula_safe_and_audited(client_as, users, neighbour, stranger):
    neighbour.name = '=HYPERLINK("http://evil.example","x")'
    neighbour.save()
    response = client_as("grid").get("/ledger/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    ids = [r[0] for r in rows[1:]]
    assert neighbour.pk in ids and stranger.pk not in ids
    mine = next(r for r in rows[1:] if r[0] == neighbour.pk)
    assert mine[1].startswith("'=HYPERLINK") and mine[4] == neighbour.id_number_masked
    assert all(neighbour.id_number not in str(cell) for r in rows for cell in r)
    event = AuditEvent.objects.get(action="resident.export", actor=users["grid"])
    assert event.detail["rows"] == len(rows) - 1


def test_everything_we_hold_export_is_complete_and_logged(client_as, users, neighbour):
    PersonTag.objects.create(person=neighbour, tag=tag("disabled"))
    response = client_as("community").post(f"/ledger/people/{neighbour.pk}/everything", {"reason": "本人依法申请查阅"})
    data = json.loads(response.content)
    assert data["person"]["id_number"] == neighbour.id_number and data["tags"][0]["name"] == "残疾人"
    assert AuditEvent.objects.filter(action="resident.subject_export", target_id=str(neighbour.pk)).exists()
    assert client_as("grid").post(f"/ledger/people/{neighbour.pk}/everything", {"reason": "想看看"}).status_code == 403


def test_a_resident_sees_their_own_record_and_requests_a_correction(client_as, users):
    client = client_as("resident")
    page = client.get("/ledger/me/").content.decode()
    me = users["resident"].person
    assert me.name in page and me.id_number_masked in page and me.id_number not in page
    response = client.post("/ledger/me/", {"field": "name", "requested_value": "王大明", "message": "改过名"})
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get(person=me)
    assert correction.requested_by == users["resident"]
    queue = client_as("community").get("/ledger/corrections/").content.decode()
    assert "王大明" in queue
    assert "王大明" not in client_as("grid").get("/ledger/corrections/").content.decode()


def test_accepting_a_correction_applies_it_and_a_rejection_needs_a_reason(users):
    correction = correction_request(actor=users["resident"], field="name", requested_value="王大明")
    with pytest.raises(InvalidInput):
        correction_resolve(actor=users["community"], correction=correction, accept=False)
    correction_resolve(actor=users["community"], correction=correction, accept=True, note="核对户口本")
    assert Person.objects.get(pk=users["resident"].person_id).name == "王大明"
    assert AuditEvent.objects.filter(action="resident.correction_resolved").exists()


def test_a_resident_cannot_open_the_staff_ledger(client_as, users):
    assert client_as("resident").get("/ledger/").status_code == 302
    assert api_as_ids(client_as("resident")) == set()


def api_as_ids(client):
    return {i["id"] for i in client.get("/api/v1/residents?q=1").json().get("items", [])}


def test_move_out_keeps_history_and_purge_anonymises_after_retention(users, neighbour, settings):
    person_move_out(actor=users["community"], person=neighbour, on=dt.date(2020, 1, 1))
    settings.LEDGER_RETENTION_DAYS = 365
    dry = purge_ledger(commit=False)
    assert neighbour.pk in dry.candidates
    assert Person.objects.get(pk=neighbour.pk).name == neighbour.name, "dry run changes nothing"
    report = purge_ledger(commit=True)
    assert report.anonymised >= 1
    gone = Person.objects.get(pk=neighbour.pk)
    assert gone.name == ANONYMISED_NAME and gone.id_number_hash == "" and gone.phone_enc == ""
    assert Residence.objects.filter(person=neighbour, moved_out_on=dt.date(2020, 1, 1)).exists()


def test_purge_skips_people_who_still_hold_an_account(users, settings):
    resident = users["resident"].person
    person_move_out(actor=users["community"], person=resident, on=dt.date(2020, 1, 1))
    settings.LEDGER_RETENTION_DAYS = 365
    report = purge_ledger(commit=True)
    assert resident.pk in [pk for pk, _ in report.skipped]


def test_purge_command_is_a_dry_run_by_default(users, neighbour, capsys):
    person_move_out(actor=users["community"], person=neighbour, on=dt.date(2015, 1, 1))
    call_command("purge_ledger")
    assert "Dry run" in capsys.readouterr().out
    assert Person.objects.get(pk=neighbour.pk).anonymised_at is None


def test_rotate_keys_re_encrypts_under_the_newest_key(settings, neighbour):
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    expected = neighbour.id_number
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        call_command("rotate_keys", "--batch-size", "50")
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):
        assert Person.objects.get(pk=neighbour.pk).id_number == expected
    with override_settings(FIELD_ENCRYPTION_KEYS=old):
        assert Person.objects.get(pk=neighbour.pk).id_number == "[无法解密]"


def test_the_keyed_hash_matches_the_demo_builders(neighbour):
    assert neighbour.id_number_hash == crypto.keyed_hash("id", neighbour.id_number)
    assert neighbour.phone_hash == crypto.keyed_hash("phone", neighbour.phone)


def test_import_command_previews_then_commits(users, tmp_path, places, capsys):
    from openpyxl import Workbook

    from linli.people.fakes import make_id
    from linli.people.sheets import TEMPLATE_HEADERS

    compound = places.compounds[0]
    wb = Workbook()
    wb.active.append(TEMPLATE_HEADERS)
    wb.active.append(
        ["赵六", make_id(dt.date(1966, 6, 6), 5), "13900001111", compound.name, "1", "1", "501", "户主", "户籍", ""]
    )
    wb.active.append(["钱七", "123", "", compound.name, "1", "", "", "", "", ""])
    path = tmp_path / "sheet.xlsx"
    wb.save(path)
    call_command("import_residents", str(path), "--as", "community")
    out = capsys.readouterr().out
    assert "2 rows, 1 valid" in out and "row 3, 身份证号" in out
    assert not Person.objects.filter(name="赵六").exists()
    call_command("import_residents", str(path), "--as", "community", "--commit")
    assert "1 created" in capsys.readouterr().out
    assert Person.objects.get(name="赵六").residence_type == "registered"


def test_purge_keeps_records_younger_than_the_retention_period(users, neighbour, settings):
    person_move_out(actor=users["community"], person=neighbour, on=timezone.localdate() - dt.timedelta(days=100))
    settings.LEDGER_RETENTION_DAYS = 365
    assert neighbour.pk not in purge_ledger(commit=False).candidates
