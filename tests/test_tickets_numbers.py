"""Request numbers: YYYY-NNNNNN, consecutive within a year, never shared by concurrent submissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from linli.tickets.models import Ticket, TicketCounter
from linli.tickets.services import ticket_submit


def _submit(user: Any, place: Any, text: str) -> Ticket:
    ticket, _ = ticket_submit(actor=user, description=text, place_id=place.pk)
    return ticket


@pytest.mark.django_db
def test_numbers_run_on_from_the_last_one_of_the_year(users: dict[str, Any], places: Any) -> None:
    building = places.buildings[0]
    first = _submit(users["resident"], building, "楼道灯坏了")
    second = _submit(users["resident"], building, "电梯停在半层")
    year, n = first.number.split("-")
    assert year == str(timezone.localdate().year)
    assert second.number == f"{year}-{int(n) + 1:06d}"


@pytest.mark.django_db
def test_the_first_request_of_a_year_starts_the_counter_at_one(users: dict[str, Any], places: Any) -> None:
    TicketCounter.objects.all().delete()
    ticket = _submit(users["resident"], places.buildings[0], "垃圾桶满了")
    assert ticket.number == f"{timezone.localdate().year}-000001"
    assert TicketCounter.objects.get().last == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_number() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    import threading

    from django.db import connections

    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    resident = User.objects.get(username="resident")
    building = Place.objects.filter(kind="building", path__startswith=resident.person.place_path[:8]).first()
    barrier = threading.Barrier(4)
    numbers: list[str] = []

    def submit(i: int) -> None:
        try:
            barrier.wait()
            numbers.append(_submit(resident, building, f"并发提交的诉求 {i}").number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 4 and len(set(numbers)) == 4
