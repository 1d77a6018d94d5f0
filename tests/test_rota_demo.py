"""The demo's 七天不打烊 (the hook the demo builder runs on the bigger sizes): a desk per community, the last weeks
kept, the next weeks scheduled, a compensatory day waiting for the secretary."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from linli.rota.days import rest_days
from linli.rota.demo import build_demo_rota
from linli.rota.models import CompDay, CompStatus, DutyDesk, DutyShift, ScheduleRun
from tests.rota_support import TODAY, freeze

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch: Any) -> None:
    freeze(monkeypatch, TODAY)


def test_every_demo_community_gets_a_desk_with_past_and_coming_rest_days_on_duty(users: Any, places: Any) -> None:
    build_demo_rota(random.Random(7))
    desks = list(DutyDesk.objects.order_by("place_path"))
    assert [d.place_id for d in desks] == [c.pk for c in places.communities]
    assert all(d.phone.startswith("0551-6") and len(d.phone) == 13 for d in desks)
    past = rest_days(TODAY - dt.timedelta(days=21), TODAY - dt.timedelta(days=1))
    ahead = rest_days(TODAY, TODAY + dt.timedelta(days=27))
    for d in desks:
        days = set(DutyShift.objects.filter(desk=d).values_list("day", flat=True))
        assert set(past) | set(ahead) == days
    states = {s.state_on(TODAY) for s in DutyShift.objects.all()}
    assert states == {"checked_in", "missed", "planned"}
    assert ScheduleRun.objects.count() == len(desks)
    comp = CompDay.objects.get()
    assert comp.person_id == users["community"].person_id and comp.status == CompStatus.PENDING


def test_running_the_demo_again_adds_nothing() -> None:
    build_demo_rota(random.Random(7))
    counts = [m.objects.count() for m in (DutyDesk, DutyShift, CompDay, ScheduleRun)]
    build_demo_rota(random.Random(7))
    assert [m.objects.count() for m in (DutyDesk, DutyShift, CompDay, ScheduleRun)] == counts


def test_the_demo_builder_runs_the_rota_hook() -> None:
    from linli.core.demo.builder import DEMO_HOOKS

    assert "linli.rota.demo:build_demo_rota" in DEMO_HOOKS
