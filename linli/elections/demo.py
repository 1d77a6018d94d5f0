"""Demo data for owners' committee elections (street and district sizes; tests call it on the small street after
deliberation's owners): one completed 换届 of the first compound that has an owners' committee — a 筹备组 chaired by
the branch secretary, seven candidates checked by the branch, published, voted on paper by most owners, closed,
certified and seated into the committee's new term.

Everything goes through the services (audited, as staff would do it), except one step: the 7-day publicity period
cannot pass during a demo build, so its end is moved into the past directly (``_publicity_elapsed``), as venues'
demo records its past bookings. Safe to run again: a compound that already has an election is left alone.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from linli.core.errors import Conflict
from linli.elections import services as es
from linli.elections import services_ballots as eb
from linli.elections.models import Affiliation, Candidate, ElectedSeat, Election, ElectionVoter, PrepRole
from linli.elections.views_common import candidate_choices
from linli.orgs.models import Organisation, OrganisationKind
from linli.people.models import Position
from linli.places.models import Place, PlaceKind

SEATS = 5
CANDIDATES = 7
TURNOUT = 0.85


def _publicity_elapsed(election: Election) -> None:
    """Demo history: the candidates were published a week ago (the service would make the build wait)."""
    now = timezone.now()
    Election.objects.filter(pk=election.pk).update(
        published_at=now - dt.timedelta(days=election.publicity_days), publicity_ends_at=now - dt.timedelta(minutes=1)
    )


def _prep(actor: Any, election: Election, compound: Place) -> None:
    today = timezone.localdate()
    secretary = (
        Position.objects.filter(kind="branch_secretary", place=compound, start_date__lte=today)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    es.prep_member_add(
        actor=actor,
        election=election,
        role=PrepRole.CHAIR,
        affiliation=Affiliation.BRANCH,
        person=secretary.person if secretary else None,
        name="" if secretary else "小区党支部书记",
    )
    es.prep_member_add(
        actor=actor, election=election, role=PrepRole.DEPUTY, affiliation=Affiliation.COMMUNITY, name="社区居委会委员"
    )
    for name in ("业主代表(1号楼)", "业主代表(3号楼)"):
        es.prep_member_add(
            actor=actor, election=election, role=PrepRole.MEMBER, affiliation=Affiliation.OWNER, name=name
        )
    es.prep_member_add(
        actor=actor, election=election, role=PrepRole.MEMBER, affiliation=Affiliation.OTHER, name="社区民警"
    )


def _candidates(actor: Any, election: Election, rng: random.Random) -> None:
    owners = candidate_choices(election)
    party = [p for p in owners if p.is_party_member]
    others = [p for p in owners if not p.is_party_member]
    chosen = rng.sample(party, min(len(party), 4))
    chosen += rng.sample(others, min(len(others), CANDIDATES - len(chosen)))
    for person in chosen:
        es.candidate_add(actor=actor, election=election, person=person, statement="热心小区公共事务,愿意为业主服务")


def build_demo_elections(rng: random.Random) -> None:
    User = get_user_model()
    actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if actor is None:
        return
    committee = (
        Organisation.objects.filter(kind=OrganisationKind.OWNERS_COMMITTEE, home__kind=PlaceKind.COMPOUND)
        .select_related("home")
        .order_by("place_path", "pk")
        .first()
    )
    if committee is None or Election.objects.filter(place_id=committee.home_id).exists():
        return
    compound = committee.home
    today = timezone.localdate()
    election, _created = es.election_create(
        actor=actor,
        place=compound,
        fields=es.ElectionFields(
            kind="renewal",
            body="owners_committee",
            seats=SEATS,
            term_starts=today,
            term_ends=today.replace(year=today.year + 5) - dt.timedelta(days=1),
            committee=committee,
        ),
    )
    _prep(actor, election, compound)
    _candidates(actor, election, rng)
    if es.party_share(election).total < SEATS:
        return  # a compound with too few owners in the ledger: the election stays in preparation
    es.candidates_check(actor=actor, election=election, note="候选人政治素质好、热心公益,同意提交公示")
    es.election_publish(actor=actor, election=election)
    _publicity_elapsed(election)
    es.election_open_voting(actor=actor, election=election, closes_at=timezone.now() + dt.timedelta(days=3))
    candidates = [c.pk for c in Candidate.objects.filter(election=election).order_by("id")]
    voters = list(ElectionVoter.objects.filter(election=election).order_by("id"))
    weights = [0.9, 0.85, 0.8, 0.75, 0.6, 0.35, 0.3][: len(candidates)]
    for i, voter in enumerate(voters[: math.ceil(len(voters) * TURNOUT)]):
        ticked = [pk for pk, w in zip(candidates, weights, strict=False) if rng.random() < w][:SEATS]
        eb.ballot_enter_paper(
            actor=actor, election=election, voter=voter, candidate_ids=ticked, paper_number=f"HJ-{i + 1:04d}"
        )
    es.election_close(actor=actor, election=election, reason="演示:纸质票已全部收回")
    try:
        es.election_certify(actor=actor, election=election)
    except Conflict:  # a tie for the last seat: the demo leaves it for a by-election
        es.election_certify(actor=actor, election=election, vacate_tied=True, note="并列席位留待补选")
    seats = list(ElectedSeat.objects.filter(election=election).order_by("rank"))
    if seats:
        es.election_seat(actor=actor, election=election, chair=seats[0].candidate)
