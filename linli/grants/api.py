"""Funding rounds, the figures and the public list of approved projects, under /api/v1/grants/ (the applications
and projects are ``api_projects``, mounted on the same router).

A round is read by the staff and leaders of its node and of the places under it; it is set up, edited and moved
on by those holding ``manage`` at its node (anyone else: the 404 of a missing id). Money is integer 分 (``*_fen``)
with the 元 text beside it (``*_yuan``, two decimals). Texts and choices are checked by the services, so a refusal
names the field in Chinese (422); an illegal transition or a rule of the budget is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import cursor_key, keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.grants import selectors as sel
from linli.grants import services as s
from linli.grants.api_projects import router as projects_router
from linli.grants.models import GrantProject, GrantRound, ProjectStatus, RoundKind, RoundStatus, ServiceField
from linli.grants.money import yuan_plain
from linli.grants.permissions import may_run

router = Router(tags=["grants"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ROUND_STATUSES = ", ".join(f"{v} ({label})" for v, label in RoundStatus.choices)
KINDS = ", ".join(f"{v} ({label})" for v, label in RoundKind.choices)
FIELDS = ", ".join(f"{v} ({label})" for v, label in ServiceField.choices)
PROJECT_STATUSES = ", ".join(f"{v} ({label})" for v, label in ProjectStatus.choices)


# ----------------------------------------------------------------------------- rounds


class GrantRoundOut(Schema):
    id: int
    node_id: int = Field(description="the street or district running the round")
    node_name: str
    kind: str = Field(description=KINDS)
    title: str
    year: int
    budget_fen: int = Field(description="资助总预算, in 分")
    budget_yuan: str = Field(description="the same in 元, two decimals")
    granted_fen: int = Field(description="the sum granted to approved projects so far, in 分")
    remaining_fen: int = Field(description="budget − granted, in 分")
    opens_on: dt.date = Field(description="申报开始日期")
    closes_on: dt.date = Field(description="申报截止日期")
    status: str = Field(description=ROUND_STATUSES)
    service_fields: list[str] = Field(description=FIELDS)
    description: str
    opened_at: dt.datetime | None
    review_started_at: dt.datetime | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    may_run: bool = Field(description="whether the caller may edit it, move it on and decide its applications")


class GrantRoundListOut(Schema):
    items: list[GrantRoundOut]
    next: str | None


class GrantRoundListQuery(PageQuery):
    status: str | None = Field(None, description=ROUND_STATUSES)
    year: int | None = Field(None, description="only the rounds of this year")


class GrantRoundIn(Schema):
    kind: str = Field(RoundKind.VENTURE, description=KINDS)
    title: str = Field(description="e.g. 2027年度烟墩街道公益创投; up to 100 characters, unique at the node")
    year: int = Field(description="年度, 2000 or later")
    budget_fen: int = Field(description="资助总预算 in 分 (100 = 1 元); not below what is granted already")
    opens_on: Day = Field(description="申报开始日期")
    closes_on: Day = Field(description="申报截止日期, not before the start")
    service_fields: list[str] = Field(description=f"the service fields funded, at least one: {FIELDS}")
    description: str = Field("", description="轮次说明, up to 2000 characters")


class GrantRoundCreateIn(GrantRoundIn):
    node_id: int = Field(description="a street or district where you hold manage")


def round_out(request: HttpRequest, r: GrantRound) -> GrantRoundOut:
    return GrantRoundOut(
        id=r.pk,
        node_id=r.node_id,
        node_name=r.node.name,
        kind=r.kind,
        title=r.title,
        year=r.year,
        budget_fen=r.budget_fen,
        budget_yuan=yuan_plain(r.budget_fen),
        granted_fen=r.granted_fen,
        remaining_fen=r.remaining_fen,
        opens_on=r.opens_on,
        closes_on=r.closes_on,
        status=r.status,
        service_fields=list(r.service_fields),
        description=r.description,
        opened_at=r.opened_at,
        review_started_at=r.review_started_at,
        closed_at=r.closed_at,
        created_at=r.created_at,
        may_run=may_run(request.user, r.place_path),
    )


def _round_fields(payload: GrantRoundIn) -> s.RoundFields:
    return s.RoundFields(
        kind=payload.kind,
        title=payload.title,
        year=payload.year,
        budget_fen=payload.budget_fen,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        service_fields=payload.service_fields,
        description=payload.description,
    )


def _read(request: HttpRequest, round_id: int) -> GrantRoundOut:
    return round_out(request, sel.access_round(request.user, round_id))


@router.get(
    "/rounds",
    response={200: GrantRoundListOut, 422: ErrorOut},
    operation_id="grants_rounds_list",
    summary="Funding rounds you see (your node's, and those above it), newest first (keyset pages)",
)
def grants_rounds_list(request: HttpRequest, filters: Query[GrantRoundListQuery]) -> GrantRoundListOut:
    qs = sel.visible_rounds(request.user).select_related("node")
    if filters.status:
        if filters.status not in RoundStatus.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
        qs = qs.filter(status=filters.status)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return GrantRoundListOut(items=[round_out(request, r) for r in page.items], next=page.next)


@router.post(
    "/rounds",
    response={200: GrantRoundOut, 201: GrantRoundOut, **ERRORS},
    operation_id="grants_rounds_create",
    summary="Set up a round (草稿) at a street or district you manage (201); an Idempotency-Key retry answers 200",
)
def grants_rounds_create(request: HttpRequest, payload: GrantRoundCreateIn) -> Status[GrantRoundOut]:
    node = sel.access_run_node(request.user, payload.node_id, field="node_id")
    round_, created = s.round_create(
        actor=request.user,
        node=node,
        fields=_round_fields(payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _read(request, round_.pk))


@router.get(
    "/rounds/{round_id}",
    response={200: GrantRoundOut, 404: ErrorOut},
    operation_id="grants_rounds_read",
    summary="One funding round with its budget used and left",
)
def grants_rounds_read(request: HttpRequest, round_id: int) -> GrantRoundOut:
    return _read(request, round_id)


def _managed_round(request: HttpRequest, round_id: int) -> GrantRound:
    return sel.access_round(request.user, round_id)


@router.put(
    "/rounds/{round_id}",
    response={200: GrantRoundOut, **ERRORS},
    operation_id="grants_rounds_update",
    summary="Rewrite a round that is not closed; the budget cannot drop below what is granted (409)",
)
def grants_rounds_update(request: HttpRequest, round_id: int, payload: GrantRoundIn) -> GrantRoundOut:
    round_ = _managed_round(request, round_id)
    s.round_update(actor=request.user, round_=round_, fields=_round_fields(payload))
    return _read(request, round_id)


@router.post(
    "/rounds/{round_id}/open",
    response={200: GrantRoundOut, **ERRORS},
    operation_id="grants_rounds_open",
    summary="开始申报: draft → open; a repeat changes nothing",
)
def grants_rounds_open(request: HttpRequest, round_id: int) -> GrantRoundOut:
    s.round_open(actor=request.user, round_=_managed_round(request, round_id))
    return _read(request, round_id)


@router.post(
    "/rounds/{round_id}/review",
    response={200: GrantRoundOut, **ERRORS},
    operation_id="grants_rounds_review",
    summary="截止申报,进入评审: open → reviewing",
)
def grants_rounds_review(request: HttpRequest, round_id: int) -> GrantRoundOut:
    s.round_review(actor=request.user, round_=_managed_round(request, round_id))
    return _read(request, round_id)


@router.post(
    "/rounds/{round_id}/close",
    response={200: GrantRoundOut, **ERRORS},
    operation_id="grants_rounds_close",
    summary="结束评审: reviewing → closed, once every application is decided (409 otherwise)",
)
def grants_rounds_close(request: HttpRequest, round_id: int) -> GrantRoundOut:
    s.round_close(actor=request.user, round_=_managed_round(request, round_id))
    return _read(request, round_id)


# ----------------------------------------------------------------------------- figures


class GrantFiguresOut(Schema):
    node_id: int
    since: dt.date
    until: dt.date
    registered: int = Field(description="applications registered (申报) in the period")
    approved: int = Field(description="applications approved (立项) in the period")
    rejected: int = Field(description="applications rejected (不予立项) in the period")
    approval_rate: float | None = Field(description="立项率: approved / (approved + rejected) in the period")
    granted_fen: int = Field(description="资助金额: Σ granted to the applications approved in the period, in 分")
    granted_yuan: str
    paid_fen: int = Field(description="拨付金额: Σ payments dated in the period, in 分")
    paid_yuan: str
    completed: int = Field(description="projects completed (结项) in the period")
    good_share: float | None = Field(description="优良率: completed rated 优秀 or 良好 / completed, in the period")
    terminated: int = Field(description="projects terminated (终止) in the period")
    beneficiaries: int = Field(description="服务人次: Σ people served in progress reports dated in the period")
    activities: int = Field(description="Σ activities held in progress reports dated in the period")
    organisations: int = Field(description="distinct organisations with a project approved in the period")
    in_progress: int = Field(description="approved projects not yet ended, now")


class GrantFiguresQuery(Schema):
    node_id: int = Field(description="a street, district or community where you hold manage or lead")
    since: Day | None = Field(None, description="default 1 January of this year")
    until: Day | None = Field(None, description="default today")


@router.get(
    "/figures",
    response={200: GrantFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="grants_figures_read",
    summary="申报 / 立项 / 资助 / 拨付 / 结项 / 服务人次 of a node in a period (docs/metrics.md)",
)
def grants_figures_read(request: HttpRequest, filters: Query[GrantFiguresQuery]) -> GrantFiguresOut:
    node = sel.access_figure_node(request.user, filters.node_id, field="node_id")
    first, last = sel.default_period()
    since, until = filters.since or first, filters.until or last
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    f = sel.figures(request.user, node, since=since, until=until)
    return GrantFiguresOut(
        node_id=node.pk,
        since=since,
        until=until,
        registered=f.registered,
        approved=f.approved,
        rejected=f.rejected,
        approval_rate=f.approval_rate,
        granted_fen=f.granted_fen,
        granted_yuan=yuan_plain(f.granted_fen),
        paid_fen=f.paid_fen,
        paid_yuan=yuan_plain(f.paid_fen),
        completed=f.completed,
        good_share=f.good_share,
        terminated=f.terminated,
        beneficiaries=f.beneficiaries,
        activities=f.activities,
        organisations=f.organisations,
        in_progress=f.in_progress,
    )


# ----------------------------------------------------------------------------- the public list


class GrantPublicProjectOut(Schema):
    id: int
    round_title: str
    year: int
    title: str
    organisation_name: str
    service_field: str = Field(description=FIELDS)
    communities: list[str] = Field(description="the names of the communities served")
    granted_fen: int
    granted_yuan: str
    status: str = Field(description="approved (已立项, being carried out), completed (已结项) or terminated (已终止)")


class GrantPublicListOut(Schema):
    items: list[GrantPublicProjectOut]
    next: str | None


class GrantPublicListQuery(PageQuery):
    node_id: int | None = Field(None, description="a street or district (required; 422 on node_id without it)")


@router.get(
    "/public/projects",
    response={200: GrantPublicListOut, 404: ErrorOut, 422: ErrorOut},
    auth=None,
    operation_id="grants_public_list",
    summary="立项公示: a street's or district's approved projects (no sign-in, no personal data), newest first",
)
def grants_public_list(request: HttpRequest, filters: Query[GrantPublicListQuery]) -> GrantPublicListOut:
    if filters.cursor:  # a bad cursor is named as such, whatever else is missing
        cursor_key(GrantProject.objects.all(), key="id", cursor=filters.cursor)
    if filters.node_id is None:
        raise InvalidInput(_("请选择街道或区"), field="node_id")
    node = sel.public_node(filters.node_id, field="node_id")
    qs = sel.public_projects(node).order_by()
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return GrantPublicListOut(
        items=[
            GrantPublicProjectOut(
                id=p.pk,
                round_title=p.round.title,
                year=p.round.year,
                title=p.title,
                organisation_name=p.organisation.name,
                service_field=p.service_field,
                communities=[c.place.name for c in p.served.all()],
                granted_fen=p.granted_fen or 0,
                granted_yuan=yuan_plain(p.granted_fen),
                status=p.status,
            )
            for p in page.items
        ],
        next=page.next,
    )


router.add_router("", projects_router)
