"""Every page works with its reads on a replica that refuses writes, as a streaming replica (a hot
standby) does.

``tests/test_dbrouter.py`` checks the router's rules one by one on a second connection to the test
database. Here the second connection is made read-only the way a standby is (PostgreSQL:
``default_transaction_read_only``; SQLite: ``PRAGMA query_only``), the demo is committed so the replica
sees it (no lag), and every HTML page is opened through the router and ``PinPrimaryMiddleware`` as
street staff, a grid worker and a resident. A page that sent a write, a ``SELECT … FOR UPDATE`` or any
other statement a standby refuses to the replica would fail here; a page that answered differently
than it does on one database would show a different status. The share of statements the replica
served is printed: it is what read replicas take off the primary (docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from linli.places.models import Place
from tests.conftest import build_demo, reseed_reference_data
from tests.support import replica_alias
from tests.test_pages_crawl_s12 import all_urls

# The alias is added for these tests only, on purpose (Django warns that overriding DATABASES is unusual).
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
ALIAS = "replica1"


def read_only(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (the primary's) as a connection that refuses every write, like a hot standby."""
    options = dict(config.get("OPTIONS", {}))
    if config["ENGINE"] == "django.db.backends.postgresql":
        options["options"] = "-c default_transaction_read_only=on"
    else:
        options["init_command"] = f"{options.get('init_command', '')} PRAGMA query_only = ON;".strip()
    return {**config, "OPTIONS": options}


@pytest.fixture
def demo_committed(transactional_db: Any) -> None:
    """The demo, committed (each transactional test flushes the database afterwards)."""
    if not Place.objects.exists():
        reseed_reference_data()
        build_demo()


@contextmanager
def standby(settings: Any) -> Iterator[str]:
    """A read-only alias to the test database, and the router and middleware that send reads to it."""
    with replica_alias(settings, ALIAS, read_only(connections.settings["default"])) as alias:
        yield alias


def signed_in(role: str) -> Client:
    from linli.accounts.models import User

    client = Client()
    client.raise_request_exception = False
    client.force_login(User.objects.get(username=role))
    return client


def crawl(make_client: Callable[[], Client]) -> dict[str, int]:
    client = make_client()
    return {url: client.get(url).status_code for _name, url, _missing in all_urls()}


def crawl_counting(make_client: Callable[[], Client], alias: str) -> tuple[dict[str, int], int, int]:
    """Each page's status, and the statements the pages that answered 200 sent to the primary and the replica."""
    client = make_client()
    statuses, primary, replica = {}, 0, 0
    for _name, url, _missing in all_urls():
        with (
            CaptureQueriesContext(connections["default"]) as on_primary,
            CaptureQueriesContext(connections[alias]) as on_replica,
        ):
            statuses[url] = client.get(url).status_code
        if statuses[url] == 200:
            primary, replica = primary + len(on_primary), replica + len(on_replica)
    return statuses, primary, replica


@pytest.mark.django_db(transaction=True)
def test_the_standby_connection_refuses_a_write(settings: Any, demo_committed: None) -> None:
    with standby(settings) as alias:
        assert Place.objects.all().db == alias and Place.objects.exists()  # it reads the committed demo
        with pytest.raises(DatabaseError), connections[alias].cursor() as cursor:
            cursor.execute("UPDATE places_place SET name = name")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["street", "grid", "resident"])
def test_every_page_answers_as_on_one_database_with_its_reads_on_a_read_only_replica(
    settings: Any, demo_committed: None, role: str
) -> None:
    alone = crawl(lambda: signed_in(role))  # before the replica exists: one database, no router
    with standby(settings) as alias:
        replicated, on_primary, on_replica = crawl_counting(lambda: signed_in(role), alias)
    crashed = sorted(url for url, status in replicated.items() if status >= 500)
    differ = sorted(f"{url}: {alone[url]} → {status}" for url, status in replicated.items() if alone[url] != status)
    assert crashed == [] and differ == []
    shown = sum(status == 200 for status in replicated.values())
    served = on_replica / (on_replica + on_primary)
    print(f"\n{role}: {len(replicated)} pages, {shown} shown; their statements: {on_replica} on the replica, "
          f"{on_primary} on the primary ({served:.0%} served by the replica)")  # fmt: skip
    # What stays on the primary for a page shown: the session read, and an export's audit event. A router that
    # pinned a browser to the primary for its bookkeeping (the audit event of a refused page did) fails here.
    assert served > 0.75
