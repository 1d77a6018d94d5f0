"""Owners' committee elections under /api/v1/elections/: set one up and change it, its preparatory group and
candidates, the branch's check, each step of its lifecycle, ballots (online and paper), proxies, the voter roll,
the result and the figures.

An election is read by those who run it (``manage`` at the compound; drafts only them) and, once its candidates are
published, by the compound's residents and owners and anyone holding a position at, above or below it; anyone else
gets the 404 of a missing id. Rules broken are 422 naming the field; a step its state does not allow is 409. The
result gives each candidate's counts, never who voted how.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import cursor_key, keyset_page
from linli.core.schemas import Day, ErrorOut, Moment, PageQuery
from linli.core.scoping import get_or_not_found
from linli.deliberation.tally import Check
from linli.elections import selectors as sel
from linli.elections import services as es
from linli.elections import services_ballots as eb
from linli.elections.models import (
    Affiliation,
    Body,
    Candidate,
    Election,
    ElectionKind,
    ElectionProxy,
    ElectionStatus,
    ElectionVoter,
    PrepMember,
    PrepRole,
)
from linli.elections.permissions import may_manage
from linli.orgs.models import Organisation
from linli.people.models import Person
from linli.places.models import Place

router = Router(tags=["elections"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _choices(choices: Any) -> str:
    return ", ".join(f"{v} ({label})" for v, label in choices)


class ElectionOut(Schema):
    id: int
    place_id: int
    place_name: str
    title: str
    kind: str = Field(description=_choices(ElectionKind.choices))
    body: str = Field(description=_choices(Body.choices))
    committee_id: int | None = Field(description="the body re-elected; for a first formation set when seated")
    seats: int
    term_starts: dt.date
    term_ends: dt.date
    publicity_days: int
    status: str = Field(description=_choices(ElectionStatus.choices))
    outcome: str = Field(description="'' (not counted), valid, failed (participation below two thirds)")
    candidates: int
    party_candidates: int
    party_below_target: bool = Field(description="fewer than half the candidates are party members (a warning)")
    checked_at: dt.datetime | None = Field(description="when the party branch checked the candidate list")
    check_note: str
    published_at: dt.datetime | None
    publicity_ends_at: dt.datetime | None
    voting_opened_at: dt.datetime | None
    voting_closes_at: dt.datetime | None
    closed_at: dt.datetime | None
    certified_at: dt.datetime | None
    seated_at: dt.datetime | None
    may_manage: bool


class ElectionPrepMemberOut(Schema):
    id: int
    name: str
    role: str = Field(description=_choices(PrepRole.choices))
    affiliation: str = Field(description=_choices(Affiliation.choices))


class ElectionCandidateOut(Schema):
    id: int
    name: str
    party_member: bool = Field(description="中共党员 or 预备党员 in the ledger when nominated")
    cross_branch: bool = Field(description="sits on the branch committee and stands for 交叉任职")
    statement: str


class ElectionDetailOut(ElectionOut):
    prep_members: list[ElectionPrepMemberOut]
    candidate_list: list[ElectionCandidateOut]
    party_warning: str


class ElectionListOut(Schema):
    items: list[ElectionOut]
    next: str | None


class ElectionListQuery(PageQuery):
    place_id: int | None = Field(None, description="elections under this place")
    status: str | None = Field(None, description=_choices(ElectionStatus.choices))


class ElectionIn(Schema):
    seats: int = Field(description="应选名额, 1–21")
    term_starts: Day
    term_ends: Day = Field(description="after term_starts, at most five years")
    title: str = Field("", description="blank: the compound, body and kind")
    publicity_days: int = Field(7, description="候选人公示天数, 1–30")


class ElectionCreateIn(ElectionIn):
    place_id: int = Field(description="a compound you manage")
    kind: str = Field(description=_choices(ElectionKind.choices))
    body: str = Field(description=_choices(Body.choices))
    committee_id: int | None = Field(None, description="the compound's current body (换届, 补选); none for 首次成立")


def _counted(qs: QuerySet[Election]) -> QuerySet[Election]:
    return qs.select_related("place").annotate(
        n_candidates=Count("candidates", distinct=True),
        n_party=Count("candidates", filter=Q(candidates__party_member=True), distinct=True),
    )


def election_out(request: HttpRequest, e: Any) -> dict[str, Any]:
    n, party = getattr(e, "n_candidates", None), getattr(e, "n_party", None)
    if n is None:
        share = es.party_share(e)
        n, party = share.total, share.party
    return {
        "id": e.pk,
        "place_id": e.place_id,
        "place_name": e.place.name,
        "title": e.title,
        "kind": e.kind,
        "body": e.body,
        "committee_id": e.committee_id,
        "seats": e.seats,
        "term_starts": e.term_starts,
        "term_ends": e.term_ends,
        "publicity_days": e.publicity_days,
        "status": e.status,
        "outcome": e.outcome,
        "candidates": n,
        "party_candidates": party,
        "party_below_target": es.PartyShare(party, n).below_target,
        "checked_at": e.checked_at,
        "check_note": e.check_note,
        "published_at": e.published_at,
        "publicity_ends_at": e.publicity_ends_at,
        "voting_opened_at": e.voting_opened_at,
        "voting_closes_at": e.voting_closes_at,
        "closed_at": e.closed_at,
        "certified_at": e.certified_at,
        "seated_at": e.seated_at,
        "may_manage": may_manage(request.user, e.place_path),
    }


def detail_out(request: HttpRequest, election_id: int) -> ElectionDetailOut:
    e = sel.access_election(request.user, election_id)
    share = es.party_share(e)
    return ElectionDetailOut(
        **election_out(request, e),
        prep_members=[
            ElectionPrepMemberOut(id=m.pk, name=m.name, role=m.role, affiliation=m.affiliation)
            for m in sel.prep_members(e)
        ],
        candidate_list=[candidate_out(c) for c in sel.candidates(e)],
        party_warning=es.party_warning(share),
    )


def candidate_out(c: Candidate) -> ElectionCandidateOut:
    return ElectionCandidateOut(
        id=c.pk, name=c.name, party_member=c.party_member, cross_branch=c.cross_branch, statement=c.statement
    )


@router.get(
    "",
    response={200: ElectionListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="elections_list",
    summary="Elections you may see (drafts only where you manage), newest first (keyset pages)",
)
def elections_list(request: HttpRequest, filters: Query[ElectionListQuery]) -> ElectionListOut:
    qs = sel.visible_elections(request.user)
    if filters.cursor:
        cursor_key(qs, key="id", cursor=filters.cursor)  # a bad cursor is 422 on ``cursor`` before anything else
    if filters.place_id is not None:
        node = get_or_not_found(Place.objects.all(), filters.place_id, field="place_id")
        qs = qs.filter(place_path__under=node.path)
    if filters.status:
        if filters.status not in ElectionStatus.values:
            raise InvalidInput(_("请选择状态"), field="status")
        qs = qs.filter(status=filters.status)
    page = keyset_page(_counted(qs), key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return ElectionListOut(items=[ElectionOut(**election_out(request, e)) for e in page.items], next=page.next)


def _committee(raw: int | None) -> Organisation | None:
    if raw is None:
        return None
    return get_or_not_found(  # type: ignore[no-any-return]
        Organisation.objects.filter(kind__in=Body.values), raw, field="committee_id"
    )


@router.post(
    "",
    response={200: ElectionDetailOut, 201: ElectionDetailOut, **ERRORS},
    operation_id="elections_create",
    summary="Set up an election at a compound you manage (201); an Idempotency-Key retry answers 200 with the first",
)
def elections_create(request: HttpRequest, payload: ElectionCreateIn) -> Status[ElectionDetailOut]:
    place = get_or_not_found(Place.objects.all(), payload.place_id, field="place_id")
    election, created = es.election_create(
        actor=request.user,
        place=place,
        fields=es.ElectionFields(
            kind=payload.kind,
            body=payload.body,
            seats=payload.seats,
            term_starts=payload.term_starts,
            term_ends=payload.term_ends,
            title=payload.title,
            publicity_days=payload.publicity_days,
            committee=_committee(payload.committee_id),
        ),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, detail_out(request, election.pk))


class ElectionFiguresQuery(Schema):
    place_id: int = Field(description="a place you manage or lead")
    since: Day | None = Field(None, description="default 1 January of this year")
    until: Day | None = Field(None, description="default today")


class ElectionKindCountOut(Schema):
    kind: str
    label: str
    elections: int


class ElectionFiguresOut(Schema):
    place_id: int
    since: dt.date
    until: dt.date
    held: int = Field(description="elections whose voting closed in the period under the place")
    succeeded: int = Field(description="of which valid: participation of two thirds of area and owners reached")
    failed: int = Field(description="of which failed for lack of participation (流会/无效)")
    by_kind: list[ElectionKindCountOut]
    elected: int = Field(description="members elected (certified) in those elections")
    party_elected: int
    party_share: float | None = Field(description="party_elected / elected; null when none")
    cross_elected: int = Field(description="elected members who sit on the branch committee (交叉任职)")
    cross_share: float | None = Field(description="cross_elected / elected; null when none")
    in_progress: int = Field(description="elections under way now (筹备, 公示, 投票)")


@router.get(
    "/figures",
    response={200: ElectionFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="elections_figures_read",
    summary="Elections held, succeeded and failed, party and cross-appointment shares of those elected, in a period",
)
def elections_figures_read(request: HttpRequest, filters: Query[ElectionFiguresQuery]) -> ElectionFiguresOut:
    node = get_or_not_found(Place.objects.all(), filters.place_id, field="place_id")
    first, last = sel.default_period()
    f = sel.figures(request.user, node, filters.since or first, filters.until or last)
    return ElectionFiguresOut(
        place_id=node.pk,
        since=f.since,
        until=f.until,
        held=f.held,
        succeeded=f.succeeded,
        failed=f.failed,
        by_kind=[ElectionKindCountOut(kind=k, label=label, elections=n) for k, label, n in f.by_kind],
        elected=f.elected,
        party_elected=f.party_elected,
        party_share=f.party_share,
        cross_elected=f.cross_elected,
        cross_share=f.cross_share,
        in_progress=f.in_progress,
    )


@router.get(
    "/{election_id}",
    response={200: ElectionDetailOut, 404: ErrorOut},
    operation_id="elections_read",
    summary="One election with its preparatory group and candidates (names and party membership, nothing else)",
)
def elections_read(request: HttpRequest, election_id: int) -> ElectionDetailOut:
    return detail_out(request, election_id)


@router.put(
    "/{election_id}",
    response={200: ElectionDetailOut, **ERRORS},
    operation_id="elections_update",
    summary="Rewrite a draft's name, seats, term and publicity days (kind, body and committee stay)",
)
def elections_update(request: HttpRequest, election_id: int, payload: ElectionIn) -> ElectionDetailOut:
    e = sel.access_managed_election(request.user, election_id)
    es.election_update(
        actor=request.user,
        election=e,
        fields=es.ElectionFields(
            kind=e.kind,
            body=e.body,
            seats=payload.seats,
            term_starts=payload.term_starts,
            term_ends=payload.term_ends,
            title=payload.title,
            publicity_days=payload.publicity_days,
        ),
    )
    return detail_out(request, election_id)


class ElectionPrepMemberIn(Schema):
    role: str = Field(description=_choices(PrepRole.choices) + "; the chair from the branch or the community")
    affiliation: str = Field(description=_choices(Affiliation.choices))
    person_id: int | None = Field(None, description="a person in the ledger you may see; or give name")
    name: str = Field("", description="the name of someone not in the ledger (up to 64 characters)")


@router.post(
    "/{election_id}/prep-members",
    response={201: ElectionPrepMemberOut, **ERRORS},
    operation_id="elections_prep_add",
    summary="Add a member to the preparatory group (筹备组)",
)
def elections_prep_add(
    request: HttpRequest, election_id: int, payload: ElectionPrepMemberIn
) -> Status[ElectionPrepMemberOut]:
    e = sel.access_managed_election(request.user, election_id)
    person = None
    if payload.person_id is not None:
        person = get_or_not_found(Person.objects.visible_to(request.user), payload.person_id, field="person_id")
    m = es.prep_member_add(
        actor=request.user,
        election=e,
        role=payload.role,
        affiliation=payload.affiliation,
        person=person,
        name=payload.name,
    )
    return Status(201, ElectionPrepMemberOut(id=m.pk, name=m.name, role=m.role, affiliation=m.affiliation))


@router.delete(
    "/{election_id}/prep-members/{member_id}",
    response={204: None, **ERRORS},
    operation_id="elections_prep_remove",
    summary="Remove a member from the preparatory group (while in draft)",
)
def elections_prep_remove(request: HttpRequest, election_id: int, member_id: int) -> Status[None]:
    e = sel.access_managed_election(request.user, election_id)
    member: PrepMember = get_or_not_found(PrepMember.objects.filter(election=e), member_id)
    es.prep_member_remove(actor=request.user, member=member)
    return Status(204, None)


class ElectionCandidateIn(Schema):
    person_id: int = Field(description="an owner living in the compound")
    cross_branch: bool | None = Field(
        None, description="stands for 交叉任职; none: whether they hold a branch-committee position"
    )
    statement: str = Field("", description="候选人简介, up to 300 characters")


@router.post(
    "/{election_id}/candidates",
    response={201: ElectionCandidateOut, **ERRORS},
    operation_id="elections_candidates_add",
    summary="Nominate an owner (party membership read from the ledger); undoes the branch's check",
)
def elections_candidates_add(
    request: HttpRequest, election_id: int, payload: ElectionCandidateIn
) -> Status[ElectionCandidateOut]:
    e = sel.access_managed_election(request.user, election_id)
    person = get_or_not_found(Person.objects.visible_to(request.user), payload.person_id, field="person_id")
    c = es.candidate_add(
        actor=request.user, election=e, person=person, cross_branch=payload.cross_branch, statement=payload.statement
    )
    return Status(201, candidate_out(c))


@router.delete(
    "/{election_id}/candidates/{candidate_id}",
    response={204: None, **ERRORS},
    operation_id="elections_candidates_remove",
    summary="Withdraw a candidate (while in draft); undoes the branch's check",
)
def elections_candidates_remove(request: HttpRequest, election_id: int, candidate_id: int) -> Status[None]:
    e = sel.access_managed_election(request.user, election_id)
    candidate: Candidate = get_or_not_found(Candidate.objects.filter(election=e), candidate_id)
    es.candidate_remove(actor=request.user, candidate=candidate)
    return Status(204, None)


class ElectionCheckIn(Schema):
    note: str = Field("", description="审核意见, up to 300 characters")


class ElectionCheckOut(Schema):
    candidates: int
    party_candidates: int
    party_below_target: bool
    warning: str = Field(description="why the party share is below half; empty when it is not")


@router.post(
    "/{election_id}/check",
    response={200: ElectionCheckOut, **ERRORS},
    operation_id="elections_check",
    summary="The party branch checks the candidate list (支部把关); below half party members is a warning",
)
def elections_check(request: HttpRequest, election_id: int, payload: ElectionCheckIn) -> ElectionCheckOut:
    e = sel.access_election(request.user, election_id)
    share = es.candidates_check(actor=request.user, election=e, note=payload.note)
    return ElectionCheckOut(
        candidates=share.total,
        party_candidates=share.party,
        party_below_target=share.below_target,
        warning=es.party_warning(share),
    )


@router.post(
    "/{election_id}/publish",
    response={200: ElectionDetailOut, **ERRORS},
    operation_id="elections_publish",
    summary="Publish the checked candidate list (公示) for the publicity days",
)
def elections_publish(request: HttpRequest, election_id: int) -> ElectionDetailOut:
    e = sel.access_managed_election(request.user, election_id)
    es.election_publish(actor=request.user, election=e)
    return detail_out(request, election_id)


class ElectionOpenIn(Schema):
    closes_at: Moment = Field(description="when voting ends (at most 60 days ahead)")


@router.post(
    "/{election_id}/open",
    response={200: ElectionDetailOut, **ERRORS},
    operation_id="elections_open",
    summary="After the publicity period, freeze the owners from the ledger and open voting",
)
def elections_open(request: HttpRequest, election_id: int, payload: ElectionOpenIn) -> ElectionDetailOut:
    e = sel.access_managed_election(request.user, election_id)
    es.election_open_voting(actor=request.user, election=e, closes_at=payload.closes_at)
    return detail_out(request, election_id)


class ElectionCloseIn(Schema):
    reason: str = Field("", description="required before the deadline")


class ElectionCheckFigureOut(Schema):
    label: str
    value: str
    base: str
    rule: str = Field(description="≥ 2/3 (participation) or > 1/2 (approval)")
    needed: str
    met: bool


class ElectionCandidateResultOut(Schema):
    candidate_id: int
    name: str
    party_member: bool
    cross_branch: bool
    approvals: int = Field(description="owners approving")
    approval_area: str = Field(description="their exclusive area, m²")
    checks: list[ElectionCheckFigureOut]
    qualified: bool = Field(description="more than half of participating area and owners")
    elected: bool
    tied: bool = Field(description="tied for the last seats: a run-off decides")
    rank: int | None


class ElectionResultOut(Schema):
    election_id: int
    counted: bool = Field(description="false until voting closes: then every figure below is empty")
    status: str
    outcome: str
    seats: int
    electorate_owners: int
    electorate_area: str
    participating_owners: int
    participating_area: str
    participation_met: bool
    participation_checks: list[ElectionCheckFigureOut]
    failed_conditions: list[str] = Field(description="the participation conditions not met")
    candidates: list[ElectionCandidateResultOut]
    runoff_seats: int
    vacancies: int
    certified_seats: list[int] = Field(description="candidate ids holding a seat after certification")
    runoff_note: str


def _check_out(c: Check) -> ElectionCheckFigureOut:
    return ElectionCheckFigureOut(
        label=c.label, value=str(c.value), base=str(c.base), rule=c.rule_display, needed=c.needed_display, met=c.met
    )


def result_out(e: Election) -> ElectionResultOut:
    t = sel.result(e)
    if t is None:
        return ElectionResultOut(
            election_id=e.pk,
            counted=False,
            status=e.status,
            outcome=e.outcome,
            seats=e.seats,
            electorate_owners=0,
            electorate_area="0",
            participating_owners=0,
            participating_area="0",
            participation_met=False,
            participation_checks=[],
            failed_conditions=[],
            candidates=[],
            runoff_seats=0,
            vacancies=0,
            certified_seats=[],
            runoff_note="",
        )
    return ElectionResultOut(
        election_id=e.pk,
        counted=True,
        status=e.status,
        outcome=e.outcome,
        seats=e.seats,
        electorate_owners=t.electorate.count,
        electorate_area=str(t.electorate.area),
        participating_owners=t.participating.count,
        participating_area=str(t.participating.area),
        participation_met=t.participation_met,
        participation_checks=[_check_out(c) for c in t.participation_checks],
        failed_conditions=[c.label for c in t.failed_checks],
        candidates=[
            ElectionCandidateResultOut(
                candidate_id=c.candidate_id,
                name=c.name,
                party_member=c.party_member,
                cross_branch=c.cross_branch,
                approvals=c.approvals.count,
                approval_area=str(c.approvals.area),
                checks=[_check_out(x) for x in c.checks],
                qualified=c.qualified,
                elected=c.elected,
                tied=c.tied,
                rank=c.rank,
            )
            for c in t.candidates
        ],
        runoff_seats=t.runoff_seats,
        vacancies=t.vacancies,
        certified_seats=[s.candidate_id for s in sel.seats(e)],
        runoff_note=e.runoff_note,
    )


@router.post(
    "/{election_id}/close",
    response={200: ElectionResultOut, **ERRORS},
    operation_id="elections_close",
    summary="End voting (early only with a reason) and count it: valid, or failed with the condition not met",
)
def elections_close(request: HttpRequest, election_id: int, payload: ElectionCloseIn) -> ElectionResultOut:
    e = sel.access_managed_election(request.user, election_id)
    es.election_close(actor=request.user, election=e, reason=payload.reason)
    return result_out(sel.access_election(request.user, election_id))


class ElectionCertifyIn(Schema):
    runoff_candidate_ids: list[int] = Field(
        default_factory=list, description="a tie's run-off decision: that many of the tied candidates"
    )
    note: str = Field("", description="how the run-off was decided (required with it)")
    vacate_tied: bool = Field(False, description="leave the tied seats vacant for a by-election instead")


@router.post(
    "/{election_id}/certify",
    response={200: ElectionResultOut, **ERRORS},
    operation_id="elections_certify",
    summary="Certify the result: the elected become seats (a tie needs the run-off's decision)",
)
def elections_certify(request: HttpRequest, election_id: int, payload: ElectionCertifyIn) -> ElectionResultOut:
    e = sel.access_managed_election(request.user, election_id)
    runoff = list(Candidate.objects.filter(election=e, pk__in=payload.runoff_candidate_ids))
    if len(runoff) != len(set(payload.runoff_candidate_ids)):
        raise InvalidInput(_("所选的人不是本次选举的候选人"), field="runoff_candidate_ids")
    es.election_certify(
        actor=request.user, election=e, runoff=runoff, note=payload.note, vacate_tied=payload.vacate_tied
    )
    return result_out(sel.access_election(request.user, election_id))


class ElectionSeatIn(Schema):
    chair_candidate_id: int | None = Field(None, description="the elected member chosen as 主任; others are 委员")


@router.post(
    "/{election_id}/seat",
    response={200: ElectionDetailOut, **ERRORS},
    operation_id="elections_seat",
    summary="Seat the certified members in the committee (cobuilding's committee members)",
)
def elections_seat(request: HttpRequest, election_id: int, payload: ElectionSeatIn) -> ElectionDetailOut:
    e = sel.access_managed_election(request.user, election_id)
    chair = None
    if payload.chair_candidate_id is not None:
        chair = get_or_not_found(Candidate.objects.filter(election=e), payload.chair_candidate_id, field="chair_id")
    es.election_seat(actor=request.user, election=e, chair=chair)
    return detail_out(request, election_id)


@router.get(
    "/{election_id}/result",
    response={200: ElectionResultOut, 404: ErrorOut},
    operation_id="elections_result",
    summary="The count recounted from the ballots: participation, approvals, seats (never who voted how)",
)
def elections_result(request: HttpRequest, election_id: int) -> ElectionResultOut:
    return result_out(sel.access_election(request.user, election_id))


class ElectionVoterOut(Schema):
    id: int
    label: str
    area_m2: str
    voted: bool


class ElectionVoterListOut(Schema):
    items: list[ElectionVoterOut]
    next: str | None


@router.get(
    "/{election_id}/voters",
    response={200: ElectionVoterListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="elections_voters_list",
    summary="The frozen roll with whether each owner has voted (staff who run it; never how)",
)
def elections_voters_list(request: HttpRequest, election_id: int, filters: Query[PageQuery]) -> ElectionVoterListOut:
    e = sel.access_managed_election(request.user, election_id)
    qs = sel.voters(e)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return ElectionVoterListOut(
        items=[ElectionVoterOut(id=v.pk, label=v.label, area_m2=str(v.area_m2), voted=v.voted) for v in page.items],
        next=page.next,
    )


class ElectionBallotIn(Schema):
    candidate_ids: list[int] = Field(description="the candidates approved, at most the seats (may be empty)")
    voter_id: int | None = Field(None, description="as a proxy: the voter whose ballot this is")
    proxy_authorisation: str = Field("", description="as an unregistered proxy: the written authorisation")


class ElectionBallotOut(Schema):
    id: int
    channel: str
    paper_number: str
    cast_at: dt.datetime


def _voter(e: Election, raw: int | None) -> ElectionVoter | None:
    if raw is None:
        return None
    return get_or_not_found(  # type: ignore[no-any-return]
        ElectionVoter.objects.filter(election=e), raw, field="voter_id"
    )


@router.post(
    "/{election_id}/ballots",
    response={201: ElectionBallotOut, **ERRORS},
    operation_id="elections_ballots_cast",
    summary="Vote online (for yourself, or as a proxy); a second ballot for the same voter is 409",
)
def elections_ballots_cast(
    request: HttpRequest, election_id: int, payload: ElectionBallotIn
) -> Status[ElectionBallotOut]:
    e = sel.access_election(request.user, election_id)
    b = eb.ballot_cast(
        actor=request.user,
        election=e,
        candidate_ids=payload.candidate_ids,
        for_voter=_voter(e, payload.voter_id),
        proxy_authorisation=payload.proxy_authorisation,
    )
    return Status(201, ElectionBallotOut(id=b.pk, channel=b.channel, paper_number=b.paper_number, cast_at=b.cast_at))


class ElectionPaperBallotIn(Schema):
    voter_id: int
    candidate_ids: list[int] = Field(description="the candidates marked, at most the seats")
    paper_number: str = Field(description="the printed number, unique within the election")
    proxy_person_id: int | None = Field(None, description="who handed it in for the voter")
    proxy_authorisation: str = Field("", description="required with a proxy")


@router.post(
    "/{election_id}/paper-ballots",
    response={201: ElectionBallotOut, **ERRORS},
    operation_id="elections_paper_ballots_enter",
    summary="Enter a paper ballot under its printed number (staff)",
)
def elections_paper_ballots_enter(
    request: HttpRequest, election_id: int, payload: ElectionPaperBallotIn
) -> Status[ElectionBallotOut]:
    e = sel.access_managed_election(request.user, election_id)
    voter = _voter(e, payload.voter_id)
    assert voter is not None
    proxy = None
    if payload.proxy_person_id is not None:
        proxy = get_or_not_found(
            Person.objects.visible_to(request.user), payload.proxy_person_id, field="proxy_person_id"
        )
    b = eb.ballot_enter_paper(
        actor=request.user,
        election=e,
        voter=voter,
        candidate_ids=payload.candidate_ids,
        paper_number=payload.paper_number,
        proxy=proxy,
        proxy_authorisation=payload.proxy_authorisation,
    )
    return Status(201, ElectionBallotOut(id=b.pk, channel=b.channel, paper_number=b.paper_number, cast_at=b.cast_at))


class ElectionProxyIn(Schema):
    voter_id: int
    proxy_person_id: int = Field(description="the person authorised")
    document: str = Field(description="委托书编号或说明, up to 200 characters")


class ElectionProxyOut(Schema):
    id: int
    voter_id: int
    proxy_name: str
    document: str


@router.post(
    "/{election_id}/proxies",
    response={201: ElectionProxyOut, **ERRORS},
    operation_id="elections_proxies_register",
    summary="Register a written authorisation staff have seen: that person casts the voter's ballot online",
)
def elections_proxies_register(
    request: HttpRequest, election_id: int, payload: ElectionProxyIn
) -> Status[ElectionProxyOut]:
    e = sel.access_managed_election(request.user, election_id)
    voter = _voter(e, payload.voter_id)
    assert voter is not None
    proxy = get_or_not_found(Person.objects.visible_to(request.user), payload.proxy_person_id, field="proxy_person_id")
    r = eb.proxy_register(actor=request.user, election=e, voter=voter, proxy=proxy, document=payload.document)
    return Status(201, ElectionProxyOut(id=r.pk, voter_id=r.voter_id, proxy_name=proxy.name, document=r.document))


@router.delete(
    "/{election_id}/proxies/{proxy_id}",
    response={204: None, **ERRORS},
    operation_id="elections_proxies_withdraw",
    summary="Withdraw a registration before the voter has voted",
)
def elections_proxies_withdraw(request: HttpRequest, election_id: int, proxy_id: int) -> Status[None]:
    e = sel.access_managed_election(request.user, election_id)
    registration: ElectionProxy = get_or_not_found(ElectionProxy.objects.filter(election=e), proxy_id)
    eb.proxy_withdraw(actor=request.user, registration=registration)
    return Status(204, None)
