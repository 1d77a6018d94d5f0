"""易事即办: staff record a request they settled on the spot and resolve it in the same step (seed 001)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import User
from linli.core.errors import Conflict
from linli.insights import rollups
from linli.insights.periods import Period
from linli.notify.models import Notification
from linli.people.models import Person, Position
from linli.tickets.models import Status, Ticket
from linli.tickets.selectors import resolved_on_spot_count
from linli.tickets.services import ticket_submit
from linli.tickets.transitions import (
    ticket_accept,
    ticket_publish,
    ticket_rate,
    ticket_reopen,
    ticket_resolve_on_the_spot,
)


def record(client: Any, place: Any, **extra: str) -> Any:
    data = {
        "source": "patrol",
        "place_id": place.pk,
        "description": "3号楼门口路灯不亮,已现场更换灯泡",
        "idempotency_key": uuid.uuid4().hex,
        "on_the_spot": "on",
        "resolution": "现场更换了灯泡,路灯恢复",
        **extra,
    }
    return client.post(reverse("tickets:entry"), data)


def today() -> Period:
    day = timezone.localdate()
    return Period(day, day)


def test_a_grid_worker_records_and_resolves_a_request_in_one_step(client_as, users, places):
    building = places.buildings[0]
    r = record(client_as("grid"), building)
    assert r.status_code == 302
    t = Ticket.objects.get(submitted_by=users["grid"])
    assert t.status == Status.RESOLVED and t.resolved_on_spot
    assert t.resolution == "现场更换了灯泡,路灯恢复"
    assert t.handling_place == places.first_grid
    actions = list(t.events.order_by("id").values_list("action", flat=True))
    assert actions == ["submit", "accept", "assign", "resolve"]
    resolve = t.events.get(action="resolve")
    assert resolve.data["on_the_spot"] is True and resolve.data["on_time"] is True
    assert not t.events.get(action="assign").data["left_compound"]  # a grid: 小事不出小区
    assert rollups.differences() == []
    page = client_as("grid").get(r["Location"]).content.decode()
    assert 'id="on-the-spot"' in page


def test_the_result_is_required_and_nothing_is_saved_without_it(client_as, users, places):
    r = record(client_as("grid"), places.buildings[0], resolution="  ")
    assert r.status_code == 422
    assert "现场办理结果" in r.content.decode()
    assert not Ticket.objects.filter(submitted_by=users["grid"]).exists()


def test_a_double_submitted_form_records_and_resolves_one_request(client_as, users, places):
    client = client_as("grid")
    key = uuid.uuid4().hex
    first = record(client, places.buildings[0], idempotency_key=key)
    second = record(client, places.buildings[0], idempotency_key=key)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Ticket.objects.filter(submitted_by=users["grid"]).count() == 1


def test_a_staff_entry_without_on_the_spot_is_an_ordinary_open_request(client_as, users, places):
    r = record(client_as("grid"), places.buildings[0], on_the_spot="")
    assert r.status_code == 302
    t = Ticket.objects.get(submitted_by=users["grid"])
    assert t.status == Status.SUBMITTED and not t.resolved_on_spot and t.resolution == ""


def test_it_cannot_be_resolved_on_the_spot_and_merged_at_once(client_as, users, places):
    other, _ = ticket_submit(actor=users["resident"], description="路灯不亮", place_id=places.buildings[0].pk)
    r = record(client_as("grid"), places.buildings[0], routing_merge_into=str(other.pk))
    assert r.status_code == 422
    assert Ticket.objects.filter(submitted_by=users["grid"]).count() == 0


def test_only_the_recorder_may_resolve_on_the_spot(api_as, users, places):
    t, _ = ticket_submit(
        actor=users["community"], description="楼道堆物", place_id=places.buildings[0].pk, source="patrol"
    )
    r = api_as("grid").post(
        f"/api/v1/requests/{t.pk}/actions/resolve_on_the_spot", {"note": "已清理"}, content_type="application/json"
    )
    assert r.status_code == 409, r.content
    t.refresh_from_db()
    assert t.status == Status.SUBMITTED and not t.events.exclude(action="submit").exists()


def test_a_resident_has_no_unit_to_resolve_their_own_request_on_the_spot(api_as, users, places):
    t, _ = ticket_submit(actor=users["resident"], description="楼道灯坏了", place_id=places.buildings[0].pk)
    r = api_as("resident").post(
        f"/api/v1/requests/{t.pk}/actions/resolve_on_the_spot", {"note": "好了"}, content_type="application/json"
    )
    assert r.status_code == 403, r.content
    t.refresh_from_db()
    assert t.status == Status.SUBMITTED


def test_a_request_already_taken_up_is_resolved_the_ordinary_way(users, places):
    t, _ = ticket_submit(
        actor=users["community"], description="楼道堆物", place_id=places.buildings[0].pk, source="patrol"
    )
    ticket_accept(actor=users["community"], ticket_id=t.pk)
    ticket_publish(actor=users["community"], ticket_id=t.pk)
    with pytest.raises(Conflict, match="不能现场办结"):
        ticket_resolve_on_the_spot(actor=users["community"], ticket_id=t.pk, note="已清理")
    t.refresh_from_db()
    assert t.status == Status.PUBLISHED and not t.resolved_on_spot


def test_the_api_records_then_resolves_on_the_spot(api_as, users, places):
    client = api_as("grid")
    created = client.post(
        "/api/v1/requests",
        {"description": "井盖松动,已现场固定", "place_id": places.buildings[0].pk, "source": "patrol"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["resolved_on_spot"] is False
    r = client.post(
        f"/api/v1/requests/{created.json()['id']}/actions/resolve_on_the_spot",
        {"note": "已用螺栓固定"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "resolved" and body["resolved_on_spot"] is True and body["resolution"] == "已用螺栓固定"


def test_no_one_is_told_of_the_acceptance_or_hand_over_of_work_already_done(
    client_as, users, places, django_capture_on_commit_callbacks
):
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        record(client_as("community"), places.buildings[0])
    kinds = set(Notification.objects.exclude(pk__in=before).values_list("kind", flat=True))
    assert not kinds & {"ticket.submit", "ticket.accept", "ticket.assign"}, kinds
    # The same request recorded without on_the_spot tells the grid's handlers of it.
    with django_capture_on_commit_callbacks(execute=True):
        record(client_as("community"), places.buildings[0], on_the_spot="")
    kinds = set(Notification.objects.exclude(pk__in=before).values_list("kind", flat=True))
    assert "ticket.submit" in kinds


def test_reopening_takes_it_out_of_the_on_the_spot_count(client_as, users, places):
    record(client_as("community"), places.buildings[0])
    t = Ticket.objects.get(submitted_by=users["community"])
    community = places.communities[0]
    assert resolved_on_spot_count(community, today()) == 1
    ticket_rate(actor=users["community"], ticket_id=t.pk, rating="unsatisfied", note="灯又坏了")
    ticket_reopen(actor=users["street"], ticket_id=t.pk, note="重新办理")
    t.refresh_from_db()
    assert not t.resolved_on_spot
    assert resolved_on_spot_count(community, today()) == 0


def test_the_metrics_page_counts_on_the_spot_requests_under_the_node(client_as, users, places):
    record(client_as("grid"), places.buildings[0])
    ticket_submit(actor=users["resident"], description="楼道灯坏了", place_id=places.buildings[0].pk)
    assert resolved_on_spot_count(places.communities[0], today()) == 1
    assert resolved_on_spot_count(places.other_community, today()) == 0
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert resolved_on_spot_count(places.communities[0], Period(yesterday, yesterday)) == 0
    page = client_as("community").get(reverse("tickets:metrics"), {"node": places.communities[0].pk})
    assert page.status_code == 200
    html = page.content.decode()
    stat = html[html.index('data-metric="resolved_on_spot"') :][:200]
    assert "<b>1 · 100%</b>" in stat


def test_a_building_head_resolves_on_the_spot_for_the_grid_their_building_is_in(places):
    building = places.buildings[0]
    person = Person.objects.create(name="楼栋长", place=building, place_path=building.path)
    Position.objects.create(
        person=person, kind="building_head", place=building, place_path=building.path, start_date=dt.date(2025, 1, 1)
    )
    head = User.objects.create(username="head", person=person)
    t, _ = ticket_submit(actor=head, description="楼道灯坏了,已换", place_id=building.pk, source="patrol")
    ticket_resolve_on_the_spot(actor=head, ticket_id=t.pk, note="换了灯泡")
    t.refresh_from_db()
    assert t.resolved_on_spot and t.handling_place == places.first_grid
