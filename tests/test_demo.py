from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from linli.core.demo.builder import DemoBuilder
from linli.core.identifiers import normalise_id_number
from linli.orgs.models import PartyOrg
from linli.people.models import Person
from linli.places.models import Place

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_four_level_party_structure_of_the_seeds():
    kinds = set(PartyOrg.objects.values_list("kind", flat=True))
    assert {"working_committee", "committee", "branch", "group", "center_household"} <= kinds
    assert PartyOrg.objects.filter(kind="branch").count() == Place.objects.filter(kind="compound").count()
    assert PartyOrg.objects.filter(kind="group").count() == Place.objects.filter(kind="building").count()


def test_demo_id_numbers_are_valid_and_match_gender_and_birth_date():
    for person in Person.objects.exclude(id_number_enc="")[:50]:
        number = normalise_id_number(person.id_number)
        assert number[6:14] == person.birth_date.strftime("%Y%m%d")
        assert (int(number[16]) % 2 == 1) == (person.gender == "M")


def test_the_demo_is_deterministic_for_a_seed():
    a = DemoBuilder(size="small", seed=11, password="x")
    b = DemoBuilder(size="small", seed=11, password="x")
    assert [a.person(place=Place(path="0001")).name for _ in range(5)] == [
        b.person(place=Place(path="0001")).name for _ in range(5)
    ]


@override_settings(DEBUG=False)
def test_the_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("demo", "--size", "small", "--password", "x")


@override_settings(DEBUG=True)
def test_the_demo_builds_only_into_an_empty_database():
    with pytest.raises(CommandError, match="empty database"):
        call_command("demo", "--size", "small", "--password", "x")
