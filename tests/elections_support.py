"""Helpers the owners' committee election tests share (not a test module)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from linli.elections import services as es
from linli.elections.models import Affiliation, Election, ElectionVoter, PrepRole
from linli.people.models import Ownership, Person
from linli.places.models import Place


def make_owners(compound: Place, areas: list[str], *, first: Person | None = None) -> list[Person]:
    """One owner per household of the compound (``first``'s household first), each owning it with the next area."""
    owners: list[Person] = [first] if first is not None else []
    seen: set[int] = {first.household_id} if first is not None and first.household_id else set()
    people = (
        Person.objects.filter(place_path__startswith=compound.path, household__isnull=False, moved_out_on__isnull=True)
        .order_by("household_id", "id")
        .select_related("household")
    )
    for p in people:
        if len(owners) == len(areas):
            break
        if p.household_id not in seen:
            owners.append(p)
            seen.add(p.household_id)
    assert len(owners) == len(areas), "the demo compound has too few households"
    for person, area in zip(owners, areas, strict=True):
        household = person.household
        Ownership.objects.create(
            person=person, household=household, place_path=household.place_path, area_m2=Decimal(area)
        )
    return owners


def set_party(person: Person, party: bool) -> None:
    person.political_status = "party_member" if party else "masses"
    person.is_party_member = party
    person.save(update_fields=["political_status", "is_party_member"])


def fields(seats: int = 2, **extra: Any) -> es.ElectionFields:
    today = timezone.localdate()
    return es.ElectionFields(
        kind=extra.pop("kind", "founding"),
        body=extra.pop("body", "supervisory_board"),
        seats=seats,
        term_starts=extra.pop("term_starts", today + dt.timedelta(days=30)),
        term_ends=extra.pop("term_ends", today + dt.timedelta(days=30 + 365 * 3)),
        **extra,
    )


def draft(actor: Any, compound: Place, *, seats: int = 2, **extra: Any) -> Election:
    """A first formation of the compound's supervisory board (the demo registers none), chaired by the branch."""
    election, _ = es.election_create(actor=actor, place=compound, fields=fields(seats, **extra))
    es.prep_member_add(
        actor=actor, election=election, role=PrepRole.CHAIR, affiliation=Affiliation.BRANCH, name="王支书"
    )
    return election


def elapse_publicity(election: Election) -> None:
    """The publicity period has passed (a test cannot wait seven days)."""
    Election.objects.filter(pk=election.pk).update(publicity_ends_at=timezone.now() - dt.timedelta(minutes=1))


def voting(actor: Any, compound: Place, candidates: list[Person], *, seats: int = 2) -> Election:
    """An election of ``candidates`` with voting open for a week."""
    election = draft(actor, compound, seats=seats)
    for person in candidates:
        es.candidate_add(actor=actor, election=election, person=person)
    es.candidates_check(actor=actor, election=election)
    es.election_publish(actor=actor, election=election)
    elapse_publicity(election)
    return es.election_open_voting(actor=actor, election=election, closes_at=timezone.now() + dt.timedelta(days=7))


def voter_of(election: Election, person: Person) -> ElectionVoter:
    return ElectionVoter.objects.get(election=election, person=person)
