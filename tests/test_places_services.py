"""Tree edits keep the tree whole: no cycles, no orphans, no wrong kinds; paths follow moves."""

from __future__ import annotations

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.people.models import Person
from linli.places.models import Household, Place, PlaceKind
from linli.places.selectors import counts_under
from linli.places.services import household_create, place_create, place_delete, place_move

pytestmark = pytest.mark.django_db


def test_community_staff_can_add_a_compound_in_their_community(users, places):
    node = place_create(actor=users["community"], parent=places.communities[0], kind="compound", name="新建小区")
    assert node.path.startswith(places.communities[0].path)
    assert AuditEvent.objects.filter(action="place.created", target_id=str(node.pk)).exists()


def test_it_refuses_a_kind_that_does_not_fit_under_the_parent(users, places):
    with pytest.raises(InvalidInput, match="社区下不能直接设立楼栋"):
        place_create(actor=users["community"], parent=places.communities[0], kind="building", name="1栋")


def test_it_refuses_an_empty_name(users, places):
    with pytest.raises(InvalidInput) as err:
        place_create(actor=users["community"], parent=places.communities[0], kind="compound", name="  ")
    assert err.value.field == "name"


def test_grid_workers_cannot_edit_the_tree(users, places):
    with pytest.raises(Forbidden):
        place_create(actor=users["grid"], parent=places.first_grid, kind="building", name="99栋")


def test_a_move_under_its_own_descendant_is_refused_as_a_cycle(users, places):
    compound = places.compounds[0]
    grid = Place.objects.filter(kind="grid", path__startswith=compound.path).first()
    with pytest.raises(Conflict, match="下级"):
        place_move(actor=users["admin"], node=compound, new_parent=grid)


def test_a_move_to_a_wrong_kind_of_parent_is_refused(users, places):
    building = places.buildings[0]
    with pytest.raises(InvalidInput):
        place_move(actor=users["admin"], node=building, new_parent=places.street)


def test_moving_a_building_carries_its_households_and_residents(users, places):
    building = places.buildings[0]
    target = places.other_grid
    households = Household.objects.filter(place_path__startswith=building.path).count()
    people = Person.objects.filter(place_path__startswith=building.path).count()
    assert households and people
    moved = place_move(actor=users["admin"], node=building, new_parent=target)
    assert moved.path.startswith(target.path)
    assert Household.objects.filter(place_path__startswith=moved.path).count() == households
    assert Person.objects.filter(place_path__startswith=moved.path).count() == people


def test_deleting_a_node_with_children_is_refused(users, places):
    with pytest.raises(Conflict, match="下级节点"):
        place_delete(actor=users["admin"], node=places.buildings[0])


def test_deleting_a_leaf_with_households_is_refused_so_nothing_is_orphaned(users):
    unit = Place.objects.filter(kind="unit", path__in=Household.objects.values("place_path")).first()
    with pytest.raises(Conflict, match="记录"):
        place_delete(actor=users["admin"], node=unit)


def test_an_empty_leaf_can_be_deleted(users, places):
    node = place_create(actor=users["admin"], parent=places.buildings[0], kind="unit", name="临时单元")
    place_delete(actor=users["admin"], node=node)
    assert not Place.objects.filter(pk=node.pk).exists()


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("street", "34019900100", "12位数字"),
        ("street", "340199001001", "000"),
        ("community", "340199001000", "末三位"),
        ("community", "340199999001", "应以所属街道代码"),
    ],
)
def test_division_codes_are_validated(users, places, kind, code, message):
    parent = places.street if kind == "community" else Place.objects.get_root_nodes().first()
    with pytest.raises(InvalidInput, match=message):
        place_create(actor=users["admin"], parent=parent, kind=kind, name="测试", code=code)


def test_a_valid_community_code_is_kept(users, places):
    node = place_create(
        actor=users["admin"], parent=places.street, kind="community", name="新社区", code=places.street.code[:9] + "099"
    )
    assert node.code.endswith("099")


def test_boundaries_must_be_geojson_polygons(users, places):
    with pytest.raises(InvalidInput, match="GeoJSON"):
        place_create(
            actor=users["admin"],
            parent=places.communities[0],
            kind="compound",
            name="x",
            boundary={"type": "Point", "coordinates": [117, 31]},
        )


def test_coordinates_out_of_range_are_refused(users, places):
    with pytest.raises(InvalidInput, match="纬度"):
        place_create(actor=users["admin"], parent=places.communities[0], kind="compound", name="x", lat=91, lng=117)


def test_households_need_a_room_and_a_unique_one(users, places):
    unit = Place.objects.filter(kind="unit", path__startswith=places.first_grid.path).first()
    household_create(actor=users["grid"], place=unit, room="9901", area_m2="88.5")
    with pytest.raises(Conflict, match="已登记"):
        household_create(actor=users["grid"], place=unit, room="9901")
    with pytest.raises(InvalidInput):
        household_create(actor=users["grid"], place=unit, room="9902", area_m2="-3")


def test_counts_for_siblings_take_three_queries_however_many(django_assert_num_queries, places):
    communities = places.communities
    with django_assert_num_queries(3):
        counts = counts_under(communities)
    total = sum(c.households for c in counts.values())
    assert total == Household.objects.count()
    assert counts[communities[0].pk].by_kind[PlaceKind.COMPOUND] >= 1


def test_a_node_counted_alone_reads_its_own_rows_and_gets_the_same_counts_as_beside_its_siblings(places):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    community = places.communities[0]
    beside = counts_under(places.communities)[community.pk]
    with CaptureQueriesContext(connection) as queries:
        alone = counts_under([community])[community.pk]
    assert (alone.households, alone.residents, alone.by_kind) == (beside.households, beside.residents, beside.by_kind)
    assert len(queries) == 3 and all(community.path in q["sql"] for q in queries.captured_queries)
