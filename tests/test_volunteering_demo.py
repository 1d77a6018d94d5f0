"""The demo builder adds consistent volunteering records to the demo street."""

from __future__ import annotations

import random

from django.db.models import Sum

from linli.volunteering.demo import build_demo_volunteering
from linli.volunteering.models import Activity, PointAccount, PointEntry, Station, Team, Wish
from linli.volunteering.points import ledger_consistent


def test_the_demo_adds_teams_activities_wishes_and_a_consistent_ledger(db, places):
    build_demo_volunteering(random.Random(7))
    assert Team.objects.count() >= 2 and Station.objects.exists() and Activity.objects.count() >= 8
    wishes = Wish.objects.count()
    fulfilled = Wish.objects.filter(fulfilled_at__isnull=False).count()
    assert wishes >= 40 and 0.6 < fulfilled / wishes < 1
    accounts = list(PointAccount.objects.all())
    assert accounts and all(ledger_consistent(a) for a in accounts)
    assert PointEntry.objects.aggregate(s=Sum("amount"))["s"] == sum(a.balance for a in accounts)
