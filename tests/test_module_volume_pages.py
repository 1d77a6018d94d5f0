"""The module pages that module volume showed paying for more than they read (bench/pages_at_scale.py on the 1M
database with generate_module_volume): their statements do not grow with the rows, and the rewritten reads give
the figures their definitions give (docs/metrics.md), counted by hand from the same rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.scale.volume import generate_module_volume
from linli.places.models import Household, Place, PlaceKind
from linli.visits.coverage import coverage, quota_progress
from linli.visits.figures import compute_figures
from linli.visits.models import Visit

pytestmark = pytest.mark.django_db


def _street() -> Place:
    return Place.objects.get(kind=PlaceKind.STREET)


def _statements(call: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_visit_figures_are_two_grouped_statements_and_the_total_is_its_groups(users: dict[str, Any]) -> None:
    street = _street()
    today = timezone.localdate()
    since = today - dt.timedelta(days=300)
    few = _statements(lambda: compute_figures(street, since, today))
    generate_module_volume(years=1, seed=5)
    many = _statements(lambda: compute_figures(street, since, today))
    assert many == few <= 3  # the children, the visits by child, the findings by child
    for node in (street, *Place.objects.filter(kind=PlaceKind.COMMUNITY)):
        report = compute_figures(node, since, today)
        visits = [
            v
            for v in Visit.objects.filter(place_path__startswith=node.path)
            if since <= timezone.localtime(v.visited_at).date() <= today
        ]
        # the distinct households of the whole node, not a sum that could count one twice
        assert report.total.households == len({v.household_id for v in visits if v.household_id}) > 0
        assert report.total.visits == len(visits) == sum(f.visits for _c, f in report.children)
        assert report.total.problems_found == sum(f.problems_found for _c, f in report.children)


def test_coverage_reads_as_many_statements_for_a_year_of_visits_as_for_none(users: dict[str, Any]) -> None:
    street = _street()
    admin = users["admin"]
    few = _statements(lambda: coverage(admin, street))
    generate_module_volume(years=1, seed=6)
    with CaptureQueriesContext(connection) as queries:
        result = coverage(admin, street)
    assert len(queries) <= few + 2  # key households and their last visits are read only when there are any
    assert all(len(q["sql"]) < 5000 for q in queries.captured_queries), "no statement lists every household"
    now = timezone.now()
    households = Household.objects.filter(place_path__startswith=street.path)
    recent = Visit.objects.filter(household=OuterRef("pk"), visited_at__gte=now - dt.timedelta(days=90))
    assert result.visited_90 == households.filter(Exists(recent)).count() > 0
    # quota progress with the key households the page read is quota progress reading them itself
    alone = quota_progress(admin, street)
    assert [(q.person_id, q.rule.pk, q.done, q.target) for q in result.progress] == [
        (q.person_id, q.rule.pk, q.done, q.target) for q in alone
    ]
    assert any(q.done for q in alone)
    assert result.key
    for key in result.key:
        visits = Visit.objects.filter(household=key.household)
        assert key.last_visit_at == max((v.visited_at for v in visits), default=None)
        plan = getattr(key.household, "care_plan", None)
        if plan is not None:
            assert (key.frequency_days, key.responsible) == (plan.frequency_days, plan.responsible.name)


def test_the_reporting_assessment_is_the_sum_of_its_members(users: dict[str, Any]) -> None:
    from linli.volunteering.selectors_reporting import assessment_members, reporting_assessment

    generate_module_volume(years=1, seed=7)
    street = _street()
    year = timezone.localdate().year
    assessment = reporting_assessment(street, year=year)
    assert assessment.total is not None and assessment.total.reported > 0
    for row in assessment.communities:
        members, cursor = [], None
        while True:
            page = assessment_members(row.community, year=year, cursor=cursor, limit=2)
            members += page.items
            if page.next is None:
                break
            cursor = page.next
        assert row.community.name == Place.objects.get(pk=row.community.pk).name
        assert row.reported == len(members)
        assert row.services == sum(m.services for m in members)
        assert row.hours == sum((m.hours for m in members), Decimal(0))
        assert row.points == sum(m.points for m in members)
        assert row.met == sum(1 for m in members if m.met)
        assert row.assessed == sum(1 for m in members if m.met is not None)


def test_my_visits_list_takes_the_same_statements_with_no_visits_of_mine_among_many(
    users: dict[str, Any], client_as: Any
) -> None:
    admin = client_as("admin")
    few = _statements(lambda: admin.get("/visits/"))
    generate_module_volume(years=1, seed=8)
    assert not Visit.objects.filter(visitor=users["admin"]).exists() and Visit.objects.count() > 1000
    with CaptureQueriesContext(connection) as queries:
        page = admin.get("/visits/")
    assert page.status_code == 200 and len(queries) == few


def test_the_indexes_the_pages_read_by_are_there() -> None:
    """(visitor, id): a user's own visits newest first without walking the table by primary key; confirmed_at:
    the dashboards' services in a period without reading every sign-up of every year (EXPLAIN in
    /tmp/module_volume_report.md)."""
    with connection.cursor() as cursor:
        visits = connection.introspection.get_constraints(cursor, "visits_visit")
        signups = connection.introspection.get_constraints(cursor, "volunteering_signup")
    assert any(c["index"] and c["columns"] == ["visitor_id", "id"] for c in visits.values())
    assert any(c["index"] and c["columns"] == ["confirmed_at"] for c in signups.values())
