"""The streaming CSV export of requests: scoped, streamed, constant queries, safe cells, audited."""

from __future__ import annotations

from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.scale.generate import generate_requests
from linli.tickets.models import OPEN_STATUSES, Ticket

pytestmark = pytest.mark.django_db


def _body(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_a_grid_worker_exports_only_the_requests_of_their_grid(client_as: Any, users: Any, places: Any) -> None:
    generate_requests(count=300, seed=2, days=30)
    response = client_as("grid").get("/requests/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = _body(response)
    assert text.startswith("\ufeff编号,标题")
    exported = {line.split(",")[0] for line in text.splitlines()[1:]}
    mine = set(Ticket.objects.visible_to(users["grid"]).values_list("number", flat=True))
    assert exported == mine
    outside = set(
        Ticket.objects.exclude(place_path__startswith=places.first_grid.path).values_list("number", flat=True)
    )
    assert outside and not exported & outside
    assert AuditEvent.objects.filter(action="ticket.exported", actor=users["grid"]).exists()


def test_the_export_filters_open_requests_and_refuses_an_unknown_status(client_as: Any) -> None:
    generate_requests(count=200, seed=4, days=20)
    client = client_as("street")
    rows = _body(client.get("/requests/export.csv?status=open")).splitlines()[1:]
    assert len(rows) == Ticket.objects.filter(status__in=OPEN_STATUSES).count() > 0
    assert client.get("/requests/export.csv?status=nonsense").status_code == 422


def test_a_resident_cannot_export(client_as: Any) -> None:
    assert client_as("resident").get("/requests/export.csv").status_code == 403


def test_a_title_that_looks_like_a_formula_is_exported_as_text(client_as: Any) -> None:
    generate_requests(count=5, seed=8, days=5)
    Ticket.objects.filter(pk=Ticket.objects.order_by("id").first().pk).update(title="=HYPERLINK(1)")
    text = _body(client_as("street").get("/requests/export.csv"))
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


def test_the_export_costs_the_same_queries_for_ten_rows_or_three_hundred(
    client_as: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("street")
    generate_requests(count=10, seed=11, days=10)
    with CaptureQueriesContext(connection) as small:
        _body(client.get("/requests/export.csv"))
    generate_requests(count=290, seed=12, days=10)
    with CaptureQueriesContext(connection) as large:
        assert len(_body(client.get("/requests/export.csv")).splitlines()) == 301
    assert len(large) == len(small)


def test_times_are_exported_as_local_minutes_across_midnight(client_as: Any, users: Any, places: Any) -> None:
    import datetime as dt

    from linli.tickets.services import ticket_submit

    ticket, _ = ticket_submit(actor=users["resident"], description="夜里路灯不亮", place_id=places.buildings[0].pk)
    utc = dt.datetime(2026, 3, 1, 16, 30, 42, tzinfo=dt.UTC)  # 00:30 the next day in Beijing
    Ticket.objects.filter(pk=ticket.pk).update(submitted_at=utc, resolved_at=None)
    line = next(
        row for row in _body(client_as("street").get("/requests/export.csv")).splitlines() if ticket.number in row
    )
    cells = line.split(",")
    assert cells[7] == "2026-03-02 00:30"
    assert cells[9] == ""  # not resolved: an empty cell, not "None"
