"""The rota's figures, exactly as defined in ``rota.selectors.figures``: rest days by the calendar, covered desk-days,
休息日值守率, check-in rate, and compensatory days split into taken / pending / expired / outstanding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from linli.core.errors import NotFound
from linli.rota import selectors as sel
from linli.rota import services_comp as sc
from linli.rota import services_shifts as ss
from linli.rota.models import DutyDesk
from tests.rota_support import (
    HOLIDAY_MON,
    HOLIDAY_SAT,
    HOLIDAY_SUN,
    HOLIDAY_TUE,
    LABOUR_DAY,
    MAKEUP_SATURDAY,
    PLAIN_SUNDAY,
    TODAY,
    account,
    colleague,
    desk,
    freeze,
    secretary,
    shift,
    staff_of,
)

pytestmark = pytest.mark.django_db
AFTER = dt.date(2026, 5, 11)  # Monday after the holiday


@pytest.fixture
def month(users: Any, places: Any, monkeypatch: Any) -> dict[str, Any]:
    """1–10 May 2026 at the first community's desk (A) and the street's desk (B, a 2-day window)."""
    freeze(monkeypatch, TODAY)
    community = places.communities[0]
    worker, other, boss = users["community"], colleague(users, community), secretary(community)
    street_staff = account(staff_of(places.street, "street_staff")[0], "street-staff")
    a = desk(worker, community)
    b = desk(users["street"], places.street, comp_window_days=2)
    plan = {
        LABOUR_DAY: (a, worker, True),
        HOLIDAY_SAT: (a, other, True),
        HOLIDAY_SUN: (a, worker, False),  # missed
        HOLIDAY_MON: (a, boss, True),
        MAKEUP_SATURDAY: (a, other, True),  # a workday shift: not counted
    }
    shifts = {day: shift(worker, d, who.person, day) for day, (d, who, _) in plan.items()}
    b_shift = shift(users["street"], b, street_staff.person, LABOUR_DAY)
    for day, (_d, who, attends) in sorted(plan.items()):
        freeze(monkeypatch, day)
        if attends:
            ss.shift_check_in(actor=who, shift=shifts[day])
        if day == LABOUR_DAY:
            ss.shift_check_in(actor=street_staff, shift=b_shift)
    freeze(monkeypatch, HOLIDAY_TUE)
    taken, _ = sc.comp_request(actor=worker, shift=shifts[LABOUR_DAY], day=dt.date(2026, 5, 6))
    sc.comp_approve(actor=boss, comp=taken)
    sc.comp_request(actor=other, shift=shifts[HOLIDAY_SAT], day=dt.date(2026, 5, 7))
    freeze(monkeypatch, AFTER)
    return {"a": a, "b": b}


def test_the_street_figures_count_every_desk_under_it(users: Any, places: Any, month: dict[str, Any]) -> None:
    f = sel.figures(users["street"], places.street, LABOUR_DAY, PLAIN_SUNDAY)
    assert f.rest_days == 6  # 1–5 May and Sunday 10 May; Saturday 9 May is a make-up workday
    assert len(f.desks) == 2
    assert f.covered == 4 and f.coverage_rate == round(4 / 12, 4)
    assert (f.shifts, f.checked_in, f.check_in_rate) == (5, 4, 0.8)
    assert (f.earned, f.taken, f.pending, f.expired, f.outstanding) == (4, 1, 1, 1, 1)
    assert f.earned == f.taken + f.pending + f.expired + f.outstanding
    rows = {d.desk.pk: d for d in f.desks}
    a, b = rows[month["a"].pk], rows[month["b"].pk]
    assert (a.covered, a.coverage_rate, a.shifts, a.checked_in, a.check_in_rate) == (3, 0.5, 4, 3, 0.75)
    assert (a.earned, a.taken, a.pending, a.expired, a.outstanding) == (3, 1, 1, 0, 1)
    assert (b.covered, b.shifts, b.earned, b.expired, b.outstanding) == (1, 1, 1, 1, 0)


def test_a_rest_day_counts_as_covered_only_with_the_required_number_checked_in(
    users: Any, places: Any, month: dict[str, Any]
) -> None:
    DutyDesk.objects.filter(pk=month["a"].pk).update(required_people=2)
    f = sel.figures(users["community"], places.communities[0], LABOUR_DAY, PLAIN_SUNDAY)
    assert [d.desk.pk for d in f.desks] == [month["a"].pk]
    assert f.covered == 0 and f.coverage_rate == 0.0


def test_days_after_today_are_not_counted(users: Any, places: Any, month: dict[str, Any]) -> None:
    f = sel.figures(users["street"], places.street, LABOUR_DAY, dt.date(2026, 5, 31))
    assert f.end == AFTER and f.rest_days == 6


def test_a_period_without_desks_or_rest_days_has_no_rate(users: Any, places: Any, month: dict[str, Any]) -> None:
    none = sel.figures(users["street"], places.street, dt.date(2026, 5, 6), dt.date(2026, 5, 8))
    assert none.rest_days == 0 and none.coverage_rate is None and none.check_in_rate is None
    empty = sel.figures(users["street"], places.other_community, LABOUR_DAY, PLAIN_SUNDAY)
    assert empty.desks == [] and empty.coverage_rate is None


def test_figures_are_not_found_for_those_without_lead_or_manage_at_the_node(
    users: Any, places: Any, month: dict[str, Any]
) -> None:
    for who, node in [("grid", places.communities[0]), ("community", places.street), ("resident", places.street)]:
        with pytest.raises(NotFound):
            sel.figures(users[who], node, LABOUR_DAY, PLAIN_SUNDAY)


def test_the_figures_page_shows_the_rate_and_the_per_desk_table(
    client_as: Any, users: Any, places: Any, month: dict[str, Any]
) -> None:
    page = client_as("street").get(
        "/rota/figures/", {"node": places.street.pk, "since": "2026-05-01", "until": "2026-05-10"}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-figure="coverage_rate"><b>33.3%</b>' in text
    assert f'data-desk="{month["a"].pk}"' in text and f'data-desk="{month["b"].pk}"' in text
    bad = client_as("street").get("/rota/figures/", {"since": "2026-05-10", "until": "2026-05-01"})
    assert bad.status_code == 422 and 'data-field="since"' in bad.content.decode()
    assert client_as("grid").get("/rota/figures/").status_code == 403


def test_the_street_dashboard_shows_the_rest_day_coverage_of_its_desks(
    client_as: Any, places: Any, month: dict[str, Any]
) -> None:
    query = f"node={places.street.pk}&since={LABOUR_DAY}&until={PLAIN_SUNDAY}"
    page = client_as("street").get(f"/insights/?{query}").content.decode()
    tile = page.split('data-figure="rest_day_coverage"', 1)[1].split("</a>", 1)[0]
    assert "(4/12)" in tile and f"/rota/figures/?node={places.street.pk}" in page
    assert 'data-figure="rest_day_coverage"' not in client_as("grid").get("/insights/").content.decode()
