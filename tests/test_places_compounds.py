"""小区档案 and 网格规模核查: a compound's type and management, each grid sized against the standard for its type
(seed 001: 杂居型 300–400 households / 900–1,200 people, 物业型(单位型) 500–700 / 1,500–2,100), and the
standard a district or street sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.people.models import Person, ResidenceType
from linli.places.models import CompoundProfile, GridStandard, Household, Place, PlaceKind
from linli.places.services import household_create, place_create
from linli.places.services_compounds import Band, compound_profile_set, grid_standard_band, grid_standard_set
from linli.places.sizing import grid_sizing

pytestmark = pytest.mark.django_db


def _profile(users: Any, compound: Place, kind: str = "mixed", mode: str = "none", year: Any = 1995) -> Any:
    return compound_profile_set(
        actor=users["admin"], compound=compound, compound_type=kind, management_mode=mode, built_year=year
    )


def _unit(sizing: Any, place: Place) -> Any:
    return next(u for u in sizing.units if u.place.pk == place.pk)


def _grid_of(compound: Place) -> Place:
    return Place.objects.get(kind=PlaceKind.GRID, path__startswith=compound.path)


def _band(hmin: int, hmax: int, rmin: int, rmax: int) -> Band:
    return Band(households_min=hmin, households_max=hmax, residents_min=rmin, residents_max=rmax)


# --- the profile


def test_community_staff_record_a_compound_profile_and_it_is_audited(users, places):
    compound = places.compounds[0]
    profile = compound_profile_set(
        actor=users["community"], compound=compound, compound_type="mixed", management_mode="none", built_year="1992"
    )
    assert (profile.compound_type, profile.management_mode, profile.built_year) == ("mixed", "none", 1992)
    assert profile.is_old_estate
    event = AuditEvent.objects.get(action="places.compound_profile_set", target_id=str(compound.pk))
    assert event.detail["changed"] == ["built_year", "compound_type", "management_mode"]


def test_a_change_audits_only_the_fields_that_changed_and_a_resubmit_audits_nothing(users, places):
    compound = places.compounds[0]
    _profile(users, compound)
    _profile(users, compound, mode="community")
    _profile(users, compound, mode="community")  # a double-clicked save
    events = AuditEvent.objects.filter(action="places.compound_profile_set", target_id=str(compound.pk))
    assert [e.detail["changed"] for e in events.order_by("pk")] == [
        ["built_year", "compound_type", "management_mode"],
        ["management_mode"],
    ]
    assert CompoundProfile.objects.filter(compound=compound).count() == 1


def test_a_compound_built_after_2000_is_not_an_old_estate(users, places):
    assert not _profile(users, places.compounds[0], year=2001).is_old_estate
    assert not _profile(users, places.compounds[1], year=None).is_old_estate


def test_a_grid_worker_cannot_record_a_profile(users, places):
    with pytest.raises(Forbidden):
        compound_profile_set(
            actor=users["grid"], compound=places.compounds[0], compound_type="mixed", management_mode="none"
        )


def test_only_a_compound_has_a_profile(users, places):
    with pytest.raises(InvalidInput) as err:
        _profile(users, places.first_grid)
    assert err.value.field == "compound"


@pytest.mark.parametrize("year", ["98", "一九九八", 1850, timezone.localdate().year + 1])
def test_a_bad_year_is_refused_naming_the_field(users, places, year):
    with pytest.raises(InvalidInput) as err:
        _profile(users, places.compounds[0], year=year)
    assert err.value.field == "built_year"
    assert not CompoundProfile.objects.exists()


@pytest.mark.parametrize(
    ("field", "kind", "mode"), [("compound_type", "villa", "none"), ("management_mode", "mixed", "")]
)
def test_an_unknown_type_or_mode_is_refused_naming_the_field(users, places, field, kind, mode):
    with pytest.raises(InvalidInput) as err:
        _profile(users, places.compounds[0], kind=kind, mode=mode)
    assert err.value.field == field


# --- the sizing


def test_a_grid_of_a_compound_without_a_profile_is_unclassified(places):
    sizing = grid_sizing(places.street)
    assert {u.status for u in sizing.units} == {"unclassified"}
    assert sizing.ok_rate is None
    assert sizing.profiled == 0 and sizing.compounds == len(places.compounds)


def test_a_grid_is_judged_against_the_seed_standard_for_its_compound_type(users, places):
    compound = places.compounds[0]
    grid = _grid_of(compound)
    _profile(users, compound, kind="mixed")
    unit = _unit(grid_sizing(places.street), grid)
    # The small demo has a few dozen households a grid: far below 杂居型's 300–400.
    assert unit.households == Household.objects.filter(place_path__startswith=grid.path).count() > 0
    assert (unit.band.households_min, unit.band.residents_max) == (300, 1200)
    assert unit.band_set_at is None
    assert unit.status == "small"
    _profile(users, compound, kind="work_unit")
    assert _unit(grid_sizing(places.street), grid).band.households_min == 500


def test_a_street_standard_replaces_the_default_and_the_nearest_one_wins(users, places):
    compound = places.compounds[0]
    grid = _grid_of(compound)
    _profile(users, compound, kind="mixed")
    district = Place.objects.get(kind=PlaceKind.DISTRICT)
    households = Household.objects.filter(place_path__startswith=grid.path).count()
    grid_standard_set(actor=users["admin"], place=district, compound_type="mixed", band=_band(1, 2, 1, 2))
    unit = _unit(grid_sizing(places.street), grid)
    assert (unit.status, unit.band_set_at) == ("large", district)
    grid_standard_set(
        actor=users["street"], place=places.street, compound_type="mixed", band=_band(1, households, 1, 10_000)
    )
    unit = _unit(grid_sizing(places.street), grid)
    assert (unit.status, unit.band_set_at) == ("ok", places.street)
    assert AuditEvent.objects.filter(action="places.grid_standard_set").count() == 2


def test_residents_are_those_living_there(users, places):
    compound = places.compounds[0]
    grid = _grid_of(compound)
    _profile(users, compound)
    living = Person.objects.filter(
        place_path__startswith=grid.path, moved_out_on__isnull=True, anonymised_at__isnull=True
    ).exclude(residence_type=ResidenceType.NOMINAL)
    before = _unit(grid_sizing(places.street), grid).residents
    assert before == living.count()
    two = list(living[:2])
    Person.objects.filter(pk=two[0].pk).update(moved_out_on=dt.date(2026, 1, 5))
    Person.objects.filter(pk=two[1].pk).update(residence_type=ResidenceType.NOMINAL)
    assert _unit(grid_sizing(places.street), grid).residents == before - 2


def test_a_compound_not_divided_into_grids_is_checked_as_one(users, places):
    community = places.communities[0]
    lane = place_create(actor=users["admin"], parent=community, kind="compound", name="清泉里")
    building = place_create(actor=users["admin"], parent=lane, kind="building", name="清泉里1栋")
    for room in ("101", "102", "201"):
        household_create(actor=users["admin"], place=building, room=room)
    _profile(users, lane, kind="mixed")
    unit = _unit(grid_sizing(community), lane)
    assert (unit.is_grid, unit.households, unit.status) == (False, 3, "small")


def test_residents_of_a_divided_compound_outside_its_grids_are_counted_apart(users, places):
    compound = places.compounds[0]
    stray = place_create(actor=users["admin"], parent=compound, kind="building", name="未划网格楼")
    before = grid_sizing(places.street).outside_grids
    person = Person.objects.filter(place_path__startswith=places.first_grid.path, moved_out_on__isnull=True).first()
    Person.objects.filter(pk=person.pk).update(place=stray, place_path=stray.path)
    assert grid_sizing(places.street).outside_grids == before + 1


def test_the_profiles_are_summed_for_the_street(users, places):
    _profile(users, places.compounds[0], kind="mixed", mode="none", year=1990)
    _profile(users, places.compounds[1], kind="commercial", mode="company", year=2010)
    sizing = grid_sizing(places.street)
    assert (sizing.profiled, sizing.old_estates, sizing.unmanaged) == (2, 1, 1)
    assert dict(sizing.by_type) == {"商品房小区": 1, "杂居型(开放式)小区": 1}


def test_the_sizing_costs_the_same_statements_for_a_compound_and_for_the_district(users, places):
    for c in places.compounds:
        _profile(users, c)
    district = Place.objects.get(kind=PlaceKind.DISTRICT)
    counts = []
    for node in (places.compounds[0], places.street, district):
        with CaptureQueriesContext(connection) as ctx:
            grid_sizing(node)
        counts.append(len(ctx.captured_queries))
    assert counts == [5, 5, 5]


# --- the standard


def test_a_standard_with_its_minimum_above_its_maximum_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as err:
        grid_standard_band(households_min=400, households_max=300, residents_min=1, residents_max=2)
    assert err.value.field == "households_min"
    with pytest.raises(InvalidInput) as err:
        grid_standard_band(households_min="三百", households_max=300, residents_min=1, residents_max=2)
    assert err.value.field == "households_min"


def test_setting_the_same_standard_again_writes_and_audits_nothing(users, places):
    band = _band(300, 400, 900, 1200)
    first = grid_standard_set(actor=users["street"], place=places.street, compound_type="mixed", band=band)
    again = grid_standard_set(actor=users["street"], place=places.street, compound_type="mixed", band=band)
    assert again.pk == first.pk and again.updated_at == first.updated_at
    assert AuditEvent.objects.filter(action="places.grid_standard_set").count() == 1
    changed = _band(300, 450, 900, 1200)
    grid_standard_set(actor=users["street"], place=places.street, compound_type="mixed", band=changed)
    assert AuditEvent.objects.filter(action="places.grid_standard_set").count() == 2


def test_only_a_district_or_a_street_sets_a_standard(users, places):
    with pytest.raises(InvalidInput):
        grid_standard_set(
            actor=users["admin"], place=places.communities[0], compound_type="mixed", band=_band(1, 2, 1, 2)
        )


def test_community_staff_cannot_set_their_street_standard(users, places):
    with pytest.raises(Forbidden):
        grid_standard_set(actor=users["community"], place=places.street, compound_type="mixed", band=_band(1, 2, 1, 2))
    assert not GridStandard.objects.exists()


# --- pages


def test_the_street_leader_reads_the_sizing_page_and_filters_it(client_as, users, places):
    _profile(users, places.compounds[0])
    client = client_as("street")
    page = client.get(f"/places/{places.street.pk}/grids/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "网格规模核查" in text and "未登记小区类型" in text and "设定网格划分标准" in text
    filtered = client.get(f"/places/{places.street.pk}/grids/?status=small").content.decode()
    assert filtered.count('data-status="small" data-place') == 1


def test_a_grid_worker_gets_a_404_for_the_street_sizing_page(client_as, places):
    assert client_as("grid").get(f"/places/{places.street.pk}/grids/").status_code == 404


def test_the_compound_page_records_a_profile(client_as, places):
    compound = places.compounds[0]
    client = client_as("community")
    assert client.get(f"/places/{compound.pk}/profile/").status_code == 200
    response = client.post(
        f"/places/{compound.pk}/profile/", {"compound_type": "mixed", "management_mode": "none", "built_year": "1988"}
    )
    assert response.status_code == 302
    detail = client.get(f"/places/{compound.pk}/").content.decode()
    assert "杂居型(开放式)小区" in detail and "老旧小区" in detail


def test_a_bad_year_on_the_page_shows_its_error_and_keeps_the_choices(client_as, places):
    compound = places.compounds[0]
    page = client_as("community").post(
        f"/places/{compound.pk}/profile/", {"compound_type": "mixed", "management_mode": "none", "built_year": "88"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and 'data-field="built_year"' in text
    assert '<option value="mixed" selected>' in text
    assert not CompoundProfile.objects.exists()


def test_a_grid_worker_cannot_open_the_profile_form_of_the_compound_above_their_grid(client_as, places):
    compound = next(c for c in places.compounds if places.first_grid.path.startswith(c.path))
    assert client_as("grid").get(f"/places/{compound.pk}/profile/").status_code == 404


def test_the_street_leader_sets_and_clears_a_standard_on_the_page(client_as, places):
    client = client_as("street")
    url = f"/places/{places.street.pk}/grid-standards/"
    assert client.get(url).status_code == 200
    form = {"compound_type": "mixed", "households_min": "200", "households_max": "300"}
    form |= {"residents_min": "600", "residents_max": "900", "action": "set"}
    assert client.post(url, form).status_code == 302
    assert GridStandard.objects.get(place=places.street, compound_type="mixed").households_max == 300
    assert "取消本级标准" in client.get(url).content.decode()
    assert client.post(url, {"compound_type": "mixed", "action": "clear"}).status_code == 302
    assert not GridStandard.objects.exists()


def test_a_refused_standard_on_the_page_keeps_what_was_typed(client_as, places):
    form = {"compound_type": "mixed", "households_min": "500", "households_max": "300"}
    form |= {"residents_min": "600", "residents_max": "900", "action": "set"}
    page = client_as("street").post(f"/places/{places.street.pk}/grid-standards/", form)
    assert page.status_code == 200
    assert 'data-field="households_min"' in page.content.decode()
    assert 'name="households_min" inputmode="numeric" value="500"' in page.content.decode()


def test_community_staff_cannot_open_the_street_standards_page(client_as, places):
    assert client_as("community").get(f"/places/{places.street.pk}/grid-standards/").status_code == 404
    assert client_as("community").get(f"/places/{places.communities[0].pk}/grid-standards/").status_code == 404


# --- API


def test_the_api_sets_and_reads_a_profile(api_as, places):
    api = api_as("community")
    compound = places.compounds[0]
    empty = api.get(f"/api/v1/places/{compound.pk}/compound-profile").json()
    assert (empty["recorded"], empty["compound_type"]) == (False, None)
    assert api.get(f"/api/v1/places/{places.communities[0].pk}/compound-profile").status_code == 422
    body = {"compound_type": "work_unit", "management_mode": "work_unit", "built_year": 1985}
    response = api.put(f"/api/v1/places/{compound.pk}/compound-profile", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["old_estate"] is True
    assert api.get(f"/api/v1/places/{compound.pk}/compound-profile").json()["compound_type"] == "work_unit"


def test_the_api_hides_the_compound_from_its_grid_worker_and_names_a_bad_field(api_as, places):
    compound = places.compounds[0]
    body = {"compound_type": "mixed", "management_mode": "none"}
    url = f"/api/v1/places/{compound.pk}/compound-profile"
    grid_compound = next(c for c in places.compounds if places.first_grid.path.startswith(c.path))
    assert (
        api_as("grid")
        .put(f"/api/v1/places/{grid_compound.pk}/compound-profile", body, content_type="application/json")
        .status_code
        == 404
    )
    refused = api_as("community").put(url, body | {"management_mode": "x"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "management_mode"


def test_the_api_reports_the_sizing_and_the_standards(api_as, users, places):
    _profile(users, places.compounds[0])
    api = api_as("street")
    sizing = api.get(f"/api/v1/places/{places.street.pk}/grid-sizing").json()
    assert len(sizing["grids"]) == len(places.grids)
    assert sizing["by_status"]["small"] == 1 and sizing["profiled"] == 1
    url = f"/api/v1/places/{places.street.pk}/grid-standards/mixed"
    body = {"households_min": 1, "households_max": 9999, "residents_min": 1, "residents_max": 9999}
    standards = api.put(url, body, content_type="application/json").json()
    mixed = next(s for s in standards if s["compound_type"] == "mixed")
    assert mixed["source_place_id"] == places.street.pk
    assert api.get(f"/api/v1/places/{places.street.pk}/grid-sizing").json()["by_status"]["ok"] == 1
    cleared = api.delete(url).json()
    assert next(s for s in cleared if s["compound_type"] == "mixed")["source_place_id"] is None
    assert api.get(f"/api/v1/places/{places.first_grid.pk}/grid-sizing").status_code == 422


def test_the_dashboard_links_to_the_sizing_of_its_node(client_as, places):
    dashboard = client_as("street").get(reverse("insights:dashboard"), {"node": places.street.pk}).content.decode()
    assert reverse("places:grids", args=[places.street.pk]) in dashboard
