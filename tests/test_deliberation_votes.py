"""Owners' votes: electorate from the ownership ledger, one ballot per voter, paper ballots, proxies, secrecy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.deliberation.models import Ballot, SecretChoice, Vote, Voter, VoteRule, VoteStatus
from linli.deliberation.services_votes import (
    ballot_cast,
    ballot_enter_paper,
    vote_close,
    vote_create,
    vote_open,
)
from linli.deliberation.tally import count_vote
from linli.people.models import Ownership, Person
from linli.places.models import Household


def make_owners(compound: Any, resident: Person, areas: list[str]) -> list[Person]:
    """The resident owns their home with the first area; other members of the compound own the rest."""
    owners = [resident]
    others = (
        Person.objects.filter(place_path__startswith=compound.path, household__isnull=False)
        .exclude(household=resident.household)
        .order_by("household_id", "id")
    )
    seen: set[int] = {resident.household_id}
    for p in others:
        if len(owners) == len(areas):
            break
        if p.household_id not in seen:
            owners.append(p)
            seen.add(p.household_id)
    for person, area in zip(owners, areas, strict=True):
        Ownership.objects.create(
            person=person, household=person.household, place_path=person.household.place_path, area_m2=Decimal(area)
        )
    return owners


@pytest.fixture
def owners_vote(users: dict[str, Any], places: Any) -> tuple[Vote, list[Person]]:
    return open_owners_vote(users, places)


def open_owners_vote(users: dict[str, Any], places: Any) -> tuple[Vote, list[Person]]:
    """An open special-majority vote of six owners of the first compound; the demo resident is the first."""
    compound = places.compounds[0]
    owners = make_owners(compound, users["resident"].person, ["100", "100", "100", "50", "50", "100"])
    vote = vote_create(
        actor=users["community"],
        place=compound,
        title="使用维修资金更换电梯",
        question="是否同意使用专项维修资金更换3号楼电梯",
        electorate="owners",
        rule=VoteRule.SPECIAL,
        closes_at=timezone.now() + dt.timedelta(days=7),
    )
    return vote_open(actor=users["community"], vote=vote), owners


def voter_of(vote: Vote, person: Person) -> Voter:
    return Voter.objects.get(vote=vote, person=person)


def test_opening_freezes_the_owners_and_their_exclusive_area_from_the_ledger(owners_vote: Any) -> None:
    vote, owners = owners_vote
    assert vote.status == VoteStatus.OPEN
    assert Voter.objects.filter(vote=vote).count() == 6
    assert voter_of(vote, owners[3]).area_m2 == Decimal("50")
    assert count_vote(vote).electorate.area == Decimal("500")


def test_an_owner_votes_online_once_and_a_second_try_is_refused(owners_vote: Any, users: Any) -> None:
    vote, _ = owners_vote
    ballot_cast(actor=users["resident"], vote=vote, choice="for")
    with pytest.raises(Conflict):
        ballot_cast(actor=users["resident"], vote=vote, choice="against")
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert Ballot.objects.get(vote=vote).choice == "for"


def test_someone_outside_the_electorate_may_not_vote(owners_vote: Any, users: Any) -> None:
    vote, _ = owners_vote
    with pytest.raises(Forbidden):
        ballot_cast(actor=users["grid"], vote=vote, choice="for")
    assert not Ballot.objects.filter(vote=vote).exists()


def test_a_vote_after_the_close_is_refused(owners_vote: Any, users: Any) -> None:
    vote, _ = owners_vote
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict):
        ballot_cast(actor=users["resident"], vote=vote, choice="for")
    assert not Ballot.objects.filter(vote=vote).exists()


def test_paper_ballots_need_a_number_that_is_unique_within_the_vote(owners_vote: Any, users: Any) -> None:
    vote, owners = owners_vote
    ballot_enter_paper(
        actor=users["community"], vote=vote, voter=voter_of(vote, owners[1]), choice="for", paper_number="A-001"
    )
    with pytest.raises(Conflict) as exc:
        ballot_enter_paper(
            actor=users["community"], vote=vote, voter=voter_of(vote, owners[2]), choice="for", paper_number="A-001"
        )
    assert exc.value.field == "paper_number"
    with pytest.raises(InvalidInput):
        ballot_enter_paper(
            actor=users["community"], vote=vote, voter=voter_of(vote, owners[2]), choice="for", paper_number=" "
        )
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_a_grid_worker_may_not_enter_paper_ballots(owners_vote: Any, users: Any) -> None:
    vote, owners = owners_vote
    with pytest.raises(Forbidden):
        ballot_enter_paper(
            actor=users["grid"], vote=vote, voter=voter_of(vote, owners[1]), choice="for", paper_number="7"
        )


def test_a_proxy_needs_recorded_authorisation(owners_vote: Any, users: Any) -> None:
    vote, owners = owners_vote
    other = voter_of(vote, owners[1])
    with pytest.raises(InvalidInput) as exc:
        ballot_cast(actor=users["resident"], vote=vote, choice="for", for_voter=other)
    assert exc.value.field == "proxy_authorisation"
    ballot = ballot_cast(
        actor=users["resident"], vote=vote, choice="for", for_voter=other, proxy_authorisation="授权委托书 2026-03"
    )
    assert ballot.proxy == users["resident"].person
    assert ballot.voter == other


def test_staff_enter_a_proxy_paper_ballot_only_with_authorisation(owners_vote: Any, users: Any) -> None:
    vote, owners = owners_vote
    with pytest.raises(InvalidInput):
        ballot_enter_paper(
            actor=users["community"],
            vote=vote,
            voter=voter_of(vote, owners[1]),
            choice="for",
            paper_number="9",
            proxy=owners[2],
        )
    assert not Ballot.objects.filter(vote=vote).exists()


def test_ballots_cannot_be_updated_at_the_database(owners_vote: Any, users: Any) -> None:
    vote, _ = owners_vote
    ballot = ballot_cast(actor=users["resident"], vote=vote, choice="for")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Ballot.objects.filter(pk=ballot.pk).update(choice="against")
    assert Ballot.objects.get(pk=ballot.pk).choice == "for"


def test_the_frozen_electorate_cannot_be_updated_at_the_database(owners_vote: Any) -> None:
    vote, owners = owners_vote
    voter = voter_of(vote, owners[0])
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Voter.objects.filter(pk=voter.pk).update(area_m2=Decimal("999"))
    assert voter_of(vote, owners[0]).area_m2 == Decimal("100")


def test_a_secret_ballot_keeps_no_choice_beside_the_voter(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    make_owners(compound, users["resident"].person, ["80", "120"])
    vote = vote_create(
        actor=users["community"],
        place=compound,
        title="选举业委会",
        question="是否同意候选人",
        electorate="owners",
        rule=VoteRule.ORDINARY,
        closes_at=timezone.now() + dt.timedelta(days=3),
        secret=True,
    )
    vote_open(actor=users["community"], vote=vote)
    ballot = ballot_cast(actor=users["resident"], vote=vote, choice="against")
    assert ballot.choice == ""
    secret = SecretChoice.objects.get(vote=vote)
    assert secret.choice == "against"
    assert {f.name for f in SecretChoice._meta.get_fields()} == {"id", "vote", "choice", "area_m2"}
    assert count_vote(vote).by_choice["against"].count == 1


def test_the_result_is_recounted_from_the_rows_and_published(owners_vote: Any, users: Any) -> None:
    vote, owners = owners_vote
    ballot_cast(actor=users["resident"], vote=vote, choice="for")
    for i, owner in enumerate(owners[1:5], start=1):
        ballot_enter_paper(
            actor=users["community"], vote=vote, voter=voter_of(vote, owner), choice="for", paper_number=f"P{i}"
        )
    with pytest.raises(InvalidInput):
        vote_close(actor=users["community"], vote=vote)
    publication = vote_close(actor=users["community"], vote=vote, reason="全部纸质票已收回", publish_days=7)
    result = count_vote(vote)
    # 5 of 6 owners, 400 of 500 m²: participation met; all 5 for → 3/4 of both met.
    assert (result.participating.count, result.participating.area) == (5, Decimal("400"))
    assert result.approved
    assert "通过" in publication.body
    assert (publication.ends_at - publication.starts_at) == dt.timedelta(days=7)
    with pytest.raises(Conflict):
        ballot_cast(actor=users["resident"], vote=vote, choice="for")


def test_rule_278_is_refused_for_an_electorate_of_households(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as exc:
        vote_create(
            actor=users["community"],
            place=places.compounds[0],
            title="t",
            question="q",
            electorate="households",
            rule=VoteRule.ORDINARY,
            closes_at=timezone.now() + dt.timedelta(days=1),
        )
    assert exc.value.field == "rule"
    assert not Vote.objects.filter(title="t").exists()


def test_a_vote_outside_the_staff_members_community_is_refused(users: Any, places: Any) -> None:
    with pytest.raises(Forbidden):
        vote_create(
            actor=users["community"],
            place=places.other_community,
            title="t",
            question="q",
            electorate="adults",
            rule=VoteRule.SIMPLE,
            closes_at=timezone.now() + dt.timedelta(days=1),
        )


def test_household_vote_lets_a_member_cast_the_households_one_ballot(users: Any, places: Any) -> None:
    vote = vote_create(
        actor=users["community"],
        place=places.compounds[0],
        title="停车方案",
        question="是否同意",
        electorate="households",
        rule=VoteRule.SIMPLE,
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    vote_open(actor=users["community"], vote=vote)
    ballot = ballot_cast(actor=users["resident"], vote=vote, choice="for")
    assert ballot.voter.household_id == users["resident"].person.household_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_ballots_for_the_same_voter_at_once_leave_exactly_one() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    import threading

    from django.db import connections

    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    users = {u.username: u for u in User.objects.filter(username__in=["resident", "community"])}
    compound = Place.objects.filter(kind="compound").order_by("path").first()
    owners = make_owners(compound, users["resident"].person, ["90", "60"])
    vote = vote_create(
        actor=users["community"],
        place=compound,
        title="并发",
        question="q",
        electorate="owners",
        rule=VoteRule.ORDINARY,
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    vote_open(actor=users["community"], vote=vote)
    voter = voter_of(vote, owners[1])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def enter(number: str) -> None:
        try:
            barrier.wait()
            ballot_enter_paper(actor=users["community"], vote=vote, voter=voter, choice="for", paper_number=number)
            outcomes.append("ok")
        except (Conflict, IntegrityError):
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enter, args=(n,)) for n in ("X1", "X2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Ballot.objects.filter(vote=vote, voter=voter).count() == 1


def test_co_owners_of_one_flat_are_one_head_and_a_sole_owner_of_two_flats_is_one_head(
    users: dict[str, Any], places: Any
) -> None:
    """Supreme People's Court interpretation on building ownership, Art. 9: one head per exclusive part,
    and a buyer of several parts is one head."""
    compound = places.compounds[0]
    no_account = Person.objects.filter(user__isnull=True)
    households = [
        h
        for h in Household.objects.filter(place_path__startswith=compound.path).order_by("id")
        if no_account.filter(household=h).count() >= 2
    ][:3]
    a, b = list(no_account.filter(household=households[0]).order_by("id")[:2])
    c = Person.objects.filter(household=households[1]).order_by("id").first()
    for person, flat, area, share in ((a, households[0], "90", "0.5"), (b, households[0], "90", "0.5")):
        Ownership.objects.create(
            person=person, household=flat, place_path=flat.place_path, area_m2=Decimal(area), share=Decimal(share)
        )
    for flat in households[1:3]:
        Ownership.objects.create(person=c, household=flat, place_path=flat.place_path, area_m2=Decimal("60"))
    vote = vote_create(
        actor=users["community"],
        place=compound,
        title="更换物业",
        question="是否同意解聘现物业服务企业",
        electorate="owners",
        rule=VoteRule.SPECIAL,
        closes_at=timezone.now() + dt.timedelta(days=7),
    )
    vote = vote_open(actor=users["community"], vote=vote)
    voters = list(Voter.objects.filter(vote=vote))
    assert len(voters) == 2
    flat_voter = next(v for v in voters if v.household_id == households[0].pk)
    assert flat_voter.area_m2 == Decimal("90") and a.name in flat_voter.label and b.name in flat_voter.label
    buyer = next(v for v in voters if v.person_id == c.pk)
    assert buyer.area_m2 == Decimal("120")
    assert count_vote(vote).electorate.area == Decimal("210")

    from django.contrib.auth import get_user_model

    User = get_user_model()
    user_a = User.objects.create(username="co-owner-a", person=a)
    user_b = User.objects.create(username="co-owner-b", person=b)
    ballot_cast(actor=user_a, vote=vote, choice="for")
    with pytest.raises(Conflict):
        ballot_cast(actor=user_b, vote=vote, choice="against")  # the flat has voted
