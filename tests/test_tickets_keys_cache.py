"""The request list's key cache (``tickets.list_cache.queue_page_keys``): which requests a viewer's page
holds is read again whenever a request they may see — by place or as their own — is written, their
positions change, or a name beside it; otherwise it comes from the cache after one small statement.

Every test in the suite runs with ``LIST_CACHE_VERIFY`` on, so a hit that differs from a fresh read
raises ``StaleListCache``; the tests here also compare the answers themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.people.models import Position
from linli.places.models import STREET_PATH_LENGTH, Place
from linli.tickets import transitions as tr
from linli.tickets.list_cache import StaleListCache
from linli.tickets.models import ListGeneration, Status, Ticket
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests?limit=50"


def generations() -> dict[str, int]:
    return dict(ListGeneration.objects.exclude(name="names").values_list("name", "value"))


def raised(before: dict[str, int]) -> set[str]:
    return {name for name, value in generations().items() if value != before.get(name)}


def numbers(client: Any, url: str = URL) -> dict[str, str]:
    """Number → status of each request on the page, in order."""
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {t["number"]: t["status"] for t in response.json()["items"]}


def fresh_numbers(client: Any, url: str = URL) -> dict[str, str]:
    caches["pages"].clear()
    return numbers(client, url)


def second_street(places: Any) -> Place:
    district = Place.objects.get(path=places.street.path[: Place.steplen])
    return Place.objects.add_child(district, create_kwargs={"name": "第二街道", "kind": "street"})


def test_a_statement_writing_many_requests_raises_each_name_once(users, places):
    """PostgreSQL raises per statement (tickets migration 0011), SQLite per row; either way every name
    the statement's rows are seen by moves, and the value stays one 64-bit number per name."""
    tickets = [
        ticket_submit(actor=users["resident"], description=f"第{i}件", place_id=places.first_grid.pk)[0]
        for i in range(3)
    ]
    elsewhere = second_street(places)
    before = generations()
    moved = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(place=elsewhere, place_path=elsewhere.path)
    assert moved == 3
    assert raised(before) == {f"s:{places.street.path}", f"s:{elsewhere.path}", f"u:{users['resident'].pk}"}


def test_a_deleted_request_raises_who_saw_it(users, places):
    ticket, _ = ticket_submit(actor=users["resident"], description="删掉的", place_id=places.first_grid.pk)
    copy = Ticket.objects.get(pk=ticket.pk)
    copy.pk, copy.number = None, "T-DELETE-1"  # a request without events (those are append-only)
    copy.save()
    before = generations()
    assert Ticket.objects.filter(pk=copy.pk).delete()[0] == 1
    assert raised(before) == {f"s:{places.street.path}", f"u:{users['resident'].pk}"}


def test_a_new_request_raises_its_street_and_its_reporter(users, places):
    before = generations()
    ticket, _ = ticket_submit(actor=users["resident"], description="路灯不亮", place_id=places.first_grid.pk)
    assert raised(before) == {f"s:{ticket.place_path[:STREET_PATH_LENGTH]}", f"u:{users['resident'].pk}"}


def test_an_update_raises_the_old_and_the_new_of_every_column_that_decides_who_sees_it(users, places):
    ticket, _ = ticket_submit(actor=users["resident"], description="路灯不亮", place_id=places.first_grid.pk)
    elsewhere = second_street(places)
    from linli.orgs.models import Organisation

    org = Organisation.objects.order_by("pk").first()
    before = generations()
    Ticket.objects.filter(pk=ticket.pk).update(
        place=elsewhere, place_path=elsewhere.path, claimed_by=users["volunteer"], handling_org=org
    )
    assert raised(before) == {
        f"s:{places.street.path}",
        f"s:{elsewhere.path}",
        f"u:{users['resident'].pk}",
        f"u:{users['volunteer'].pk}",
        f"o:{org.pk}",
    }


def test_a_masters_update_raises_the_reporters_of_its_duplicates(users, places):
    master, _ = ticket_submit(actor=users["community"], description="井盖丢了", place_id=places.first_grid.pk)
    duplicate, _ = ticket_submit(actor=users["resident"], description="井盖没了", place_id=places.first_grid.pk)
    tr.ticket_merge(actor=users["street"], ticket_id=duplicate.pk, master_id=master.pk)
    before = generations()
    Ticket.objects.filter(pk=master.pk).update(title="井盖丢失")
    assert f"u:{users['resident'].pk}" in raised(before)


def test_the_reporter_of_a_duplicate_sees_its_master_change_at_once(api_as, users, places):
    master, _ = ticket_submit(actor=users["community"], description="井盖丢了", place_id=places.first_grid.pk)
    duplicate, _ = ticket_submit(actor=users["resident"], description="井盖没了", place_id=places.first_grid.pk)
    tr.ticket_merge(actor=users["street"], ticket_id=duplicate.pk, master_id=master.pk)
    client = api_as("resident")
    assert numbers(client)[master.number] != "closed"
    Ticket.objects.filter(pk=master.pk).update(status=Status.CLOSED)  # written where the reporter is not
    served = numbers(client)
    assert served[master.number] == "closed" and served == fresh_numbers(client)


def test_a_request_moved_to_another_street_leaves_the_first_streets_list_at_once(api_as, users, places):
    ticket, _ = ticket_submit(actor=users["resident"], description="树枝挡路", place_id=places.first_grid.pk)
    client = api_as("street")
    assert ticket.number in numbers(client)
    elsewhere = second_street(places)
    Ticket.objects.filter(pk=ticket.pk).update(place=elsewhere, place_path=elsewhere.path)
    served = numbers(client)
    assert ticket.number not in served and served == fresh_numbers(client)


def test_a_new_position_shows_its_requests_at_once(api_as, users, places):
    ticket, _ = ticket_submit(actor=users["community"], description="别的网格", place_id=places.other_grid.pk)
    client = api_as("grid")
    assert ticket.number not in numbers(client)
    Position.objects.create(
        person=users["grid"].person,
        kind="grid_worker",
        place=places.other_grid,
        place_path=places.other_grid.path,
        start_date=timezone.localdate(),
    )
    assert ticket.number in numbers(client)


def test_a_position_starting_tomorrow_shows_nothing_today(api_as, users, places):
    ticket, _ = ticket_submit(actor=users["community"], description="别的网格", place_id=places.other_grid.pk)
    client = api_as("grid")
    Position.objects.create(
        person=users["grid"].person,
        kind="grid_worker",
        place=places.other_grid,
        place_path=places.other_grid.path,
        start_date=timezone.localdate() + dt.timedelta(days=1),
    )
    assert ticket.number not in numbers(client)


def test_a_write_that_moved_no_generation_is_caught_by_verification(api_as, users, places):
    """What the verification is for: with the trigger gone (inside this test's transaction), a
    closed request would stay in the cached open list, and the next read says so loudly."""
    ticket, _ = ticket_submit(actor=users["resident"], description="漏水", place_id=places.first_grid.pk)
    client = api_as("grid")
    assert numbers(client)[ticket.number] != "closed"
    with connection.cursor() as cursor:
        on_table = " ON tickets_ticket" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER tickets_ticket_queue_generation_update{on_table}")
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    with pytest.raises(StaleListCache):
        client.get(URL)


@pytest.mark.parametrize("query", ["overdue=true", "overdue=false", "place_id={grid}", "care_tag={tag}"])
def test_lists_that_read_the_clock_or_other_tables_are_not_cached(api_as, users, places, query, settings):
    from linli.people.models import CareTag

    settings.LIST_CACHE_VERIFY = False
    tag = CareTag.objects.filter(active=True, sensitive=False).order_by("pk").first()
    url = f"{URL}&{query.format(grid=places.first_grid.pk, tag=tag.pk if tag else 0)}"
    client = api_as("street")
    first = client.get(url)
    assert first.status_code == 200, first.content
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert not [q for q in ctx.captured_queries if "tickets_ticket" not in q["sql"] and "listgeneration" in q["sql"]]
    assert len(ctx.captured_queries) > 2  # the key query ran again


def test_one_viewers_entry_is_never_anothers(api_as, users, places):
    """Two viewers with the same filters and generations but different positions get their own lists."""
    ticket_submit(actor=users["resident"], description="本网格", place_id=places.first_grid.pk)
    ticket_submit(actor=users["community"], description="别的网格", place_id=places.other_grid.pk)
    street = numbers(api_as("street"))
    grid = numbers(api_as("grid"))
    assert set(grid) < set(street)
