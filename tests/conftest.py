"""Shared fixtures: a small demo street loaded once per session, and named users for each role.

Like healthchecks.io's BaseTestCase: tests say ``users["grid"]`` or ``client_as("street")``
instead of building accounts by hand. The demo is built once into the test database; each
test runs in a transaction that is rolled back.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

PASSWORD = "demo-pass-2026"
ROLES = ["admin", "street", "community", "grid", "volunteer", "resident"]


def build_demo() -> None:
    from linli.core.demo.builder import DemoBuilder

    DemoBuilder(size="small", seed=7, password=PASSWORD).build()


def reseed_reference_data() -> None:
    """Re-run every data migration's ``seed`` (care tags, holiday calendar, checklist templates,
    meeting rules …). Each is idempotent. Transactional tests flush the database, which empties
    these tables; a fresh install has them, so browser tests must too.
    (Serialized rollback was tried first: pytest-django did not restore the rows after a flush.)"""
    from django.apps import apps

    from tests.support import migration_modules

    for module in migration_modules():
        if callable(getattr(module, "seed", None)):
            module.seed(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        build_demo()


def _local_today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


_RUN_STARTED_ON = _local_today()


@pytest.fixture(autouse=True)
def _the_run_keeps_the_day_it_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full run takes most of an hour. Test modules fix ``TODAY = timezone.localdate()`` (and
    parametrize with it) when they are collected, and the demo is built on that day too; when the
    run passes midnight in Beijing, the services' "today" moved on and those tests compared
    yesterday with today (CI, session 25: 27 failures, all dates one day apart). So once the
    date has turned, the clock each test sees is set back by whole days to the day the run began.
    Tests that set their own clock patch ``timezone.now`` after this and win."""
    from django.utils import timezone

    drift = _local_today() - _RUN_STARTED_ON
    if drift:
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real_now() - drift)


@pytest.fixture(autouse=True, scope="session")
def _every_cached_list_is_checked() -> None:
    """Each answer the request list's key cache gives is compared with a fresh read, so every test
    that lists after a write also tests that the write moved a generation (``tickets.list_cache``)."""
    from django.conf import settings

    settings.LIST_CACHE_VERIFY = True


@pytest.fixture(autouse=True)
def _the_default_language_after_each_test() -> Any:
    """A page requested in English or Traditional Chinese leaves that language active in the thread; a
    later test calling a service directly must still get the default language's labels."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_cached_pages_from_other_tests() -> None:
    """Each test's rows are rolled back, so on SQLite the next test may reuse their ids; rendered
    list pages (``tickets.list_cache``) from another test must not be found by them."""
    from django.core.cache import caches

    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _the_holiday_calendar_cache_does_not_expire_during_a_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The holiday calendar's per-process cache (``workdays.services``) starts each test empty and is not
    refreshed by the clock until the test ends.

    Its ``CACHE_SECONDS`` refresh is for edits made by *other* processes; within one it would fall at a
    random point of a test, so the statements counted for a request depended on how slow the machine was
    (18 instead of 16 in CI: the year re-read inside the counted request). Edits still clear it at once
    (``_invalidate``), as in production, and starting empty keeps a rolled-back test's calendar, and the
    warmth an earlier test left, out of the next test: what a test counts is decided by the test alone
    (``test_counted_requests_and_the_clock.py`` moves the clock past the refresh to show it).
    """
    from linli.workdays import services as workdays

    workdays.calendar_cache_clear()
    monkeypatch.setattr(workdays, "CACHE_SECONDS", math.inf)
    yield
    workdays.calendar_cache_clear()


@pytest.fixture(autouse=True)
def _the_session_clock_does_not_write_during_a_test(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signed-in request rewrites its session's last-seen time at most every ``seen_every()`` seconds and
    touches the session register every ``TOUCH_SECONDS`` (``accounts.middleware``). Within a test that would
    fall when the machine is slow enough: a counted request after a minute of setup sent two statements more
    than the same request counted right after its warm-up. Here the first request of a session still writes
    both, and no later one does, however long the test takes. Tests of the clock itself are marked
    ``session_clock`` and run with production's intervals."""
    if request.node.get_closest_marker("session_clock"):
        return
    from linli.accounts import middleware

    monkeypatch.setattr(middleware, "seen_every", lambda: 10**9)
    monkeypatch.setattr(middleware, "TOUCH_SECONDS", 10**9)


@pytest.fixture(autouse=True)
def _force_login_is_a_full_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """``client.force_login`` stands for a completed login, second factor included.

    Production holds a session of a user who must use 2FA at the 2FA pages until it passes (see
    ``linli.accounts.middleware``); tests that skip the login form skip that step too. Tests of
    the login flow itself post to the real login page and get the real gate.
    """
    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        from linli.accounts.middleware import SEEN_DB, TRACKED, mark_two_factor_passed, start_session_clock

        original(self, user, backend)
        session = self.session
        start_session_clock(session)
        mark_two_factor_passed(session)
        session[TRACKED] = True  # a real login registers its session row at login, not on the next page
        session[SEEN_DB] = session["_linli_auth_at"]
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def users(db: Any) -> dict[str, Any]:
    from linli.accounts.models import User

    return {u.username: u for u in User.objects.filter(username__in=ROLES).select_related("person")}


@pytest.fixture
def client_as(users: dict[str, Any]) -> Callable[[str], Client]:
    def make(username: str) -> Client:
        client = Client()
        client.force_login(users[username])
        return client

    return make


@pytest.fixture
def api_as(users: dict[str, Any]) -> Callable[[str], Client]:
    """A client that talks to the API with a bearer token, as a mini-program would."""
    from linli.accounts.services import token_issue

    def make(username: str) -> Client:
        _, key = token_issue(user=users[username], name="test")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make


@pytest.fixture
def places(db: Any) -> Any:
    """The demo's places by role in the story: the first grid, a second grid elsewhere, …"""
    from linli.places.models import Place

    class P:
        pass

    p = P()
    p.street = Place.objects.get(kind="street")
    p.communities = list(Place.objects.filter(kind="community").order_by("path"))
    p.compounds = list(Place.objects.filter(kind="compound").order_by("path"))
    p.grids = list(Place.objects.filter(kind="grid").order_by("path"))
    p.buildings = list(Place.objects.filter(kind="building").order_by("path"))
    p.first_grid = p.grids[0]
    p.other_grid = next(g for g in p.grids if not g.path.startswith(p.compounds[0].path))
    p.other_community = p.communities[1]
    return p
