"""Request events are append-only at the database, whatever code (or SQL) tries to change them."""

from __future__ import annotations

import random

import pytest
from django.db import DatabaseError, connection, transaction

from linli.places.models import Place
from linli.places.services import place_move
from linli.tickets import transitions as tr
from linli.tickets.demo import build_demo_tickets
from linli.tickets.models import TicketEvent
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(users):
    t, _ = ticket_submit(actor=users["resident"], description="消防通道被占")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk, note="已受理")
    return TicketEvent.objects.get(ticket=t, action="accept")


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("UPDATE tickets_ticketevent SET note = %s WHERE id = %s", "rewritten"),
        ("UPDATE tickets_ticketevent SET action = %s WHERE id = %s", "decline"),
        ("UPDATE tickets_ticketevent SET at = %s WHERE id = %s", "2000-01-01 00:00:00+00:00"),
        ("UPDATE tickets_ticketevent SET to_status = %s WHERE id = %s", "closed"),
    ],
)
def test_raw_sql_cannot_change_an_event(event, sql, value):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [value, event.pk])
    event.refresh_from_db()
    assert event.note == "已受理" and event.action == "accept" and event.to_status == "accepted"


def test_raw_sql_cannot_hand_an_event_to_another_actor(event, users):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_ticketevent SET actor_id = %s WHERE id = %s", [users["street"].pk, event.pk])
    assert TicketEvent.objects.get(pk=event.pk).actor == users["grid"]


def test_the_orm_cannot_change_an_event_either(event):
    event.note = "改写"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).update(data={"on_time": False})
    assert TicketEvent.objects.get(pk=event.pk).note == "已受理"


def test_moving_a_subtree_still_rewrites_the_events_place_path(event, places, users):
    compound = Place.objects.get(path=event.place_path[: 4 * Place.steplen])
    target = places.other_community
    place_move(actor=users["admin"], node=compound, new_parent=target)
    event.refresh_from_db()
    assert event.place_path.startswith(target.path)
    assert event.note == "已受理"


def test_demo_history_and_the_whole_workflow_still_write_events(users):
    assert build_demo_tickets(random.Random(3), count=20, days=30) == 20
    t, _ = ticket_submit(actor=users["resident"], description="电梯困人")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_publish(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_claim(actor=users["volunteer"], ticket_id=t.pk)
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=t.pk, note="已解救")
    tr.ticket_rate(actor=users["resident"], ticket_id=t.pk, rating="satisfied")
    assert list(t.events.values_list("action", flat=True)) == [
        "submit",
        "accept",
        "publish",
        "claim",
        "resolve",
        "rate",
        "close",
    ]
