"""Open-request queues read per street (``tickets.selectors.ticket_page``) give exactly the pages one
query gives, whatever the other streets hold, and walk the street-led index on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from linli.core.pagination import keyset_page
from linli.places.models import Place
from linli.places.services import place_create
from linli.tickets.models import Ticket
from linli.tickets.selectors import TicketFilters, _queue_parts, filter_tickets, ticket_page, visible_tickets
from linli.tickets.services import ticket_submit
from linli.tickets.transitions import ticket_accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_streets(users: dict[str, Any], places: Any) -> Any:
    """The demo street's requests interleaved with newer ones in a second street, and the grid worker's
    own request filed over there (theirs to see, outside their scope)."""
    district = Place.objects.get(kind="district")
    street = place_create(actor=users["admin"], parent=district, kind="street", name="东湖街道")
    community = place_create(actor=users["admin"], parent=street, kind="community", name="东湖社区")
    for i in range(12):
        ticket_submit(actor=users["resident"], description=f"本街道问题{i}", place_id=places.first_grid.pk)
        ticket_submit(actor=users["resident"], description=f"其他街道问题{i}", place_id=community.pk)
        if i % 4 == 0:
            ticket_submit(actor=users["resident"], description=f"别的网格{i}", place_id=places.other_grid.pk)
    ticket_submit(actor=users["grid"], description="网格员自己在东湖反映的问题", place_id=community.pk)
    accepted = Ticket.objects.filter(place_path__startswith=places.first_grid.path).order_by("id").first()
    ticket_accept(actor=users["grid"], ticket_id=accepted.pk)  # still open, a different status
    return street


def all_pages(page_of: Any, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = page_of(cursor, limit)
        pages.append([t.pk for t in page.items])
        cursor = page.next
        if cursor is None:
            return pages


@pytest.mark.parametrize("role", ["street", "community", "grid"])
@pytest.mark.parametrize("filters", [TicketFilters(status="open"), TicketFilters(queue="mine")])
@pytest.mark.parametrize("limit", [1, 4, 50])
def test_per_street_pages_are_exactly_the_one_query_pages(users, two_streets, role, filters, limit):
    user = users[role]
    # Street staff read in parts; community and grid staff by one query through the subtree index.
    assert (_queue_parts(user, filters) is not None) == (role == "street")

    def one_query(cursor: str | None, n: int) -> Any:
        qs = filter_tickets(visible_tickets(user), user, filters)
        return keyset_page(qs, key="id", cursor=cursor, limit=n, descending=True)

    def per_street(cursor: str | None, n: int) -> Any:
        return ticket_page(user, filters, cursor=cursor, limit=n)

    expected = all_pages(one_query, limit)
    assert all_pages(per_street, limit) == expected
    seen = [pk for page in expected for pk in page]
    assert seen and seen == sorted(seen, reverse=True)
    if role == "grid" and filters.status == "open":  # their own request in the other street is listed
        own = Ticket.objects.get(description="网格员自己在东湖反映的问题")
        assert own.pk in seen


def test_a_street_workers_own_request_in_another_street_is_in_their_open_queue(users, two_streets):
    over_there = Place.objects.get(kind="community", path__startswith=two_streets.path)
    own = ticket_submit(actor=users["street"], description="街道干部在东湖反映的问题", place_id=over_there.pk)[0]
    pages = all_pages(lambda c, n: ticket_page(users["street"], TicketFilters(status="open"), cursor=c, limit=n), 3)
    assert own.pk in [pk for page in pages for pk in page]


def test_district_wide_and_non_open_lists_keep_the_single_query(users, two_streets):
    assert _queue_parts(users["admin"], TicketFilters(status="open")) is None  # everything: city-wide index
    assert _queue_parts(users["street"], TicketFilters()) is None  # closed ones too: not the open indexes
    assert _queue_parts(users["resident"], TicketFilters(status="open")) is None  # no staff scope


def test_a_street_queue_costs_the_same_number_of_queries_for_any_page_size(
    users, two_streets, django_assert_max_num_queries
):
    for limit in (2, 50):
        # Positions, own requests' masters, the street's ids, the own requests' ids, the page's rows.
        with django_assert_max_num_queries(6):
            ticket_page(users["street"], TicketFilters(status="open"), cursor=None, limit=limit)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index and its plan are PostgreSQL's")
def test_the_street_part_walks_the_street_led_index(users, two_streets):
    user = users["street"]
    filters = TicketFilters(status="open")
    qs = filter_tickets(visible_tickets(user), user, filters)
    street_part = _queue_parts(user, filters)[0]  # type: ignore[index]
    with connection.cursor() as cursor:
        # The choice among indexes must not depend on whether autovacuum has analysed the table yet
        # (it had, at a different moment, in a full run, and the plan changed): statistics of this data.
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the choice among indexes
        sql, params = qs.filter(street_part).order_by("-id").values_list("id", flat=True)[:51].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_open_street_newest" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index and its plan are PostgreSQL's")
def test_the_parts_are_one_statement_whose_street_member_walks_the_street_led_index(users, two_streets):
    from django.test.utils import CaptureQueriesContext

    from linli.tickets.list_cache import STAMPS
    from linli.tickets.selectors import ticket_page_keys

    user = users["street"]
    filters = TicketFilters(status="open")
    with CaptureQueriesContext(connection) as ctx:
        page = ticket_page_keys(user, filters, cursor=None, limit=4, columns=STAMPS)
    union = [q["sql"] for q in ctx.captured_queries if "UNION" in q["sql"]]
    assert len(union) == 1 and len([q for q in ctx.captured_queries if "tickets_ticket" in q["sql"]]) == 2  # + masters
    stamps = {t.pk: (t.version, t.submitted_at) for t in Ticket.objects.filter(pk__in=[r[0] for r in page.items])}
    assert [(pk, version, at) for pk, version, at, _names in page.items] == [(pk, *stamps[pk]) for pk, *_ in page.items]
    assert [r[0] for r in page.items] == [t.pk for t in ticket_page(user, filters, cursor=None, limit=4).items]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")  # as above: this data's statistics, whatever autovacuum did
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + union[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_open_street_newest" in plan, plan
