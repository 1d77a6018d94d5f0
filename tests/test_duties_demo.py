"""The demo street's offices, lists and pushed-down tasks (the hook the demo builder runs on the bigger sizes)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from linli.duties.demo import build_demo_duties
from linli.duties.models import EntryItem, ListedDuty, PushedTask, StreetOffice

pytestmark = pytest.mark.django_db


def test_the_demo_street_gets_eight_offices_real_sounding_lists_and_tasks_in_every_state(places: Any) -> None:
    build_demo_duties(random.Random(7))
    street = places.street
    assert StreetOffice.objects.filter(street=street, active=True).count() == 8
    assert 10 <= ListedDuty.objects.filter(street=street, status="in_force").count() <= 30
    assert 5 <= EntryItem.objects.filter(street=street, status="in_force").count() <= 20
    states = set(PushedTask.objects.filter(street=street).values_list("status", flat=True))
    assert states == {"registered", "accepted", "approved", "returned"}
    assert EntryItem.objects.filter(street=street, department__isnull=False).exists()  # linked to the registry


def test_running_the_demo_again_adds_nothing(places: Any) -> None:
    build_demo_duties(random.Random(7))
    counts = [m.objects.count() for m in (StreetOffice, ListedDuty, EntryItem, PushedTask)]
    build_demo_duties(random.Random(7))
    assert [m.objects.count() for m in (StreetOffice, ListedDuty, EntryItem, PushedTask)] == counts


def test_the_demo_builder_runs_the_duties_hook() -> None:
    from linli.core.demo.builder import DEMO_HOOKS

    assert "linli.duties.demo:build_demo_duties" in DEMO_HOOKS
