"""物业进网格 (seed 003: 把15家物业服务企业融入网格化管理,实行“一长四员”联动进网格; 培养发展物业员工党员10名;
选派15名党建工作指导员进入物业服务企业): a property company's staff registered into the grids of the compound it
serves, in one of the 一长四员 roles; the companies, staff and party members among them counted by hand; the
党建指导员 on contracts in force; the same numbers on the page, the API and the 1+3+N overview."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import User
from linli.audit.models import AuditEvent
from linli.cobuilding import overview as ov
from linli.cobuilding import selectors_grid_staff as gs
from linli.cobuilding import services_grid_staff as svc
from linli.cobuilding import services_property as spr
from linli.cobuilding.models import PropertyContract, PropertyGridStaff
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.orgs.models import Organisation
from linli.people.models import Person, Position
from linli.places.models import Place
from tests.test_cobuilding_world import build_world, make_uscc

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def world(users: dict[str, Any], places: Any) -> Any:
    w = build_world(users, places)  # 红盾物业 holds the contract for compounds[0] from 2025-01-01 to 2027-12-31
    w.grid = next(g for g in places.grids if g.path.startswith(w.compound.path))
    return w


def staff_people(place: Place, n: int, *, skip: int = 0, **flags: Any) -> list[Person]:
    """People of the ledger under ``place`` with no account and not already in a grid (the demo puts some there)."""
    busy = PropertyGridStaff.objects.values("person_id")
    qs = (
        Person.objects.filter(place_path__startswith=place.path, anonymised_at__isnull=True, **flags)
        .exclude(pk__in=User.objects.filter(person__isnull=False).values("person_id"))
        .exclude(pk__in=busy)
        .order_by("id")
    )
    found = list(qs[skip : skip + n])
    assert len(found) == n
    return found


def register(actor: Any, company: Organisation, grid: Place, person: Person, role: str, start: dt.date | None = None):
    row, created = svc.grid_staff_register(
        actor=actor, company=company, grid_id=grid.pk, person=person, role=role, start_date=start or today()
    )
    assert created
    return row


def by_hand(node: Place, on: dt.date) -> tuple[int, int, int]:
    """(companies, staff, party members) serving in grids under ``node`` on ``on``, the slow obvious way."""
    companies, staff, party = set(), set(), set()
    for row in PropertyGridStaff.objects.select_related("person"):
        if not row.place_path.startswith(node.path) or row.start_date > on:
            continue
        if row.end_date is not None and row.end_date < on:
            continue
        companies.add(row.company_id)
        staff.add(row.person_id)
        if row.person.is_party_member:
            party.add(row.person_id)
    return len(companies), len(staff), len(party)


# ----------------------------------------------------------------------------- registering


def test_community_staff_put_the_companys_project_manager_into_a_grid_audited(users, world):
    person = staff_people(world.compound, 1)[0]
    row = register(users["community"], world.company, world.grid, person, "manager")
    assert (row.grid, row.place_path, row.get_role_display()) == (world.grid, world.grid.path, "物业项目经理")
    event = AuditEvent.objects.get(action="cobuilding.grid_staff_registered", target_id=str(row.pk))
    assert event.detail["role"] == "manager" and event.detail["company"] == world.company.pk


def test_a_form_sent_twice_is_one_row_and_another_role_must_end_the_first(users, world):
    person = staff_people(world.compound, 1)[0]
    row = register(users["community"], world.company, world.grid, person, "cleaning")
    again, created = svc.grid_staff_register(
        actor=users["community"], company=world.company, grid_id=world.grid.pk, person=person, role="cleaning",
        start_date=today(),
    )  # fmt: skip
    assert (again.pk, created) == (row.pk, False)
    with pytest.raises(Conflict) as err:
        register(users["community"], world.company, world.grid, person, "repair")
    assert err.value.field == "role"


def test_the_company_must_serve_the_grids_compound_on_the_day(users, places, world):
    person = staff_people(world.compound, 1)[0]
    with pytest.raises(InvalidInput) as err:  # before the contract starts
        register(users["community"], world.company, world.grid, person, "order", dt.date(2024, 6, 1))
    assert err.value.field == "company_id"
    elsewhere = next(g for g in places.grids if g.path.startswith(places.communities[0].path) and
                     not g.path.startswith(world.compound.path))  # fmt: skip
    with pytest.raises(InvalidInput) as err:  # a grid of a compound it has no contract for
        register(users["community"], world.company, elsewhere, person, "order")
    assert err.value.field == "company_id" and "没有该网格所在小区的物业服务合同" in err.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [("role", "role"), ("partner", "company_id"), ("compound", "grid_id"), ("future", "start_date")],
)
def test_bad_input_names_its_field(users, world, change, field):
    person = staff_people(world.compound, 1)[0]
    company, grid, role, start = world.company, world.grid, "order", today()
    if change == "role":
        role = "janitor"
    elif change == "partner":
        company = world.partner
    elif change == "compound":
        grid = world.compound
    else:
        start = today() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as err:
        svc.grid_staff_register(
            actor=users["community"], company=company, grid_id=grid.pk, person=person, role=role, start_date=start
        )
    assert err.value.field == field


def test_a_grid_worker_may_not_register_in_their_grid_and_never_sees_another_community(users, places, world):
    person = staff_people(world.compound, 1)[0]
    with pytest.raises(Forbidden):
        register(users["grid"], world.company, world.grid, person, "order")
    other_grid = next(g for g in places.grids if g.path.startswith(places.other_community.path))
    with pytest.raises(NotFound) as err:
        register(users["community"], world.company, other_grid, person, "order")
    assert err.value.field == "grid_id"
    row = register(users["community"], world.company, world.grid, person, "order")
    with pytest.raises(NotFound):
        gs.access_grid_staff(users["grid"], row.pk)


def test_ending_keeps_the_row_and_refuses_a_second_end(users, world):
    person = staff_people(world.compound, 1)[0]
    row = register(users["community"], world.company, world.grid, person, "greening", today() - dt.timedelta(days=9))
    with pytest.raises(InvalidInput) as err:
        svc.grid_staff_end(actor=users["community"], staff=row, end_date=today() - dt.timedelta(days=10))
    assert err.value.field == "end_date"
    svc.grid_staff_end(actor=users["community"], staff=row, end_date=today() - dt.timedelta(days=1))
    row.refresh_from_db()
    assert (row.end_date, row.ended_by) == (today() - dt.timedelta(days=1), users["community"])
    with pytest.raises(Conflict):
        svc.grid_staff_end(actor=users["community"], staff=row)
    # a new spell may start once the first one ended
    assert register(users["community"], world.company, world.grid, person, "greening").pk != row.pk


# ----------------------------------------------------------------------------- figures


def test_companies_staff_and_party_members_are_counted_by_hand_with_the_rows_that_must_not_count(users, places, world):
    community = places.communities[0]
    on = today()
    before = gs.grid_staff_figures(community, on=on).total
    party = staff_people(world.compound, 1, is_party_member=True)[0]
    probationary, masses, ended, later = staff_people(world.compound, 4, is_party_member=False)
    Person.objects.filter(pk=probationary.pk).update(political_status="probationary", is_party_member=True)
    Person.objects.filter(pk=masses.pk).update(political_status="masses")
    register(users["community"], world.company, world.grid, party, "manager")
    register(users["community"], world.company, world.grid, probationary, "order")
    register(users["community"], world.company, world.grid, masses, "cleaning")
    gone = register(users["community"], world.company, world.grid, ended, "repair", on - dt.timedelta(days=5))
    svc.grid_staff_end(actor=users["community"], staff=gone, end_date=on - dt.timedelta(days=1))  # not on the day
    # a second company serving the same compound from next year: starts after the day, not counted
    second = spr.property_company_register(
        actor=users["street"], home=community, name="青松物业(测试)", uscc=make_uscc("91340100MA2N00002")
    )
    PropertyContract.objects.filter(company=world.company).update(ends_on=dt.date(on.year, 12, 31))
    spr.contract_create(
        actor=users["street"], company=second, compound=world.compound, starts_on=dt.date(on.year + 1, 1, 1),
        ends_on=dt.date(on.year + 2, 12, 31), fee_grade="二级", fee_per_m2="1.00", project_manager="赵经理",
    )  # fmt: skip
    PropertyGridStaff.objects.create(
        company=second, grid=world.grid, place_path=world.grid.path, person=later, role="manager",
        start_date=dt.date(on.year + 1, 1, 1),
    )  # fmt: skip

    after = gs.grid_staff_figures(community, on=on)
    assert (after.total.companies, after.total.staff, after.total.party_members) == by_hand(community, on)
    assert after.total.staff == before.staff + 3
    assert after.total.party_members == before.party_members + 2  # the member and the probationary one
    names = {s.person.name for g in after.grids if g.grid == world.grid for s in g.staff}
    assert {party.name, probationary.name, masses.name} <= names and ended.name not in names
    a_week_ago = gs.grid_staff_figures(community, on=on - dt.timedelta(days=3))
    assert (a_week_ago.total.companies, a_week_ago.total.staff, a_week_ago.total.party_members) == by_hand(
        community, on - dt.timedelta(days=3)
    )


def test_instructors_are_the_distinct_party_members_named_on_contracts_in_force(users, places, world):
    on = today()
    member = staff_people(world.compound, 1, is_party_member=True)[0]
    contract = PropertyContract.objects.get(company=world.company, compound=world.compound)
    before = gs.grid_staff_figures(places.street, on=on).instructors
    spr.contract_instructor_set(actor=users["street"], contract=contract, instructor=member)
    after = gs.grid_staff_figures(places.street, on=on).instructors
    expected = {
        c.instructor_id
        for c in PropertyContract.objects.filter(instructor__isnull=False)
        if c.starts_on <= on <= c.ends_on and c.place_path.startswith(places.street.path)
    }
    assert after == len(expected) and after in (before, before + 1)
    f = ov.neighbourhood_figures(places.street, since=on.replace(month=1, day=1), until=on)
    assert f.total.instructors == after


def test_the_overview_carries_the_grid_figures_for_the_node_and_each_part(users, places, world):
    person = staff_people(world.compound, 1)[0]
    register(users["community"], world.company, world.grid, person, "manager")
    on = today()
    f = ov.neighbourhood_figures(places.street, since=on.replace(month=1, day=1), until=on)
    assert (f.total.grid_companies, f.total.grid_staff, f.total.grid_staff_party_members) == by_hand(places.street, on)
    for row in f.rows:
        node = Place.objects.get(path=row.path)
        assert (row.grid_companies, row.grid_staff, row.grid_staff_party_members) == by_hand(node, on)


# ----------------------------------------------------------------------------- page and API


def test_the_page_registers_lists_and_ends(users, places, world, client_as):
    client = client_as("community")
    person = staff_people(world.compound, 1)[0]
    community = places.communities[0]
    url = reverse("cobuilding:grid_staff_register") + f"?node={community.pk}"
    data = {"company_id": world.company.pk, "grid_id": world.grid.pk, "person_id": person.pk, "role": "order",
            "start_date": today().isoformat()}  # fmt: skip
    assert client.post(url, data).status_code == 302
    row = PropertyGridStaff.objects.get(person=person, grid=world.grid)
    page = client.get(reverse("cobuilding:grid_staff"), {"node": community.pk})
    body = page.content.decode()
    assert page.status_code == 200 and f'data-staff="{row.pk}"' in body and "秩序维护员" in body
    assert client.post(reverse("cobuilding:grid_staff_end", args=[row.pk]), {}).status_code == 302
    row.refresh_from_db()
    assert row.end_date == today()
    refused = client.post(url, {**data, "role": "boss"})
    assert refused.status_code == 422 and 'data-field="role"' in refused.content.decode()


def test_a_grid_worker_and_a_resident_get_404s(users, places, world, client_as, api_as):
    person = staff_people(world.compound, 1)[0]
    row = register(users["community"], world.company, world.grid, person, "order")
    for role in ("grid", "resident"):
        client = client_as(role)
        assert client.get(reverse("cobuilding:grid_staff")).status_code == 404
        assert client.post(reverse("cobuilding:grid_staff_end", args=[row.pk])).status_code == 404
        api = api_as(role)
        assert api.get("/api/v1/co-building/grid-staff").status_code == 404
        end = api.post(f"/api/v1/co-building/grid-staff/{row.pk}/end", {}, content_type="application/json")
        assert end.status_code == 404
    row.refresh_from_db()
    assert row.end_date is None


def test_the_page_asks_the_same_number_of_queries_whatever_the_rows(users, places, world, client_as):
    client = client_as("community")
    query = {"node": places.communities[0].pk}
    client.get(reverse("cobuilding:grid_staff"), query)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cobuilding:grid_staff"), query)
    for person, role in zip(staff_people(world.compound, 4), ["manager", "order", "cleaning", "repair"], strict=True):
        register(users["community"], world.company, world.grid, person, role)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("cobuilding:grid_staff"), query).status_code == 200
    assert len(many) == len(few)


def test_the_api_registers_reads_and_ends_with_names_only(users, places, world, api_as):
    api = api_as("community")
    person = staff_people(world.compound, 1)[0]
    body = {"company_id": world.company.pk, "grid_id": world.grid.pk, "person_id": person.pk, "role": "repair",
            "start_date": today().isoformat()}  # fmt: skip
    made = api.post("/api/v1/co-building/grid-staff", body, content_type="application/json")
    assert made.status_code == 201, made.content
    again = api.post("/api/v1/co-building/grid-staff", body, content_type="application/json")
    assert (again.status_code, again.json()["id"]) == (200, made.json()["id"])
    read = api.get("/api/v1/co-building/grid-staff", {"node_id": places.communities[0].pk}).json()
    assert (read["companies"], read["staff"], read["party_members"]) == by_hand(places.communities[0], today())
    assert made.json()["id"] in [i["id"] for i in read["items"]]
    assert "phone" not in str(read) and "id_number" not in str(read)
    overview = api.get("/api/v1/co-building/overview", {"node_id": places.communities[0].pk}).json()
    assert overview["total"]["grid_staff"] == read["staff"]
    ended = api.post(f"/api/v1/co-building/grid-staff/{made.json()['id']}/end", {}, content_type="application/json")
    assert ended.status_code == 200 and ended.json()["end_date"] == today().isoformat()
    bad = api.post("/api/v1/co-building/grid-staff", {**body, "role": "boss"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "role"


def test_the_demo_puts_staff_supervisors_and_liaisons_in_place_without_touching_demo_users(users, world):
    from linli.cobuilding.demo import _grid_forces

    _grid_forces()  # the street and district demos run it after the contracts; the test demo is "small"
    counts = (PropertyGridStaff.objects.count(), Position.objects.filter(kind="property_supervisor").count())
    assert PropertyGridStaff.objects.filter(company=world.company, grid=world.grid).count() == 3
    assert Position.objects.filter(kind="property_supervisor", place=world.compound).count() == 2
    assert Position.objects.filter(kind="opinion_liaison", place=world.grid).count() == 1
    _grid_forces()  # a second run adds nothing
    assert (PropertyGridStaff.objects.count(), Position.objects.filter(kind="property_supervisor").count()) == counts
    with_account = set(User.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    kinds = ["property_supervisor", "opinion_liaison"]
    appointed = set(Position.objects.filter(kind__in=kinds).values_list("person_id", flat=True))
    assert not with_account & appointed
    for row in PropertyGridStaff.objects.select_related("grid", "company"):
        assert svc.serving_contract(row.company, row.grid, row.start_date) is not None
