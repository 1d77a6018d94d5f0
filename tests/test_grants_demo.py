"""The demo street's 公益创投 round (the hook the demo builder runs on the bigger sizes): six applications in every
state, figures that add up, and running it again adds nothing."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from linli.grants import selectors as sel
from linli.grants.demo import build_demo_grants
from linli.grants.models import Disbursement, GrantProject, GrantRound, ProgressReport

pytestmark = pytest.mark.django_db


def test_the_demo_street_gets_a_round_with_applications_in_every_state(users: Any, places: Any) -> None:
    build_demo_grants(random.Random(7))
    round_ = GrantRound.objects.get(node=places.street)
    assert round_.status == "reviewing"
    projects = GrantProject.objects.filter(round=round_)
    assert projects.count() == 6
    assert set(projects.values_list("status", flat=True)) == {
        "submitted",
        "rejected",
        "approved",
        "completed",
        "terminated",
    }
    assert round_.granted_fen == projects.aggregate(n=Sum("granted_fen"))["n"] <= round_.budget_fen
    for p in projects:
        paid = Disbursement.objects.filter(project=p).aggregate(n=Sum("amount_fen"))["n"] or 0
        served = ProgressReport.objects.filter(project=p).aggregate(n=Sum("beneficiaries"))["n"] or 0
        assert (p.paid_fen, p.served_total) == (paid, served)
    today = timezone.localdate()
    f = sel.figures(users["street"], places.street, since=today.replace(month=1, day=1), until=today)
    assert (f.registered, f.approved, f.rejected, f.completed, f.terminated) == (6, 4, 1, 1, 1)
    assert f.beneficiaries == 916 and f.organisations == 4


def test_running_the_demo_again_adds_nothing() -> None:
    build_demo_grants(random.Random(7))
    counts = [m.objects.count() for m in (GrantRound, GrantProject, ProgressReport, Disbursement)]
    build_demo_grants(random.Random(8))
    assert [m.objects.count() for m in (GrantRound, GrantProject, ProgressReport, Disbursement)] == counts


def test_the_demo_builder_runs_the_grants_hook() -> None:
    from linli.core.demo.builder import DEMO_HOOKS

    assert "linli.grants.demo:build_demo_grants" in DEMO_HOOKS
    assert DEMO_HOOKS.index("linli.grants.demo:build_demo_grants") < DEMO_HOOKS.index(
        "linli.insights.demo:build_demo_insights"
    )
