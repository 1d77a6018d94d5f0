"""The demo's register: every community's secretary and workers with grades, a leaver and a promotion in the first
community, and two sessions per street (one 全科社工); the hook the demo builder runs on the bigger sizes."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from linli.workforce.demo import build_demo_workforce
from linli.workforce.models import Attendance, Training, Worker, WorkerEvent
from linli.workforce.selectors import figures

pytestmark = pytest.mark.django_db


def test_every_community_gets_its_workers_and_the_street_two_sessions(places: Any, users: Any) -> None:
    build_demo_workforce(random.Random(7))
    for community in places.communities:
        here = Worker.objects.filter(place=community, left_on__isnull=True)
        assert here.filter(post="secretary").count() == 1 and here.count() >= 3
        assert all(1 <= w.grade <= 18 for w in here)
    assert Worker.objects.filter(left_on__isnull=False, leave_reason="resigned").count() == 1
    assert WorkerEvent.objects.filter(kind="changed").count() == 1
    assert set(Training.objects.values_list("topic", flat=True)) == {"generalist", "policy"}
    assert Attendance.objects.count() > 0
    f = figures(users["street"], places.street, on=_today(), since=_today() - dt.timedelta(days=60), until=_today())
    assert f.active >= 3 * len(places.communities) and f.sessions == 2 and f.attendances == Attendance.objects.count()


def test_running_the_demo_again_adds_nothing(places: Any) -> None:
    build_demo_workforce(random.Random(7))
    counts = [Worker.objects.count(), WorkerEvent.objects.count(), Training.objects.count(), Attendance.objects.count()]
    build_demo_workforce(random.Random(7))
    assert [
        Worker.objects.count(),
        WorkerEvent.objects.count(),
        Training.objects.count(),
        Attendance.objects.count(),
    ] == counts


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()
