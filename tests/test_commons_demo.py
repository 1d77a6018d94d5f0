"""The demo's shared income: ledgers in the first compound of each community of the first street, with parking,
advertising and rent income, reasonable costs, a routine repair, a reversal, last quarter published, and in the
first compound an owners' vote and the 分红 it approved (seed 002); the hook the demo builder runs on the bigger
sizes."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from linli.commons import selectors as sel
from linli.commons.demo import build_demo_commons
from linli.commons.models import Entry, Ledger, Notice

pytestmark = pytest.mark.django_db


def test_the_demo_keeps_ledgers_publishes_last_quarter_and_shares_income_out(places: Any, users: Any) -> None:
    build_demo_commons(random.Random(7))
    ledgers = list(Ledger.objects.order_by("place_path"))
    assert len(ledgers) == len(places.communities)
    for ledger in ledgers:
        total = sum(e.effect_fen for e in Entry.objects.filter(ledger=ledger))
        assert ledger.balance_fen == total > 0
        assert Entry.objects.filter(ledger=ledger, reverses__isnull=False).count() == 1
        assert Entry.objects.filter(ledger=ledger, kind="spending").exclude(approval_note="").exists()
        assert Notice.objects.filter(ledger=ledger).count() == 1
    first = ledgers[0]
    dividend = Entry.objects.get(ledger=first, kind="distribution")
    assert dividend.vote is not None and dividend.vote.rule == "art278_ordinary"
    today = sel.default_period()[1]
    f = sel.figures(users["street"], places.street, today - dt.timedelta(days=400), today)
    assert f.with_income >= 1 and f.published_this_quarter == len(places.communities)
    build_demo_commons(random.Random(7))  # again: nothing new
    assert Entry.objects.count() == sum(g.entries_count for g in Ledger.objects.all())
    assert Ledger.objects.count() == len(ledgers)
