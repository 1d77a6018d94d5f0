"""The workbench's care-tag filter (重点人群): it finds requests from people who carry a tag, and it
never tells anyone who carries a tag they may not see in the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from linli.accounts.models import User
from linli.core.errors import Forbidden, InvalidInput
from linli.people.models import CareTag, Person, PersonTag, Position
from linli.places.models import Household
from linli.tickets.selectors import TicketFilters, care_tags_for_filter, filter_tickets, visible_tickets
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db


def staff(username: str, *holds: tuple[str, object]) -> User:
    """A new account whose person holds the given (position kind, place) pairs."""
    first_place = holds[0][1]
    person = Person.objects.create(name=username, place=first_place, place_path=first_place.path)
    for kind, place in holds:
        Position.objects.create(
            person=person, kind=kind, place=place, place_path=place.path, start_date=dt.date(2025, 1, 1)
        )
    return User.objects.create(username=username, person=person)


def resident_of(place, username: str) -> User:
    person = Person.objects.filter(place_path__startswith=place.path, user__isnull=True).order_by("id").first()
    return User.objects.create(username=username, person=person)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def low_income():
    return CareTag.objects.get(code="low_income")  # sensitive


@pytest.fixture
def living_alone():
    return CareTag.objects.get(code="living_alone")  # not sensitive


@pytest.fixture
def tagged(users, low_income, living_alone):
    """The resident carries 低保户 and 独居老人; a neighbour's request carries nothing."""
    PersonTag.objects.filter(person=users["resident"].person).delete()
    PersonTag.objects.create(person=users["resident"].person, tag=low_income)
    PersonTag.objects.create(person=users["resident"].person, tag=living_alone)
    carrier, _ = ticket_submit(actor=users["resident"], description="低保补助咨询")
    neighbour = resident_of(users["resident"].person.place, "neighbour")
    PersonTag.objects.filter(person=neighbour.person).delete()
    Person.objects.filter(pk=neighbour.person_id).update(household=None)
    plain, _ = ticket_submit(actor=neighbour, description="路灯不亮")
    return carrier, plain


def numbers(user, **filters) -> set[str]:
    qs = filter_tickets(visible_tickets(user), user, TicketFilters(**filters))
    return set(qs.values_list("number", flat=True))


def test_grid_worker_finds_requests_from_carriers_of_a_sensitive_tag(users, tagged, low_income):
    carrier, plain = tagged
    found = numbers(users["grid"], care_tag=low_income.pk)
    assert carrier.number in found and plain.number not in found


def test_a_household_member_carrying_the_tag_makes_the_request_match(users, tagged, living_alone, places):
    _carrier, plain = tagged
    neighbour = plain.submitted_by.person
    household = Household.objects.create(place=places.buildings[0], place_path=places.buildings[0].path, room="T01")
    grandmother = Person.objects.create(
        name="张奶奶", place=neighbour.place, place_path=neighbour.place_path, household=household
    )
    PersonTag.objects.create(person=grandmother, tag=living_alone)
    assert plain.number not in numbers(users["grid"], care_tag=living_alone.pk)
    Person.objects.filter(pk=neighbour.pk).update(household=household)
    assert plain.number in numbers(users["grid"], care_tag=living_alone.pk)


def test_without_the_sensitive_capability_sensitive_tags_are_neither_offered_nor_answered(
    users, places, tagged, low_income, living_alone
):
    carrier, _plain = tagged
    clerk = staff("clerk", ("street_staff", places.street))  # manage handle ledger, no sensitive
    offered = care_tags_for_filter(clerk)
    assert living_alone in offered and low_income not in offered
    assert not any(t.sensitive for t in offered)
    with pytest.raises(Forbidden) as refused:
        numbers(clerk, care_tag=low_income.pk)
    assert refused.value.field == "care_tag"
    assert carrier.number in numbers(clerk, care_tag=living_alone.pk)


def test_without_the_ledger_no_tag_is_offered_or_answered(users, places, tagged, living_alone):
    head = staff("head", ("building_head", places.buildings[0]))  # handle only
    assert care_tags_for_filter(head) == []
    with pytest.raises(Forbidden):
        numbers(head, care_tag=living_alone.pk)


def test_carriers_outside_the_sensitive_scope_do_not_match(users, places, tagged, low_income):
    """Ledger over the street but ``sensitive`` only in another grid: the resident's tag stays hidden."""
    carrier, _plain = tagged
    mixed = staff("mixed", ("street_staff", places.street), ("grid_worker", places.other_grid))
    assert low_income in care_tags_for_filter(mixed)
    assert carrier in visible_tickets(mixed)
    assert carrier.number not in numbers(mixed, care_tag=low_income.pk)
    far = resident_of(places.other_grid, "far")
    PersonTag.objects.get_or_create(person=far.person, tag=low_income)
    theirs, _ = ticket_submit(actor=far, description="申请低保")
    assert numbers(mixed, care_tag=low_income.pk) >= {theirs.number}
    assert carrier.number not in numbers(mixed, care_tag=low_income.pk)


def test_an_unknown_or_inactive_tag_is_invalid_input(users, living_alone):
    with pytest.raises(InvalidInput):
        numbers(users["grid"], care_tag=999_999)
    CareTag.objects.filter(pk=living_alone.pk).update(active=False)
    with pytest.raises(InvalidInput):
        numbers(users["grid"], care_tag=living_alone.pk)


def test_workbench_page_filters_by_tag_in_a_fixed_number_of_queries(
    users, client_as, tagged, low_income, django_assert_max_num_queries
):
    carrier, plain = tagged
    for i in range(12):  # more rows must not mean more queries
        ticket_submit(actor=users["resident"], description=f"补充诉求{i}")
    client = client_as("grid")
    with django_assert_max_num_queries(16):
        r = client.get(f"/requests/?queue=subtree&care_tag={low_income.pk}")
    html = r.content.decode()
    assert r.status_code == 200
    assert carrier.number in html and plain.number not in html
    assert f'<option value="{low_income.pk}" selected>' in html


def test_workbench_refuses_a_sensitive_tag_to_a_clerk_and_does_not_offer_it(places, tagged, low_income, living_alone):
    clerk = login(staff("clerk", ("street_staff", places.street)))
    page = clerk.get("/requests/?queue=subtree").content.decode()
    offered = page.split('name="care_tag"', 1)[1].split("</select>", 1)[0]
    assert living_alone.name in offered and low_income.name not in offered
    refused = clerk.get(f"/requests/?queue=subtree&care_tag={low_income.pk}")
    assert refused.status_code == 403
    assert tagged[0].number not in refused.content.decode()


def test_api_list_filters_by_tag_and_refuses_without_scope(
    api_as, places, tagged, low_income, django_assert_max_num_queries
):
    carrier, plain = tagged
    client = api_as("grid")
    with django_assert_max_num_queries(9):
        r = client.get(f"/api/v1/requests?care_tag={low_income.pk}")
    got = [t["number"] for t in r.json()["items"]]
    assert r.status_code == 200 and carrier.number in got and plain.number not in got
    from linli.accounts.services import token_issue

    _, key = token_issue(user=staff("clerk", ("street_staff", places.street)), name="t")
    refused = Client(headers={"Authorization": f"Bearer {key}"}).get(f"/api/v1/requests?care_tag={low_income.pk}")
    assert refused.status_code == 403
    assert refused.json()["field"] == "care_tag"
