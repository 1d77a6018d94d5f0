"""The request list's page cache (``tickets.list_cache``): a page comes from the cache only while its
rows, the names beside them and its deadline texts are unchanged; anything else renders afresh."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.orgs.models import Organisation
from linli.places.models import Place
from linli.tickets import list_cache
from linli.tickets import transitions as tr
from linli.tickets.deadlines import due_text, text_stable_until
from linli.tickets.list_cache import names_generation
from linli.tickets.models import Category, Status, Ticket
from linli.tickets.services import ticket_submit
from linli.workdays.models import CalendarYear

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests?limit=20"


def fresh(client: Any, url: str = URL) -> bytes:
    """The page as rendered now, with no cache to find it in."""
    caches["pages"].clear()
    return client.get(url).content


@pytest.fixture
def queue(users: dict[str, Any]) -> list[Ticket]:
    return [ticket_submit(actor=users["resident"], description=f"楼道灯坏了{i}")[0] for i in range(6)]


def test_a_repeated_page_is_served_from_the_cache_without_reading_its_rows(api_as, queue):
    client = api_as("grid")
    first = client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(URL)
    assert again.status_code == 200 and again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json; charset=utf-8"
    assert not [q for q in ctx.captured_queries if "tickets_category" in q["sql"]], "the rows were read again"
    assert len(first.json()["items"]) == 6


STREET_URLS = [URL, "/api/v1/requests?queue=mine&limit=50", "/api/v1/requests?queue=mine&limit=2"]


def reload_statements(client: Any, url: str) -> list[str]:
    """The statements of a second ``GET url``, which must answer what the first did (a non-empty page)."""
    first = client.get(url)
    assert first.status_code == 200 and first.json()["items"]
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert again.content == first.content
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("url", STREET_URLS)
def test_a_reload_of_an_unchanged_queue_is_one_statement(api_as, queue, url, settings):
    """The sign-in, which reads the viewer's positions and the generations this token's last list read
    (``accounts.selectors``): nothing else while no request they may see was written (``queue_page_keys``,
    then ``list_page_body``)."""
    settings.LIST_CACHE_VERIFY = False  # verification reads the keys again on purpose
    statements = reload_statements(api_as("street"), url)
    assert len(statements) == 1 and "tickets_listgeneration" in statements[0], statements


@pytest.mark.parametrize("url", STREET_URLS)
def test_a_reload_reads_the_generations_itself_when_the_sign_in_read_other_names(users, queue, url, settings):
    """The names the sign-in reads are a hint from this token's last list: when the viewer's names differ
    (a new position, a liaison unit), the list reads its own, in a second statement, and answers the same."""
    from django.test import Client

    from linli.accounts import selectors
    from linli.accounts.services import token_issue
    from linli.core.crypto import token_digest

    settings.LIST_CACHE_VERIFY = False
    _, key = token_issue(user=users["street"], name="test")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    first = client.get(url)
    assert first.status_code == 200 and first.json()["items"]
    digest = token_digest(key)
    assert selectors._GENERATION_NAMES[digest], "the list named its generations for the next sign-in"
    selectors._GENERATION_NAMES[digest] = ["names", "u:0"]  # what another set of positions would have named
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert again.content == first.content
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) == 2 and "tickets_listgeneration" in statements[1], statements
    assert selectors._GENERATION_NAMES[digest] != ["names", "u:0"], "the next sign-in reads the right names"


def test_a_sign_in_no_list_named_generations_for_runs_the_plain_statement(api_as, queue):
    """Every other API request's sign-in is the statement without the generations: a token's first
    request, and any request of a token whose list never ran in this process, pays nothing for them."""
    with CaptureQueriesContext(connection) as ctx:
        assert api_as("grid").get("/api/v1/requests?limit=1").status_code == 200
    sign_in = ctx.captured_queries[0]["sql"]
    assert "accounts_apitoken" in sign_in and "tickets_listgeneration" not in sign_in, sign_in


@pytest.mark.parametrize("url", STREET_URLS)
def test_a_reload_that_must_read_the_keys_reads_them_in_one_statement(api_as, queue, url, monkeypatch):
    """Without the key cache: sign-in; their own requests' masters; the page's ids with their stamps and
    the names generation — for open requests the street's part and the viewer's own part in one
    statement (on SQLite, which cannot order and limit the members of a UNION, one per part and one
    for the stamps). Nothing else while the rendered page holds."""
    monkeypatch.setattr(list_cache, "_generation_names", lambda user, filters: None)
    statements = reload_statements(api_as("street"), url)
    in_parts = url != URL  # "mine": open requests, the street's part and the own part
    expected = 5 if in_parts and not connection.features.supports_slicing_ordering_in_compound else 3
    assert len(statements) == expected, [sql[:120] for sql in statements]


@pytest.mark.parametrize(
    "change",
    [
        "transition",
        "queryset_update",
        "place_rename",
        "organisation_rename",
        "category_rename",
        "calendar_year",
    ],
)
def test_every_kind_of_change_shows_at_once(api_as, users, queue, change):
    client = api_as("grid")
    ticket = queue[-1]
    before = client.get(URL).content
    if change == "transition":
        tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)
    elif change == "queryset_update":
        Ticket.objects.filter(pk=ticket.pk).update(title="改过的标题")  # no save(), no signal: the trigger
    elif change == "place_rename":
        Place.objects.filter(pk=ticket.place_id).update(name="改名后的网格")
    elif change == "organisation_rename":
        org = Organisation.objects.order_by("pk").first()
        Ticket.objects.filter(pk=ticket.pk).update(handling_org=org, handling_place=None)
        client.get(URL)  # cached with the old name
        Organisation.objects.filter(pk=org.pk).update(name="改名后的单位")
    elif change == "category_rename":
        top = Category.objects.create(name="市容环境")
        category = Category.objects.create(name="垃圾清运", parent=top, level=2)
        Ticket.objects.filter(pk=ticket.pk).update(category=category)
        client.get(URL)
        Category.objects.filter(pk=category.parent_id).update(name="改名后的大类")
    elif change == "calendar_year":
        year = ticket.resolve_due.year
        before = client.get(URL).content
        CalendarYear.objects.update_or_create(year=year, defaults={"published": False})
        from linli.workdays.services import calendar_cache_clear

        calendar_cache_clear()
    served = client.get(URL).content
    assert served != before, "the change did not show"
    assert served == fresh(client), "the cache served something a fresh render does not say"


def test_the_version_rises_on_every_kind_of_update(users, queue):
    ticket = queue[0]
    versions = [Ticket.objects.get(pk=ticket.pk).version]
    ticket.title = "save()"
    ticket.save()
    versions.append(Ticket.objects.get(pk=ticket.pk).version)
    Ticket.objects.filter(pk=ticket.pk).update(priority="high")
    versions.append(Ticket.objects.get(pk=ticket.pk).version)
    stale = Ticket.objects.get(pk=ticket.pk)
    stale.version = 0  # a stale instance writing its old version back cannot lower it
    Ticket.objects.bulk_update([stale], ["version", "title"])
    versions.append(Ticket.objects.get(pk=ticket.pk).version)
    assert versions == sorted(set(versions)) and len(versions) == 4, versions


def test_the_names_generation_moves_only_for_what_a_list_shows(places):
    start = names_generation()
    Place.objects.filter(pk=places.first_grid.pk).update(boundary=None)  # not shown in a list
    assert names_generation() == start
    Place.objects.filter(pk=places.first_grid.pk).update(name="新名字")
    renamed = names_generation()
    assert renamed > start
    Category.objects.create(name="新大类")  # no request shows it yet
    assert names_generation() == renamed
    Category.objects.filter(name="新大类").update(active=True)
    assert names_generation() > renamed


def test_a_viewer_never_gets_rows_outside_their_scope_from_another_viewers_entry(api_as, users, places):
    for i in range(3):
        ticket_submit(actor=users["resident"], description=f"本网格{i}", place_id=places.first_grid.pk)
        ticket_submit(actor=users["community"], description=f"别的网格{i}", place_id=places.other_grid.pk)
    street = api_as("street").get(URL).json()
    grid = api_as("grid").get(URL).json()
    assert {t["description"] for t in street["items"]} >= {"别的网格0", "本网格0"}
    seen = {t["description"] for t in grid["items"]}
    assert "本网格0" in seen and not any(d.startswith("别的网格") for d in seen)


def test_the_page_follows_the_language_asked_for(api_as, queue):
    client = api_as("grid")
    chinese = client.get(URL).json()["items"][0]["status_label"]
    english = client.get(URL, headers={"Accept-Language": "en"}).json()["items"][0]["status_label"]
    assert chinese != english


def test_an_entry_expires_at_the_first_hour_mark_of_its_deadlines(api_as, queue, monkeypatch):
    client = api_as("grid")
    ticket = queue[-1]
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(resolve_due=now + dt.timedelta(hours=2, minutes=30))
    body = client.get(URL).json()
    assert body["items"][0]["deadlines"]["due_text"] == "还剩 2 小时"
    later = now + dt.timedelta(minutes=31)  # past the mark 2 h before the deadline
    monkeypatch.setattr(timezone, "now", lambda: later)
    again = client.get(URL).json()["items"][0]["deadlines"]
    assert again["due_text"] == "还剩 1 小时" and not again["overdue"]
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(hours=2, minutes=31))
    overdue = client.get(URL).json()["items"][0]["deadlines"]
    assert overdue["due_text"] == "刚刚超期" and overdue["overdue"]


def test_deadline_texts_hold_until_the_instant_text_stable_until_names():
    rng = random.Random(8)
    base = timezone.now()
    for _ in range(2000):
        t = Ticket(
            status=Status.ACCEPTED, resolve_due=base + dt.timedelta(seconds=rng.randint(-10 * 86400, 10 * 86400))
        )
        now = base + dt.timedelta(microseconds=rng.randint(-(10**6), 10**6))
        until = text_stable_until(t, now=now)
        assert until is not None and until > now
        text = due_text(t, now=now)
        for probe in (now, until - dt.timedelta(microseconds=1), now + (until - now) / 2):
            assert due_text(t, now=probe) == text, (t.resolve_due, now, probe)
        assert until - now <= dt.timedelta(hours=1)
    on_the_mark = Ticket(status=Status.ACCEPTED, resolve_due=base)
    assert text_stable_until(on_the_mark, now=base) == base  # a mark reached exactly is not cached
    assert due_text(on_the_mark, now=base) == "不到 1 小时到期"
    assert due_text(on_the_mark, now=base + dt.timedelta(microseconds=1)) == "刚刚超期"
    assert text_stable_until(Ticket(status=Status.CLOSED, resolve_due=base), now=base) is None


def test_the_list_answer_is_what_the_schema_says(api_as, queue):
    from linli.tickets.api import TicketListOut

    body = api_as("grid").get(URL).json()
    assert TicketListOut.model_validate(body).model_dump(mode="json")["items"][0]["id"] == body["items"][0]["id"]
