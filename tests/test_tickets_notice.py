"""The worker tells people about a request event from the notice the web process sent with the task
(``notifications.notice_of``) instead of reading the event, the request and its unit back. Whatever it
sends must be exactly what reading them back would have sent, for every kind of event."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.tickets import notifications
from linli.tickets import transitions as tr
from linli.tickets.models import TicketEvent
from linli.tickets.services import ticket_submit
from linli.tickets.tasks import ticket_event_notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What each committed event hands the worker (``after_event_later``): the event's id and the
    notice made at that moment, as Huey carries it (pickled)."""
    from linli.tickets import tasks

    handed: list[tuple[int, dict[str, Any] | None]] = []

    def enqueue(event_id, notice=None):
        handed.append((event_id, pickle.loads(pickle.dumps(notice))))  # noqa: S301 - our own bytes

    monkeypatch.setattr(tasks, "ticket_event_notify", enqueue)
    return handed


@pytest.fixture
def told(monkeypatch):
    """What ``after_event`` sends, recorded instead of sent."""
    calls: list[tuple[str, Any]] = []
    from linli.notify import services

    def notify(*, users, **kwargs):
        calls.append(("notify", (sorted(u.pk for u in users), sorted(kwargs.items()))))

    def robot(*, place, text):
        calls.append(("robot", (place.pk, text)))

    monkeypatch.setattr(services, "notify", notify)
    monkeypatch.setattr(services, "group_robot_post", robot)
    return calls


def told_by(told: list, ticket, event) -> list:
    told.clear()
    notifications.after_event(ticket, event)
    return list(told)


def test_a_notice_tells_the_same_people_the_same_things_as_reading_the_event_back(
    users, places, sent, told, django_capture_on_commit_callbacks
):
    """Compared as the worker runs, right after each event commits (later events change the request:
    a notice says what it was when the event happened)."""
    checked: list[str] = []

    def worker_runs() -> None:
        for event_id, notice in sent:
            event = TicketEvent.objects.select_related("ticket__handling_place").get(pk=event_id)
            expected = told_by(told, event.ticket, event)
            assert notice is not None, event.action  # every step below has its unit in hand
            assert told_by(told, *notifications.from_notice(notice)) == expected, event.action
            checked.append(event.action)
        sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ticket, _ = ticket_submit(actor=users["resident"], description="楼道灯不亮", place_id=places.buildings[0].pk)
    assert "units_above" in sent[0][1]  # the intake's places went along
    worker_runs()
    for step, kwargs in [
        (tr.ticket_accept, {"actor": users["grid"]}),
        (tr.ticket_request_info, {"actor": users["grid"], "note": "请补充照片"}),
        (tr.ticket_supply_info, {"actor": users["resident"], "note": "照片已补"}),
        (tr.ticket_escalate, {"actor": users["grid"], "note": "需要社区协调"}),
        (tr.ticket_acknowledge, {"actor": users["community"]}),
        (tr.ticket_supervise, {"actor": users["street"], "note": "请今日答复"}),
        (tr.ticket_resolve, {"actor": users["community"], "note": "已修好"}),
        (tr.ticket_rate, {"actor": users["resident"], "rating": "satisfied"}),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            step(ticket_id=ticket.pk, **kwargs)
        worker_runs()
    assert {"submit", "accept", "request_info", "escalate", "supervise", "resolve", "rate"} <= set(checked)


def test_the_worker_reads_nothing_back_for_a_new_request(users, places, sent, told):
    ticket, _ = ticket_submit(actor=users["resident"], description="楼道灯不亮", place_id=places.buildings[0].pk)
    event = ticket.events.get()
    notice = notifications.notice_of(ticket, event)
    with CaptureQueriesContext(connection) as read_back:
        ticket_event_notify.call_local(event.pk)
    expected = list(told)
    told.clear()
    with CaptureQueriesContext(connection) as from_notice:
        ticket_event_notify.call_local(event.pk, notice=notice)
    assert told == expected and [kind for kind, _ in told] == ["notify", "robot"]  # the grid's staff, the robot
    tables = ["tickets_ticketevent", 'FROM "places_place"']
    assert [t for t in tables if any(t in q["sql"] for q in from_notice.captured_queries)] == []
    assert len(from_notice.captured_queries) == len(read_back.captured_queries) - 2


def test_without_its_handling_unit_in_hand_the_worker_reads_the_event_back(users, places):
    ticket, _ = ticket_submit(actor=users["resident"], description="楼道灯不亮", place_id=places.buildings[0].pk)
    tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)
    fresh = type(ticket).objects.get(pk=ticket.pk)  # handling_place_id set, the place not loaded
    assert fresh.handling_place_id is not None
    assert notifications.notice_of(fresh, fresh.events.latest("pk")) is None
