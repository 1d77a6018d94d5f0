"""Helpers the compound governance team tests share (not a test module)."""

from __future__ import annotations

from typing import Any

from linli.people.models import Person
from linli.places.models import Place
from linli.teams import services as s


def residents(place: Place, n: int, *, skip: int = 0) -> list[Person]:
    """``n`` residents living under ``place`` (in the ledger, not moved out), in id order."""
    rows = Person.objects.filter(
        place_path__startswith=place.path, household__isnull=False, moved_out_on__isnull=True
    ).order_by("id")
    return list(rows[skip : skip + n])


def buildings(compound: Place) -> int:
    return Place.objects.filter(kind="building", path__startswith=compound.path).count()


def fill(actor: Any, compound: Place, *, short: int = 0) -> list[Any]:
    """Seat what the default standard asks for (1 secretary, 1 grid chief, 2 per building), ``short`` of the
    building posts left empty. Returns the members."""
    n = buildings(compound)
    people = residents(compound, 2 + 2 * n)
    seated = [
        s.member_add(actor=actor, compound=compound, post="secretary", person=people[0])[0],
        s.member_add(actor=actor, compound=compound, post="grid_chief", person=people[1])[0],
    ]
    for person in people[2 : 2 + 2 * n - short]:
        seated.append(s.member_add(actor=actor, compound=compound, post="building", person=person)[0])
    return seated
