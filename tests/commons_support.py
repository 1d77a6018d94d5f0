"""Helpers the shared-income (公共收益) tests share (not a test module)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from linli.commons import services as cs
from linli.commons.models import Entry
from linli.commons.periods import previous_quarter, quarter_bounds
from linli.places.models import Place

PASSWORD = "demo-pass-2026"


def last_quarter() -> tuple[int, int, dt.date, dt.date]:
    year, quarter = previous_quarter()
    first, last = quarter_bounds(year, quarter)
    return year, quarter, first, last


def income(actor: Any, compound: Place, amount_fen: int = 3_000_000, **extra: Any) -> Entry:
    """Parking fees for last month, paid in by nobody in particular, recorded today unless told otherwise."""
    today = timezone.localdate()
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    fields = cs.EntryFields(
        kind="income",
        category=extra.pop("category", "parking"),
        amount_fen=amount_fen,
        occurred_on=extra.pop("occurred_on", today),
        summary=extra.pop("summary", "地面共有车位停车费"),
        period_start=extra.pop("period_start", month_end.replace(day=1)),
        period_end=extra.pop("period_end", month_end),
        receipt_no=extra.pop("receipt_no", f"TC-{Entry.objects.count() + 1:05d}"),
        **extra,
    )
    key = fields.receipt_no
    return cs.entry_record(actor=actor, compound=compound, fields=fields, idempotency_key=key)[0]


def outflow(actor: Any, compound: Place, kind: str, amount_fen: int, **extra: Any) -> Entry:
    category = {"cost": "management_cost", "spending": "maintenance", "distribution": "dividend"}[kind]
    key = extra.pop("key", "")
    fields = cs.EntryFields(
        kind=kind,
        category=extra.pop("category", category),
        amount_fen=amount_fen,
        occurred_on=extra.pop("occurred_on", timezone.localdate()),
        summary=extra.pop("summary", "更换单元门闭门器" if kind != "distribution" else "业主分红"),
        evidence=extra.pop("evidence", "物业服务合同第八条" if kind == "cost" else ""),
        **extra,
    )
    return cs.entry_record(actor=actor, compound=compound, fields=fields, idempotency_key=key)[0]


def make_owners(compound: Place, n: int = 4) -> list[Any]:
    """``n`` owners of the compound (first member of as many households), each with 100 m²."""
    from linli.people.models import Ownership, Person

    owners: list[Any] = []
    seen: set[int] = set()
    for person in Person.objects.filter(place_path__startswith=compound.path, household__isnull=False).order_by(
        "household_id", "id"
    ):
        if len(owners) == n:
            break
        if person.household_id in seen:
            continue
        seen.add(person.household_id)
        Ownership.objects.create(
            person=person, household=person.household, place_path=person.household.place_path, area_m2=Decimal("100")
        )
        owners.append(person)
    return owners


def owners_vote(
    actor: Any, place: Place, *, rule: str = "art278_ordinary", yes: int = 4, no: int = 0, close: bool = True
) -> Any:
    """An owners' vote at ``place`` (its compound gets four owners if it has none), with paper ballots."""
    from linli.deliberation.models import Voter
    from linli.deliberation.services_votes import ballot_enter_paper, vote_close, vote_create, vote_open
    from linli.people.models import Ownership

    compound = (
        place
        if place.kind == "compound"
        else Place.objects.filter(path__startswith=place.path, kind="compound").order_by("path").first()
    )
    if not Ownership.objects.filter(place_path__startswith=compound.path).exists():
        make_owners(compound)
    vote = vote_create(
        actor=actor,
        place=place,
        title="公共收益使用方案",
        question="是否同意使用公共收益维修屋面并向业主分红",
        electorate="owners" if rule != "simple" else "households",
        rule=rule,
        closes_at=timezone.now() + dt.timedelta(days=3),
    )
    vote_open(actor=actor, vote=vote)
    voters = list(Voter.objects.filter(vote=vote).order_by("id"))
    choices = ["for"] * yes + ["against"] * no
    for i, (voter, choice) in enumerate(zip(voters, choices, strict=False)):
        ballot_enter_paper(actor=actor, vote=vote, voter=voter, choice=choice, paper_number=f"T-{i + 1}")
    if close:
        vote_close(actor=actor, vote=vote, publish_days=7, reason="测试:纸质票已收回")
    vote.refresh_from_db()
    return vote


def account(place: Place, username: str) -> Any:
    """A sign-in for a resident of ``place`` (a demo person without an account yet)."""
    from linli.accounts.models import User
    from linli.people.models import Person

    person = (
        Person.objects.filter(place_path__startswith=place.path, user__isnull=True, moved_out_on__isnull=True)
        .order_by("pk")
        .first()
    )
    assert person is not None
    return User.objects.create_user(username=username, password=PASSWORD, person=person)


def secretary_of(compound: Place, username: str = "secretary") -> Any:
    """A sign-in for the compound's party branch secretary (the demo's ``branch_secretary`` position)."""
    from linli.accounts.models import User
    from linli.people.models import Position

    position = Position.objects.filter(place=compound, kind="branch_secretary").order_by("pk").first()
    assert position is not None
    existing = User.objects.filter(person=position.person).first()
    return existing or User.objects.create_user(username=username, password=PASSWORD, person=position.person)


def committee_member_of(compound: Place, username: str = "committee") -> Any:
    """A sign-in for a member of the compound's owners' committee serving today (set up if the demo has none)."""
    from linli.cobuilding.models import CommitteeMember
    from linli.orgs.models import Organisation

    committee = Organisation.objects.filter(kind="owners_committee", place_path=compound.path).first()
    if committee is None:
        committee = Organisation.objects.create(
            kind="owners_committee", name=f"{compound.name}业委会", home=compound, place_path=compound.path
        )
    user = account(compound, username)
    today = timezone.localdate()
    CommitteeMember.objects.create(
        organisation=committee,
        person=user.person,
        place_path=compound.path,
        term_starts=today - dt.timedelta(days=100),
        term_ends=today + dt.timedelta(days=900),
    )
    return user


def staff_of(community: Place, username: str) -> Any:
    """A sign-in for a community worker (``community_staff``) of ``community``."""
    from linli.accounts.models import User
    from linli.people.models import Position

    position = Position.objects.filter(place=community, kind="community_staff").order_by("pk").first()
    assert position is not None
    existing = User.objects.filter(person=position.person).first()
    return existing or User.objects.create_user(username=username, password=PASSWORD, person=position.person)
