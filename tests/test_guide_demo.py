"""The demo's service lists: every community publishes 12–18 realistic items; the first has a second version."""

from __future__ import annotations

import random
from typing import Any

import pytest

from linli.guide.demo import build_demo_guide
from linli.guide.models import ItemStatus, ListPublication, ServiceItem

pytestmark = pytest.mark.django_db


def test_every_community_gets_a_published_list_and_the_first_a_second_version(places: Any) -> None:
    build_demo_guide(random.Random(7))

    for n, community in enumerate(places.communities):
        versions = list(ListPublication.objects.filter(community=community).order_by("number"))
        assert [v.number for v in versions] == ([1, 2] if n == 0 else [1])
        assert 12 <= versions[0].item_count <= 18
    first = places.communities[0]
    assert ServiceItem.objects.filter(community=first, status=ItemStatus.WITHDRAWN).count() == 1
    assert ServiceItem.objects.filter(community=first, revised_at__isnull=False).exists()


def test_building_the_demo_again_changes_nothing(places: Any) -> None:
    build_demo_guide(random.Random(7))
    count = ServiceItem.objects.count()
    build_demo_guide(random.Random(8))
    assert ServiceItem.objects.count() == count
