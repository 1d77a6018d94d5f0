"""Deliberation API under /api/v1/deliberation: votes and publications (this module), topics,
meetings and mediation (``api_meetings``). Same services and scoping as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import Forbidden, NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut, Moment, PageQuery
from linli.deliberation.api_four_in_one import router as four_in_one_router
from linli.deliberation.api_legal import router as legal_router
from linli.deliberation.api_mediation import router as mediation_router
from linli.deliberation.api_meetings import router as meetings_router
from linli.deliberation.api_proxies import router as proxies_router
from linli.deliberation.models import Choice, Electorate, Publication, PublicationKind, Vote, VoteRule, VoteStatus
from linli.deliberation.permissions import may
from linli.deliberation.selectors import (
    access_proxy_person,
    access_topic,
    access_vote,
    access_voter,
    current_publications,
    visible_votes,
)
from linli.deliberation.services_votes import (
    ballot_cast,
    ballot_enter_paper,
    vote_close,
    vote_create,
    vote_open,
)
from linli.deliberation.tally import Result, count_vote
from linli.places.models import Place

router = Router(tags=["deliberation"])
router.add_router("", meetings_router)
router.add_router("", mediation_router)
router.add_router("", proxies_router)
router.add_router("", legal_router)
router.add_router("", four_in_one_router)  # /legal-advisers, /meetings/{id}/parties, /four-in-one
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def place_by_id(pk: int) -> Place:
    """Place names are public; whether the caller may act there is the service's question."""
    try:
        return Place.objects.get(pk=pk)
    except Place.DoesNotExist:
        raise NotFound(_("未找到该地点"), field="place_id") from None


class VoteIn(Schema):
    place_id: int
    title: str = Field(..., max_length=120)
    question: str = Field(..., max_length=5000)
    electorate: Electorate
    rule: VoteRule
    secret: bool = False
    closes_at: Moment
    topic_id: int | None = None


class VoteOut(Schema):
    id: int
    place_id: int
    place_name: str
    title: str
    question: str
    electorate: Electorate
    rule: VoteRule
    secret: bool
    status: VoteStatus
    closes_at: dt.datetime
    topic_id: int | None


class VoteListOut(Schema):
    items: list[VoteOut]
    next: str | None


class DeliberationCheckOut(Schema):
    label: str
    value: Decimal
    base: Decimal
    rule: str = Field(..., description="'≥ 2/3' (以上, inclusive) or '> 1/2' (过半数, strict)")
    needed: str
    met: bool


class DeliberationChoiceTotalOut(Schema):
    choice: Choice
    count: int
    area_m2: Decimal


class DeliberationResultOut(Schema):
    vote_id: int
    rule: VoteRule
    electorate_count: int
    electorate_area_m2: Decimal
    participating_count: int
    participating_area_m2: Decimal
    by_choice: list[DeliberationChoiceTotalOut]
    checks: list[DeliberationCheckOut]
    participation_met: bool
    approved: bool


class DeliberationBallotIn(Schema):
    choice: Choice
    voter_id: int | None = Field(
        None,
        description="cast as proxy for this voter: as the proxy staff registered for them (see /proxies), or on a "
        "typed proxy_authorisation for one other voter a person a vote (403 beyond; 403 if someone else is "
        "registered)",
    )
    proxy_authorisation: str = Field("", max_length=200)


class PaperBallotIn(Schema):
    voter_id: int
    choice: Choice
    paper_number: str = Field(..., max_length=32)
    proxy_person_id: int | None = None
    proxy_authorisation: str = Field("", max_length=200)


class DeliberationBallotOut(Schema):
    id: int
    vote_id: int
    voter_id: int
    channel: str
    paper_number: str
    proxy: bool
    cast_at: dt.datetime


class DeliberationCloseIn(Schema):
    publish_days: int = Field(7, ge=1, le=60)
    reason: str = Field("", max_length=200)


class PublicationOut(Schema):
    id: int
    kind: PublicationKind
    place_id: int
    place_name: str
    title: str
    body: str
    meeting_id: int | None
    vote_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime


class PublicationListOut(Schema):
    items: list[PublicationOut]
    next: str | None


def vote_out(v: Vote) -> VoteOut:
    return VoteOut(
        id=v.pk,
        place_id=v.place_id,
        place_name=v.place.name,
        title=v.title,
        question=v.question,
        electorate=Electorate(v.electorate),
        rule=VoteRule(v.rule),
        secret=v.secret,
        status=VoteStatus(v.status),
        closes_at=v.closes_at,
        topic_id=v.topic_id,
    )


def result_out(vote: Vote, r: Result) -> DeliberationResultOut:
    return DeliberationResultOut(
        vote_id=vote.pk,
        rule=VoteRule(r.rule),
        electorate_count=r.electorate.count,
        electorate_area_m2=r.electorate.area,
        participating_count=r.participating.count,
        participating_area_m2=r.participating.area,
        by_choice=[
            DeliberationChoiceTotalOut(choice=Choice(k), count=t.count, area_m2=t.area) for k, t in r.by_choice.items()
        ],
        checks=[
            DeliberationCheckOut(
                label=c.label, value=c.value, base=c.base, rule=c.rule_display, needed=c.needed_display, met=c.met
            )
            for c in r.checks
        ],
        participation_met=r.participation_met,
        approved=r.approved,
    )


def ballot_out(b: Any) -> DeliberationBallotOut:
    return DeliberationBallotOut(
        id=b.pk,
        vote_id=b.vote_id,
        voter_id=b.voter_id,
        channel=b.channel,
        paper_number=b.paper_number,
        proxy=b.proxy_id is not None,
        cast_at=b.cast_at,
    )


def publication_out(p: Publication) -> PublicationOut:
    return PublicationOut(
        id=p.pk,
        kind=PublicationKind(p.kind),
        place_id=p.place_id,
        place_name=p.place.name,
        title=p.title,
        body=p.body,
        meeting_id=p.meeting_id,
        vote_id=p.vote_id,
        starts_at=p.starts_at,
        ends_at=p.ends_at,
    )


@router.get("/votes", response={200: VoteListOut, 422: ErrorOut}, operation_id="deliberation_votes_list")
def votes_list(request: HttpRequest, page: Query[PageQuery]) -> VoteListOut:
    result = keyset_page(visible_votes(request.user), key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return VoteListOut(items=[vote_out(v) for v in result.items], next=result.next)


@router.post("/votes", response={201: VoteOut, **ERRORS}, operation_id="deliberation_votes_create")
def votes_create(request: HttpRequest, payload: VoteIn) -> Status[VoteOut]:
    topic = access_topic(request.user, payload.topic_id) if payload.topic_id else None
    vote = vote_create(
        actor=request.user,
        place=place_by_id(payload.place_id),
        title=payload.title,
        question=payload.question,
        electorate=payload.electorate,
        rule=payload.rule,
        secret=payload.secret,
        closes_at=payload.closes_at,
        topic=topic,
    )
    return Status(201, vote_out(access_vote(request.user, vote.pk)))


@router.get("/votes/{vote_id}", response={200: VoteOut, 404: ErrorOut}, operation_id="deliberation_votes_read")
def votes_read(request: HttpRequest, vote_id: int) -> VoteOut:
    return vote_out(access_vote(request.user, vote_id))


@router.post("/votes/{vote_id}/open", response={200: VoteOut, **ERRORS}, operation_id="deliberation_votes_open")
def votes_open(request: HttpRequest, vote_id: int) -> VoteOut:
    vote_open(actor=request.user, vote=access_vote(request.user, vote_id))
    return vote_out(access_vote(request.user, vote_id))


@router.post(
    "/votes/{vote_id}/ballots",
    response={201: DeliberationBallotOut, **ERRORS},
    operation_id="deliberation_ballots_cast",
    summary="Vote online, for yourself or as a proxy with recorded authorisation",
)
def ballots_cast(request: HttpRequest, vote_id: int, payload: DeliberationBallotIn) -> Status[DeliberationBallotOut]:
    vote = access_vote(request.user, vote_id)
    for_voter = access_voter(vote, payload.voter_id) if payload.voter_id else None
    ballot = ballot_cast(
        actor=request.user,
        vote=vote,
        choice=payload.choice,
        for_voter=for_voter,
        proxy_authorisation=payload.proxy_authorisation,
    )
    return Status(201, ballot_out(ballot))


@router.post(
    "/votes/{vote_id}/paper-ballots",
    response={201: DeliberationBallotOut, **ERRORS},
    operation_id="deliberation_paper_ballots_enter",
    summary="Staff enter a paper ballot under its number",
)
def paper_ballots_enter(request: HttpRequest, vote_id: int, payload: PaperBallotIn) -> Status[DeliberationBallotOut]:
    vote = access_vote(request.user, vote_id)
    proxy = access_proxy_person(request.user, payload.proxy_person_id) if payload.proxy_person_id else None
    ballot = ballot_enter_paper(
        actor=request.user,
        vote=vote,
        voter=access_voter(vote, payload.voter_id),
        choice=payload.choice,
        paper_number=payload.paper_number,
        proxy=proxy,
        proxy_authorisation=payload.proxy_authorisation,
    )
    return Status(201, ballot_out(ballot))


@router.post(
    "/votes/{vote_id}/close", response={200: PublicationOut, **ERRORS}, operation_id="deliberation_votes_close"
)
def votes_close(request: HttpRequest, vote_id: int, payload: DeliberationCloseIn) -> PublicationOut:
    publication = vote_close(
        actor=request.user,
        vote=access_vote(request.user, vote_id),
        publish_days=payload.publish_days,
        reason=payload.reason,
    )
    return publication_out(publication)


@router.get(
    "/votes/{vote_id}/result",
    response={200: DeliberationResultOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="deliberation_votes_result",
    summary="Counted from the ballot rows; staff any time, residents after the close",
)
def votes_result(request: HttpRequest, vote_id: int) -> DeliberationResultOut:
    vote = access_vote(request.user, vote_id)
    if vote.status != VoteStatus.CLOSED and not may(request.user, vote.place_path, "manage"):
        raise Forbidden(_("表决结束后公布结果"))
    return result_out(vote, count_vote(vote))


@router.get(
    "/publications",
    response={200: PublicationListOut, 422: ErrorOut},
    operation_id="deliberation_publications_list",
    summary="公示 currently in their publication period, for the caller's place or scope",
)
def publications_list(request: HttpRequest, page: Query[PageQuery]) -> PublicationListOut:
    qs = current_publications(request.user)
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return PublicationListOut(items=[publication_out(p) for p in result.items], next=result.next)
