"""Races on PostgreSQL (real concurrent connections): two payments out of the same shared income at once — only
the one the balance covers goes through, and the balance never goes below zero; two staff publishing the same
quarter at once — one 公示."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from linli.commons.models import Entry, Ledger, Notice
from tests.test_races_review_s12 import _race, _slow_audit, _user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world() -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    from linli.places.models import Place
    from tests.browser.conftest import reseed_reference_data
    from tests.conftest import build_demo

    if not Place.objects.exists():
        reseed_reference_data()
        build_demo()
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    return {"compound": compound, "community": _user("community"), "street": _user("street")}


def test_two_payments_at_once_never_take_the_balance_below_zero(world: dict[str, Any], monkeypatch: Any) -> None:
    from linli.commons import services as cs
    from tests.commons_support import income, owners_vote

    compound = world["compound"]
    income(world["community"], compound, 1_000_000)
    vote = owners_vote(world["community"], compound)
    _slow_audit(monkeypatch, "linli.commons.services")
    today = timezone.localdate()

    def pay(i: int) -> None:
        cs.entry_record(
            actor=_user("community" if i == 0 else "street"),
            compound=compound,
            fields=cs.EntryFields(
                kind="distribution", category="dividend", amount_fen=600_000, occurred_on=today,
                summary=f"业主分红 {i}", vote=vote,
            ),
        )  # fmt: skip

    assert _race(pay, n=2) == ["InvalidInput", "ok"]
    ledger = Ledger.objects.get(compound=compound)
    assert ledger.balance_fen == 400_000 and ledger.distributed_fen == 600_000
    assert Entry.objects.filter(ledger=ledger, kind="distribution").count() == 1


def test_two_publications_of_the_same_quarter_at_once_publish_it_once(world: dict[str, Any], monkeypatch: Any) -> None:
    from linli.commons.services_notices import notice_publish
    from tests.commons_support import income, last_quarter

    compound = world["compound"]
    year, quarter, first, last = last_quarter()
    income(world["community"], compound, 500_000, occurred_on=last, period_start=first, period_end=last)
    _slow_audit(monkeypatch, "linli.commons.services_notices")
    outcomes = _race(
        lambda i: notice_publish(
            actor=_user("community" if i == 0 else "street"), compound=compound, year=year, quarter=quarter
        ),
        n=2,
    )
    assert outcomes == ["Conflict", "ok"]
    assert Notice.objects.filter(ledger__compound=compound, year=year, quarter=quarter).count() == 1
