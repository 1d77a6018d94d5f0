"""The one "may manage / may lead at this node" check (``linli.core.scoping.may_manage_at`` and ``may_lead_at``):
a position at or above the node with admin or manage (and, to lead, lead), never an empty path."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from linli.core.scoping import may_lead_at, may_manage_at
from linli.people.positions import POSITION_KINDS, PositionKind

pytestmark = pytest.mark.django_db

# Every leader's position in the catalogue also manages; a kind that only leads shows the two checks apart.
LEAD_ONLY = PositionKind("test_lead_only", "只看数据的领导", frozenset({"lead"}), role="leader")


@pytest.fixture
def lead_only_kind(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(POSITION_KINDS, LEAD_ONLY.code, LEAD_ONLY)
    return LEAD_ONLY.code


@pytest.fixture
def sibling_street(places: Any) -> Any:
    from linli.places.models import Place

    district = Place.objects.get(path=places.street.path[: Place.steplen])
    return Place.objects.add_child(district, create_kwargs={"name": "隔壁街道", "kind": "street"})


def _holder(username: str, kind: str, place: Any) -> Any:
    from linli.accounts.models import User
    from linli.people.models import Person, Position

    person = Person.objects.create(name=username, place=place, place_path=place.path)
    Position.objects.create(
        person=person, kind=kind, place=place, place_path=place.path, start_date=dt.date(2025, 1, 1)
    )
    return User.objects.create_user(username=username, person=person)


def test_a_street_manager_may_manage_at_a_community_below_the_street(places):
    manager = _holder("street-manager", "street_staff", places.street)
    assert may_manage_at(manager, places.communities[0].path)
    assert may_manage_at(manager, places.street.path)


def test_a_street_manager_may_not_manage_at_a_sibling_street(places, sibling_street):
    manager = _holder("street-manager", "street_staff", places.street)
    assert not may_manage_at(manager, sibling_street.path)
    assert not may_lead_at(manager, sibling_street.path)


def test_a_manager_also_may_lead(places):
    manager = _holder("street-manager", "street_staff", places.street)
    assert may_lead_at(manager, places.communities[0].path)


def test_a_leader_may_lead_but_not_manage(places, lead_only_kind):
    leader = _holder("street-reader", lead_only_kind, places.street)
    community = places.communities[0].path
    assert may_lead_at(leader, community)
    assert not may_manage_at(leader, community)


def test_a_grid_worker_may_neither_manage_nor_lead(places):
    worker = _holder("grid-hand", "grid_worker", places.street)
    assert not may_manage_at(worker, places.communities[0].path)
    assert not may_lead_at(worker, places.communities[0].path)


def test_an_empty_path_is_never_managed_or_led_even_by_a_superuser(places):
    from linli.accounts.models import User

    manager = _holder("street-manager", "street_staff", places.street)
    root = User.objects.create_user(username="root", is_superuser=True, is_staff=True)
    for user in (manager, root):
        assert not may_manage_at(user, "")
        assert not may_lead_at(user, "")


def test_a_superuser_may_both_manage_and_lead_anywhere(places, sibling_street):
    from linli.accounts.models import User

    root = User.objects.create_user(username="root", is_superuser=True, is_staff=True)
    for path in (places.street.path, places.communities[0].path, sibling_street.path):
        assert may_manage_at(root, path)
        assert may_lead_at(root, path)
