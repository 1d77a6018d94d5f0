"""Races on PostgreSQL (real concurrent connections): two requests for the same shift's compensatory day, two
auto-schedule applies of the same plan, two desks taking the same person on the same day — one wins each time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from linli.rota.models import CompDay, DutyShift, ScheduleRun
from tests.rota_support import HOLIDAY_SAT, LABOUR_DAY, PLAIN_SUNDAY, WORKDAY, desk, freeze, secretary, staff_of
from tests.test_races_review_s12 import _race, _slow_audit, _user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(monkeypatch: Any) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    from linli.places.models import Place
    from tests.browser.conftest import reseed_reference_data
    from tests.conftest import build_demo

    if not Place.objects.exists():
        reseed_reference_data()
        build_demo()
    freeze(monkeypatch, dt.date(2026, 4, 27))
    community = Place.objects.filter(kind="community").order_by("path").first()
    worker = _user("community")
    return {"community": community, "worker": worker, "boss": secretary(community), "desk": desk(worker, community)}


def test_two_requests_for_the_same_shifts_day_off_at_once_one_wins(world: dict[str, Any], monkeypatch: Any) -> None:
    from linli.rota import services_comp as sc

    the_desk, worker = world["desk"], world["worker"]
    earned = DutyShift.objects.create(
        desk=the_desk, place_path=the_desk.place_path, day=HOLIDAY_SAT, person_id=worker.person_id,
        starts_at=dt.time(9), ends_at=dt.time(17), rest_day=True, status="checked_in",
        checked_in_at=dt.datetime(2026, 5, 2, 9, tzinfo=dt.UTC), comp_until=dt.date(2026, 6, 1),
    )  # fmt: skip
    _slow_audit(monkeypatch, "linli.rota.services_comp")
    days = [WORKDAY, WORKDAY + dt.timedelta(days=1)]
    outcomes = _race(lambda i: sc.comp_request(actor=_user("community"), shift=earned, day=days[i]), n=2)
    assert outcomes == ["Conflict", "ok"]
    assert CompDay.objects.filter(shift=earned).count() == 1


def test_two_applies_of_the_same_plan_at_once_schedule_it_once(world: dict[str, Any], monkeypatch: Any) -> None:
    from linli.rota import services_schedule as sch

    boss, the_desk = world["boss"], world["desk"]
    plan = sch.schedule_preview(actor=boss, desk=the_desk, since=LABOUR_DAY, until=PLAIN_SUNDAY)
    _slow_audit(monkeypatch, "linli.rota.services_schedule")
    outcomes = _race(
        lambda i: sch.schedule_apply(
            actor=_user(boss.username), desk=the_desk, since=LABOUR_DAY, until=PLAIN_SUNDAY,
            token=plan.token, idempotency_key=f"tab-{i}",
        ),
        n=2,
    )  # fmt: skip
    assert outcomes == ["Conflict", "ok"]
    assert ScheduleRun.objects.count() == 1
    assert DutyShift.objects.filter(desk=the_desk).count() == len(plan.proposals)


def test_two_desks_taking_the_same_person_the_same_day_at_once_one_wins(
    world: dict[str, Any], monkeypatch: Any
) -> None:
    from linli.places.models import Place
    from linli.rota import services_shifts as ss

    street = Place.objects.get(kind="street")
    street_user = _user("street")
    desks = [desk(street_user, world["community"]), desk(street_user, street)]
    person = staff_of(street, "street_staff")[0]
    _slow_audit(monkeypatch, "linli.rota.services_shifts")
    outcomes = _race(lambda i: ss.shift_add(actor=_user("street"), desk=desks[i], person=person, day=HOLIDAY_SAT), n=2)
    assert outcomes == ["Conflict", "ok"]
    assert DutyShift.objects.filter(person=person, day=HOLIDAY_SAT).count() == 1
