"""generate_scale's requests: every event history is a path the state machine allows, so metrics over
events are right; deterministic for a seed; contact phones are residents' own stored ciphertexts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from linli.core.scale.generate import generate_requests
from linli.people.models import Person
from linli.tickets.models import OPEN_STATUSES, Status, Ticket, TicketCounter, TicketEvent
from linli.tickets.workflow import RESUME, SAME, TRANSITIONS

pytestmark = pytest.mark.django_db


def _histories() -> dict[int, list[TicketEvent]]:
    out: dict[int, list[TicketEvent]] = defaultdict(list)
    for e in TicketEvent.objects.order_by("ticket_id", "at", "id"):
        out[e.ticket_id].append(e)
    return out


def test_generated_requests_follow_the_workflow_transition_table_event_by_event() -> None:
    report = generate_requests(count=400, seed=5, days=60)
    assert report.requests == 400 == Ticket.objects.count()
    assert report.events == TicketEvent.objects.count()
    tickets = {t.pk: t for t in Ticket.objects.all()}
    for tid, events in _histories().items():
        assert events[0].action == "submit" and events[0].to_status == Status.SUBMITTED
        state = Status.SUBMITTED
        for e in events[1:]:
            spec = TRANSITIONS[e.action]
            assert e.from_status == state, (tid, e.action)
            assert state in spec.sources, f"{e.action} is not allowed from {state}"
            if spec.target not in (SAME, RESUME):
                assert e.to_status == spec.target
            state = e.to_status
        ticket = tickets[tid]
        assert ticket.status == state
        assert ticket.place_path == events[0].place_path
        assert all(e.at >= ticket.submitted_at for e in events)
        if ticket.status == Status.CLOSED and any(e.action == "resolve" for e in events):
            assert ticket.resolved_at is not None and ticket.rating
    statuses = {t.status for t in tickets.values()}
    assert statuses & OPEN_STATUSES, "a live district has open requests"
    assert Status.CLOSED in statuses


def test_a_request_carries_a_residents_stored_phone_ciphertext_and_hash() -> None:
    generate_requests(count=50, seed=1, days=30)
    resident_phones = set(Person.objects.exclude(phone_hash="").values_list("phone_enc", "phone_hash"))
    for enc, digest in Ticket.objects.values_list("phone_enc", "phone_hash"):
        assert (enc, digest) in resident_phones


def test_the_same_seed_generates_the_same_requests() -> None:
    def snapshot() -> list[Any]:
        return list(Ticket.objects.order_by("id").values_list("title", "place_id", "status", "category_id"))

    generate_requests(count=60, seed=9, days=30)
    first = snapshot()
    Ticket.objects.all().delete()
    generate_requests(count=60, seed=9, days=30)
    assert snapshot() == first


def test_numbers_are_unique_and_the_counter_continues_after_them(users: dict[str, Any], places: Any) -> None:
    from linli.tickets.services import ticket_submit

    generate_requests(count=120, seed=3, days=30)
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    assert sum(TicketCounter.objects.values_list("last", flat=True)) >= 120
    ticket, created = ticket_submit(actor=users["resident"], description="楼道灯坏了", place_id=places.buildings[0].pk)
    assert created and ticket.number not in numbers


def test_requests_are_filed_under_the_category_their_wording_belongs_to() -> None:
    from linli.core.scale.generate import ensure_categories
    from linli.routing.data.cores import CORES
    from linli.routing.data.make_requests import build

    assert ensure_categories() == len(CORES)
    assert ensure_categories() == 0  # a tree already there is left alone
    generate_requests(count=200, seed=4, days=30)
    tickets = list(Ticket.objects.select_related("category__parent"))
    assert all(t.category is not None for t in tickets)
    # Each request is one of the routing sample's rows (a core complaint of its category wrapped in an
    # address and a tone), under that row's category.
    sample = {(r["标题"], r["内容"], r["分类"]) for r in build(seed=4)}
    for t in tickets:
        assert (t.title, t.description, f"{t.category.parent.name}/{t.category.name}") in sample
    assert len({t.category_id for t in tickets}) > 5
