"""count_together: several counts in one statement, each equal to its queryset's own count()."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Q

from linli.core.counting import count_together
from linli.places.models import Household, Place, PlaceKind

pytestmark = pytest.mark.django_db


def test_it_counts_each_queryset_in_one_query(places: Any, django_assert_num_queries: Any) -> None:
    compound = places.compounds[0]
    querysets = {
        "households": Household.objects.filter(place_path__startswith=compound.path),
        "compounds": Place.objects.filter(kind=PlaceKind.COMPOUND),
        "none": Place.objects.filter(pk=-1),
        "distinct": Household.objects.filter(Q(room__startswith="1") | Q(room__startswith="2")).distinct(),
        "sliced_order_ignored": Place.objects.order_by("-path"),
    }
    expected = {name: qs.count() for name, qs in querysets.items()}
    assert expected["households"] > 0 and expected["compounds"] > 0
    with django_assert_num_queries(1):
        assert count_together(**querysets) == expected


def test_it_asks_nothing_for_nothing(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert count_together() == {}
