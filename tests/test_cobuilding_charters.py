"""小区规章制度登记 (seed 002: 把加强党的领导写入“小区管理规约”“小区文明公约”等规章制度): community staff record each
compound's rules documents with whether they write in the party's leadership; a new version supersedes the one in
force, a double submit records once, a repeal keeps the record; staff of the compound and above read the register,
residents read their compound's charters in force, anyone else gets a 404; the figures count compounds under a node
in two statements; the pages and the API do the same through the same services."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from PIL import Image

from linli.accounts.models import User
from linli.audit.models import AuditEvent
from linli.cobuilding.models import CharterStatus, CompoundCharter
from linli.cobuilding.selectors_charters import (
    access_charter,
    charter_document,
    charter_figures,
    charter_page,
    figures_node,
    visible_charters,
)
from linli.cobuilding.services_charters import charter_record, charter_repeal
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.people.models import Ownership, Position
from linli.places.models import Household
from tests.charter_support import PDF, compounds_of, days, pdf_upload, record
from tests.support import image_bytes, png_upload

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def home(places: Any, users: dict[str, Any]) -> Any:
    """The compound the resident (and the grid worker) live in."""
    compound = places.compounds[0]
    assert users["resident"].person.place_path.startswith(compound.path)
    return compound


@pytest.fixture
def neighbour(places: Any, home: Any) -> Any:
    """Another compound of the same community, where the grid worker holds no position and nobody of ours lives."""
    return next(c for c in compounds_of(places.communities[0]) if c.pk != home.pk)


@pytest.fixture
def elsewhere(places: Any) -> Any:
    """A compound of the other community."""
    return compounds_of(places.other_community)[0]


@pytest.fixture
def secretary(home: Any) -> User:
    """The home compound's branch secretary (handle there, not manage) with an account."""
    position = Position.objects.filter(kind="branch_secretary", place_id=home.pk).select_related("person").first()
    return User.objects.create_user(username="charter-secretary", person=position.person)


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# ----------------------------------------------------------------------------- recording


def test_community_staff_record_a_management_covenant_and_the_recording_is_audited(users, home):
    charter = record(users["community"], home)
    assert charter.place_path == home.path and charter.recorded_by == users["community"]
    assert (charter.kind, charter.status, charter.party_leadership) == ("management_covenant", "in_force", True)
    event = last_event("cobuilding.charter_recorded")
    assert event.target_id == str(charter.pk) and event.detail["party_leadership"] is True
    assert event.detail["superseded"] == []


def test_a_new_version_supersedes_the_one_in_force_and_links_to_it(users, home):
    old = record(users["community"], home, title="管理规约(2019)", adopted_on=days(-2000), party_leadership=False)
    new = record(users["community"], home, title="管理规约(修订)", adopted_on=days(-10))
    old.refresh_from_db()
    assert (old.status, old.superseded_by_id) == (CharterStatus.SUPERSEDED, new.pk)
    assert new.status == CharterStatus.IN_FORCE
    assert last_event("cobuilding.charter_recorded").detail["superseded"] == [old.pk]
    in_force = CompoundCharter.objects.filter(compound=home, kind="management_covenant", status="in_force")
    assert list(in_force) == [new]


def test_each_kind_has_its_own_version_in_force(users, home):
    covenant = record(users["community"], home)
    pact = record(users["community"], home, kind="civility_pact", title="文明公约")
    assert CompoundCharter.objects.filter(pk__in=[covenant.pk, pact.pk], status="in_force").count() == 2


def test_other_documents_stand_side_by_side_and_supersede_nothing(users, home):
    parking = record(users["community"], home, kind="other", title="停车管理办法")
    decoration = record(users["community"], home, kind="other", title="装修管理规定")
    assert {c.status for c in CompoundCharter.objects.filter(pk__in=[parking.pk, decoration.pk])} == {"in_force"}


def test_a_double_submit_returns_the_charter_in_force_and_writes_nothing(users, home):
    first, created = charter_record(
        actor=users["community"], compound_id=home.pk, kind="civility_pact", title="文明公约",
        adopted_on=days(-5), adopted_how="residents_meeting", party_leadership=True, summary=" 邻里互助 ",
    )  # fmt: skip
    recorded = events("cobuilding.charter_recorded")
    again, created_again = charter_record(
        actor=users["community"], compound_id=home.pk, kind="civility_pact", title=" 文明公约",
        adopted_on=days(-5), adopted_how="residents_meeting", party_leadership=True, summary="邻里互助",
        document=pdf_upload(),
    )  # fmt: skip
    assert created and not created_again and again.pk == first.pk
    assert CompoundCharter.objects.filter(compound=home, kind="civility_pact").count() == 1
    assert events("cobuilding.charter_recorded") == recorded
    first.refresh_from_db()
    assert first.status == "in_force" and not first.document  # the repeat stored nothing


def test_the_same_title_and_date_with_other_content_is_a_conflict_and_nothing_changes(users, home):
    first = record(users["community"], home)
    with pytest.raises(Conflict) as exc:
        record(users["community"], home, party_leadership=False)
    assert exc.value.field == "title"
    first.refresh_from_db()
    assert first.status == "in_force" and first.party_leadership
    assert CompoundCharter.objects.filter(compound=home).count() == 1


def test_a_version_adopted_before_the_one_in_force_is_refused_naming_the_date(users, home):
    current = record(users["community"], home, adopted_on=days(-10))
    with pytest.raises(InvalidInput) as exc:
        record(users["community"], home, title="旧版管理规约", adopted_on=days(-400))
    assert exc.value.field == "adopted_on" and current.adopted_on.isoformat() in exc.value.message
    current.refresh_from_db()
    assert current.status == "in_force"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "bylaws"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"title": "  "}, "title"),
        ({"title": "规" * 101}, "title"),
        ({"adopted_on": "tomorrow"}, "adopted_on"),
        ({"adopted_on": "2026-01-01"}, "adopted_on"),
        ({"adopted_on": dt.date(1800, 1, 1)}, "adopted_on"),
        ({"adopted_how": "coin_toss"}, "adopted_how"),
        ({"party_leadership": None}, "party_leadership"),
        ({"party_leadership": "yes"}, "party_leadership"),
        ({"summary": "约" * 2001}, "summary"),
    ],
)
def test_bad_input_is_refused_in_chinese_naming_the_field_and_nothing_is_written(users, home, changes, field):
    if changes.get("adopted_on") == "tomorrow":
        changes["adopted_on"] = days(1)
    recorded = events("cobuilding.charter_recorded")
    with pytest.raises(InvalidInput) as exc:
        record(users["community"], home, **changes)
    assert exc.value.field == field and any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert not CompoundCharter.objects.filter(compound=home).exists()
    assert events("cobuilding.charter_recorded") == recorded


def test_a_charter_is_recorded_at_a_compound_not_at_a_community(users, places):
    with pytest.raises(InvalidInput) as exc:
        record(users["community"], places.communities[0])
    assert exc.value.field == "compound_id"


def test_a_missing_compound_and_one_outside_the_actors_scope_are_the_same_404(users, elsewhere):
    answers = []
    for compound_id in (elsewhere.pk, 987654321):
        with pytest.raises(NotFound) as exc:
            charter_record(
                actor=users["community"], compound_id=compound_id, kind="other", title="x", adopted_on=days(-1),
                adopted_how="other", party_leadership=False,
            )  # fmt: skip
        answers.append((exc.value.message, exc.value.field))
    assert answers[0] == answers[1] and answers[0][1] == "compound_id"


def test_a_grid_worker_cannot_record_and_the_branch_secretary_is_refused(users, home, neighbour, secretary):
    with pytest.raises(NotFound):
        record(users["grid"], neighbour)
    with pytest.raises(NotFound):
        record(users["grid"], home)  # living there is reading, not recording
    with pytest.raises(Forbidden):
        record(secretary, home)
    assert not CompoundCharter.objects.filter(compound__in=[home, neighbour]).exists()


def test_the_street_records_for_any_compound_under_it(users, elsewhere):
    assert record(users["street"], elsewhere).place_path == elsewhere.path


# ----------------------------------------------------------------------------- the document


def test_a_pdf_is_kept_as_it_is_and_a_png_is_stored_again_without_metadata(users, home):
    charter = record(users["community"], home, document=pdf_upload())
    assert charter.document.name.endswith(".pdf") and "规约" not in charter.document.name
    with charter.document.open("rb") as f:
        assert f.read() == PDF
    picture = record(users["community"], home, kind="civility_pact", title="文明公约", document=png_upload("a.png"))
    assert picture.document.name.endswith(".png")
    assert last_event("cobuilding.charter_recorded").detail["document"] is True


def test_a_jpeg_photo_of_the_document_is_accepted(users, home):
    upload = SimpleUploadedFile("scan.jpg", image_bytes((40, 60), fmt="JPEG"), content_type="image/jpeg")
    assert record(users["community"], home, document=upload).document.name.endswith(".jpg")


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda: SimpleUploadedFile("规约.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024)), id="20MB"),
        pytest.param(lambda: SimpleUploadedFile("规约.pdf", b"MZ\x90\x00" + b"\x00" * 4000), id="renamed-exe"),
        pytest.param(lambda: SimpleUploadedFile("规约.png", b""), id="empty"),
        pytest.param(lambda: SimpleUploadedFile("规约.gif", _gif()), id="gif"),
        pytest.param(lambda: SimpleUploadedFile("规约.docx", b"PK\x03\x04" + b"\x00" * 100), id="zip"),
    ],
)
def test_a_document_that_is_too_big_or_not_a_pdf_jpeg_or_png_is_refused_naming_the_field(users, home, upload):
    with pytest.raises(InvalidInput) as exc:
        record(users["community"], home, document=upload())
    assert exc.value.field == "document"
    assert not CompoundCharter.objects.filter(compound=home).exists()


# ----------------------------------------------------------------------------- repeal


def test_repealing_needs_a_reason_keeps_the_charter_and_is_audited(users, home):
    charter = record(users["community"], home)
    with pytest.raises(InvalidInput) as exc:
        charter_repeal(actor=users["community"], charter_id=charter.pk, reason=" ")
    assert exc.value.field == "reason"
    charter_repeal(actor=users["community"], charter_id=charter.pk, reason="业主大会决定废止", repealed_on=days(-1))
    charter.refresh_from_db()
    assert (charter.status, charter.repealed_on, charter.repealed_by) == ("repealed", days(-1), users["community"])
    assert last_event("cobuilding.charter_repealed").detail["reason"] == "业主大会决定废止"
    with pytest.raises(Conflict):
        charter_repeal(actor=users["community"], charter_id=charter.pk, reason="再次")


@pytest.mark.parametrize(("when", "field"), [(1, "repealed_on"), (-101, "repealed_on")])
def test_a_repeal_dated_in_the_future_or_before_adoption_is_refused(users, home, when, field):
    charter = record(users["community"], home)
    with pytest.raises(InvalidInput) as exc:
        charter_repeal(actor=users["community"], charter_id=charter.pk, reason="调整", repealed_on=days(when))
    assert exc.value.field == field
    assert CompoundCharter.objects.get(pk=charter.pk).status == "in_force"


def test_a_superseded_version_is_not_repealed(users, home):
    old = record(users["community"], home, adopted_on=days(-300), title="旧版")
    record(users["community"], home, adopted_on=days(-3), title="新版")
    with pytest.raises(Conflict):
        charter_repeal(actor=users["community"], charter_id=old.pk, reason="多余")


def test_after_a_repeal_a_new_one_of_the_kind_is_in_force_on_its_own(users, home):
    charter = record(users["community"], home)
    charter_repeal(actor=users["community"], charter_id=charter.pk, reason="重新制定")
    new = record(users["community"], home, title="重新制定的管理规约", adopted_on=days(0))
    assert CompoundCharter.objects.get(pk=charter.pk).status == "repealed" and new.status == "in_force"


def test_the_grid_worker_and_the_resident_cannot_repeal(users, home, neighbour):
    charter = record(users["community"], neighbour)
    with pytest.raises(NotFound):
        charter_repeal(actor=users["grid"], charter_id=charter.pk, reason="x")
    at_home = record(users["community"], home)
    with pytest.raises(Forbidden):
        charter_repeal(actor=users["resident"], charter_id=at_home.pk, reason="x")  # reads it, may not repeal it


# ----------------------------------------------------------------------------- the database's own rules


def test_the_database_keeps_one_version_in_force_per_compound_and_kind(users, home):
    charter = record(users["community"], home)
    with pytest.raises(IntegrityError), transaction.atomic():
        CompoundCharter.objects.create(
            compound=home, place_path=home.path, kind="management_covenant", title="第二份", adopted_on=days(-1),
            adopted_how="other", recorded_by=users["community"],
        )  # fmt: skip
    assert CompoundCharter.objects.get(pk=charter.pk).status == "in_force"


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "repealed", "repealed_on": dt.date(2026, 1, 1)},  # no reason
        {"status": "repealed", "repeal_reason": "无日期"},
        {"repeal_reason": "现行却有废止原因"},
        {"kind": "bylaws"},
        {"title": ""},
    ],
)
def test_the_database_refuses_an_inconsistent_charter(users, home, changes):
    charter = record(users["community"], home, adopted_on=dt.date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        CompoundCharter.objects.filter(pk=charter.pk).update(**changes)


def test_the_database_refuses_a_link_to_a_new_version_from_a_charter_in_force(users, home):
    covenant = record(users["community"], home)
    pact = record(users["community"], home, kind="civility_pact", title="文明公约")
    with pytest.raises(IntegrityError), transaction.atomic():
        CompoundCharter.objects.filter(pk=covenant.pk).update(superseded_by=pact)


# ----------------------------------------------------------------------------- who reads


def test_staff_of_the_compound_and_above_read_every_version(users, home, secretary):
    old = record(users["community"], home, adopted_on=days(-300), title="旧版")
    record(users["community"], home, adopted_on=days(-3), title="新版")
    for who in (users["street"], users["community"], users["admin"], secretary):
        assert access_charter(who, old.pk).status == "superseded"


def test_a_grid_worker_and_another_communitys_staff_get_the_404_of_a_missing_id(users, neighbour, elsewhere):
    here = record(users["street"], neighbour)
    there = record(users["street"], elsewhere)
    for who, charter in ((users["grid"], here), (users["grid"], there), (users["community"], there)):
        with pytest.raises(NotFound) as exc:
            access_charter(who, charter.pk)
        with pytest.raises(NotFound) as missing:
            access_charter(who, 987654321)
        assert exc.value.message == missing.value.message
        assert not visible_charters(who).filter(pk=charter.pk).exists()


def test_a_resident_reads_their_compounds_charters_in_force_only(users, home, neighbour):
    old = record(users["community"], home, adopted_on=days(-300), title="旧版")
    current = record(users["community"], home, adopted_on=days(-3), title="新版", document=pdf_upload())
    repealed = record(users["community"], home, kind="civility_pact", title="文明公约")
    charter_repeal(actor=users["community"], charter_id=repealed.pk, reason="重订")
    next_door = record(users["community"], neighbour)
    resident = users["resident"]
    assert set(visible_charters(resident).values_list("pk", flat=True)) == {current.pk}
    assert charter_document(resident, current.pk).document
    for hidden in (old, repealed, next_door):
        with pytest.raises(NotFound):
            access_charter(resident, hidden.pk)


def test_an_owner_of_a_dwelling_in_another_compound_reads_its_charters_in_force(users, neighbour):
    charter = record(users["community"], neighbour)
    assert not visible_charters(users["resident"]).filter(pk=charter.pk).exists()
    household = Household.objects.filter(place_path__startswith=neighbour.path).order_by("pk").first()
    Ownership.objects.create(
        person=users["resident"].person, household=household, place_path=household.place_path, area_m2=Decimal(90)
    )
    assert access_charter(users["resident"], charter.pk) == charter


def test_a_charter_without_a_document_has_no_file_to_serve(users, home):
    charter = record(users["community"], home)
    with pytest.raises(NotFound):
        charter_document(users["community"], charter.pk)


# ----------------------------------------------------------------------------- list


def test_the_list_is_keyset_paged_newest_first_and_filtered(users, home, neighbour):
    made = [record(users["community"], home, kind="other", title=f"第{n}号制度").pk for n in range(5)]
    pact = record(users["community"], neighbour, kind="civility_pact", title="文明公约")
    first = charter_page(users["community"], kind="other", limit=3)
    second = charter_page(users["community"], kind="other", limit=3, cursor=first.next)
    assert [c.pk for c in first.items + second.items] == sorted(made, reverse=True) and second.next is None
    assert [c.pk for c in charter_page(users["community"], compound_id=neighbour.pk).items] == [pact.pk]
    assert charter_page(users["community"], status="repealed").items == []
    for name, value in (("kind", "bylaws"), ("status", "void")):
        with pytest.raises(InvalidInput) as exc:
            charter_page(users["community"], **{name: value})
        assert exc.value.field == name


def test_a_page_of_the_list_is_read_in_the_same_number_of_statements_however_many_rows(users, home, neighbour):
    record(users["community"], home)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = charter_page(users["community"], limit=50)
            assert all(c.compound.name for c in page.items)
        return len(ctx.captured_queries)

    one = count()
    for n in range(6):
        record(users["community"], neighbour, kind="other", title=f"制度{n}")
    assert count() == one


# ----------------------------------------------------------------------------- figures


@pytest.fixture
def register(users: dict[str, Any], places: Any) -> dict[str, Any]:
    """Two communities of two compounds each (the small demo):

    - a: 管理规约 with the party's leadership, and a 文明公约;
    - b: 管理规约 without it;
    - c: an old 管理规约 without it superseded by one with it, and a 文明公约 repealed;
    - d: only an "other" document (written with the party's leadership: not a 管理规约, not counted).
    """
    a, b = compounds_of(places.communities[0])
    c, d = compounds_of(places.other_community)
    staff = users["street"]
    record(staff, a)
    record(staff, a, kind="civility_pact", title="文明公约")
    record(staff, b, party_leadership=False)
    record(staff, c, party_leadership=False, adopted_on=days(-900), title="旧规约")
    record(staff, c, adopted_on=days(-9), title="新规约")
    pact = record(staff, c, kind="civility_pact", title="文明公约")
    charter_repeal(actor=staff, charter_id=pact.pk, reason="重新制定")
    record(staff, d, kind="other", title="停车管理办法")
    return {"a": a, "b": b, "c": c, "d": d}


def counts(f: Any) -> tuple[Any, ...]:
    return (f.compounds, f.with_covenant, f.with_party_leadership, f.with_civility_pact, f.rate)


def test_the_street_figures_count_compounds_by_their_charters_in_force(places, register):
    f = charter_figures(places.street)
    assert counts(f) == (4, 3, 2, 1, Decimal("50.0"))
    rows = {r.community.pk: counts(r) for r in f.rows}
    assert rows == {
        places.communities[0].pk: (2, 2, 1, 1, Decimal("50.0")),
        places.other_community.pk: (2, 1, 1, 0, Decimal("50.0")),
    }


def test_a_community_and_a_compound_have_their_own_figures(places, register):
    assert counts(charter_figures(places.other_community)) == (2, 1, 1, 0, Decimal("50.0"))
    f = charter_figures(register["a"])
    assert counts(f) == (1, 1, 1, 1, Decimal("100.0"))
    assert [(r.community.pk, r.compounds) for r in f.rows] == [(places.communities[0].pk, 1)]
    assert counts(charter_figures(register["d"])) == (1, 0, 0, 0, Decimal("0.0"))


def test_the_figures_take_the_same_two_statements_for_a_street_a_community_and_a_compound(places, register):
    measured = {}
    for node in (places.street, places.communities[0], register["a"]):
        with CaptureQueriesContext(connection) as ctx:
            charter_figures(node)
        measured[node.kind] = len(ctx.captured_queries)
    assert measured == {"street": 2, "community": 2, "compound": 2}


def test_the_figures_are_read_by_staff_of_the_node_and_are_a_404_for_anyone_else(users, places, home, secretary):
    assert figures_node(users["street"], places.street.pk) == places.street
    assert figures_node(users["community"], places.communities[0].pk) == places.communities[0]
    assert figures_node(secretary, home.pk) == home
    for who, node in (
        (users["community"], places.street),
        (users["community"], places.other_community),
        (users["grid"], home),
        (users["resident"], home),
        (users["street"], places.first_grid),  # not a node with figures
    ):
        with pytest.raises(NotFound):
            figures_node(who, node.pk, field="place_id")


# ----------------------------------------------------------------------------- pages


def test_the_list_page_shows_the_figures_and_the_charters_for_staff(client_as, places, register):
    body = client_as("street").get("/co-building/charters/").content.decode()
    assert 'data-figure="rate"><b>50.0%' in body and f'data-community="{places.other_community.pk}"' in body
    assert body.count("data-charter=") == 7


@pytest.mark.parametrize("who", ["street", "community", "grid", "resident", "volunteer"])
def test_the_list_page_opens_for_every_role(client_as, who, register):
    assert client_as(who).get("/co-building/charters/").status_code == 200


def test_a_resident_sees_their_compounds_charters_in_force_without_figures(client_as, users, home):
    current = record(users["community"], home)
    pact = record(users["community"], home, kind="civility_pact", title="文明公约")
    charter_repeal(actor=users["community"], charter_id=pact.pk, reason="重订")
    body = client_as("resident").get("/co-building/charters/").content.decode()
    assert f'data-charter="{current.pk}"' in body and f'data-charter="{pact.pk}"' not in body
    assert "charter-figures" not in body


def test_the_list_page_filters_and_pages_and_a_bad_cursor_is_a_message(client_as, users, places, register):
    client = client_as("street")
    body = client.get("/co-building/charters/", {"kind": "civility_pact"}).content.decode()
    assert body.count("data-charter=") == 2
    body = client.get("/co-building/charters/", {"node": places.communities[0].pk, "status": "in_force"}).content
    assert body.decode().count("data-charter=") == 3
    refused = client.get("/co-building/charters/", {"cursor": "garbage"})
    assert refused.status_code == 200 and 'data-field="cursor"' in refused.content.decode()
    assert client.get("/co-building/charters/", {"node": places.first_grid.pk}).status_code == 404
    assert client_as("community").get("/co-building/charters/", {"node": places.street.pk}).status_code == 404


def _form(compound: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "compound_id": compound.pk,
        "kind": "management_covenant",
        "title": "锦绣小区管理规约",
        "adopted_on": days(-30).isoformat(),
        "adopted_how": "owners_assembly",
        "party_leadership": "1",
        "summary": "党支部领导",
    }
    data.update(extra)
    return data


def test_the_form_records_a_charter_with_its_document_and_shows_it(client_as, home):
    client = client_as("community")
    assert client.get("/co-building/charters/new/").status_code == 200
    response = client.post("/co-building/charters/new/", {**_form(home), "document": pdf_upload()})
    charter = CompoundCharter.objects.get(compound=home)
    assert response.status_code == 302 and response["Location"] == f"/co-building/charters/{charter.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "锦绣小区管理规约" in detail and "charter-document" in detail and "charter-repeal" in detail
    download = client.get(f"/co-building/charters/{charter.pk}/document")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == f'attachment; filename="charter-{charter.pk}.pdf"'


def test_a_double_posted_form_records_once_and_both_answers_lead_to_the_charter(client_as, home):
    client = client_as("community")
    first = client.post("/co-building/charters/new/", _form(home))
    second = client.post("/co-building/charters/new/", _form(home))
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert CompoundCharter.objects.filter(compound=home).count() == 1


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"title": ""}, "title", "规章名称"),
        ({"adopted_on": "2999-01-01"}, "adopted_on", "通过日期"),
        ({"adopted_on": "2026-02-30"}, "adopted_on", "日期"),
        ({"party_leadership": ""}, "party_leadership", "党的领导"),
        ({"kind": "zzz"}, "kind", "规章类别"),
        ({"compound_id": "987654321"}, "compound_id", "小区"),
        (
            {"document": SimpleUploadedFile("规约.pdf", b"MZ\x90\x00this is a program")},
            "document",
            "PDF",
        ),
        (
            {"document": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))},
            "document",
            "MB",
        ),
    ],
)
def test_a_refused_form_comes_back_422_with_the_message_on_its_field_and_what_was_typed(
    client_as, home, extra, field, words
):
    response = client_as("community").post("/co-building/charters/new/", _form(home, summary="我输入的内容", **extra))
    body = response.content.decode()
    assert response.status_code == 422
    assert f'data-field="{field}"' in body and words in body and "我输入的内容" in body
    assert body.index(f'name="{field}"') < body.index(f'data-field="{field}"')  # the message follows its field
    assert not CompoundCharter.objects.filter(compound=home).exists()


def test_the_form_is_refused_to_those_who_manage_no_compound(client_as):
    for who in ("grid", "resident"):
        assert client_as(who).get("/co-building/charters/new/").status_code == 403


def test_the_repeal_form_repeals_and_a_refusal_keeps_what_was_typed(client_as, users, home):
    charter = record(users["community"], home)
    client = client_as("community")
    refused = client.post(
        f"/co-building/charters/{charter.pk}/repeal/", {"reason": "我的理由", "repealed_on": days(5).isoformat()}
    )
    body = refused.content.decode()
    assert refused.status_code == 422 and 'data-field="repealed_on"' in body and "我的理由" in body
    done = client.post(f"/co-building/charters/{charter.pk}/repeal/", {"reason": "业主大会决定", "repealed_on": ""})
    assert done.status_code == 302
    assert CompoundCharter.objects.get(pk=charter.pk).status == "repealed"
    assert client.get(f"/co-building/charters/{charter.pk}/repeal/").status_code == 405


def test_the_detail_page_shows_the_versions_to_staff_and_no_repeal_form_to_a_resident(client_as, users, home):
    old = record(users["community"], home, adopted_on=days(-300), title="旧版规约")
    new = record(users["community"], home, adopted_on=days(-3), title="新版规约")
    staff = client_as("community").get(f"/co-building/charters/{old.pk}/").content.decode()
    assert "charter-versions" in staff and f"/co-building/charters/{new.pk}/" in staff
    resident = client_as("resident").get(f"/co-building/charters/{new.pk}/").content.decode()
    assert "新版规约" in resident and "charter-repeal" not in resident and "charter-versions" not in resident
    assert client_as("resident").get(f"/co-building/charters/{old.pk}/").status_code == 404


def test_pages_and_document_of_a_charter_elsewhere_are_the_404_of_a_missing_id(client_as, users, neighbour):
    charter = record(users["community"], neighbour, document=png_upload())
    grid = client_as("grid")
    for url in (f"/co-building/charters/{charter.pk}/", f"/co-building/charters/{charter.pk}/document"):
        assert grid.get(url).status_code == 404
        assert "管理规约" not in grid.get(url).content.decode()
    assert grid.post(f"/co-building/charters/{charter.pk}/repeal/", {"reason": "x"}).status_code == 404


# ----------------------------------------------------------------------------- API


def test_the_api_records_then_answers_a_repeat_with_the_first_and_a_changed_repeat_with_409(api_as, home):
    api = api_as("community")
    body = {
        "compound_id": home.pk, "kind": "management_covenant", "title": "管理规约", "adopted_on": days(-2).isoformat(),
        "adopted_how": "owners_assembly", "party_leadership": True,
    }  # fmt: skip
    first = api.post("/api/v1/co-building/charters", body, content_type=JSON)
    assert first.status_code == 201 and first.json()["status"] == "in_force" and not first.json()["has_document"]
    again = api.post("/api/v1/co-building/charters", body, content_type=JSON)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = api.post("/api/v1/co-building/charters", {**body, "party_leadership": False}, content_type=JSON)
    assert changed.status_code == 409 and changed.json()["field"] == "title"
    future = api.post("/api/v1/co-building/charters", {**body, "adopted_on": days(3).isoformat()}, content_type=JSON)
    assert future.status_code == 422 and future.json()["field"] == "adopted_on"


def test_the_api_lists_reads_and_repeals(api_as, users, home, neighbour):
    charter = record(users["community"], home, document=pdf_upload())
    record(users["community"], neighbour, kind="civility_pact", title="文明公约")
    api = api_as("community")
    items = api.get("/api/v1/co-building/charters", {"kind": "management_covenant"}).json()["items"]
    assert [c["id"] for c in items] == [charter.pk]
    assert items[0]["document_url"] == f"/co-building/charters/{charter.pk}/document"
    assert api.get("/api/v1/co-building/charters", {"compound_id": neighbour.pk}).json()["items"][0]["kind"] == (
        "civility_pact"
    )
    read = api.get(f"/api/v1/co-building/charters/{charter.pk}").json()
    assert read["kind_label"] == "管理规约" and read["party_leadership"] is True
    repealed = api.post(f"/api/v1/co-building/charters/{charter.pk}/repeal", {"reason": "重新制定"}, content_type=JSON)
    assert repealed.status_code == 200 and repealed.json()["status"] == "repealed"
    again = api.post(f"/api/v1/co-building/charters/{charter.pk}/repeal", {"reason": "再次"}, content_type=JSON)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("query", "field"), [({"cursor": "garbage"}, "cursor"), ({"kind": "zzz"}, "kind"), ({"status": "x"}, "status")]
)
def test_a_bad_list_filter_alone_is_422_on_that_filter(api_as, query, field):
    response = api_as("community").get("/api/v1/co-building/charters", query)
    assert response.status_code == 422 and response.json()["field"] == field


def test_the_api_read_and_repeal_of_a_charter_elsewhere_are_the_404_of_a_missing_id(api_as, users, neighbour):
    charter = record(users["community"], neighbour)
    api = api_as("grid")
    for pk in (charter.pk, 987654321):
        assert api.get(f"/api/v1/co-building/charters/{pk}").status_code == 404
        repeal = api.post(f"/api/v1/co-building/charters/{pk}/repeal", {"reason": "x"}, content_type=JSON)
        assert repeal.status_code == 404


def test_the_api_figures_answer_staff_of_the_node_and_404_for_others(api_as, places, register):
    figures = api_as("street").get("/api/v1/co-building/charters/figures", {"place_id": places.street.pk}).json()
    assert (figures["compounds"], figures["with_covenant"], figures["with_party_leadership"]) == (4, 3, 2)
    assert figures["with_civility_pact"] == 1 and Decimal(str(figures["rate"])) == Decimal("50.0")
    assert {c["community_id"]: c["with_covenant"] for c in figures["communities"]} == {
        places.communities[0].pk: 2,
        places.other_community.pk: 1,
    }
    for who in ("resident", "grid"):
        refused = api_as(who).get("/api/v1/co-building/charters/figures", {"place_id": places.street.pk})
        assert refused.status_code == 404 and refused.json()["field"] == "place_id"


# ----------------------------------------------------------------------------- demo


def test_the_demo_gives_compounds_covenants_with_and_without_the_party_and_civility_pacts(places):
    from linli.cobuilding.demo import _charters, build_demo_cobuilding

    rng = random.Random(3)
    build_demo_cobuilding(rng)
    covenants = CompoundCharter.objects.filter(kind="management_covenant", status="in_force")
    assert {c.party_leadership for c in covenants} == {True, False}
    assert CompoundCharter.objects.filter(kind="civility_pact", status="in_force").exists()
    old = CompoundCharter.objects.get(status="superseded")
    assert old.superseded_by.status == "in_force" and old.superseded_by.compound_id == old.compound_id
    f = charter_figures(places.street)
    assert counts(f)[:4] == (4, 3, 2, 3)
    state = rng.getstate()
    CompoundCharter.objects.all().update(superseded_by=None)
    CompoundCharter.objects.all().delete()
    _charters(dt.date(2026, 6, 1))  # no random generator at all: the rest of the demo draws what it drew before
    assert rng.getstate() == state and CompoundCharter.objects.count() == 7


# ----------------------------------------------------------------------------- races (PostgreSQL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_submits_of_the_same_charter_record_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_races_review_s12 import _demo, _first_compound, _race, _slow_audit, _user

    _demo()
    _slow_audit(monkeypatch, "linli.cobuilding.services_charters")
    community, compound = _user("community"), _first_compound()
    outcomes = _race(lambda i: record(community, compound))
    assert outcomes == ["ok"] * 6  # the later ones are answered with the first
    assert CompoundCharter.objects.filter(compound=compound).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_new_versions_leave_exactly_one_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_races_review_s12 import _demo, _first_compound, _race, _slow_audit, _user

    _demo()
    _slow_audit(monkeypatch, "linli.cobuilding.services_charters")
    community, compound = _user("community"), _first_compound()
    outcomes = _race(lambda i: record(community, compound, title=f"管理规约第{i}版", adopted_on=days(-1)))
    rows = list(CompoundCharter.objects.filter(compound=compound))
    assert outcomes == ["ok"] * 6 and len(rows) == 6
    assert sorted(r.status for r in rows) == ["in_force"] + ["superseded"] * 5
    assert all(r.superseded_by_id for r in rows if r.status == "superseded")
