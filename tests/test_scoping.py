"""A grid worker can read and change nothing outside their grid — by page, by API, by guessing ids."""

from __future__ import annotations

import re

import pytest

from linli.audit.models import AuditEvent
from linli.core.scoping import Scope, scope_for
from linli.orgs.models import PartyOrg
from linli.people.models import Person
from linli.places.models import Household, Place

pytestmark = pytest.mark.django_db


def test_grid_worker_scope_is_their_grid(users, places):
    scope = scope_for(users["grid"])
    assert scope.paths == (places.first_grid.path,)
    assert not scope.everything


def test_admin_sees_everything(users):
    assert scope_for(users["admin"]).everything


def test_an_administrator_with_a_ledger_record_sees_every_row_not_only_their_own(users):
    """``Q() | own_q`` is ``own_q`` to Django (an empty Q drops out of an OR): "everything" must not be ORed."""
    from django.contrib.auth import get_user_model

    admin = users["admin"]
    if admin.person_id is None:
        admin.person = Person.objects.exclude(user__isnull=False).order_by("id").first()
        get_user_model().objects.filter(pk=admin.pk).update(person=admin.person)
    assert Person.own_q(admin) is not None
    assert Person.objects.visible_to(admin).count() == Person.objects.count() > 1


def test_everything_ored_with_another_condition_is_still_everything(users):
    from django.db.models import Q

    from linli.orgs.models import Organisation
    from linli.orgs.selectors import visible_organisations

    scope = scope_for(users["admin"])
    assert Place.objects.filter(scope.q("path") | Q(pk=-1)).count() == Place.objects.count()
    assert Place.objects.exclude(scope.q("path")).count() == 0
    assert visible_organisations(users["admin"]).count() == Organisation.objects.count()


def test_resident_has_no_staff_scope(users):
    assert scope_for(users["resident"]).empty


def test_scope_drops_nested_roots():
    assert Scope.from_paths(["0001", "00010002", "0002"]).paths == ("0001", "0002")


def test_grid_worker_lists_only_places_in_their_grid(users, places):
    visible = Place.objects.visible_to(users["grid"])
    assert visible.count() == Place.objects.filter(path__startswith=places.first_grid.path).count()
    assert all(p.path.startswith(places.first_grid.path) for p in visible)


def test_grid_worker_sees_only_residents_of_their_grid(users, places):
    visible = Person.objects.visible_to(users["grid"])
    expected = Person.objects.filter(place_path__startswith=places.first_grid.path)
    assert visible.count() == expected.count() > 0
    assert not visible.filter(place_path__startswith=places.other_grid.path).exists()


def test_building_scoped_positions_do_not_open_the_ledger(users, places):
    """Volunteers hold an unscoped position: they see no residents but their own record."""
    visible = Person.objects.visible_to(users["volunteer"])
    assert list(visible) == [users["volunteer"].person]


def test_community_staff_see_their_community_but_not_the_other(users, places):
    visible = Household.objects.visible_to(users["community"])
    community = places.communities[0]
    assert visible.count() == Household.objects.filter(place_path__startswith=community.path).count()
    assert not visible.filter(place_path__startswith=places.other_community.path).exists()


def test_grid_worker_is_refused_another_grids_page_with_404(client_as, places):
    response = client_as("grid").get(f"/places/{places.other_grid.pk}/")
    assert response.status_code == 404


def test_refusal_looks_the_same_as_a_missing_id(client_as, places):
    client = client_as("grid")
    outside = client.get(f"/places/{places.other_grid.pk}/")
    missing = client.get("/places/999999/")
    assert outside.status_code == missing.status_code == 404

    def neutral(body: bytes, pk: str) -> str:
        text = body.decode().replace(f"/places/{pk}/", "/places/X/")
        return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1T", text)

    assert neutral(outside.content, str(places.other_grid.pk)) == neutral(missing.content, "999999")


def test_grid_worker_is_refused_another_grid_by_api(api_as, places):
    client = api_as("grid")
    assert client.get(f"/api/v1/places/{places.other_grid.pk}").status_code == 404
    assert client.get(f"/api/v1/places/{places.first_grid.pk}").status_code == 200


def test_guessing_every_place_id_by_api_reveals_only_the_grid(api_as, places):
    client = api_as("grid")
    seen = {
        pk for pk in Place.objects.values_list("pk", flat=True) if client.get(f"/api/v1/places/{pk}").status_code == 200
    }
    assert seen == set(Place.objects.filter(path__startswith=places.first_grid.path).values_list("pk", flat=True))


def test_denials_are_audited(client_as, places, users):
    client_as("grid").get(f"/places/{places.other_grid.pk}/")
    assert AuditEvent.objects.filter(action="permission.denied", actor=users["grid"], success=False).exists()


def test_non_numeric_ids_are_not_found_not_errors(client_as):
    assert client_as("grid").get("/api/v1/places/abc").status_code in (404, 422)


def test_party_org_list_is_scoped(api_as, places):
    items = api_as("grid").get("/api/v1/orgs/party?limit=200").json()["items"]
    assert items, "the grid has party groups"
    assert all(i["path"] for i in items)
    from linli.orgs.models import PartyOrg

    for item in items:
        assert PartyOrg.objects.get(pk=item["id"]).place_path.startswith(places.first_grid.path)


def test_api_requires_authentication(client):
    response = client.get("/api/v1/places")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_the_party_tree_page_nests_down_from_the_working_committee(client_as):
    page = client_as("street").get("/orgs/").content.decode()
    assert page.index("党工委") < page.index("党委") < page.index("党支部") < page.index("党小组")
    assert page.count('data-kind="branch"') == PartyOrg.objects.filter(kind="branch").count()


def test_a_grid_worker_sees_only_their_grids_party_groups(client_as, places):
    page = client_as("grid").get("/orgs/").content.decode()
    groups = PartyOrg.objects.filter(kind="group")
    inside = groups.filter(place_path__startswith=places.first_grid.path)
    assert page.count('data-kind="group"') == inside.count() > 0
    assert 'data-kind="branch"' not in page


def test_positions_and_liaison_units_come_from_one_query_with_their_own_date_rules(
    users, places, django_assert_num_queries
):
    import datetime as dt

    from django.utils import timezone

    from linli.accounts.models import User
    from linli.core.scoping import active_positions, liaison_organisations
    from linli.orgs.models import Organisation
    from linli.people.models import Position

    today = timezone.localdate()
    person = users["grid"].person
    dept = Organisation.objects.filter(kind="department").order_by("pk").first()
    Position.objects.create(  # a liaison from next week: a liaison already (no start rule), not yet a position
        person=person,
        kind="department_liaison",
        organisation=dept,
        place=dept.home,
        start_date=today + dt.timedelta(days=7),
    )
    ended = Organisation.objects.filter(kind="department").order_by("pk")[1]
    Position.objects.create(  # a liaison whose end is set, even in the future: no longer counted as liaison
        person=person,
        kind="department_liaison",
        organisation=ended,
        place=ended.home,
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=3),
    )
    user = User.objects.get(pk=users["grid"].pk)  # a fresh object: nothing cached on it
    with django_assert_num_queries(1):
        kinds = sorted(kind for kind, _path in active_positions(user))
        orgs = liaison_organisations(user)
        active_positions(user)
    assert orgs == {dept.pk}
    assert "department_liaison" in kinds  # the one that started a month ago and ends in three days
    assert kinds.count("department_liaison") == 1
    yesterday = today - dt.timedelta(days=1)  # another day: its own query, same rule as before
    assert sorted(k for k, _p in active_positions(user, on=yesterday)) == kinds


def test_any_of_takes_a_list_or_a_one_column_query_and_means_the_same(places, django_assert_num_queries):
    streets_and_communities = Place.objects.filter(depth__in=[2, 3]).order_by().values("path")
    expected = set(streets_and_communities.values_list("pk", flat=True))
    paths = list(streets_and_communities.values_list("path", flat=True))
    assert set(Place.objects.filter(path__any_of=paths).values_list("pk", flat=True)) == expected
    with django_assert_num_queries(1):  # the query's values are read inside the one statement
        got = set(Place.objects.filter(path__any_of=streets_and_communities).values_list("pk", flat=True))
    assert got == expected


@pytest.mark.parametrize(
    "function",
    [
        "linli.commons.permissions:ledger_q",
        "linli.commons.permissions:notices_q",
        "linli.elections.permissions:visible_q",
        "linli.workforce.permissions:register_q",
        "linli.workforce.permissions:training_q",
        "linli.venues.permissions:insider_q",
    ],
)
def test_an_apps_everything_condition_survives_being_ored_with_another(users, function):
    """Each app's "who sees which rows" answers an administrator with a condition that stays everything when the
    caller ORs it with more (a home's compound, published rows): never the empty ``Q()``."""
    import importlib

    from django.db.models import Q

    module, name = function.split(":")
    condition = getattr(importlib.import_module(module), name)(users["admin"], "path")
    assert Place.objects.filter(condition | Q(pk=-1)).count() == Place.objects.count()
