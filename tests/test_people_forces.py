"""力量名册: 物业监督员 (seed 002: 选聘物业监督员300多人) at compounds, 民意联络员 (seed 001) at grids and buildings —
appointed and ended by the staff who manage the place, counted once per person on a day inside the reader's
scope — and the care tags 五老 and 4050人员 (seed 001) counted with the others."""

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
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.scoping import capabilities_at, scope_for
from linli.people import selectors_positions as sel
from linli.people import services_positions as svc
from linli.people.models import CareTag, Person, PersonTag, Position
from linli.people.positions import POSITION_KINDS
from linli.places.models import Place, PlaceKind

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def residents_of(place: Place, n: int, *, skip: int = 0) -> list[Person]:
    """Residents of ``place`` with no account and no appointable position yet (the demo appoints some)."""
    taken = Position.objects.filter(kind__in=["property_supervisor", "opinion_liaison"]).values("person_id")
    people = list(
        Person.objects.filter(place_path__startswith=place.path, moved_out_on__isnull=True, anonymised_at__isnull=True)
        .exclude(pk__in=User.objects.filter(person__isnull=False).values("person_id"))
        .exclude(pk__in=taken)
        .order_by("id")[skip : skip + n]
    )
    assert len(people) == n, f"{place.name} has fewer than {n} such residents"
    return people


def held_by_hand(node: Place, kind: str, on: dt.date) -> int:
    """The people holding ``kind`` under ``node`` on ``on``, the slow obvious way."""
    people = set()
    for p in Position.objects.filter(kind=kind):
        if not p.place_path.startswith(node.path) or p.start_date > on:
            continue
        if p.end_date is not None and p.end_date < on:
            continue
        people.add(p.person_id)
    return len(people)


def appoint(actor: Any, kind: str, place: Place, person: Person, start: dt.date | None = None) -> Position:
    position, created = svc.position_appoint(
        actor=actor, kind=kind, place_id=place.pk, person=person, start_date=start or today()
    )
    assert created
    return position


# ----------------------------------------------------------------------------- the kinds


def test_a_property_supervisor_holds_no_key_to_anything_and_a_liaison_handles_like_an_informant():
    supervisor, liaison = POSITION_KINDS["property_supervisor"], POSITION_KINDS["opinion_liaison"]
    assert supervisor.capabilities == frozenset() and not supervisor.scoped and supervisor.role == "resident"
    assert liaison.capabilities == POSITION_KINDS["informant"].capabilities == frozenset({"handle"})
    assert liaison.role == "grid"


def test_a_supervisor_sees_nothing_more_than_before_and_a_liaison_only_their_grid(users, places):
    compound = places.compounds[0]
    person = residents_of(compound, 1)[0]
    user = User.objects.create_user(username="supervisor-test", person=person)
    appoint(users["community"], "property_supervisor", compound, person)
    assert scope_for(user).empty and capabilities_at(user, compound.path) == set()
    other = residents_of(places.first_grid, 1, skip=1)[0]
    liaison = User.objects.create_user(username="liaison-test", person=other)
    appoint(users["community"], "opinion_liaison", places.first_grid, other)
    assert scope_for(liaison).paths == (places.first_grid.path,)
    assert capabilities_at(liaison, places.other_grid.path) == set()


# ----------------------------------------------------------------------------- appointing


def test_community_staff_appoint_a_resident_supervisor_audited(users, places):
    compound = places.compounds[0]
    person = residents_of(compound, 1)[0]
    position = appoint(users["community"], "property_supervisor", compound, person)
    assert (position.place, position.place_path, position.end_date) == (compound, compound.path, None)
    event = AuditEvent.objects.get(action="position.appointed", target_id=str(position.pk))
    assert event.detail["kind"] == "property_supervisor" and event.actor == users["community"]


def test_the_same_appointment_sent_twice_is_one_position(users, places):
    compound = places.compounds[0]
    person = residents_of(compound, 1)[0]
    first = appoint(users["community"], "property_supervisor", compound, person)
    again, created = svc.position_appoint(
        actor=users["community"], kind="property_supervisor", place_id=compound.pk, person=person, start_date=today()
    )
    assert (again.pk, created) == (first.pk, False)
    assert AuditEvent.objects.filter(action="position.appointed", target_id=str(first.pk)).count() == 1


def test_it_refuses_a_supervisor_who_does_not_live_in_the_compound(users, places):
    outsider = residents_of(places.compounds[1], 1)[0]
    with pytest.raises(InvalidInput) as err:
        appoint(users["community"], "property_supervisor", places.compounds[0], outsider)
    assert err.value.field == "person_id" and "不住在" in err.value.message


@pytest.mark.parametrize(
    ("kind", "place_kind"), [("property_supervisor", "grid"), ("opinion_liaison", "compound"), ("grid_chief", "grid")]
)
def test_it_refuses_a_position_at_the_wrong_kind_of_place_or_one_not_appointed_here(users, places, kind, place_kind):
    place = places.first_grid if place_kind == "grid" else places.compounds[0]
    person = residents_of(place, 1)[0]
    with pytest.raises(InvalidInput) as err:
        appoint(users["community"], kind, place, person)
    assert err.value.field == ("kind" if kind == "grid_chief" else "place_id")


def test_it_refuses_a_start_date_in_the_future(users, places):
    person = residents_of(places.first_grid, 1)[0]
    with pytest.raises(InvalidInput) as err:
        appoint(users["community"], "opinion_liaison", places.first_grid, person, today() + dt.timedelta(days=1))
    assert err.value.field == "start_date"


def test_it_refuses_a_grid_worker_inside_their_grid_and_hides_another_community_from_them(users, places):
    person = residents_of(places.first_grid, 1)[0]
    with pytest.raises(Forbidden):
        appoint(users["grid"], "opinion_liaison", places.first_grid, person)
    elsewhere = next(g for g in places.grids if g.path.startswith(places.other_community.path))
    with pytest.raises(NotFound) as err:
        appoint(users["grid"], "opinion_liaison", elsewhere, residents_of(elsewhere, 1)[0])
    assert err.value.field == "place_id"
    with pytest.raises(NotFound):  # community staff of the first community: the other community is not theirs
        appoint(users["community"], "opinion_liaison", elsewhere, residents_of(elsewhere, 1)[0])


def test_ending_keeps_the_history_and_an_ended_position_cannot_end_again(users, places):
    grid = places.first_grid
    person = residents_of(grid, 1)[0]
    position = appoint(users["community"], "opinion_liaison", grid, person, today() - dt.timedelta(days=30))
    with pytest.raises(InvalidInput) as err:
        svc.position_end(actor=users["community"], position=position, end_date=today() - dt.timedelta(days=31))
    assert err.value.field == "end_date"
    svc.position_end(actor=users["community"], position=position, end_date=today() - dt.timedelta(days=1))
    position.refresh_from_db()
    assert position.end_date == today() - dt.timedelta(days=1)
    with pytest.raises(Conflict):
        svc.position_end(actor=users["community"], position=position)
    assert AuditEvent.objects.filter(action="position.ended", target_id=str(position.pk)).exists()


def test_only_the_appointable_positions_end_here(users, places):
    chief = Position.objects.filter(kind="grid_chief", place=places.first_grid).first()
    with pytest.raises(Forbidden):
        svc.position_end(actor=users["community"], position=chief)
    with pytest.raises(NotFound):
        sel.access_appointment(users["community"], chief.pk)


# ----------------------------------------------------------------------------- counting


def test_supervisors_are_counted_once_per_person_on_the_day_inside_the_node(users, places):
    community = places.communities[0]
    compound = places.compounds[0]
    on = today()
    before = sel.forces_figures(users["community"], community, on=on)
    counted = residents_of(compound, 4)
    appoint(users["community"], "property_supervisor", compound, counted[0], on - dt.timedelta(days=100))
    appoint(users["community"], "property_supervisor", compound, counted[1], on)
    ended = appoint(users["community"], "property_supervisor", compound, counted[2], on - dt.timedelta(days=100))
    svc.position_end(actor=users["community"], position=ended, end_date=on - dt.timedelta(days=1))  # not on the day
    # a liaison is another kind; a supervisor in the other community is outside the node
    appoint(users["community"], "opinion_liaison", places.first_grid, counted[3])
    other_compound = next(c for c in places.compounds if c.path.startswith(places.other_community.path))
    appoint(users["street"], "property_supervisor", other_compound, residents_of(other_compound, 1)[0])

    after = sel.forces_figures(users["community"], community, on=on)
    supervisors = {k.kind: k for k in after.kinds}["property_supervisor"]
    was = {k.kind: k for k in before.kinds}["property_supervisor"]
    assert supervisors.total == was.total + 2 == held_by_hand(community, "property_supervisor", on)
    assert supervisors.parts[compound.path] == was.parts[compound.path] + 2
    yesterday = sel.forces_figures(users["community"], community, on=on - dt.timedelta(days=1))
    assert {k.kind: k.total for k in yesterday.kinds}["property_supervisor"] == held_by_hand(
        community, "property_supervisor", on - dt.timedelta(days=1)
    )


def test_a_liaison_at_two_buildings_is_one_person_in_the_total(users, places):
    grid = places.first_grid
    buildings = [b for b in places.buildings if b.path.startswith(grid.path)][:2]
    person = residents_of(grid, 1)[0]
    before = sel.forces_figures(users["community"], places.communities[0], on=today())
    for building in buildings:
        appoint(users["community"], "opinion_liaison", building, person)
    after = sel.forces_figures(users["community"], places.communities[0], on=today())
    total = {k.kind: k.total for k in after.kinds}["opinion_liaison"]
    assert total == {k.kind: k.total for k in before.kinds}["opinion_liaison"] + 1
    assert total == held_by_hand(places.communities[0], "opinion_liaison", today())


def test_the_overview_shows_the_supervisors_the_forces_page_counts(users, places):
    compound = places.compounds[0]
    appoint(users["community"], "property_supervisor", compound, residents_of(compound, 1)[0])
    on = today()
    f = ov.neighbourhood_figures(places.street, since=on.replace(month=1, day=1), until=on)
    assert f.total.property_supervisors == held_by_hand(places.street, "property_supervisor", on)
    by_part = {r.path: r.property_supervisors for r in f.rows}
    for community in places.communities:
        assert by_part[community.path] == held_by_hand(community, "property_supervisor", on)


# ----------------------------------------------------------------------------- tags


def test_five_elders_and_4050_are_seeded_once_and_only_4050_is_sensitive():
    from django.apps import apps

    from linli.people.migrations import __name__ as package

    module = __import__(f"{package}.0010_seed_five_elders_4050", fromlist=["seed"])
    module.seed(apps, None)  # idempotent: a second run adds nothing
    tags = {t.code: t for t in CareTag.objects.filter(code__in=["five_elders", "worker_4050"])}
    assert (tags["five_elders"].name, tags["five_elders"].sensitive) == ("五老", False)
    assert (tags["worker_4050"].name, tags["worker_4050"].sensitive) == ("4050人员", True)
    assert CareTag.objects.filter(name__in=["五老", "4050人员"]).count() == 2


def test_tag_counts_leave_out_people_who_moved_away_and_hide_sensitive_tags_from_staff_without_the_right(users, places):
    community = places.communities[0]
    elders, workers = CareTag.objects.get(code="five_elders"), CareTag.objects.get(code="worker_4050")
    people = residents_of(community, 4)
    for person in people[:3]:
        PersonTag.objects.create(person=person, tag=elders)
    PersonTag.objects.create(person=people[3], tag=workers)
    Person.objects.filter(pk=people[2].pk).update(moved_out_on=today())  # moved away: not counted
    elsewhere = residents_of(places.other_community, 1)[0]
    PersonTag.objects.create(person=elsewhere, tag=elders)  # outside the node: not counted
    counts = {t.tag.code: t.people for t in sel.tag_counts(users["community"], community)}
    assert (counts["five_elders"], counts["worker_4050"]) == (2, 1)

    staff_person = residents_of(places.street, 1, skip=50)[0]
    Position.objects.create(
        person=staff_person, kind="street_staff", place=places.street, place_path=places.street.path,
        start_date=today(),
    )  # fmt: skip
    no_sensitive = User.objects.create_user(username="street-staff-test", person=staff_person)
    seen = {t.tag.code for t in sel.tag_counts(no_sensitive, community)}
    assert "five_elders" in seen and "worker_4050" not in seen


def test_the_ledger_filters_by_the_new_tags(users, places, client_as):
    elders = CareTag.objects.get(code="five_elders")
    person = residents_of(places.first_grid, 1)[0]
    PersonTag.objects.create(person=person, tag=elders)
    page = client_as("community").get(reverse("people:list"), {"tag": elders.pk})
    assert page.status_code == 200 and person.name in page.content.decode()


# ----------------------------------------------------------------------------- page and API


def test_the_forces_page_appoints_and_ends_from_the_form(users, places, client_as):
    client = client_as("community")
    compound = places.compounds[0]
    person = residents_of(compound, 1)[0]
    url = reverse("people:position_appoint") + f"?node={places.communities[0].pk}"
    data = {"kind": "property_supervisor", "place_id": compound.pk, "person_id": person.pk,
            "start_date": today().isoformat()}  # fmt: skip
    assert client.post(url, data).status_code == 302
    position = Position.objects.get(person=person, kind="property_supervisor", place=compound)
    page = client.get(reverse("people:forces"), {"node": places.communities[0].pk, "kind": "property_supervisor"})
    body = page.content.decode()
    assert page.status_code == 200 and f'data-position="{position.pk}"' in body and person.name in body
    assert person.phone_masked not in body or not person.phone  # names only: no phone on the roster
    end = reverse("people:position_end", args=[position.pk])
    assert client.post(end, {"end_date": today().isoformat()}).status_code == 302
    position.refresh_from_db()
    assert position.end_date == today()


def test_a_refused_appointment_comes_back_with_the_field_and_what_was_typed(users, places, client_as):
    compound = places.compounds[0]
    data = {"kind": "property_supervisor", "place_id": compound.pk, "person_id": "",
            "start_date": today().isoformat(), "title": "三号楼监督员"}  # fmt: skip
    page = client_as("community").post(reverse("people:position_appoint"), data)
    body = page.content.decode()
    assert page.status_code == 422 and 'data-field="person_id"' in body and "三号楼监督员" in body


def test_a_grid_worker_and_a_resident_get_the_404_of_the_forces_page_and_cannot_end_a_position(
    users, places, client_as
):
    compound = places.compounds[0]
    position = appoint(users["community"], "property_supervisor", compound, residents_of(compound, 1)[0])
    for role in ("grid", "resident"):
        client = client_as(role)
        assert client.get(reverse("people:forces")).status_code == 404
        assert client.post(reverse("people:position_end", args=[position.pk])).status_code == 404
    position.refresh_from_db()
    assert position.end_date is None


def test_the_forces_page_asks_the_same_number_of_queries_whatever_the_rows(users, places, client_as):
    client = client_as("community")
    url = reverse("people:forces")
    query = {"node": places.communities[0].pk, "kind": "property_supervisor"}
    client.get(url, query)
    with CaptureQueriesContext(connection) as few:
        client.get(url, query)
    for compound in places.compounds[:3]:
        if compound.path.startswith(places.communities[0].path):
            for person in residents_of(compound, 3):
                appoint(users["community"], "property_supervisor", compound, person)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, query).status_code == 200
    assert len(many) == len(few)


def test_the_api_appoints_lists_and_ends(users, places, api_as):
    api = api_as("community")
    grid = places.first_grid
    person = residents_of(grid, 1)[0]
    body = {"kind": "opinion_liaison", "place_id": grid.pk, "person_id": person.pk, "start_date": today().isoformat()}
    made = api.post("/api/v1/positions", body, content_type="application/json")
    assert made.status_code == 201, made.content
    again = api.post("/api/v1/positions", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    roster = api.get("/api/v1/positions/roster", {"kind": "opinion_liaison", "node_id": places.communities[0].pk})
    assert roster.status_code == 200 and made.json()["id"] in [i["id"] for i in roster.json()["items"]]
    assert roster.json()["people"] == held_by_hand(places.communities[0], "opinion_liaison", today())
    assert "phone" not in str(roster.json()) and "id_number" not in str(roster.json())
    forces = api.get("/api/v1/forces", {"node_id": places.communities[0].pk}).json()
    assert {k["kind"]: k["people"] for k in forces["kinds"]}["opinion_liaison"] == roster.json()["people"]
    ended = api.post(f"/api/v1/positions/{made.json()['id']}/end", {}, content_type="application/json")
    assert ended.status_code == 200 and ended.json()["end_date"] == today().isoformat()
    bad = api.post("/api/v1/positions", {**body, "kind": "grid_chief"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "kind"


def test_the_api_refuses_a_grid_worker_everywhere(users, places, api_as):
    api = api_as("grid")
    position = appoint(users["community"], "opinion_liaison", places.first_grid, residents_of(places.first_grid, 1)[0])
    assert api.get("/api/v1/forces").status_code == 404
    assert api.get("/api/v1/positions/roster", {"kind": "opinion_liaison"}).status_code == 404
    assert api.post(f"/api/v1/positions/{position.pk}/end", {}, content_type="application/json").status_code == 404
    body = {"kind": "opinion_liaison", "place_id": places.first_grid.pk, "person_id": position.person_id,
            "start_date": today().isoformat()}  # fmt: skip
    assert api.post("/api/v1/positions", body, content_type="application/json").status_code in (403, 404)


def test_the_place_kinds_offered_match_the_kind(users, places):
    grids_and_buildings = sel.places_for(users["community"], "opinion_liaison", places.communities[0])
    assert grids_and_buildings and {p.kind for p in grids_and_buildings} <= {PlaceKind.GRID, PlaceKind.BUILDING}
    compounds = sel.places_for(users["community"], "property_supervisor", places.communities[0])
    assert compounds and {p.kind for p in compounds} == {PlaceKind.COMPOUND}
