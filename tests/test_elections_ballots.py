"""Ballots: the electorate frozen by deliberation's owner rule, one ballot per owner, up to ``seats`` approvals,
paper numbers unique, proxies with written authorisation, append-only rows and no link from a voter to a choice."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.elections import services_ballots as eb
from linli.elections.models import Candidate, ElectionBallot, ElectionMark, ElectionVoter
from linli.elections.tally import count_election
from linli.people.models import Ownership
from tests.elections_support import make_owners, voter_of, voting

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(users: Any, places: Any) -> Any:
    """Voting open for two seats among three candidates; six owners of 100, 100, 100, 50, 50, 100 m²."""
    owners = make_owners(places.compounds[0], ["100", "100", "100", "50", "50", "100"], first=users["resident"].person)
    e = voting(users["community"], places.compounds[0], owners[:3], seats=2)
    e.owners = owners
    return e


def ids(election: Any) -> list[int]:
    return list(Candidate.objects.filter(election=election).order_by("id").values_list("id", flat=True))


def test_an_owner_approves_up_to_the_seats_online_once_and_a_second_ballot_is_a_conflict(
    election: Any, users: Any
) -> None:
    a, b, _c = ids(election)
    ballot = eb.ballot_cast(actor=users["resident"], election=election, candidate_ids=[a, b])
    assert ballot.channel == "online" and ballot.voter.person_id == users["resident"].person_id
    with pytest.raises(Conflict) as again:
        eb.ballot_cast(actor=users["resident"], election=election, candidate_ids=[a])
    assert again.value.field == "voter_id"
    assert ElectionMark.objects.filter(election=election).count() == 2


def test_more_candidates_than_seats_is_refused_with_a_clear_error_and_nothing_is_recorded(
    election: Any, users: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        eb.ballot_cast(actor=users["resident"], election=election, candidate_ids=ids(election))
    assert refused.value.field == "candidate_ids"
    assert "最多选 2 名" in refused.value.message and "您选了 3 名" in refused.value.message
    for bad in ([ids(election)[0]] * 2, [987654321], ["x"]):
        with pytest.raises(InvalidInput):
            eb.ballot_cast(actor=users["resident"], election=election, candidate_ids=bad)
    assert not ElectionBallot.objects.filter(election=election).exists()
    eb.ballot_cast(actor=users["resident"], election=election, candidate_ids=[])  # a blank ballot takes part
    assert ElectionBallot.objects.filter(election=election).count() == 1


def test_paper_ballots_need_a_number_unique_within_the_election_and_staff_to_enter_them(
    election: Any, users: Any
) -> None:
    staff = users["community"]
    first, second = (voter_of(election, o) for o in election.owners[1:3])
    eb.ballot_enter_paper(actor=staff, election=election, voter=first, candidate_ids=[], paper_number="No.001")
    with pytest.raises(Conflict) as twice:
        eb.ballot_enter_paper(actor=staff, election=election, voter=second, candidate_ids=[], paper_number="No.001")
    assert twice.value.field == "paper_number"
    with pytest.raises(InvalidInput) as blank:
        eb.ballot_enter_paper(actor=staff, election=election, voter=second, candidate_ids=[], paper_number=" ")
    assert blank.value.field == "paper_number"
    with pytest.raises(Forbidden):
        eb.ballot_enter_paper(actor=users["grid"], election=election, voter=second, candidate_ids=[], paper_number="2")


def test_a_proxy_needs_written_authorisation_and_a_registered_proxy_is_the_only_one_who_may_cast(
    election: Any, users: Any
) -> None:
    resident, staff = users["resident"], users["community"]
    absent, other = (voter_of(election, o) for o in election.owners[1:3])
    with pytest.raises(InvalidInput) as unwritten:
        eb.ballot_cast(actor=resident, election=election, candidate_ids=[], for_voter=absent)
    assert unwritten.value.field == "proxy_authorisation"
    eb.ballot_cast(
        actor=resident,
        election=election,
        candidate_ids=[ids(election)[0]],
        for_voter=absent,
        proxy_authorisation="委托书 W-1",
    )
    ballot = ElectionBallot.objects.get(election=election, voter=absent)
    assert ballot.proxy_id == resident.person_id and ballot.proxy_authorisation == "委托书 W-1"
    with pytest.raises(Forbidden):  # one unregistered proxy ballot online per person
        eb.ballot_cast(actor=resident, election=election, candidate_ids=[], for_voter=other, proxy_authorisation="W-2")
    eb.proxy_register(actor=staff, election=election, voter=other, proxy=resident.person, document="委托书 W-2(已核验)")
    eb.ballot_cast(actor=resident, election=election, candidate_ids=[], for_voter=other)
    assert AuditEvent.objects.filter(action="elections.proxy_registered", target_id=str(election.pk)).exists()


def test_ballots_marks_and_the_electorate_cannot_be_updated_at_the_database(election: Any, users: Any) -> None:
    eb.ballot_cast(actor=users["resident"], election=election, candidate_ids=[ids(election)[0]])
    for qs, change in [
        (ElectionBallot.objects.filter(election=election), {"paper_number": "X"}),
        (ElectionMark.objects.filter(election=election), {"area_m2": Decimal("999")}),
        (ElectionVoter.objects.filter(election=election), {"area_m2": Decimal("999")}),
    ]:
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            qs.update(**change)


def test_no_row_links_a_voter_to_the_candidates_they_approved(election: Any, users: Any) -> None:
    eb.ballot_cast(actor=users["resident"], election=election, candidate_ids=[ids(election)[0]])
    mark_fields = {f.name for f in ElectionMark._meta.get_fields()}
    ballot_fields = {f.name for f in ElectionBallot._meta.get_fields()}
    assert mark_fields == {"id", "election", "candidate", "area_m2"}  # no voter, ballot or time
    assert not {"candidate", "candidates", "choice"} & ballot_fields
    assert isinstance(ElectionMark.objects.get(election=election).pk, type(ElectionMark().pk))  # a random uuid
    detail = AuditEvent.objects.get(action="elections.ballot_recorded", target_id=str(election.pk)).detail
    assert set(detail) <= {"channel", "voter"}  # the audit names the ballot, never the candidates


def test_the_electorate_is_frozen_by_deliberations_owner_rule_with_each_owners_exclusive_area(
    election: Any,
) -> None:
    voters = {v.person_id: v.area_m2 for v in ElectionVoter.objects.filter(election=election)}
    assert [voters[o.pk] for o in election.owners] == [Decimal(a) for a in ["100", "100", "100", "50", "50", "100"]]
    # a flat bought after voting opened adds nobody: the roll is frozen
    late = election.owners[0]
    Ownership.objects.create(
        person=late, household=election.owners[1].household, place_path=late.place_path, area_m2=Decimal("10")
    )
    assert ElectionVoter.objects.filter(election=election).count() == 6


def test_the_count_from_real_ballots_matches_a_hand_computed_case(election: Any, users: Any) -> None:
    """500 m², 6 owners. Five take part holding 400 m² (≥ 333.33 and 5 ≥ 4): valid. A is approved by owners holding
    100+100+50+50 = 300 m² (> 200) and 4 owners (> 2.5): elected. B by 100+50+50 = 200 m² — exactly half of the
    participating area, not more — and 3 owners (> 2.5): not elected, the area test fails on its own."""
    staff = users["community"]
    a, b, _c = ids(election)
    o = election.owners
    plan = [(o[0], [a]), (o[1], [a]), (o[2], [b]), (o[3], [a, b]), (o[4], [a, b])]
    for i, (owner, chosen) in enumerate(plan):
        eb.ballot_enter_paper(
            actor=staff, election=election, voter=voter_of(election, owner), candidate_ids=chosen, paper_number=f"H{i}"
        )
    tally = count_election(election)
    assert (tally.electorate.count, tally.electorate.area) == (6, Decimal("500"))
    assert (tally.participating.count, tally.participating.area) == (5, Decimal("400"))
    assert tally.participation_met
    by_id = {c.candidate_id: c for c in tally.candidates}
    assert (by_id[a].approvals.count, by_id[a].approvals.area, by_id[a].elected) == (4, Decimal("300"), True)
    assert (by_id[b].approvals.count, by_id[b].approvals.area) == (3, Decimal("200"))
    assert [x.met for x in by_id[b].checks] == [False, True] and not by_id[b].elected
    assert tally.vacancies == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_ballots_for_the_same_owner_at_once_leave_exactly_one() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    from django.db import IntegrityError, connections

    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    staff = User.objects.get(username="community")
    resident = User.objects.get(username="resident")
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    owners = make_owners(compound, ["100", "100", "100"], first=resident.person)
    election = voting(staff, compound, owners[:2], seats=1)
    voter = voter_of(election, owners[1])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def enter(number: str) -> None:
        try:
            barrier.wait()
            eb.ballot_enter_paper(actor=staff, election=election, voter=voter, candidate_ids=[], paper_number=number)
            outcomes.append("ok")
        except (Conflict, IntegrityError):
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enter, args=(n,)) for n in ("R1", "R2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert ElectionBallot.objects.filter(election=election, voter=voter).count() == 1
