"""A resident following their request is not shown the handlers' internal states: while it is
escalated (吹哨待报到) they see it as being handled (办理中); staff still see the real state."""

from __future__ import annotations

from typing import Any

import pytest

from linli.tickets import transitions as tr
from linli.tickets.models import Status
from linli.tickets.selectors import resident_status
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(users: Any) -> Any:
    ticket, _ = ticket_submit(actor=users["resident"], description="小区门口路灯不亮", place_id=None)
    tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)
    tr.ticket_escalate(actor=users["grid"], ticket_id=ticket.pk, note="需要社区协调")
    ticket.refresh_from_db()
    assert ticket.status == Status.ESCALATED
    return ticket


def row_of(html: str, number: str) -> str:
    return html.split(number, 1)[1].split("</tr>", 1)[0]


def test_a_resident_sees_their_escalated_request_as_in_progress_on_my_requests(client_as: Any, escalated: Any) -> None:
    html = client_as("resident").get("/requests/mine/").content.decode()
    row = row_of(html, escalated.number)
    assert "办理中" in row
    assert "吹哨" not in html
    assert "status-escalated" not in html


def test_the_request_page_shows_the_resident_in_progress_and_staff_the_escalation(
    client_as: Any, escalated: Any
) -> None:
    mine = client_as("resident").get(f"/requests/{escalated.pk}/").content.decode()
    pill = mine[mine.index('id="ticket-status"') :].split("</span>", 1)[0]
    assert "办理中" in pill and "吹哨待报到" not in pill
    theirs = client_as("grid").get(f"/requests/{escalated.pk}/").content.decode()
    assert "吹哨待报到" in theirs[theirs.index('id="ticket-status"') :].split("</span>", 1)[0]


def test_an_english_speaking_resident_sees_in_progress_too(client_as: Any, escalated: Any) -> None:
    html = client_as("resident").get("/requests/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "In progress" in row_of(html, escalated.number)


def test_staff_still_see_the_escalation_on_the_workbench(client_as: Any, escalated: Any) -> None:
    html = client_as("grid").get("/requests/").content.decode()
    assert "吹哨待报到" in row_of(html, escalated.number)


def test_only_staff_are_told_the_internal_state(users: Any, escalated: Any) -> None:
    assert resident_status(users["resident"], escalated) == Status.IN_PROGRESS
    assert resident_status(users["volunteer"], escalated) == Status.IN_PROGRESS
    assert resident_status(users["grid"], escalated) == Status.ESCALATED
    assert resident_status(users["community"], escalated) == Status.ESCALATED


def test_other_states_are_shown_to_residents_as_they_are(users: Any, escalated: Any) -> None:
    for status in Status:
        escalated.status = status
        expected = Status.IN_PROGRESS if status == Status.ESCALATED else status
        assert resident_status(users["resident"], escalated) == expected
