"""POST /api/v1/requests/bulk: the workbench's bulk accept / assign, one result per request."""

from __future__ import annotations

import pytest

from linli.audit.models import AuditEvent
from linli.tickets.models import Ticket, TicketEvent
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db
JSON = "application/json"


def submitted(users, n: int, **kw) -> list[int]:
    return [ticket_submit(actor=users["resident"], description=f"批量诉求{i}", **kw)[0].pk for i in range(n)]


def test_a_grid_worker_accepts_three_requests_at_once_and_each_gets_its_own_event(api_as, users):
    ids = submitted(users, 3)
    r = api_as("grid").post("/api/v1/requests/bulk", {"action": "accept", "ticket_ids": ids}, content_type=JSON)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["done"] == 3 and body["refused"] == 0
    assert [i["ticket_id"] for i in body["results"]] == ids
    assert {i["new_status"] for i in body["results"]} == {"accepted"}
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"accepted"}
    assert TicketEvent.objects.filter(ticket_id__in=ids, action="accept", actor=users["grid"]).count() == 3


def test_accepting_twice_reports_409_per_request_and_changes_nothing(api_as, users):
    ids = submitted(users, 2)
    api = api_as("grid")
    api.post("/api/v1/requests/bulk", {"action": "accept", "ticket_ids": ids}, content_type=JSON)
    again = api.post("/api/v1/requests/bulk", {"action": "accept", "ticket_ids": ids}, content_type=JSON)
    assert again.status_code == 200
    body = again.json()
    assert body["done"] == 0 and body["refused"] == 2
    assert {(i["status"], i["error"]) for i in body["results"]} == {(409, "conflict")}
    assert "不能受理" in body["results"][0]["detail"]
    assert TicketEvent.objects.filter(ticket_id__in=ids, action="accept").count() == 2


def test_a_request_outside_the_callers_scope_is_a_404_line_and_the_rest_still_go_through(api_as, users, places):
    mine = submitted(users, 1)
    elsewhere = ticket_submit(actor=users["community"], description="别处的诉求", place_id=places.other_grid.pk)[0]
    r = api_as("grid").post(
        "/api/v1/requests/bulk", {"action": "accept", "ticket_ids": [elsewhere.pk, *mine]}, content_type=JSON
    )
    results = {i["ticket_id"]: i for i in r.json()["results"]}
    assert results[elsewhere.pk]["status"] == 404 and results[elsewhere.pk]["ok"] is False
    assert results[mine[0]]["ok"] is True
    assert Ticket.objects.get(pk=elsewhere.pk).status == "submitted"


def test_bulk_assign_hands_each_request_to_the_chosen_node(api_as, users, places):
    ids = submitted(users, 2)
    api = api_as("community")
    api.post("/api/v1/requests/bulk", {"action": "accept", "ticket_ids": ids}, content_type=JSON)
    r = api.post(
        "/api/v1/requests/bulk",
        {"action": "assign", "ticket_ids": ids, "place_id": places.first_grid.pk, "note": "请网格处理"},
        content_type=JSON,
    )
    assert r.status_code == 200 and r.json()["done"] == 2, r.content
    assert set(Ticket.objects.filter(pk__in=ids).values_list("handling_place_id", flat=True)) == {places.first_grid.pk}


def test_bad_input_is_422_naming_the_field_and_touches_nothing(api_as, users):
    ids = submitted(users, 1)
    api = api_as("grid")
    cases = [
        ({"action": "close", "ticket_ids": ids}, "action"),
        ({"action": "accept", "ticket_ids": []}, "ticket_ids"),
        ({"action": "accept", "ticket_ids": list(range(1, 102))}, "ticket_ids"),
        ({"action": "assign", "ticket_ids": ids}, "place_id"),
    ]
    for body, field in cases:
        r = api.post("/api/v1/requests/bulk", body, content_type=JSON)
        assert r.status_code == 422 and r.json()["field"] == field, (body, r.content)
    assert Ticket.objects.get(pk=ids[0]).status == "submitted"


def test_residents_may_not_use_bulk_actions(api_as, users):
    ids = submitted(users, 1)
    r = api_as("resident").post("/api/v1/requests/bulk", {"action": "accept", "ticket_ids": ids}, content_type=JSON)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert AuditEvent.objects.filter(action="permission.denied").exists()


def test_the_workbench_page_uses_the_same_service_and_lists_refusals(client_as, users):
    ids = submitted(users, 2)
    client = client_as("grid")
    client.post("/requests/bulk/", {"bulk_action": "accept", "ids": ids[:1]})
    r = client.post("/requests/bulk/", {"bulk_action": "accept", "ids": ids}, follow=True)
    text = r.content.decode()
    assert "已处理 1 条" in text and f"#{ids[0]}" in text
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"accepted"}


def test_the_workbench_goes_back_only_to_its_own_pages(client_as, users):
    ids = submitted(users, 1)
    client = client_as("grid")
    evil = client.post("/requests/bulk/", {"bulk_action": "accept", "ids": ids, "next": "https://evil.example/x"})
    assert evil.status_code == 302 and evil["Location"] == "/requests/"
    own = client.post("/requests/bulk/", {"bulk_action": "accept", "ids": ids, "next": "/requests/?queue=unit"})
    assert own["Location"] == "/requests/?queue=unit"
