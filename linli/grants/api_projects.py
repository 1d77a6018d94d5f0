"""Applications and projects under /api/v1/grants/projects: register (申报), score, decide (立项 / 不予立项), report
progress, pay (拨付), complete (结项) or terminate (终止), and reveal the contact's phone with a reason.

A project is read by its round's staff and leaders and by the staff of the communities it serves; anyone else gets
the 404 of a missing id. The contact's phone is always masked here (``contact_phone_masked``); reviewers' scores
are listed to reviewers only.
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
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.grants import selectors as sel
from linli.grants import services_apply as sa
from linli.grants import services_delivery as sd
from linli.grants import services_review as sr
from linli.grants.models import Grade, GrantProject, ProjectStatus, ServiceField, Tranche
from linli.grants.money import yuan_plain
from linli.grants.permissions import may_report, may_review, may_run
from linli.places.models import Place, PlaceKind

router = Router(tags=["grants"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PROJECT_STATUSES = ", ".join(f"{v} ({label})" for v, label in ProjectStatus.choices)
FIELDS = ", ".join(f"{v} ({label})" for v, label in ServiceField.choices)


class GrantCommunityOut(Schema):
    id: int
    name: str


class GrantProjectOut(Schema):
    id: int
    round_id: int
    round_title: str
    organisation_id: int
    organisation_name: str
    title: str
    service_field: str = Field(description=FIELDS)
    communities: list[GrantCommunityOut]
    requested_fen: int = Field(description="申请资助金额, in 分")
    planned_beneficiaries: int = Field(description="计划服务人次")
    contact_name: str
    contact_phone_masked: str = Field(description="the contact's phone, masked (138****5678)")
    status: str = Field(description=PROJECT_STATUSES)
    granted_fen: int | None = Field(description="立项资助金额, in 分 (null until approved)")
    granted_yuan: str
    paid_fen: int = Field(description="已拨付, in 分")
    served_total: int = Field(description="已服务人次 (Σ of its progress reports)")
    activities_total: int
    avg_score: float | None = Field(description="the reviewers' average score, one decimal")
    score_count: int
    decided_at: dt.datetime | None
    decision_note: str = Field(description="立项意见, or the reason it was rejected")
    ended_at: dt.datetime | None
    grade: str = Field(description=", ".join(f"{v} ({label})" for v, label in Grade.choices) + "; empty until 结项")
    end_note: str = Field(description="结项评估意见, or the reason it was terminated")
    created_at: dt.datetime


class GrantScoreOut(Schema):
    reviewer: str
    score: int
    comment: str
    updated_at: dt.datetime


class GrantReportOut(Schema):
    id: int
    on_date: dt.date
    text: str
    beneficiaries: int
    activities: int
    recorded_at: dt.datetime


class GrantPaymentOut(Schema):
    id: int
    tranche: str = Field(description=", ".join(f"{v} ({label})" for v, label in Tranche.choices))
    amount_fen: int
    amount_yuan: str
    paid_on: dt.date
    voucher: str
    note: str
    recorded_at: dt.datetime


class GrantEventOut(Schema):
    at: dt.datetime
    actor: str
    from_status: str
    to_status: str
    note: str


class GrantProjectDetailOut(GrantProjectOut):
    summary: str
    scores: list[GrantScoreOut] = Field(description="each reviewer's score (to reviewers only; empty for others)")
    reports: list[GrantReportOut]
    payments: list[GrantPaymentOut]
    events: list[GrantEventOut]
    may_review: bool
    may_run: bool
    may_report: bool


class GrantProjectListOut(Schema):
    items: list[GrantProjectOut]
    next: str | None


class GrantProjectListQuery(PageQuery):
    round_id: int | None = Field(None, description="only this round's applications")
    status: str | None = Field(None, description=PROJECT_STATUSES)


class GrantProjectIn(Schema):
    round_id: int = Field(description="an open round, inside its window")
    organisation_id: int = Field(description="a registered 社会组织 or 共建单位 at or serving a place under the node")
    title: str = Field(description="项目名称, up to 100 characters")
    service_field: str = Field(description=f"one of the round's service fields: {FIELDS}")
    community_ids: list[int] = Field(description="the communities served, under the round's node (at least one)")
    requested_fen: int = Field(description="申请资助金额 in 分, at most the round's budget")
    planned_beneficiaries: int = Field(description="计划服务人次, 1 or more")
    summary: str = Field(description="项目简介, up to 2000 characters")
    contact_name: str = Field(description="联系人")
    contact_phone: str = Field(description="联系电话 (mobile or landline); stored encrypted, shown masked")


class GrantScoreIn(Schema):
    score: int = Field(description="0–100")
    comment: str = Field("", description="评审意见, up to 500 characters")


class GrantApproveIn(Schema):
    granted_fen: int = Field(
        description="立项资助金额 in 分: above zero, at most requested and what the budget has left"
    )
    note: str = Field("", description="立项意见")


class GrantRejectIn(Schema):
    reason: str = Field(description="不予立项理由, up to 500 characters")


class GrantReportIn(Schema):
    on_date: Day = Field(description="the day reported on: from the approval to today")
    text: str = Field(description="进展情况, up to 2000 characters")
    beneficiaries: int = Field(description="本次服务人次, 0 or more")
    activities: int = Field(0, description="本次开展活动次数")


class GrantPaymentIn(Schema):
    tranche: str = Field(description="first (首期, once and first), middle (中期), final (尾款, once and last)")
    amount_fen: int = Field(description="in 分; the total paid never exceeds the granted amount")
    paid_on: Day = Field(description="拨付日期: from the approval to today")
    voucher: str = Field("", description="凭证号")
    note: str = Field("", description="备注")


class GrantCompleteIn(Schema):
    grade: str = Field(description=", ".join(f"{v} ({label})" for v, label in Grade.choices))
    summary: str = Field(description="结项评估意见, up to 2000 characters")


class GrantTerminateIn(Schema):
    reason: str = Field(description="终止原因, up to 500 characters")


class GrantRevealIn(Schema):
    reason: str = Field(description="why the full number is needed (audited)")


class GrantRevealOut(Schema):
    contact_phone: str


def project_out(p: GrantProject, cls: Any = GrantProjectOut, **extra: Any) -> Any:
    avg = getattr(p, "avg_score", None)
    return cls(
        id=p.pk,
        round_id=p.round_id,
        round_title=p.round.title,
        organisation_id=p.organisation_id,
        organisation_name=p.organisation.name,
        title=p.title,
        service_field=p.service_field,
        communities=[GrantCommunityOut(id=c.place_id, name=c.place.name) for c in p.served.all()],
        requested_fen=p.requested_fen,
        planned_beneficiaries=p.planned_beneficiaries,
        contact_name=p.contact_name,
        contact_phone_masked=sel.masked_phone(p),
        status=p.status,
        granted_fen=p.granted_fen,
        granted_yuan=yuan_plain(p.granted_fen),
        paid_fen=p.paid_fen,
        served_total=p.served_total,
        activities_total=p.activities_total,
        avg_score=round(avg, 1) if avg is not None else None,
        score_count=getattr(p, "score_count", 0),
        decided_at=p.decided_at,
        decision_note=p.decision_note,
        ended_at=p.ended_at,
        grade=p.grade,
        end_note=p.end_note,
        created_at=p.created_at,
        **extra,
    )


def _detail(request: HttpRequest, project_id: int) -> GrantProjectDetailOut:
    user = request.user
    qs = sel.scored(sel.visible_projects(user)).select_related("round", "organisation")
    project = get_or_not_found(sel.with_communities(qs), project_id)
    reviewer = may_review(user, project.place_path)
    scores = [
        GrantScoreOut(reviewer=_who(s.reviewer), score=s.score, comment=s.comment, updated_at=s.updated_at)
        for s in (sel.project_scores(project) if reviewer else [])
    ]
    return project_out(  # type: ignore[no-any-return]
        project,
        GrantProjectDetailOut,
        summary=project.summary,
        scores=scores,
        reports=[
            GrantReportOut(
                id=r.pk,
                on_date=r.on_date,
                text=r.text,
                beneficiaries=r.beneficiaries,
                activities=r.activities,
                recorded_at=r.recorded_at,
            )
            for r in sel.reports(project)
        ],
        payments=[
            GrantPaymentOut(
                id=p.pk,
                tranche=p.tranche,
                amount_fen=p.amount_fen,
                amount_yuan=yuan_plain(p.amount_fen),
                paid_on=p.paid_on,
                voucher=p.voucher,
                note=p.note,
                recorded_at=p.recorded_at,
            )
            for p in sel.payments(project)
        ],
        events=[
            GrantEventOut(at=e.at, actor=_who(e.actor), from_status=e.from_status, to_status=e.to_status, note=e.note)
            for e in sel.events(project)
        ],
        may_review=reviewer,
        may_run=may_run(user, project.place_path),
        may_report=may_report(user, project.place_path, [c.place_path for c in project.served.all()]),
    )


def _who(user: Any) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def _project(request: HttpRequest, project_id: int) -> GrantProject:
    return sel.access_project(request.user, project_id)


@router.get(
    "/projects",
    response={200: GrantProjectListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="grants_projects_list",
    summary="Applications and projects you see, newest first (keyset pages), with their average score",
)
def grants_projects_list(request: HttpRequest, filters: Query[GrantProjectListQuery]) -> GrantProjectListOut:
    qs = sel.scored(sel.visible_projects(request.user)).select_related("round", "organisation")
    if filters.round_id is not None:
        qs = qs.filter(round=sel.access_round(request.user, filters.round_id, field="round_id"))
    if filters.status:
        if filters.status not in ProjectStatus.values:
            raise InvalidInput(_("请选择%(label)s") % {"label": _("状态")}, field="status")
        qs = qs.filter(status=filters.status)
    page = keyset_page(sel.with_communities(qs), key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return GrantProjectListOut(items=[project_out(p) for p in page.items], next=page.next)


@router.post(
    "/projects",
    response={200: GrantProjectDetailOut, 201: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_create",
    summary="申报: register an application in an open round on an organisation's behalf (201); an Idempotency-Key "
    "retry answers 200 with the first",
)
def grants_projects_create(request: HttpRequest, payload: GrantProjectIn) -> Status[GrantProjectDetailOut]:
    round_ = sel.access_round(request.user, payload.round_id, field="round_id")
    organisation = get_or_not_found(
        sel.eligible_organisations_qs(round_), payload.organisation_id, field="organisation_id"
    )
    communities = _round_communities(round_, payload.community_ids)
    project, created = sa.project_register(
        actor=request.user,
        round_=round_,
        fields=sa.ApplicationFields(
            organisation=organisation,
            title=payload.title,
            service_field=payload.service_field,
            requested_fen=payload.requested_fen,
            planned_beneficiaries=payload.planned_beneficiaries,
            summary=payload.summary,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            communities=communities,
        ),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _detail(request, project.pk))


def _round_communities(round_: Any, ids: list[int]) -> list[Place]:
    wanted = sorted(set(ids))
    communities = list(Place.objects.filter(pk__in=wanted, kind=PlaceKind.COMMUNITY, path__under=round_.place_path))
    if len(communities) != len(wanted):
        raise InvalidInput(_("服务社区须是本轮范围内的社区"), field="community_ids")
    return communities


class GrantProjectCorrectionIn(Schema):
    title: str = Field(description="项目名称, up to 100 characters")
    service_field: str = Field(description=f"one of the round's service fields: {FIELDS}")
    community_ids: list[int] = Field(description="the communities served, under the round's node (at least one)")
    requested_fen: int = Field(description="申请资助金额 in 分, at most the round's budget")
    planned_beneficiaries: int = Field(description="计划服务人次, 1 or more")
    summary: str = Field(description="项目简介, up to 2000 characters")
    contact_name: str = Field(description="联系人")
    contact_phone: str = Field("", description="a new 联系电话; empty keeps the one on file")


class GrantWithdrawIn(Schema):
    reason: str = Field(description="撤回原因 as the organisation wrote it, up to 500 characters")


@router.put(
    "/projects/{grant_project_id}",
    response={200: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_update",
    summary="修改申报: correct an application while its round is 申报中 and it is undecided (same organisation)",
)
def grants_projects_update(
    request: HttpRequest, grant_project_id: int, payload: GrantProjectCorrectionIn
) -> GrantProjectDetailOut:
    project = _project(request, grant_project_id)
    sa.project_correct(
        actor=request.user,
        project=project,
        fields=sa.ApplicationFields(
            organisation=None,
            title=payload.title,
            service_field=payload.service_field,
            requested_fen=payload.requested_fen,
            planned_beneficiaries=payload.planned_beneficiaries,
            summary=payload.summary,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            communities=_round_communities(project.round, payload.community_ids),
        ),
    )
    return _detail(request, grant_project_id)


@router.post(
    "/projects/{grant_project_id}/withdraw",
    response={200: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_withdraw",
    summary="撤回申报 before a decision (round 申报中 or 评审中), with the organisation's reason; again: no change",
)
def grants_projects_withdraw(
    request: HttpRequest, grant_project_id: int, payload: GrantWithdrawIn
) -> GrantProjectDetailOut:
    sa.project_withdraw(actor=request.user, project=_project(request, grant_project_id), reason=payload.reason)
    return _detail(request, grant_project_id)


@router.get(
    "/projects/{grant_project_id}",
    response={200: GrantProjectDetailOut, 404: ErrorOut},
    operation_id="grants_projects_read",
    summary="One application or project with its reports, payments and timeline",
)
def grants_projects_read(request: HttpRequest, grant_project_id: int) -> GrantProjectDetailOut:
    return _detail(request, grant_project_id)


@router.post(
    "/projects/{grant_project_id}/score",
    response={200: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_score",
    summary="Give or change your score (0–100) and comment, until the application is decided",
)
def grants_projects_score(request: HttpRequest, grant_project_id: int, payload: GrantScoreIn) -> GrantProjectDetailOut:
    sr.score_set(actor=request.user, project=_project(request, grant_project_id), score=payload.score,
                 comment=payload.comment)  # fmt: skip
    return _detail(request, grant_project_id)


@router.post(
    "/projects/{grant_project_id}/approve",
    response={200: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_approve",
    summary="立项 with a granted amount; 409 when the round's budget has not enough left or it is decided already",
)
def grants_projects_approve(
    request: HttpRequest, grant_project_id: int, payload: GrantApproveIn
) -> GrantProjectDetailOut:
    project = _project(request, grant_project_id)
    sr.project_approve(actor=request.user, project=project, granted_fen=payload.granted_fen, note=payload.note)
    return _detail(request, grant_project_id)


@router.post(
    "/projects/{grant_project_id}/reject",
    response={200: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_reject",
    summary="不予立项, with the reason",
)
def grants_projects_reject(
    request: HttpRequest, grant_project_id: int, payload: GrantRejectIn
) -> GrantProjectDetailOut:
    sr.project_reject(actor=request.user, project=_project(request, grant_project_id), reason=payload.reason)
    return _detail(request, grant_project_id)


@router.post(
    "/projects/{grant_project_id}/reports",
    response={200: GrantProjectDetailOut, 201: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_report",
    summary="A progress report of an approved project (201); an Idempotency-Key retry answers 200",
)
def grants_projects_report(
    request: HttpRequest, grant_project_id: int, payload: GrantReportIn
) -> Status[GrantProjectDetailOut]:
    _report, created = sd.report_add(
        actor=request.user,
        project=_project(request, grant_project_id),
        on_date=payload.on_date,
        text=payload.text,
        beneficiaries=payload.beneficiaries,
        activities=payload.activities,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _detail(request, grant_project_id))


@router.post(
    "/projects/{grant_project_id}/disbursements",
    response={200: GrantProjectDetailOut, 201: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_disburse",
    summary="拨付 one tranche (201); 409 when it would pay more than granted; an Idempotency-Key retry answers 200",
)
def grants_projects_disburse(
    request: HttpRequest, grant_project_id: int, payload: GrantPaymentIn
) -> Status[GrantProjectDetailOut]:
    _payment, created = sd.disburse(
        actor=request.user,
        project=_project(request, grant_project_id),
        tranche=payload.tranche,
        amount_fen=payload.amount_fen,
        paid_on=payload.paid_on,
        voucher=payload.voucher,
        note=payload.note,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _detail(request, grant_project_id))


@router.post(
    "/projects/{grant_project_id}/complete",
    response={200: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_complete",
    summary="结项 with the evaluation grade and summary; nothing is reported or paid afterwards",
)
def grants_projects_complete(
    request: HttpRequest, grant_project_id: int, payload: GrantCompleteIn
) -> GrantProjectDetailOut:
    project = _project(request, grant_project_id)
    sd.project_complete(actor=request.user, project=project, grade=payload.grade, summary=payload.summary)
    return _detail(request, grant_project_id)


@router.post(
    "/projects/{grant_project_id}/terminate",
    response={200: GrantProjectDetailOut, **ERRORS},
    operation_id="grants_projects_terminate",
    summary="终止 an approved project, with the reason",
)
def grants_projects_terminate(
    request: HttpRequest, grant_project_id: int, payload: GrantTerminateIn
) -> GrantProjectDetailOut:
    sd.project_terminate(actor=request.user, project=_project(request, grant_project_id), reason=payload.reason)
    return _detail(request, grant_project_id)


@router.post(
    "/projects/{grant_project_id}/contact/reveal",
    response={200: GrantRevealOut, **ERRORS},
    operation_id="grants_projects_contact_reveal",
    summary="The contact's full phone number, with a reason (needs reveal at the round's node; audited)",
)
def grants_projects_contact_reveal(
    request: HttpRequest, grant_project_id: int, payload: GrantRevealIn
) -> GrantRevealOut:
    phone = sd.contact_reveal(
        actor=request.user, project=_project(request, grant_project_id), reason=payload.reason, request=request
    )
    return GrantRevealOut(contact_phone=phone)
