"""The figures of a street's lists and the review of tasks pushed down: exact counts from the records, in a period,
per department, and on the street dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.duties import selectors as sel
from linli.duties import services as s
from linli.duties import services_tasks as st
from linli.duties.models import PushedTask
from tests.duties_support import duty, entry, task

pytestmark = pytest.mark.django_db


def _world(actor: Any, street: Any) -> None:
    """4 duties (1 cancelled), 2 entries in force; 民政局 3 tasks (accepted, returned, waiting), 应急局 2 (approved,
    returned)."""
    for title in ("社会救助", "养老服务", "退役军人服务"):
        duty(actor, street, title)
    s.duty_cancel(actor=actor, duty=duty(actor, street, "统计调查"), reason="上收")
    on_list = entry(actor, street)
    entry(actor, street, "防汛值守", department_name="区应急管理局")
    st.task_accept(actor=actor, task=task(actor, street, "低保复核", entry=on_list))
    st.task_return(actor=actor, task=task(actor, street, "企业用工台账"), reason="部门自身职责")
    task(actor, street, "困难群众走访")
    approved = task(actor, street, "汛前排查", department_name="区应急管理局")
    st.task_approve(actor=actor, task=approved, approval_ref="纪要〔2026〕1号", note="同意")
    st.task_return(actor=actor, task=task(actor, street, "应急演练台账", department_name="区应急管理局"), reason="x")


def test_the_figures_count_items_in_force_and_each_decision_exactly(users: Any, places: Any) -> None:
    _world(users["street"], places.street)
    today = timezone.localdate()
    f = sel.figures(places.street, since=today, until=today)
    assert (f.duties_in_force, f.entries_in_force) == (3, 2)
    assert (f.registered, f.accepted, f.approved, f.returned, f.pending) == (5, 1, 1, 2, 1)
    assert f.decided == 4 and f.return_rate == 0.5
    rows = {d.department: d for d in f.departments}
    assert (rows["区民政局"].registered, rows["区民政局"].accepted, rows["区民政局"].returned) == (3, 1, 1)
    assert rows["区民政局"].return_rate == 0.5
    assert (rows["区应急管理局"].approved, rows["区应急管理局"].returned, rows["区应急管理局"].return_rate) == (
        1,
        1,
        0.5,
    )


def test_tasks_registered_or_decided_outside_the_period_are_not_counted_in_it(users: Any, places: Any) -> None:
    _world(users["street"], places.street)
    last_year = timezone.localdate().replace(month=1, day=1) - dt.timedelta(days=1)
    PushedTask.objects.filter(title="低保复核").update(
        created_at=timezone.now().replace(year=last_year.year), decided_at=timezone.now().replace(year=last_year.year)
    )
    today = timezone.localdate()
    f = sel.figures(places.street, since=today.replace(month=1, day=1), until=today)
    assert (f.registered, f.accepted, f.returned) == (4, 0, 2)
    old = sel.figures(places.street, since=last_year.replace(month=1, day=1), until=last_year)
    assert (old.registered, old.accepted, old.pending) == (1, 1, 1)  # pending is as of now, whatever the period


def test_a_street_without_decisions_has_no_return_rate(users: Any, places: Any) -> None:
    task(users["street"], places.street)
    today = timezone.localdate()
    f = sel.figures(places.street, since=today, until=today)
    assert f.return_rate is None and f.pending == 1


def test_the_figures_cost_two_queries_however_many_tasks(
    users: Any, places: Any, django_assert_num_queries: Any
) -> None:
    _world(users["street"], places.street)
    today = timezone.localdate()
    with django_assert_num_queries(2):
        sel.figures(places.street, since=today, until=today)
    for n in range(10):
        task(users["street"], places.street, f"新任务{n}", department_name=f"部门{n}")
    with django_assert_num_queries(2):
        sel.figures(places.street, since=today, until=today)


def test_the_street_dashboard_shows_the_return_rate_tile_to_street_staff(
    users: Any, places: Any, client_as: Any
) -> None:
    _world(users["street"], places.street)
    page = client_as("street").get(f"/insights/?node={places.street.pk}").content.decode()
    assert 'data-figure="duty_return_rate"' in page
    assert "50.0%" in page and "职责清单 3 项" in page


def test_the_dashboard_of_a_community_shows_no_street_tile(users: Any, places: Any, client_as: Any) -> None:
    page = client_as("community").get(f"/insights/?node={places.communities[0].pk}")
    assert 'data-figure="duty_return_rate"' not in page.content.decode()
