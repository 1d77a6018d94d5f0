"""The /api/v1/requests contract, the metrics endpoint, pages, and the concurrent claim."""

from __future__ import annotations

import io
import threading

import pytest
from django.db import connection

from linli.core.errors import Conflict
from linli.tickets import transitions as tr
from linli.tickets.models import Ticket, TicketEvent
from linli.tickets.services import ticket_submit
from tests.support import image_bytes

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_create_is_idempotent_and_returns_the_contract(api_as):
    client = api_as("resident")
    body = {"description": "小区门口路灯不亮", "lat": 31.82, "lng": 117.22, "contact_phone": "13912345678"}
    first = client.post("/api/v1/requests", body, content_type=JSON, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == 201, first.content
    data = first.json()
    assert {"id", "number", "status", "category", "place", "deadlines", "events"} <= set(data)
    assert data["status"] == "submitted" and data["contact_phone"] == "139****5678"
    assert data["deadlines"]["resolve_due"] and data["events"][0]["action"] == "submit"
    again = client.post("/api/v1/requests", body, content_type=JSON, headers={"Idempotency-Key": "abc-1"})
    assert again.json()["id"] == data["id"]
    assert Ticket.objects.filter(idempotency_key="abc-1").count() == 1


def test_the_create_answer_is_what_get_answers_and_costs_a_bounded_number_of_statements(
    api_as, django_assert_max_num_queries
):
    client = api_as("resident")
    client.post("/api/v1/requests", {"description": "先来一条:本年编号行、限流窗口已建"}, content_type=JSON)
    body = {"description": "小区门口路灯不亮", "contact_phone": "13912345678"}
    # Token (with the user and person), rate-limit upsert, place, routing version and categories, number,
    # request, event, rollup day+month in one UPDATE, fact, suggestion, positions and liaison units in one
    # query — plus the test's four savepoint statements. The timeline is the event in hand (was 18).
    with django_assert_max_num_queries(16):
        made = client.post("/api/v1/requests", body, content_type=JSON)
    assert made.status_code == 201, made.content
    read = client.get(f"/api/v1/requests/{made.json()['id']}")
    assert made.json() == read.json()  # answered from the object in hand, identical to a fresh read


def test_create_rejects_bad_input_with_field(api_as):
    client = api_as("resident")
    r = client.post("/api/v1/requests", {"description": "x" * 10_000}, content_type=JSON)
    assert r.status_code == 422 and r.json()["field"] == "description"
    r = client.post("/api/v1/requests", {"description": "ok", "lat": 100, "lng": 1}, content_type=JSON)
    assert r.status_code == 422 and r.json()["field"] == "lat"
    assert Ticket.objects.count() == 0


def test_photo_upload_checks_content(api_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = api_as("resident")
    tid = client.post("/api/v1/requests", {"description": "积水"}, content_type=JSON).json()["id"]
    bad = client.post(f"/api/v1/requests/{tid}/photos", {"photo": io.BytesIO(b"MZ\x90\x00 not an image")})
    assert bad.status_code == 422 and "图片" in bad.json()["detail"]
    f = io.BytesIO(image_bytes((4, 4)))
    f.name = "x.png"
    ok = client.post(f"/api/v1/requests/{tid}/photos", {"photo": f})
    assert ok.status_code == 201 and len(ok.json()["photos"]) == 1
    url = ok.json()["photos"][0]["url"]
    assert client.get(url).status_code == 200


def test_actions_conflict_forbidden_and_not_found(api_as, users, places):
    resident, grid = api_as("resident"), api_as("grid")
    tid = resident.post("/api/v1/requests", {"description": "垃圾未清运"}, content_type=JSON).json()["id"]
    r = grid.post(f"/api/v1/requests/{tid}/actions/resolve", {"note": "x"}, content_type=JSON)
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    r = resident.post(f"/api/v1/requests/{tid}/actions/accept", {}, content_type=JSON)
    assert r.status_code == 403
    r = grid.post(f"/api/v1/requests/{tid}/actions/fly", {}, content_type=JSON)
    assert r.status_code == 404
    r = grid.post(f"/api/v1/requests/{tid}/actions/accept", {"note": "收到"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert [e["action"] for e in r.json()["events"]] == ["submit", "accept"]
    other = ticket_submit(actor=users["community"], description="别处", place_id=places.other_grid.pk)[0]
    assert grid.get(f"/api/v1/requests/{other.pk}").status_code == 404
    assert grid.post(f"/api/v1/requests/{other.pk}/actions/accept", {}, content_type=JSON).status_code == 404


def test_list_is_scoped_paginated_and_constant_in_queries(api_as, users, places, django_assert_max_num_queries):
    for i in range(7):
        ticket_submit(actor=users["resident"], description=f"问题{i}")
    ticket_submit(actor=users["community"], description="别处", place_id=places.other_grid.pk)
    client = api_as("grid")
    with django_assert_max_num_queries(8):
        r = client.get("/api/v1/requests?limit=5")
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 5 and body["next"]
    rest = client.get(f"/api/v1/requests?limit=5&cursor={body['next']}").json()
    assert len(rest["items"]) == 2 and rest["next"] is None
    assert "别处" not in [t["description"] for t in body["items"] + rest["items"]]
    assert client.get("/api/v1/requests?status=bogus").status_code == 422
    mine = api_as("resident").get("/api/v1/requests?mine=true").json()
    assert len(mine["items"]) == 7


def test_metrics_change_when_requests_are_handled(api_as, users, places):
    client = api_as("street")
    community = places.communities[0]
    before = client.get(f"/api/v1/metrics?node={community.pk}").json()
    t, _ = ticket_submit(actor=users["resident"], description="楼道堆物")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_assign(actor=users["grid"], ticket_id=t.pk, place_id=places.first_grid.pk)
    tr.ticket_resolve(actor=users["grid"], ticket_id=t.pk, note="已清理")
    tr.ticket_rate(actor=users["resident"], ticket_id=t.pk, rating="basic")
    after = client.get(f"/api/v1/metrics?node={community.pk}").json()
    assert after["figures"]["received"] == before["figures"]["received"] + 1
    assert after["figures"]["response_rate"] == 1.0
    assert after["figures"]["resolution_rate"] == 1.0
    assert after["figures"]["satisfaction_rate"] == 1.0
    assert after["figures"]["grassroots_share"] == 1.0
    assert "satisfaction_rate" in after["definitions"]
    assert api_as("resident").get(f"/api/v1/metrics?node={community.pk}").status_code == 404
    assert client.get("/api/v1/metrics?since=2026-02-01&until=2026-01-01").status_code == 422


def test_script_in_text_is_rendered_inert(client_as, users):
    t, _ = ticket_submit(actor=users["resident"], description="<script>alert('x')</script>", title="<b>标题</b>")
    html = client_as("grid").get(f"/requests/{t.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;标题&lt;/b&gt;" in html


def test_pages_render_for_their_roles(client_as, users):
    t, _ = ticket_submit(actor=users["resident"], description="电梯异响")
    assert client_as("resident").get("/requests/new/").status_code == 200
    assert client_as("resident").get("/requests/mine/").status_code == 200
    assert client_as("resident").get(f"/requests/{t.pk}/").status_code == 200
    for name in (
        "/requests/",
        "/requests/?queue=unit",
        "/requests/?queue=subtree&overdue=1",
        "/requests/entry/",
        "/requests/metrics/",
        "/requests/problems/",
    ):
        assert client_as("community").get(name).status_code == 200, name
    assert client_as("resident").get("/requests/").status_code == 403
    assert client_as("volunteer").get("/requests/board/").status_code == 200
    assert client_as("volunteer").get(f"/requests/{t.pk}/").status_code == 404


def test_resident_form_with_bad_photo_saves_nothing(client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client_as("resident").post(
        "/requests/new/",
        {"description": "树枝挡路", "public": "on", "photos": [SimpleUploadedFile("a.jpg", b"not an image")]},
    )
    assert r.status_code == 422 and "不是有效的图片" in r.content.decode()
    assert Ticket.objects.count() == 0


def test_workbench_bulk_accept(client_as, users):
    ids = [ticket_submit(actor=users["resident"], description=f"批量{i}")[0].pk for i in range(3)]
    r = client_as("grid").post("/requests/bulk/", {"bulk_action": "accept", "ids": ids})
    assert r.status_code == 302
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"accepted"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_have_exactly_one_winner():
    if connection.vendor != "postgresql":
        pytest.skip("real row-lock concurrency needs PostgreSQL")
    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    resident, grid, volunteer = (User.objects.get(username=n) for n in ("resident", "grid", "volunteer"))
    t, _ = ticket_submit(actor=resident, description="帮独居老人买药")
    tr.ticket_accept(actor=grid, ticket_id=t.pk)
    tr.ticket_publish(actor=grid, ticket_id=t.pk)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(user):
        from django.db import connections

        try:
            barrier.wait()
            tr.ticket_claim(actor=user, ticket_id=t.pk)
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (volunteer, grid)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["conflict", "won"]
    assert TicketEvent.objects.filter(ticket=t, action="claim").count() == 1
