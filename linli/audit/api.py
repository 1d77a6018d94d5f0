"""GET /api/v1/audit/events: the audit log page (``audit:index``) for API clients — the same filter
(``audit.selectors``), system administrators only, and reading it is itself an audit event. The
CSV/xlsx exports stay page-only: they are files for assessors, audited downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from linli.audit.models import AuditEvent
from linli.audit.review import review_period, sensitive_review
from linli.audit.selectors import audit_events, audit_filter_from, require_auditor
from linli.audit.services import audit_record
from linli.core.errors import InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery

router = Router(tags=["audit"])


def _named_as_here(exc: InvalidInput) -> InvalidInput:
    """The page's error on ``from`` / ``to``, on the API's ``since`` / ``until``."""
    return InvalidInput(exc.message, field={"from": "since", "to": "until"}.get(exc.field or "", exc.field))


class AuditQuery(PageQuery):
    actor: str = Field("", max_length=150, description="username at the time, exactly")
    action: str = Field("", max_length=64, description="action prefix, e.g. `privacy.` or `ticket.accept`")
    target: str = Field("", max_length=200, description="`type:id` (e.g. `tickets.ticket:42`) or words of the label")
    outcome: Literal["", "ok", "fail"] = ""
    since: Day | None = Field(None, description="first local calendar day (Asia/Shanghai)")
    until: Day | None = Field(None, description="last local calendar day, included")


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    ip: str | None
    action: str
    target_type: str
    target_id: str
    target_label: str
    success: bool
    detail: dict[str, Any]
    seq: int | None = Field(None, description="position in the hash chain, once sealed")
    hash: str | None = None


class AuditPageOut(Schema):
    items: list[AuditEventOut]
    next: str | None


def _out(e: AuditEvent) -> AuditEventOut:
    seal = getattr(e, "seal", None)
    return AuditEventOut(
        id=e.pk, at=e.at, actor=e.actor_label, ip=e.ip, action=e.action, target_type=e.target_type,
        target_id=e.target_id, target_label=e.target_label, success=e.success, detail=e.detail,
        seq=seal.seq if seal else None, hash=seal.hash if seal else None,
    )  # fmt: skip


@router.get(
    "/events",
    response={200: AuditPageOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="audit_events_list",
    summary="The audit log, newest first, keyset-paginated (system administrators; the read is audited)",
)
def audit_events_list(request: HttpRequest, q: Query[AuditQuery]) -> AuditPageOut:
    require_auditor(request.user)
    params = {
        "actor": q.actor,
        "action": q.action,
        "target": q.target,
        "outcome": q.outcome,
        "from": q.since.isoformat() if q.since else "",
        "to": q.until.isoformat() if q.until else "",
    }
    try:
        flt = audit_filter_from(params)
    except InvalidInput as exc:
        raise _named_as_here(exc) from None
    page = keyset_page(
        audit_events(flt).select_related("seal"), key="id", cursor=q.cursor, limit=q.limit, descending=True
    )
    audit_record(action="audit.viewed", actor=request.user, request=request, filters=flt.as_detail(), via="api")
    return AuditPageOut(items=[_out(e) for e in page.items], next=page.next)


class ReviewQuery(Schema):
    since: Day | None = Field(None, description="first local calendar day; default 29 days before `until`")
    until: Day | None = Field(None, description="last local calendar day, included; default today")


class AccountReviewOut(Schema):
    actor: str = Field(description="username at the time; empty for calls made signed out")
    reveals: int = Field(description="full ID / phone / certificate numbers shown")
    residents: int = Field(description="different residents whose numbers were shown")
    night: int = Field(description="reveals between 22:00 and 07:00 local time")
    exports: int
    denials: int = Field(description="pages or records refused (403/404)")
    refusals: int = Field(description="rate-limit refusals and refused ID numbers")
    flags: list[Literal["night", "refused", "probing"]]


class ReviewOut(Schema):
    since: dt.date
    until: dt.date
    accounts: list[AccountReviewOut]


@router.get(
    "/review",
    response={200: ReviewOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="audit_review_read",
    summary="敏感信息访问审查: per account, reveals, exports, denials, refusals in a period (administrators; audited)",
)
def audit_review_read(request: HttpRequest, q: Query[ReviewQuery]) -> ReviewOut:
    require_auditor(request.user)
    try:
        since, until = review_period(q.since, q.until)
    except InvalidInput as exc:
        raise _named_as_here(exc) from None
    rows = sensitive_review(since=since, until=until)
    audit_record(
        action="audit.reviewed", actor=request.user, request=request, since=since.isoformat(), until=until.isoformat()
    )
    return ReviewOut(
        since=since,
        until=until,
        accounts=[
            AccountReviewOut(
                actor=r.actor,
                reveals=r.reveals,
                residents=r.residents,
                night=r.night,
                exports=r.exports,
                denials=r.denials,
                refusals=r.refusals,
                flags=r.flags,  # type: ignore[arg-type]
            )
            for r in rows
        ],
    )
