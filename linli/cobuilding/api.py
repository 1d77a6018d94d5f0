"""Co-building API under /api/v1/co-building: the same services, selectors and scoping as the pages.
Schema class names carry the ``Cobuilding`` prefix (OpenAPI component names are global)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.cobuilding import selectors as sel
from linli.cobuilding import services_funds as sf
from linli.cobuilding import services_partners as sp
from linli.cobuilding import services_property as spr
from linli.cobuilding import services_rating as sr
from linli.cobuilding.models import (
    Fund,
    ListEntry,
    ListKind,
    Need,
    NeedSource,
    NeedStatus,
    Project,
    ProjectStatus,
    PropertyContract,
    RaterKind,
    Rating,
    RatingStatus,
    Resource,
    ResourceCategory,
)
from linli.core.errors import NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.places.models import Place

router = Router(tags=["cobuilding"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _place(pk: int) -> Place:
    """Place names are public; whether the caller may act there is the service's question."""
    try:
        return Place.objects.get(pk=pk)
    except Place.DoesNotExist:
        raise NotFound(_("未找到该地点"), field="place_id") from None


# ----------------------------------------------------------------------------- contracts


class CobuildingContractIn(Schema):
    company_id: int
    compound_id: int
    starts_on: Day
    ends_on: Day
    fee_grade: str = Field(..., max_length=16)
    fee_per_m2: Decimal = Field(..., ge=0, le=100, decimal_places=2)
    project_manager: str = Field(..., max_length=64)


class CobuildingContractOut(Schema):
    id: int
    company_id: int
    company_name: str
    compound_id: int
    compound_name: str
    starts_on: dt.date
    ends_on: dt.date
    fee_grade: str
    fee_per_m2: Decimal
    project_manager: str
    instructor_id: int | None
    instructor_name: str


class CobuildingContractListOut(Schema):
    items: list[CobuildingContractOut]
    next: str | None


def contract_out(c: PropertyContract) -> CobuildingContractOut:
    return CobuildingContractOut(
        id=c.pk,
        company_id=c.company_id,
        company_name=c.company.name,
        compound_id=c.compound_id,
        compound_name=c.compound.name,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        fee_grade=c.fee_grade,
        fee_per_m2=c.fee_per_m2,
        project_manager=c.project_manager,
        instructor_id=c.instructor_id,
        instructor_name=c.instructor.name if c.instructor else "",
    )


@router.get(
    "/contracts", response={200: CobuildingContractListOut, 422: ErrorOut}, operation_id="cobuilding_contracts_list"
)
def contracts_list(request: HttpRequest, page: Query[PageQuery]) -> CobuildingContractListOut:
    result = keyset_page(sel.visible_contracts(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return CobuildingContractListOut(items=[contract_out(c) for c in result.items], next=result.next)


@router.post("/contracts", response={201: CobuildingContractOut, **ERRORS}, operation_id="cobuilding_contracts_create")
def contracts_create(request: HttpRequest, payload: CobuildingContractIn) -> Status[CobuildingContractOut]:
    contract = spr.contract_create(
        actor=request.user,
        company=sel.access_company(request.user, payload.company_id),
        compound=_place(payload.compound_id),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        fee_grade=payload.fee_grade,
        fee_per_m2=payload.fee_per_m2,
        project_manager=payload.project_manager,
    )
    return Status(201, contract_out(contract))


# ----------------------------------------------------------------------------- credit file


class CobuildingRatesOut(Schema):
    received: int
    valid: int
    resolved: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    overdue_open: int


class CobuildingCreditOut(Schema):
    company_id: int
    company_name: str
    uscc: str
    since: dt.date
    until: dt.date
    compounds: list[str]
    requests: CobuildingRatesOut
    stars_by_year: dict[str, int | None]
    red_list_entries: int
    black_list_entries: int


class CobuildingPeriodQuery(Schema):
    since: Day | None = None
    until: Day | None = None


@router.get(
    "/companies/{company_id}/credit",
    response={200: CobuildingCreditOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="cobuilding_credit_read",
)
def credit_read(request: HttpRequest, company_id: int, period: Query[CobuildingPeriodQuery]) -> CobuildingCreditOut:
    company = sel.access_company(request.user, company_id)
    until = period.until or timezone.localdate()
    since = period.since or until.replace(month=1, day=1)
    f = sel.credit_file(company, since=since, until=until)
    return CobuildingCreditOut(
        company_id=company.pk,
        company_name=company.name,
        uscc=company.uscc,
        since=since,
        until=until,
        compounds=[c.name for c in f.compounds],
        requests=CobuildingRatesOut(
            received=f.figures.received,
            valid=f.figures.valid,
            resolved=f.figures.resolved,
            response_rate=f.figures.response_rate,
            resolution_rate=f.figures.resolution_rate,
            satisfaction_rate=f.figures.satisfaction_rate,
            overdue_open=f.overdue_open,
        ),
        stars_by_year={f"{r.year}-{r.compound.name}": r.stars for r in f.ratings},
        red_list_entries=sum(1 for e in f.list_entries if e.kind == ListKind.RED),
        black_list_entries=sum(1 for e in f.list_entries if e.kind == ListKind.BLACK),
    )


# ----------------------------------------------------------------------------- ratings


class CobuildingRatingOut(Schema):
    id: int
    year: int
    company_id: int
    company_name: str
    compound_id: int
    compound_name: str
    status: RatingStatus
    survey_weight: int
    branch_weight: int
    committee_weight: int
    survey_score: Decimal | None
    branch_score: Decimal | None
    committee_score: Decimal | None
    score: Decimal | None
    stars: int | None


class CobuildingRatingListOut(Schema):
    items: list[CobuildingRatingOut]
    next: str | None


class CobuildingAnswerIn(Schema):
    rater: RaterKind = Field(..., description="survey: a resident of a sampled household; branch/committee: staff")
    scores: dict[str, int] = Field(..., description="criterion id → 1–5 stars")
    comment: str = Field("", max_length=500)


class CobuildingAnswerOut(Schema):
    id: int
    rating_id: int
    rater: RaterKind
    score: Decimal


def rating_out(r: Rating) -> CobuildingRatingOut:
    t = r.template
    return CobuildingRatingOut(
        id=r.pk,
        year=r.year,
        company_id=r.company_id,
        company_name=r.company.name,
        compound_id=r.compound_id,
        compound_name=r.compound.name,
        status=RatingStatus(r.status),
        survey_weight=t.survey_weight,
        branch_weight=t.branch_weight,
        committee_weight=t.committee_weight,
        survey_score=r.survey_score,
        branch_score=r.branch_score,
        committee_score=r.committee_score,
        score=r.score,
        stars=r.stars,
    )


@router.get("/ratings", response={200: CobuildingRatingListOut, 422: ErrorOut}, operation_id="cobuilding_ratings_list")
def ratings_list(request: HttpRequest, page: Query[PageQuery]) -> CobuildingRatingListOut:
    result = keyset_page(sel.visible_ratings(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return CobuildingRatingListOut(items=[rating_out(r) for r in result.items], next=result.next)


@router.get(
    "/ratings/{rating_id}", response={200: CobuildingRatingOut, 404: ErrorOut}, operation_id="cobuilding_ratings_read"
)
def ratings_read(request: HttpRequest, rating_id: int) -> CobuildingRatingOut:
    return rating_out(sel.access_rating(request.user, rating_id))


@router.post(
    "/ratings/{rating_id}/answers",
    response={201: CobuildingAnswerOut, **ERRORS},
    operation_id="cobuilding_ratings_answer",
)
def ratings_answer(request: HttpRequest, rating_id: int, payload: CobuildingAnswerIn) -> Status[CobuildingAnswerOut]:
    if payload.rater == RaterKind.SURVEY:
        answer = sr.survey_answer(
            actor=request.user,
            rating=sel.access_rating_for_survey(request.user, rating_id),
            scores=payload.scores,
            comment=payload.comment,
        )
    else:
        answer = sr.body_answer(
            actor=request.user,
            rating=sel.access_rating(request.user, rating_id),
            rater=payload.rater,
            scores=payload.scores,
            comment=payload.comment,
        )
    return Status(
        201, CobuildingAnswerOut(id=answer.pk, rating_id=rating_id, rater=RaterKind(answer.rater), score=answer.score)
    )


@router.post(
    "/ratings/{rating_id}/close", response={200: CobuildingRatingOut, **ERRORS}, operation_id="cobuilding_ratings_close"
)
def ratings_close(request: HttpRequest, rating_id: int) -> CobuildingRatingOut:
    rating = sr.rating_close(actor=request.user, rating=sel.access_rating(request.user, rating_id))
    return rating_out(sel.access_rating(request.user, rating.pk))


# ----------------------------------------------------------------------------- red/black list


class CobuildingListEntryIn(Schema):
    organisation_id: int
    kind: ListKind
    reason: str = Field(..., max_length=2000)
    evidence: str = Field("", max_length=5000)
    valid_from: Day
    valid_until: Day
    rating_id: int | None = None


class CobuildingListEntryOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    kind: ListKind
    reason: str
    evidence: str
    valid_from: dt.date
    valid_until: dt.date
    rating_id: int | None
    stars: int | None


class CobuildingListEntryListOut(Schema):
    items: list[CobuildingListEntryOut]
    next: str | None


def entry_out(e: ListEntry) -> CobuildingListEntryOut:
    return CobuildingListEntryOut(
        id=e.pk,
        organisation_id=e.organisation_id,
        organisation_name=e.organisation.name,
        kind=ListKind(e.kind),
        reason=e.reason,
        evidence=e.evidence,
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        rating_id=e.rating_id,
        stars=e.rating.stars if e.rating else None,
    )


@router.get("/lists", response={200: CobuildingListEntryListOut, 422: ErrorOut}, operation_id="cobuilding_lists_list")
def lists_list(request: HttpRequest, page: Query[PageQuery]) -> CobuildingListEntryListOut:
    """Decisions in force today that the caller may see (residents: about their compound and above)."""
    result = keyset_page(sel.public_list(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return CobuildingListEntryListOut(items=[entry_out(e) for e in result.items], next=result.next)


@router.post("/lists", response={201: CobuildingListEntryOut, **ERRORS}, operation_id="cobuilding_lists_create")
def lists_create(request: HttpRequest, payload: CobuildingListEntryIn) -> Status[CobuildingListEntryOut]:
    rating = sel.access_rating(request.user, payload.rating_id) if payload.rating_id else None
    entry = spr.list_decide(
        actor=request.user,
        organisation=sel.access_company(request.user, payload.organisation_id),
        kind=payload.kind,
        reason=payload.reason,
        evidence=payload.evidence,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        rating=rating,
    )
    return Status(201, entry_out(entry))


# ----------------------------------------------------------------------------- resources and needs


class CobuildingResourceIn(Schema):
    partner_id: int
    place_id: int
    category: ResourceCategory
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


class CobuildingResourceOut(Schema):
    id: int
    partner_id: int
    partner_name: str
    place_id: int
    place_name: str
    category: ResourceCategory
    title: str
    active: bool


class CobuildingResourceListOut(Schema):
    items: list[CobuildingResourceOut]
    next: str | None


def resource_out(r: Resource) -> CobuildingResourceOut:
    return CobuildingResourceOut(
        id=r.pk,
        partner_id=r.partner_id,
        partner_name=r.partner.name,
        place_id=r.place_id,
        place_name=r.place.name,
        category=ResourceCategory(r.category),
        title=r.title,
        active=r.active,
    )


@router.get(
    "/resources", response={200: CobuildingResourceListOut, 422: ErrorOut}, operation_id="cobuilding_resources_list"
)
def resources_list(request: HttpRequest, page: Query[PageQuery]) -> CobuildingResourceListOut:
    result = keyset_page(sel.visible_resources(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return CobuildingResourceListOut(items=[resource_out(r) for r in result.items], next=result.next)


@router.post("/resources", response={201: CobuildingResourceOut, **ERRORS}, operation_id="cobuilding_resources_create")
def resources_create(request: HttpRequest, payload: CobuildingResourceIn) -> Status[CobuildingResourceOut]:
    resource = sp.resource_add(
        actor=request.user,
        partner=sel.access_partner(request.user, payload.partner_id),
        place=_place(payload.place_id),
        category=payload.category,
        title=payload.title,
        description=payload.description,
    )
    return Status(201, resource_out(resource))


class CobuildingNeedIn(Schema):
    place_id: int
    category: ResourceCategory
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    source: NeedSource | None = None


class CobuildingNeedOut(Schema):
    id: int
    place_id: int
    place_name: str
    category: ResourceCategory
    title: str
    source: NeedSource
    status: NeedStatus
    resource_id: int | None
    evidence: str


class CobuildingNeedListOut(Schema):
    items: list[CobuildingNeedOut]
    next: str | None


class CobuildingMatchIn(Schema):
    resource_id: int


class CobuildingCloseIn(Schema):
    evidence: str = Field(..., max_length=2000)


def need_out(n: Need) -> CobuildingNeedOut:
    return CobuildingNeedOut(
        id=n.pk,
        place_id=n.place_id,
        place_name=n.place.name,
        category=ResourceCategory(n.category),
        title=n.title,
        source=NeedSource(n.source),
        status=NeedStatus(n.status),
        resource_id=n.resource_id,
        evidence=n.evidence,
    )


@router.get("/needs", response={200: CobuildingNeedListOut, 422: ErrorOut}, operation_id="cobuilding_needs_list")
def needs_list(request: HttpRequest, page: Query[PageQuery]) -> CobuildingNeedListOut:
    result = keyset_page(
        sel.visible_needs(request.user), key="id", cursor=page.cursor, limit=page.limit, descending=True
    )
    return CobuildingNeedListOut(items=[need_out(n) for n in result.items], next=result.next)


@router.post("/needs", response={201: CobuildingNeedOut, **ERRORS}, operation_id="cobuilding_needs_create")
def needs_create(request: HttpRequest, payload: CobuildingNeedIn) -> Status[CobuildingNeedOut]:
    need = sp.need_raise(
        actor=request.user,
        place=_place(payload.place_id),
        category=payload.category,
        title=payload.title,
        description=payload.description,
        source=payload.source,
    )
    return Status(201, need_out(need))


@router.get(
    "/needs/{need_id}/suggestions",
    response={200: list[CobuildingResourceOut], 404: ErrorOut},
    operation_id="cobuilding_needs_suggestions",
)
def needs_suggestions(request: HttpRequest, need_id: int) -> list[CobuildingResourceOut]:
    need = sel.access_need(request.user, need_id)
    return [resource_out(r) for r in sel.suggest_resources(request.user, need)]


@router.post(
    "/needs/{need_id}/match", response={200: CobuildingNeedOut, **ERRORS}, operation_id="cobuilding_needs_match"
)
def needs_match(request: HttpRequest, need_id: int, payload: CobuildingMatchIn) -> CobuildingNeedOut:
    need = sel.access_need(request.user, need_id)
    resource = sel.access_resource(request.user, payload.resource_id)
    sp.need_match(actor=request.user, need=need, resource=resource)
    return need_out(sel.access_need(request.user, need_id))


@router.post(
    "/needs/{need_id}/close", response={200: CobuildingNeedOut, **ERRORS}, operation_id="cobuilding_needs_close"
)
def needs_close(request: HttpRequest, need_id: int, payload: CobuildingCloseIn) -> CobuildingNeedOut:
    sp.need_close(actor=request.user, need=sel.access_need(request.user, need_id), evidence=payload.evidence)
    return need_out(sel.access_need(request.user, need_id))


# ----------------------------------------------------------------------------- projects and funds


class CobuildingProjectIn(Schema):
    place_id: int
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=5000)
    budget: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    partner_ids: list[int] = Field(default_factory=list, max_length=50)
    need_id: int | None = None
    fund_id: int | None = None


class CobuildingProjectOut(Schema):
    id: int
    place_id: int
    place_name: str
    title: str
    status: ProjectStatus
    budget: Decimal
    need_id: int | None
    fund_id: int | None
    meeting_id: int | None
    beneficiaries: int


class CobuildingProjectListOut(Schema):
    items: list[CobuildingProjectOut]
    next: str | None


def project_out(p: Project) -> CobuildingProjectOut:
    return CobuildingProjectOut(
        id=p.pk,
        place_id=p.place_id,
        place_name=p.place.name,
        title=p.title,
        status=ProjectStatus(p.status),
        budget=p.budget,
        need_id=p.need_id,
        fund_id=p.fund_id,
        meeting_id=p.meeting_id,
        beneficiaries=p.beneficiaries,
    )


@router.get(
    "/projects", response={200: CobuildingProjectListOut, 422: ErrorOut}, operation_id="cobuilding_projects_list"
)
def projects_list(request: HttpRequest, page: Query[PageQuery]) -> CobuildingProjectListOut:
    result = keyset_page(
        sel.visible_projects(request.user), key="id", cursor=page.cursor, limit=page.limit, descending=True
    )
    return CobuildingProjectListOut(items=[project_out(p) for p in result.items], next=result.next)


@router.post("/projects", response={201: CobuildingProjectOut, **ERRORS}, operation_id="cobuilding_projects_create")
def projects_create(request: HttpRequest, payload: CobuildingProjectIn) -> Status[CobuildingProjectOut]:
    user = request.user
    project = sp.project_propose(
        actor=user,
        place=_place(payload.place_id),
        title=payload.title,
        description=payload.description,
        budget=payload.budget,
        partners=[sel.access_partner(user, pk) for pk in payload.partner_ids],
        need=sel.access_need(user, payload.need_id) if payload.need_id else None,
        fund=sel.access_fund(user, payload.fund_id) if payload.fund_id else None,
    )
    return Status(201, project_out(sel.access_project(user, project.pk)))


class CobuildingFundOut(Schema):
    id: int
    name: str
    holder: str
    place_id: int
    place_name: str
    balance: Decimal


class CobuildingFundListOut(Schema):
    items: list[CobuildingFundOut]
    next: str | None


class CobuildingSpendIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    note: str = Field(..., max_length=200)
    receipt_number: str = Field(..., max_length=64)
    project_id: int | None = None


class CobuildingFundEntryOut(Schema):
    id: int
    fund_id: int
    kind: str
    amount: Decimal
    on_date: dt.date
    receipt_number: str
    project_id: int | None
    balance_after: Decimal


def fund_out(f: Fund) -> CobuildingFundOut:
    balance = getattr(f, "balance", None)
    return CobuildingFundOut(
        id=f.pk,
        name=f.name,
        holder=f.holder,
        place_id=f.place_id,
        place_name=f.place.name,
        balance=Decimal(balance or 0).quantize(Decimal("0.01")),
    )


@router.get("/funds", response={200: CobuildingFundListOut, 422: ErrorOut}, operation_id="cobuilding_funds_list")
def funds_list(request: HttpRequest, page: Query[PageQuery]) -> CobuildingFundListOut:
    result = keyset_page(sel.visible_funds(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return CobuildingFundListOut(items=[fund_out(f) for f in result.items], next=result.next)


@router.post(
    "/funds/{fund_id}/spend", response={201: CobuildingFundEntryOut, **ERRORS}, operation_id="cobuilding_funds_spend"
)
def funds_spend(request: HttpRequest, fund_id: int, payload: CobuildingSpendIn) -> Status[CobuildingFundEntryOut]:
    user = request.user
    fund = sel.access_fund(user, fund_id)
    project = sel.access_project(user, payload.project_id) if payload.project_id else None
    entry = sf.fund_spend(
        actor=user,
        fund=fund,
        amount=payload.amount,
        note=payload.note,
        receipt_number=payload.receipt_number,
        approver=user,
        project=project,
    )
    return Status(
        201,
        CobuildingFundEntryOut(
            id=entry.pk,
            fund_id=fund.pk,
            kind=entry.kind,
            amount=entry.amount,
            on_date=entry.on_date,
            receipt_number=entry.receipt_number,
            project_id=entry.project_id,
            balance_after=sf.balance_of(fund),
        ),
    )


# ----------------------------------------------------------------------------- practical things


class CobuildingPracticalOut(Schema):
    organisation_id: int
    name: str
    big_committee: bool = Field(description="member of a community 大党委")
    big_committee_community_id: int | None = Field(description="that community (null: 未指定社区, or not a member)")
    street_big_committee: bool = Field(description="member of its street's 大工委")
    projects: int
    needs_met: int
    met: bool


class CobuildingYearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get(
    "/partners/practical",
    response={200: list[CobuildingPracticalOut], 422: ErrorOut},
    operation_id="cobuilding_partners_practical",
)
def partners_practical(request: HttpRequest, q: Query[CobuildingYearQuery]) -> list[CobuildingPracticalOut]:
    year = q.year or timezone.localdate().year
    return [
        CobuildingPracticalOut(
            organisation_id=r.organisation.pk,
            name=r.organisation.name,
            big_committee=bool(r.profile and r.profile.big_committee),
            big_committee_community_id=r.profile.big_committee_community_id if r.profile else None,
            street_big_committee=bool(r.profile and r.profile.street_big_committee),
            projects=r.projects,
            needs_met=r.needs_met,
            met=r.met,
        )
        for r in sel.practical_things(request.user, year)
    ]


class CobuildingCommitteeMemberOut(Schema):
    organisation_id: int
    name: str
    party_leader_name: str = Field(description="its party leader, a part-time member (兼职委员); empty: none named")
    joined_on: dt.date


class CobuildingCommitteeOut(Schema):
    place_id: int | None = Field(description="the street (大工委) or community (大党委); null: 未指定社区")
    place_name: str | None
    members: list[CobuildingCommitteeMemberOut]


class CobuildingCommitteesOut(Schema):
    street_committees: int = Field(description="streets with a 大工委 member unit (街道“大工委”)")
    street_members: int
    community_committees: int = Field(description="communities with a 大党委 member unit (社区“大党委”)")
    community_members: int
    part_time_members: int = Field(description="member units of either whose party leader is named (兼职委员)")
    streets: list[CobuildingCommitteeOut]
    communities: list[CobuildingCommitteeOut]


def committee_out(c: sel.Committee) -> CobuildingCommitteeOut:
    return CobuildingCommitteeOut(
        place_id=c.place.pk if c.place else None,
        place_name=c.place.name if c.place else None,
        members=[
            CobuildingCommitteeMemberOut(
                organisation_id=p.organisation_id, name=p.organisation.name, party_leader_name=p.party_leader_name,
                joined_on=p.joined_on,
            )
            for p in c.members
        ],
    )  # fmt: skip


@router.get(
    "/partners/committees",
    response={200: CobuildingCommitteesOut},
    operation_id="cobuilding_partners_committees",
    summary="街道“大工委” and 社区“大党委” the caller may read, with their member units and counts (seed 003)",
)
def partners_committees(request: HttpRequest) -> CobuildingCommitteesOut:
    r = sel.committee_rosters(request.user)
    return CobuildingCommitteesOut(
        street_committees=r.street_committees,
        street_members=r.street_members,
        community_committees=r.community_committees,
        community_members=r.community_members,
        part_time_members=r.part_time_members,
        streets=[committee_out(c) for c in r.streets],
        communities=[committee_out(c) for c in r.communities],
    )
