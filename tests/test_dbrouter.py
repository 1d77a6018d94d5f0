"""The read-replica router with two real database aliases: ``replica1`` is a second connection to
the same test database (as a streaming replica would be), so the tests can see on which connection
each query ran. Reads go to the replica; a write pins the rest of the request, and the next request
of the same browser, to the primary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from linli.core import dbrouter
from linli.places.models import Place
from linli.tickets.models import Ticket
from tests.support import replica_alias

# The replica alias is added for these tests only, on purpose (Django warns that overriding DATABASES is unusual).
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.fixture
def replica(settings: Any, db: Any) -> Iterator[str]:
    with replica_alias(settings, "replica1", {**connections.settings["default"]}) as alias:
        yield alias


@pytest.mark.django_db(databases=["default"])
def test_without_replicas_every_read_goes_to_the_primary() -> None:
    router = dbrouter.PrimaryReplicaRouter()
    assert router.db_for_read(Place) == "default"


def test_a_read_goes_to_the_replica_until_a_write_pins_the_context_to_the_primary(replica: str) -> None:
    assert Place.objects.all().db == replica
    with CaptureQueriesContext(connections[replica]) as on_replica:
        count = Place.objects.count()
    assert count > 0 and len(on_replica) == 1
    place = Place.objects.get(kind="street")
    place.name = "改名街道"
    place.save(update_fields=["name"])  # a write: from now on this context reads the primary
    assert dbrouter.is_pinned()
    assert Place.objects.all().db == "default"
    # The replica is a separate connection: it cannot see the primary's uncommitted write, which is
    # exactly what replication lag looks like. The pinned read sees it.
    assert Place.objects.get(pk=place.pk).name == "改名街道"


def test_reads_inside_a_transaction_stay_on_the_primary(replica: str) -> None:
    from django.db import transaction

    with transaction.atomic():
        assert Ticket.objects.all().db == "default"
    dbrouter.unpin()
    assert Ticket.objects.all().db == replica


def test_sessions_and_tokens_are_read_from_the_primary_and_their_writes_do_not_pin(replica: str) -> None:
    from django.contrib.sessions.models import Session

    from linli.accounts.models import ApiToken

    router = dbrouter.PrimaryReplicaRouter()
    assert router.db_for_read(Session) == "default"
    assert router.db_for_read(ApiToken) == "default"
    assert router.db_for_write(Session) == "default"
    assert not dbrouter.is_pinned()


def test_a_get_page_reads_the_replica_and_sets_no_pin_cookie(replica: str, api_as: Any, places: Any) -> None:
    client = api_as("street")
    with (
        CaptureQueriesContext(connections[replica]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/api/v1/places?limit=5")
    assert response.status_code == 200, response.content
    assert any("places_place" in q["sql"] for q in on_replica.captured_queries)
    # Only the sign-in is read from the primary (the token, and with it the person's positions and their places).
    on_primary_besides_sign_in = [q for q in on_primary.captured_queries if "accounts_apitoken" not in q["sql"]]
    assert not any("places_place" in q["sql"] for q in on_primary_besides_sign_in)
    assert dbrouter.PIN_COOKIE not in response.cookies


def test_a_post_that_writes_reads_its_own_write_from_the_primary_and_pins_the_next_request(
    replica: str, client_as: Any, places: Any
) -> None:
    client = client_as("resident")
    building = places.buildings[0]
    with CaptureQueriesContext(connections[replica]) as on_replica:
        response = client.post(
            "/api/v1/requests",
            data={"description": "楼道灯不亮,晚上看不清", "place_id": building.pk},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert on_replica.captured_queries == []  # an unsafe request reads nothing from the replica
    assert response.cookies[dbrouter.PIN_COOKIE]["max-age"] == 5
    number = response.json()["number"]
    # The next request carries the cookie (the test client keeps it): it reads the primary, so the
    # resident sees the request they just made even though the replica has not got it yet.
    with CaptureQueriesContext(connections[replica]) as on_replica:
        listed = client.get("/api/v1/requests?mine=true")
    assert listed.status_code == 200
    assert number in [r["number"] for r in listed.json()["items"]]
    assert on_replica.captured_queries == []


def test_migrations_run_on_the_primary_only() -> None:
    router = dbrouter.PrimaryReplicaRouter()
    assert router.allow_migrate("default", "tickets")
    assert not router.allow_migrate("replica1", "tickets")


def test_a_list_reads_its_generations_from_the_database_it_reads_its_rows_from(replica: str, api_as: Any) -> None:
    """The sign-in reads the primary; the request list's generations come from where its key query
    runs (a replica behind the primary would otherwise store an older list under newer generations:
    ``tickets.list_cache.queue_page_keys``)."""
    client = api_as("street")
    with CaptureQueriesContext(connections[replica]) as on_replica, CaptureQueriesContext(connections["default"]):
        assert client.get("/api/v1/requests?limit=5").status_code == 200
    statements = [q["sql"] for q in on_replica]
    assert "tickets_listgeneration" in statements[0] and "tickets_ticket" not in statements[0], statements
    assert any('FROM "tickets_ticket"' in sql for sql in statements[1:]), statements
