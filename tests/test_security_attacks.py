"""What a grid-worker account tries (issue 13): IDOR on each object type, mass assignment, CSRF,
stored XSS in free-text fields, path traversal in uploads. Each attack has a test that it fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from linli.audit.models import AuditEvent
from linli.audit.services import audit_record
from linli.orgs.models import PartyOrg
from linli.people.models import Person
from linli.places.models import Household, Place
from linli.tickets.models import Ticket
from linli.tickets.services import ticket_submit
from tests.conftest import PASSWORD
from tests.support import png_upload

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def elsewhere(users, places):
    """One object of each scoped type that the grid worker must not reach."""
    grid = users["grid"]

    class E:
        pass

    e = E()
    e.place = places.other_grid
    e.household = Household.objects.exclude(pk__in=Household.objects.visible_to(grid)).first()
    e.person = Person.objects.exclude(pk__in=Person.objects.visible_to(grid)).first()
    e.org = PartyOrg.objects.exclude(pk__in=PartyOrg.objects.visible_to(grid)).first()
    building = Place.objects.filter(kind="building", path__startswith=places.other_community.path).first()
    e.ticket, _ = ticket_submit(
        actor=users["street"], description="另一个社区的路灯坏了", place_id=building.pk, source="phone"
    )
    assert not Ticket.objects.visible_to(grid).filter(pk=e.ticket.pk).exists()
    return e


PAGE_GETS = [
    ("place", "/places/{place}/"),
    ("household", "/ledger/households/{household}/"),
    ("person", "/ledger/people/{person}/"),
    ("person", "/ledger/people/{person}/edit"),
    ("org", "/orgs/party/{org}/"),
    ("ticket", "/requests/{ticket}/"),
    ("household", "/visits/households/{household}/"),
]
API_GETS = [
    ("place", "/api/v1/places/{place}"),
    ("household", "/api/v1/households/{household}"),
    ("org", "/api/v1/orgs/party/{org}"),
    ("ticket", "/api/v1/requests/{ticket}"),
    ("ticket", "/api/v1/requests/{ticket}/similar"),
    ("household", "/api/v1/visits/households/{household}/care-plans"),
]


def _url(template: str, e) -> str:
    return template.format(
        place=e.place.pk, household=e.household.pk, person=e.person.pk, org=e.org.pk, ticket=e.ticket.pk
    )


@pytest.mark.parametrize("kind, template", PAGE_GETS)
def test_a_grid_worker_guessing_ids_on_pages_gets_not_found_for_each_object_type(client_as, elsewhere, kind, template):
    response = client_as("grid").get(_url(template, elsewhere))
    assert response.status_code == 404, kind
    assert getattr(elsewhere, kind).pk is not None


@pytest.mark.parametrize("kind, template", API_GETS)
def test_a_grid_worker_guessing_ids_in_the_api_gets_not_found_for_each_object_type(api_as, elsewhere, kind, template):
    response = api_as("grid").get(_url(template, elsewhere))
    assert response.status_code == 404, (kind, response.content[:200])
    assert response.json()["error"] == "not_found"


def test_a_grid_worker_cannot_reveal_or_act_on_objects_elsewhere(client_as, api_as, users, elsewhere):
    client = client_as("grid")
    assert client.post(f"/ledger/people/{elsewhere.person.pk}/reveal", {"reason": "核实"}).status_code == 404
    assert client.post(f"/ledger/people/{elsewhere.person.pk}/everything", {"reason": "核实"}).status_code == 404
    assert client.post(f"/requests/{elsewhere.ticket.pk}/act/", {"action": "accept"}).status_code == 404
    api = api_as("grid").post(
        f"/api/v1/requests/{elsewhere.ticket.pk}/actions/accept", {}, content_type="application/json"
    )
    assert api.status_code == 404
    assert not AuditEvent.objects.filter(action="resident.reveal", actor=users["grid"]).exists()
    assert AuditEvent.objects.filter(action="permission.denied", actor=users["grid"]).count() >= 2


def test_guessed_ids_look_exactly_like_missing_ones(client_as, elsewhere):
    client = client_as("grid")
    real = client.get(f"/requests/{elsewhere.ticket.pk}/")
    missing = client.get("/requests/987654321/")
    assert real.status_code == missing.status_code == 404
    assert elsewhere.ticket.description not in real.content.decode()


def test_a_grid_worker_cannot_reach_administrator_pages(client_as, users):
    client = client_as("grid")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert client.get("/accounts/admin/sessions/").status_code == 403
    assert client.post(f"/accounts/admin/users/{users['admin'].pk}/reset-2fa/").status_code == 403


def test_mass_assignment_of_status_owner_or_place_path_is_ignored(api_as, users, places):
    building = Place.objects.filter(kind="building", path__startswith=places.first_grid.path).first()
    payload = {
        "description": "楼道灯不亮",
        "place_id": building.pk,
        "source": "app",
        "status": "closed",
        "submitted_by_id": users["admin"].pk,
        "submitted_by": users["admin"].pk,
        "place_path": places.other_community.path,
        "id": 1,
        "is_superuser": True,
    }
    response = api_as("resident").post("/api/v1/requests", payload, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.submitted_by_id == users["resident"].pk
    assert ticket.status != "closed"
    assert ticket.place_path.startswith(places.first_grid.path)
    users["resident"].refresh_from_db()
    assert not users["resident"].is_superuser


def test_a_forged_cross_site_post_without_the_csrf_token_is_refused(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["grid"])
    assert client.post("/accounts/logout/").status_code == 403
    assert client.post("/requests/new/", {"description": "伪造的请求"}).status_code == 403
    session_api = client.post("/api/v1/requests", {"description": "伪造"}, content_type="application/json")
    assert session_api.status_code in (401, 403)
    assert not Ticket.objects.filter(description__startswith="伪造").exists()


def test_the_login_form_itself_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "grid", "password": PASSWORD}).status_code == 403


def test_script_in_a_request_description_and_title_is_shown_as_text(client_as, api_as, users, places):
    building = Place.objects.filter(kind="building", path__startswith=places.first_grid.path).first()
    ticket, _ = ticket_submit(
        actor=users["resident"], description=XSS, title=XSS[:60], place_id=building.pk, reporter_name=XSS[:30]
    )
    for who in ("resident", "grid", "community"):
        page = client_as(who).get(f"/requests/{ticket.pk}/").content.decode()
        assert "<script>alert" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
        assert "&lt;script&gt;" in page


def test_script_typed_as_a_login_name_is_escaped_on_the_audit_page(client, client_as):
    client.post("/accounts/login/", {"username": XSS[:150], "password": "x"})
    page = client_as("admin").get("/audit/", {"action": "login.failed"}).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_script_in_audit_details_is_escaped_in_the_export(client_as):
    audit_record(action="test.xss", target_label=XSS)
    response = client_as("admin").get("/audit/export.csv", {"action": "test.xss"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    # CSV is data, not HTML: kept verbatim (CSV-quoted), served as a text/csv attachment, never rendered
    assert response["Content-Type"].startswith("text/csv") and response["Content-Disposition"].startswith("attachment")
    assert '<script>alert(""x"")</script>' in text


def test_no_template_switches_autoescaping_off_or_marks_user_text_safe():
    """Stored XSS in *every* free-text field: only server-made SVG QR codes may bypass escaping."""
    allowed = {"qr_svg|safe"}
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if "autoescape off" in text:
            offenders.append(f"{path}: autoescape off")
        for match in re.findall(r"\{\{\s*([^}]*?\|\s*safe)\s*\}\}", text):
            if match.replace(" ", "") not in allowed:
                offenders.append(f"{path}: {match}")
    assert offenders == []


@pytest.mark.parametrize(
    "name", ["../../../../etc/passwd.png", "..\\..\\settings.png", "/tmp/abs.png", "a/../../b.png"]
)
def test_an_upload_name_with_a_path_cannot_leave_the_media_folder(users, places, name, tmp_path, settings):
    from linli.tickets.services import ticket_photo_add

    settings.MEDIA_ROOT = tmp_path
    building = Place.objects.filter(kind="building", path__startswith=places.first_grid.path).first()
    ticket, _ = ticket_submit(actor=users["resident"], description="井盖松动", place_id=building.pk)
    photo = ticket_photo_add(actor=users["resident"], ticket_id=ticket.pk, upload=png_upload(name))
    stored = Path(photo.image.path).resolve()
    assert stored.is_relative_to(Path(tmp_path).resolve())
    assert ".." not in photo.image.name and "passwd" not in photo.image.name and "settings" not in photo.image.name
    assert not Path("/tmp/abs.png").exists() or "abs" not in photo.image.name


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(users, places):
    from linli.core.errors import InvalidInput
    from linli.tickets.services import ticket_photo_add

    building = Place.objects.filter(kind="building", path__startswith=places.first_grid.path).first()
    ticket, _ = ticket_submit(actor=users["resident"], description="垃圾堆放", place_id=building.pk)
    fake = SimpleUploadedFile("photo.png", b"<?php system($_GET['c']); ?>", content_type="image/png")
    with pytest.raises(InvalidInput):
        ticket_photo_add(actor=users["resident"], ticket_id=ticket.pk, upload=fake)
