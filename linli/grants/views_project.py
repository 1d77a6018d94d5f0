"""A project's page: what was applied for, the reviewers' scores and the decision, its progress reports, payments
and timeline, and the forms each person may use on it (score, 立项 / 不予立项, report, 拨付, 结项 / 终止, and revealing
the contact's phone with a reason). Anyone who cannot see the project gets the 404 of a missing id; someone who sees
it but may not do what they posted gets 403."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import InvalidInput
from linli.grants import selectors as sel
from linli.grants import services_apply as sa
from linli.grants import services_delivery as sd
from linli.grants import services_review as sr
from linli.grants.models import Grade, GrantProject, ProjectStatus, RoundStatus, ServiceField, Tranche
from linli.grants.money import parse_yuan, yuan_plain
from linli.grants.permissions import may_register, may_report, may_reveal, may_review, may_run
from linli.grants.views_common import PAGE_ERRORS, application_fields, form_error

FORMS = {"score", "approve", "reject", "report", "disburse", "complete", "terminate", "reveal", "correct", "withdraw"}


@login_required
def project_page(request: HttpRequest, grant_project_id: int) -> HttpResponse:
    user = request.user
    project = sel.access_project(user, grant_project_id)
    form, error, revealed = "", None, ""
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in FORMS else ""
        try:
            if form == "reveal":
                revealed = sd.contact_reveal(
                    actor=user, project=project, reason=request.POST.get("reason", ""), request=request
                )
            else:
                done = _act(request, project, form)
                messages.success(request, done)
                return redirect("grants:project", project.pk)
        except PAGE_ERRORS as exc:
            error = exc
    paths = [c.place_path for c in project.served.all()]
    status = project.status
    round_status = project.round.status
    runs = may_run(user, project.place_path)
    reviews = may_review(user, project.place_path)
    carried_out = status == ProjectStatus.APPROVED
    avg, count = sel.score_summary(project)
    registers = status == ProjectStatus.SUBMITTED and may_register(user, project.place_path, project_places(project))
    correcting = registers and round_status == RoundStatus.OPEN
    return render(
        request,
        "grants/project.html",
        {
            "project": project,
            "round": project.round,
            "avg_score": avg,
            "score_count": count,
            "scores": sel.project_scores(project) if reviews else [],
            "own_score": sel.own_score(user, project) if reviews else None,
            "timeline": sel.timeline(project),
            "contact_phone": sel.masked_phone(project),
            "revealed": revealed,
            "may_reveal": may_reveal(user, project.place_path),
            "may_score": reviews and status == ProjectStatus.SUBMITTED and round_status in sr.SCORING_ROUNDS,
            "may_approve": runs and status == ProjectStatus.SUBMITTED and round_status == RoundStatus.REVIEWING,
            "may_reject": runs and status == ProjectStatus.SUBMITTED and round_status in sr.SCORING_ROUNDS,
            "may_report": carried_out and may_report(user, project.place_path, paths),
            "may_pay": carried_out and runs,
            "may_end": carried_out and runs,
            "may_correct": correcting,
            "may_withdraw": registers and round_status in (RoundStatus.OPEN, RoundStatus.REVIEWING),
            "communities": sel.registrable_communities(user, project.round) if correcting else [],
            "offered_fields": [(v, label) for v, label in ServiceField.choices if v in project.round.service_fields],
            "correct_values": _correct_values(request, project, form, error) if correcting else {},
            "granted_default": yuan_plain(project.requested_fen),
            "unpaid": yuan_plain(project.unpaid_fen) if project.approved else "",
            "tranches": Tranche.choices,
            "grades": Grade.choices,
            "today": timezone.localdate(),
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,
            **form_error(form, error),
        },
        status=422 if error else 200,
    )


def _act(request: HttpRequest, project: GrantProject, form: str) -> str:
    user, data = request.user, request.POST
    if form == "score":
        sr.score_set(actor=user, project=project, score=data.get("score", ""), comment=data.get("comment", ""))
        return _("已保存评分。")
    if form == "approve":
        granted = parse_yuan(data.get("granted"), field="granted", label=_("立项资助金额"))
        sr.project_approve(actor=user, project=project, granted_fen=granted, note=data.get("note", ""))
        return _("已立项。")
    if form == "reject":
        sr.project_reject(actor=user, project=project, reason=data.get("reason", ""))
        return _("已决定不予立项。")
    if form == "report":
        sd.report_add(
            actor=user,
            project=project,
            on_date=parse_day(data.get("on_date"), "on_date"),
            text=data.get("text", ""),
            beneficiaries=data.get("beneficiaries", ""),
            activities=data.get("activities", ""),
            idempotency_key=data.get("idempotency_key", ""),
        )
        return _("已记录项目进展。")
    if form == "disburse":
        payment, _created = sd.disburse(
            actor=user,
            project=project,
            tranche=data.get("tranche", ""),
            amount_fen=parse_yuan(data.get("amount"), field="amount", label=_("拨付金额")),
            paid_on=parse_day(data.get("paid_on"), "paid_on"),
            voucher=data.get("voucher", ""),
            note=data.get("note", ""),
            idempotency_key=data.get("idempotency_key", ""),
        )
        return _("已拨付%(tranche)s %(amount)s 元。") % {
            "tranche": payment.get_tranche_display(),
            "amount": yuan_plain(payment.amount_fen),
        }
    if form == "complete":
        sd.project_complete(actor=user, project=project, grade=data.get("grade", ""), summary=data.get("summary", ""))
        return _("项目已结项。")
    if form == "correct":
        sa.project_correct(actor=user, project=project, fields=application_fields(request, project.round, None))
        return _("申报已修改。")
    if form == "withdraw":
        sa.project_withdraw(actor=user, project=project, reason=data.get("reason", ""))
        return _("申报已撤回。")
    if form == "terminate":
        sd.project_terminate(actor=user, project=project, reason=data.get("reason", ""))
        return _("项目已终止。")
    raise InvalidInput(_("请使用页面上的表单提交"))


def project_places(project: GrantProject) -> list[Any]:
    return [c.place for c in project.served.all()]


def _correct_values(request: HttpRequest, project: GrantProject, form: str, error: Any) -> Any:
    return request.POST if error and form == "correct" else _current(project)


def _current(project: GrantProject) -> dict[str, Any]:
    """The correction form's values, as a posted form would carry them (the phone stays blank: kept unless typed)."""
    return {
        "title": project.title,
        "service_field": project.service_field,
        "requested": yuan_plain(project.requested_fen),
        "planned_beneficiaries": str(project.planned_beneficiaries),
        "summary": project.summary,
        "contact_name": project.contact_name,
        "community_ids": [str(c.place_id) for c in project.served.all()],
    }
