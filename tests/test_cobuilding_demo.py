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


def test_the_demo_files_property_requests_under_a_property_category_so_the_credit_file_has_figures(
    places: object,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from linli.cobuilding.selectors import credit_file
    from linli.tickets.demo import build_demo_tickets
    from linli.tickets.models import Category, Ticket

    build_demo_tickets(random.Random(4), count=120, days=60)
    build_demo_cobuilding(random.Random(3))
    top = Category.objects.get(parent=None, name="物业服务")
    assert top.default_unit_type == "property_company"
    assert set(top.children.values_list("default_unit_type", flat=True)) == {"property_company"}
    filed = Ticket.objects.filter(category__parent=top)
    assert filed.exists()
    today = timezone.localdate()
    with_figures = 0
    for company in Organisation.objects.filter(kind="property_company"):
        served = [c.path for c in company.serves.all()]
        mine = [t for t in filed if any(t.place_path.startswith(p) for p in served)]
        report = credit_file(company, since=today - dt.timedelta(days=90), until=today)
        assert report.figures.received == len(mine)
        with_figures += report.figures.received > 0
    assert with_figures >= 1
