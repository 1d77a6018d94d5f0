"""An owners' committee election from draft to seated members: the branch-led 筹备组, candidates from the ledger,
the branch's check (party share below half is a warning), 公示, voting, count, certification, seating through
cobuilding; every step audited, every step out of order a Conflict."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.cobuilding.models import CommitteeMember
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.elections import services as es
from linli.elections import services_ballots as eb
from linli.elections.models import (
    Candidate,
    ElectedSeat,
    Election,
    ElectionEvent,
    ElectionStatus,
    Outcome,
    PrepMember,
)
from linli.orgs.models import Organisation
from linli.orgs.services import organisation_register
from linli.people.models import Position
from linli.people.services import person_update
from tests.elections_support import draft, elapse_publicity, fields, make_owners, set_party, voter_of, voting

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(users: Any, places: Any) -> list[Any]:
    """Six owners of the first compound, 100 m² each; the demo resident is the first."""
    return make_owners(places.compounds[0], ["100"] * 6, first=users["resident"].person)


def test_an_election_runs_from_draft_to_seated_members_with_an_event_and_an_audit_record_for_each_step(
    users: Any, places: Any, owners: list[Any]
) -> None:
    staff, compound = users["community"], places.compounds[0]
    for person, party in zip(owners[:3], [True, True, False], strict=True):
        set_party(person, party)
    election = draft(staff, compound, seats=2)
    candidates = [es.candidate_add(actor=staff, election=election, person=p) for p in owners[:3]]
    assert [c.party_member for c in candidates] == [True, True, False]
    es.candidates_check(actor=staff, election=election, note="同意公示")
    es.election_publish(actor=staff, election=election)
    elapse_publicity(election)
    es.election_open_voting(actor=staff, election=election, closes_at=timezone.now() + dt.timedelta(days=3))
    a, b, c = candidates
    for i, owner in enumerate(owners[:5]):
        chosen = [a.pk, b.pk] if i < 4 else [c.pk]
        eb.ballot_enter_paper(
            actor=staff, election=election, voter=voter_of(election, owner), candidate_ids=chosen, paper_number=f"P{i}"
        )
    tally = es.election_close(actor=staff, election=election, reason="纸质票已全部收回")
    assert tally.participation_met and [x.candidate_id for x in tally.elected] == [a.pk, b.pk]
    es.election_certify(actor=staff, election=election)
    es.election_seat(actor=staff, election=election, chair=a)

    election.refresh_from_db()
    assert election.status == ElectionStatus.SEATED and election.outcome == Outcome.VALID
    board = Organisation.objects.get(pk=election.committee_id)
    assert (board.kind, board.place_path) == ("supervisory_board", compound.path)  # a first formation registers it
    members = CommitteeMember.objects.filter(organisation=board).order_by("role")
    assert sorted((m.person_id, m.role) for m in members) == sorted([(owners[0].pk, "chair"), (owners[1].pk, "member")])
    assert all(m.term_starts == election.term_starts for m in members)
    assert list(ElectedSeat.objects.filter(election=election).values_list("member__person_id", flat=True)) == [
        owners[0].pk,
        owners[1].pk,
    ]
    steps = list(ElectionEvent.objects.filter(election=election).values_list("to_status", flat=True))
    assert steps == ["draft", "draft", "published", "voting", "closed", "certified", "seated"]
    actions = set(AuditEvent.objects.filter(target_id=str(election.pk)).values_list("action", flat=True))
    assert {
        "elections.created",
        "elections.prep_member_added",
        "elections.candidate_added",
        "elections.candidates_checked",
        "elections.published",
        "elections.voting_opened",
        "elections.ballot_recorded",
        "elections.closed",
        "elections.certified",
        "elections.seated",
    } <= actions


def test_each_step_taken_out_of_order_is_a_conflict(users: Any, places: Any, owners: list[Any]) -> None:
    staff = users["community"]
    election = draft(staff, places.compounds[0], seats=1)
    es.candidate_add(actor=staff, election=election, person=owners[0])
    soon = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(Conflict):
        es.election_open_voting(actor=staff, election=election, closes_at=soon)
    with pytest.raises(Conflict):
        es.election_close(actor=staff, election=election)
    with pytest.raises(Conflict):
        es.election_certify(actor=staff, election=election)
    with pytest.raises(Conflict):
        es.election_seat(actor=staff, election=election)
    es.candidates_check(actor=staff, election=election)
    es.election_publish(actor=staff, election=election)
    with pytest.raises(Conflict):
        es.election_publish(actor=staff, election=election)
    with pytest.raises(Conflict):  # the list is frozen once published
        es.candidate_add(actor=staff, election=election, person=owners[1])
    assert Election.objects.get(pk=election.pk).status == ElectionStatus.PUBLISHED


def test_voting_opens_only_after_the_publicity_period(users: Any, places: Any, owners: list[Any]) -> None:
    staff = users["community"]
    election = draft(staff, places.compounds[0], seats=1, publicity_days=7)
    es.candidate_add(actor=staff, election=election, person=owners[0])
    es.candidates_check(actor=staff, election=election)
    es.election_publish(actor=staff, election=election)
    election.refresh_from_db()
    assert election.publicity_ends_at - election.published_at == dt.timedelta(days=7)
    with pytest.raises(Conflict, match="公示期"):
        es.election_open_voting(actor=staff, election=election, closes_at=timezone.now() + dt.timedelta(days=3))
    elapse_publicity(election)
    opened = es.election_open_voting(actor=staff, election=election, closes_at=timezone.now() + dt.timedelta(days=3))
    assert opened.status == ElectionStatus.VOTING and opened.voters.count() >= 6


def test_publishing_needs_a_chair_a_checked_list_and_at_least_as_many_candidates_as_seats(
    users: Any, places: Any, owners: list[Any]
) -> None:
    staff = users["community"]
    election, _ = es.election_create(actor=staff, place=places.compounds[0], fields=fields(seats=2))
    es.candidate_add(actor=staff, election=election, person=owners[0])
    with pytest.raises(Conflict, match="筹备组") as no_chair:
        es.election_publish(actor=staff, election=election)
    assert no_chair.value.field == "prep_members"
    es.prep_member_add(actor=staff, election=election, role="chair", affiliation="community", name="李主任")
    with pytest.raises(Conflict, match="少于应选名额"):
        es.candidates_check(actor=staff, election=election)
    es.candidate_add(actor=staff, election=election, person=owners[1])
    with pytest.raises(Conflict, match="党支部审核"):
        es.election_publish(actor=staff, election=election)
    es.candidates_check(actor=staff, election=election)
    es.candidate_add(actor=staff, election=election, person=owners[2])  # a changed list must be checked again
    assert Election.objects.get(pk=election.pk).checked_at is None
    with pytest.raises(Conflict, match="党支部审核"):
        es.election_publish(actor=staff, election=election)


def test_the_preparatory_group_is_chaired_from_the_branch_or_the_community_and_has_one_chair(
    users: Any, places: Any
) -> None:
    staff = users["community"]
    election, _ = es.election_create(actor=staff, place=places.compounds[0], fields=fields())
    with pytest.raises(InvalidInput) as refused:
        es.prep_member_add(actor=staff, election=election, role="chair", affiliation="owner", name="业主甲")
    assert refused.value.field == "affiliation"
    es.prep_member_add(actor=staff, election=election, role="chair", affiliation="branch", name="王支书")
    with pytest.raises(Conflict):
        es.prep_member_add(actor=staff, election=election, role="chair", affiliation="community", name="李主任")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it on any path
        PrepMember.objects.create(election=election, name="赵某", role="chair", affiliation="other")


def test_fewer_than_half_party_members_among_candidates_is_a_warning_recorded_not_a_block(
    users: Any, places: Any, owners: list[Any]
) -> None:
    staff = users["community"]
    for person, party in zip(owners[:3], [True, False, False], strict=True):
        set_party(person, party)
    election = draft(staff, places.compounds[0], seats=2)
    for person in owners[:3]:
        es.candidate_add(actor=staff, election=election, person=person)
    share = es.candidates_check(actor=staff, election=election)
    assert (share.party, share.total, share.below_target) == (1, 3, True)
    assert "低于一般不低于 50% 的要求" in es.party_warning(share)
    es.election_publish(actor=staff, election=election)  # published all the same
    note = ElectionEvent.objects.get(election=election, to_status="published").note
    assert "33%" in note
    event = AuditEvent.objects.get(action="elections.published", target_id=str(election.pk))
    assert event.detail["below_target"] is True
    assert es.PartyShare(1, 2).below_target is False  # exactly half meets 一般不低于50%


def test_party_membership_is_the_ledgers_flag_which_follows_the_political_status(
    users: Any, places: Any, owners: list[Any]
) -> None:
    staff = users["community"]
    probationary, masses = owners[0], owners[1]
    set_party(masses, True)
    person_update(actor=staff, person=probationary, changes={"political_status": "probationary"})
    person_update(actor=staff, person=masses, changes={"political_status": "masses"})
    election = draft(staff, places.compounds[0])
    assert es.candidate_add(actor=staff, election=election, person=probationary).party_member is True
    assert es.candidate_add(actor=staff, election=election, person=masses).party_member is False


def test_a_flag_that_contradicts_the_political_status_is_refused_by_the_database(owners: list[Any]) -> None:
    person = owners[0]
    person.political_status, person.is_party_member = "masses", True
    with pytest.raises(IntegrityError), transaction.atomic():
        person.save(update_fields=["political_status", "is_party_member"])
    person.political_status, person.is_party_member = "", True  # unfilled: the flag is the ledger's only word
    person.save(update_fields=["political_status", "is_party_member"])


def test_a_branch_committee_member_stands_for_cross_appointment_and_a_non_member_cannot(
    users: Any, places: Any, owners: list[Any]
) -> None:
    staff, compound = users["community"], places.compounds[0]
    set_party(owners[0], True)
    set_party(owners[1], False)
    Position.objects.create(
        person=owners[0],
        kind="branch_secretary",
        place=compound,
        place_path=compound.path,
        start_date=dt.date(2020, 1, 1),
    )
    election = draft(staff, compound)
    assert es.candidate_add(actor=staff, election=election, person=owners[0]).cross_branch is True
    with pytest.raises(InvalidInput) as refused:
        es.candidate_add(actor=staff, election=election, person=owners[1], cross_branch=True)
    assert refused.value.field == "cross_branch"


def test_a_candidate_must_be_an_owner_living_in_the_compound(users: Any, places: Any, owners: list[Any]) -> None:
    from linli.people.models import Person

    staff = users["community"]
    election = draft(staff, places.compounds[0])
    tenant = (
        Person.objects.filter(place_path__startswith=places.compounds[0].path, moved_out_on__isnull=True)
        .exclude(pk__in=[o.pk for o in owners])
        .exclude(ownerships__isnull=False)
        .first()
    )
    with pytest.raises(InvalidInput) as refused:
        es.candidate_add(actor=staff, election=election, person=tenant)
    assert refused.value.field == "person_id"
    es.candidate_add(actor=staff, election=election, person=owners[0])
    with pytest.raises(Conflict):
        es.candidate_add(actor=staff, election=election, person=owners[0])


def test_the_branch_secretary_checks_the_list_but_may_not_run_the_election(
    users: Any, places: Any, owners: list[Any]
) -> None:
    from linli.accounts.models import User

    staff, compound = users["community"], places.compounds[0]
    secretary = Position.objects.filter(kind="branch_secretary", place=compound).select_related("person").first()
    account = User.objects.filter(person=secretary.person).first() or User.objects.create_user(
        username="branch-secretary", person=secretary.person
    )
    election = draft(staff, compound, seats=1)
    es.candidate_add(actor=staff, election=election, person=owners[0])
    es.candidates_check(actor=account, election=election, note="支委会研究同意")
    assert Election.objects.get(pk=election.pk).checked_by_id == account.pk
    with pytest.raises(Forbidden):
        es.election_publish(actor=account, election=election)
    with pytest.raises(Forbidden):
        es.candidates_check(actor=users["grid"], election=election)


def test_an_election_without_two_thirds_taking_part_fails_is_certified_without_seats_and_seats_nobody(
    users: Any, places: Any, owners: list[Any]
) -> None:
    staff = users["community"]
    election = voting(staff, places.compounds[0], owners[:2], seats=1)
    roll = election.voters.count()
    for i, owner in enumerate(owners[:2]):
        eb.ballot_enter_paper(
            actor=staff, election=election, voter=voter_of(election, owner), candidate_ids=[], paper_number=f"F{i}"
        )
    tally = es.election_close(actor=staff, election=election, reason="演示")
    assert not tally.participation_met and tally.participating.count == 2 and tally.electorate.count == roll
    event = ElectionEvent.objects.get(election=election, to_status="closed")
    assert "参与投票业主人数" in event.note and f"2/{roll}" in event.note
    certified = es.election_certify(actor=staff, election=election)
    assert certified.outcome == Outcome.FAILED and not ElectedSeat.objects.filter(election=election).exists()
    with pytest.raises(Conflict):
        es.election_seat(actor=staff, election=election)


def test_a_tie_for_the_last_seats_is_certified_only_with_a_runoff_decision(
    users: Any, places: Any, owners: list[Any]
) -> None:
    staff = users["community"]
    election = voting(staff, places.compounds[0], owners[:3], seats=2)
    a, b, c = Candidate.objects.filter(election=election).order_by("id")
    voters = list(election.voters.order_by("id"))
    assert len(voters) == 6
    pairs = [[a.pk, b.pk], [a.pk, c.pk], [b.pk, c.pk]]
    for i, v in enumerate(voters):  # every owner takes part and each candidate gets 4 of 6: a three-way tie
        eb.ballot_enter_paper(actor=staff, election=election, voter=v, candidate_ids=pairs[i % 3], paper_number=f"T{i}")
    tally = es.election_close(actor=staff, election=election, reason="收回")
    assert tally.elected == [] and {x.candidate_id for x in tally.tied} == {a.pk, b.pk, c.pk}
    assert tally.runoff_seats == 2
    with pytest.raises(Conflict, match="并列") as tied:
        es.election_certify(actor=staff, election=election)
    assert tied.value.field == "runoff"
    with pytest.raises(InvalidInput):  # two seats are open: two must be chosen
        es.election_certify(actor=staff, election=election, runoff=[b], note="加试")
    with pytest.raises(InvalidInput) as no_note:
        es.election_certify(actor=staff, election=election, runoff=[a, c], note="")
    assert no_note.value.field == "note"
    es.election_certify(actor=staff, election=election, runoff=[a, c], note="12月10日加试投票,甲、丙得票多")
    seats = list(
        ElectedSeat.objects.filter(election=election).order_by("rank").values_list("candidate_id", "by_runoff")
    )
    assert seats == [(a.pk, True), (c.pk, True)]


def test_a_renewal_needs_the_compounds_current_committee_and_a_founding_one_must_not_exist(
    users: Any, places: Any
) -> None:
    staff, compound = users["community"], places.compounds[0]
    with pytest.raises(InvalidInput) as missing:
        es.election_create(actor=staff, place=compound, fields=fields(kind="renewal", body="owners_committee"))
    assert missing.value.field == "committee_id"
    committee = Organisation.objects.filter(kind="owners_committee", place_path=compound.path).first()
    if committee is None:
        committee = organisation_register(actor=staff, kind="owners_committee", name="第一小区业委会", home=compound)
    with pytest.raises(InvalidInput) as exists:
        es.election_create(actor=staff, place=compound, fields=fields(kind="founding", body="owners_committee"))
    assert exists.value.field == "kind"
    election, _ = es.election_create(
        actor=staff, place=compound, fields=fields(kind="renewal", body="owners_committee", committee=committee)
    )
    assert election.committee_id == committee.pk and election.title.endswith("换届选举")
    with pytest.raises(Conflict):  # one election of a body at a time
        es.election_create(
            actor=staff, place=compound, fields=fields(kind="by_election", body="owners_committee", committee=committee)
        )


def test_a_double_submitted_create_makes_one_election_and_bad_terms_name_their_field(users: Any, places: Any) -> None:
    staff, compound = users["community"], places.compounds[0]
    first, created = es.election_create(actor=staff, place=compound, fields=fields(), idempotency_key="k-1")
    again, created_again = es.election_create(actor=staff, place=compound, fields=fields(), idempotency_key="k-1")
    assert created and not created_again and first.pk == again.pk
    today = timezone.localdate()
    for bad, field in [
        (fields(term_ends=today), "term_ends"),
        (fields(term_starts=today, term_ends=today + dt.timedelta(days=365 * 5 + 2)), "term_ends"),
        (fields(seats=0), "seats"),
        (fields(seats="五"), "seats"),
        (fields(kind="coup"), "kind"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            es.election_create(actor=staff, place=compound, fields=bad)
        assert refused.value.field == field


def test_staff_outside_the_compound_and_grid_workers_may_not_set_up_an_election(users: Any, places: Any) -> None:
    other = next(c for c in places.compounds if c.path.startswith(places.other_community.path))
    with pytest.raises(Forbidden):
        es.election_create(actor=users["community"], place=other, fields=fields())
    with pytest.raises(Forbidden):
        es.election_create(actor=users["grid"], place=places.compounds[0], fields=fields())
    with pytest.raises(InvalidInput):
        es.election_create(actor=users["community"], place=places.communities[0], fields=fields())
