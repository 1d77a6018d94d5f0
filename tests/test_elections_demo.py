"""The demo's completed 换届: the first compound with an owners' committee re-elects it, led by its branch."""

from __future__ import annotations

import random
from typing import Any

import pytest

from linli.cobuilding.models import CommitteeMember
from linli.deliberation.demo import _owners
from linli.elections.demo import build_demo_elections
from linli.elections.models import ElectedSeat, Election, ElectionStatus, Outcome, PrepMember

pytestmark = pytest.mark.django_db


def test_the_demo_holds_one_completed_renewal_seated_into_the_committee_and_a_rerun_adds_nothing(
    users: Any, places: Any
) -> None:
    from linli.orgs.models import Organisation
    from linli.orgs.services import organisation_register

    rng = random.Random(7)
    _owners(rng)  # deliberation's demo owners: the electorate
    if not Organisation.objects.filter(kind="owners_committee").exists():
        organisation_register(actor=users["admin"], kind="owners_committee", name="业委会", home=places.compounds[0])
    build_demo_elections(rng)
    election = Election.objects.get()
    assert (election.kind, election.body, election.status) == ("renewal", "owners_committee", ElectionStatus.SEATED)
    assert election.outcome == Outcome.VALID
    assert PrepMember.objects.get(election=election, role="chair").affiliation == "branch"
    seats = ElectedSeat.objects.filter(election=election)
    assert 1 <= seats.count() <= election.seats
    members = CommitteeMember.objects.filter(organisation_id=election.committee_id, term_starts=election.term_starts)
    assert members.count() == seats.count() and members.filter(role="chair").count() == 1
    build_demo_elections(rng)
    assert Election.objects.count() == 1
