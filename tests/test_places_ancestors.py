"""Reading a place with every place above it in one statement (the intake's read, places.selectors)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.lookups import ancestor_paths, nearest_above
from linli.places.models import Place
from linli.places.selectors import place_and_ancestors

pytestmark = pytest.mark.django_db


def test_a_place_is_read_with_every_place_above_it_top_down(places):
    for place in [places.buildings[-1], places.grids[0], places.compounds[0], places.street]:
        expected = list(Place.objects.filter(path__in=ancestor_paths(place.path, Place.steplen)).order_by("depth"))
        with CaptureQueriesContext(connection) as ctx:
            got = place_and_ancestors(place_id=place.pk)
        assert len(ctx.captured_queries) == 1
        assert [p.pk for p in got] == [p.pk for p in expected] and got[-1] == place
        assert [(p.path, p.kind, p.name, p.lat, p.lng, p.boundary) for p in got] == [
            (p.path, p.kind, p.name, p.lat, p.lng, p.boundary) for p in expected
        ]


def test_the_deepest_kind_of_place_is_read_with_all_of_its_ancestors(places):
    unit = Place.objects.filter(kind="unit").order_by("-depth").first()
    assert unit is not None, "the demo street has units"
    assert [p.depth for p in place_and_ancestors(place_id=unit.pk)] == list(range(1, unit.depth + 1))


def test_an_unknown_place_reads_as_nothing(places):
    assert place_and_ancestors(place_id=10**9) == []


def test_the_nearest_setting_above_a_node_wins_and_the_root_covers_every_node():
    rows = [("", "root"), ("0001", "street"), ("00010002", "community"), ("0002", "other street")]
    assert nearest_above("000100020003", rows, lambda r: r[0]) == ("00010002", "community")
    assert nearest_above("00010005", rows, lambda r: r[0]) == ("0001", "street")
    assert nearest_above("0003", rows, lambda r: r[0]) == ("", "root")
    assert nearest_above("0003", rows[1:], lambda r: r[0]) is None
