"""诉求类型: every request says what the resident asks for — 求助, 投诉, 建议, 咨询, 举报 or 表扬, as 12345 hotlines
classify it (seed 002: 在线求助、投诉建议) — on the form, the page, the API and the CSV."""

from __future__ import annotations

import csv
import io

import pytest

from linli.core.errors import InvalidInput
from linli.tickets.models import Ticket
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db


def test_a_resident_files_a_complaint_from_the_form_and_its_page_says_so(client_as):
    client = client_as("resident")
    assert 'name="kind"' in client.get("/requests/new/").content.decode()

    response = client.post("/requests/new/", {"description": "楼下烧烤店油烟扰民", "kind": "complaint", "public": "on"})

    ticket = Ticket.objects.get(description="楼下烧烤店油烟扰民")
    assert response.status_code == 302 and ticket.kind == "complaint"
    assert 'data-kind="complaint">投诉<' in client.get(f"/requests/{ticket.pk}/").content.decode()


def test_a_request_without_a_kind_is_a_call_for_help_and_an_unknown_kind_is_refused(users):
    ticket, _ = ticket_submit(actor=users["resident"], description="楼道灯坏了")
    assert ticket.kind == "help"
    with pytest.raises(InvalidInput) as err:
        ticket_submit(actor=users["resident"], description="随便写写", kind="rant")
    assert err.value.field == "kind"
    assert not Ticket.objects.filter(description="随便写写").exists()


def test_a_refused_form_keeps_the_kind_chosen(client_as):
    response = client_as("resident").post("/requests/new/", {"description": " ", "kind": "suggestion"})
    assert response.status_code == 422
    assert '<option value="suggestion" selected>' in response.content.decode()


def test_staff_enter_a_phoned_in_suggestion(client_as):
    response = client_as("community").post(
        "/requests/entry/",
        {"description": "建议小区增设充电桩", "kind": "suggestion", "source": "phone", "reporter_name": "王大爷"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(description="建议小区增设充电桩").kind == "suggestion"


def test_the_api_takes_and_answers_the_kind(api_as):
    client = api_as("resident")
    created = client.post(
        "/api/v1/requests", {"description": "感谢物业及时修好电梯", "kind": "praise"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["kind"] == "praise"


def test_the_csv_export_writes_the_kind_as_its_label(users, client_as):
    ticket_submit(actor=users["resident"], description="反映有人在绿地私搭乱建", kind="report")
    response = client_as("street").get("/requests/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    column = table[0].index("诉求类型")
    assert "举报" in [row[column] for row in table[1:]]
