"""The co-building demo hook builds consistent data on the small demo street."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from linli.cobuilding.demo import build_demo_cobuilding
from linli.cobuilding.models import Fund, FundEntry, ListEntry, Rating, RatingResponse
from linli.core.identifiers import validate_uscc
from linli.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_demo_hook_builds_rated_companies_lists_and_funded_branches() -> None:
    build_demo_cobuilding(random.Random(3))
    ratings = list(Rating.objects.all())
    assert ratings and all(r.stars and 1 <= r.stars <= 5 for r in ratings)
    assert all(RatingResponse.objects.filter(rating=r, rater="branch").count() == 1 for r in ratings)
    for entry in ListEntry.objects.select_related("rating"):
        assert (entry.kind == "red") == (entry.rating.stars == 5)
    for org in Organisation.objects.filter(kind="property_company"):
        assert validate_uscc(org.uscc) == org.uscc
    for fund in Fund.objects.all():
        balance = FundEntry.objects.filter(fund=fund).aggregate(s=Sum("amount"))["s"]
        assert Decimal(0) <= balance <= Decimal(5000)
