"""What a request is counted to cost does not depend on how long the test took to get there.

The holiday calendar is cached per process and refreshed every ``CACHE_SECONDS`` (60) for edits made
by other processes. On a slow CI run that refresh fell between a test's setup and its counted request
(the care-tag workbench: 18 statements against a bar of 16). ``conftest`` empties the cache when each
test starts and keeps the clock from refreshing it until the test ends; edits still clear it at once.
Here the clock is moved past the refresh between a warm request and a counted one.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.tickets.services import ticket_submit
from linli.workdays import services as workdays

pytestmark = pytest.mark.django_db

# Read when the module is collected, outside any test: the value production runs with.
PRODUCTION_CACHE_SECONDS = workdays.CACHE_SECONDS
URL = "/requests/?queue=subtree"  # the workbench: each open request's row shows its calendar warning


def statements(client: Client, url: str = URL) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def calendar_reads(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if "workdays_calendar" in sql]


def the_clock_moves_on(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The process's monotonic clock (what the calendar cache ages its entries by) jumps ``seconds`` ahead."""
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + seconds)


@pytest.fixture
def workbench(users: dict[str, Any], client_as: Any) -> Client:
    """The grid worker's workbench with an open request on it, its calendar years read once."""
    ticket_submit(actor=users["resident"], description="楼道灯坏了")
    client = client_as("grid")
    client.get(URL)
    return client


def test_the_workbench_reads_the_calendar_when_its_cache_is_empty(workbench):
    """Otherwise the tests below would prove nothing."""
    warm = statements(workbench)
    workdays.calendar_cache_clear()
    cold = statements(workbench)
    assert not calendar_reads(warm)
    assert calendar_reads(cold) and len(cold) > len(warm)


def test_a_counted_request_costs_the_same_after_the_calendar_cache_would_have_expired(workbench, monkeypatch):
    warm = statements(workbench)
    the_clock_moves_on(monkeypatch, PRODUCTION_CACHE_SECONDS + 1)
    later = statements(workbench)
    assert not calendar_reads(later)
    assert len(later) == len(warm)


def test_without_the_test_harness_the_same_request_reads_the_calendar_again_a_minute_later(workbench, monkeypatch):
    """What CI saw: with the production refresh, a minute between warm-up and count adds the re-read."""
    assert math.isfinite(PRODUCTION_CACHE_SECONDS)
    monkeypatch.setattr(workdays, "CACHE_SECONDS", PRODUCTION_CACHE_SECONDS)
    warm = statements(workbench)
    the_clock_moves_on(monkeypatch, PRODUCTION_CACHE_SECONDS + 1)
    later = statements(workbench)
    assert calendar_reads(later)
    assert len(later) > len(warm)


def test_each_test_starts_with_the_calendar_unread():
    """The session's demo build read this year's calendar moments ago; this test reads it afresh."""
    with CaptureQueriesContext(connection) as ctx:
        workdays.is_working_day(timezone.localdate())
    assert calendar_reads([q["sql"] for q in ctx.captured_queries])


def test_an_edit_to_the_calendar_is_seen_at_once_although_the_cache_does_not_expire(users, monkeypatch):
    workdays.calendar_seed_from_package(years=[2025])  # browser tests flush the database; a no-op otherwise
    national_day = dt.date(2025, 10, 1)  # a Wednesday
    noon = dt.datetime(2025, 10, 1, 12, tzinfo=workdays.CHINA_TZ)
    assert not workdays.is_working_day(national_day) and not workdays.unpublished_years(noon, noon)
    the_clock_moves_on(monkeypatch, PRODUCTION_CACHE_SECONDS + 1)
    workdays.calendar_year_unpublish(actor=users["admin"], year=2025)
    assert workdays.is_working_day(national_day) and workdays.unpublished_years(noon, noon) == [2025]
    workdays.calendar_day_clear(actor=users["admin"], day=dt.date(2025, 10, 2))
    workdays.calendar_year_publish(actor=users["admin"], year=2025)
    assert not workdays.is_working_day(national_day) and workdays.is_working_day(dt.date(2025, 10, 2))


def test_a_counted_request_costs_the_same_after_the_session_clock_would_have_written(users, monkeypatch):
    """The session's last-seen time and the session register are written by the first request, not again a
    minute later inside a test (conftest); production's intervals are tested in test_accounts.py."""
    client = Client()
    client.force_login(users["street"])
    client.get(URL)
    warm = statements(client)
    later = time.time() + 10 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    counted = statements(client)
    assert len(counted) == len(warm)
    assert not [sql for sql in counted if sql.startswith("UPDATE")]
