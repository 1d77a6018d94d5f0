"""实施与结项: an approved project's progress reports, its payments (拨付) in tranches, and its end.

============  ===========================  ==========================================================
from          to                           who, and what it needs
============  ===========================  ==========================================================
approved      (progress report)            the round's staff or the staff of a community it serves; a
                                           day from the approval to today, what was done, people served
approved      (payment 拨付)                the round's staff (``manage``); the first payment is the 首期
                                           (once), then 中期 any number of times, 尾款 once and last; the
                                           total paid never exceeds the granted amount
approved      completed 已结项              the round's staff; the evaluation grade and its summary
approved      terminated 已终止             the round's staff; the reason
============  ===========================  ==========================================================

Reports and payments lock the project's row before they check its state and totals, so nothing is reported or
paid after it ended, and two payments at once cannot together pay more than was granted (the second is refused;
the check constraint paid ≤ granted backs it). Totals are kept with ``F()``. Reports and payments are append-only
and carry an idempotency key: a double submit records one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import national_phone
from linli.core.ratelimit import reveal_budget
from linli.core.text import clean_text, whole_number
from linli.grants.models import Disbursement, Grade, GrantProject, ProgressReport, ProjectStatus, Tranche
from linli.grants.money import check_fen, yuan
from linli.grants.permissions import may_report, may_reveal, require_run
from linli.grants.services import (
    NOTE_MAX,
    TEXT_MAX,
    choice,
    event,
    lock_project,
    not_in_future,
    status_label,
)

BENEFICIARIES_MAX = 100_000  # 人次 in one report
ACTIVITIES_MAX = 1000
VOUCHER_MAX = 64
PAYMENT_NOTE_MAX = 200
MIN_REASON = 2


def _require_carried_out(project: GrantProject, what: str) -> None:
    if project.status != ProjectStatus.APPROVED:
        raise Conflict(
            _("项目当前为“%(now)s”,不能再%(what)s") % {"now": status_label(project.status), "what": what},
            field="status",
        )


def _approved_on(project: GrantProject) -> dt.date | None:
    return timezone.localdate(project.decided_at) if project.decided_at else None


def _community_paths(project: GrantProject) -> list[str]:
    return list(project.served.values_list("place_path", flat=True))


@transaction.atomic
def report_add(
    *,
    actor: Any,
    project: GrantProject,
    on_date: dt.date | None,
    text: Any,
    beneficiaries: Any,
    activities: Any = 0,
    idempotency_key: str = "",
) -> tuple[ProgressReport, bool]:
    """A progress report: what was done on a day, how many people (人次) were served and how many activities held.
    The project's running totals grow by the same numbers."""
    if not may_report(actor, project.place_path, _community_paths(project)):
        raise Forbidden(_("只有本轮所属街道(区)或项目服务社区的工作人员可以报告项目进展"))
    body = clean_text(text, field="text", label=_("进展情况"), max_length=TEXT_MAX)
    served = whole_number(beneficiaries, field="beneficiaries", label=_("本次服务人次"), low=0, high=BENEFICIARIES_MAX)
    held = whole_number(activities, field="activities", label=_("开展活动次数"), low=0, high=ACTIVITIES_MAX, default=0)
    key = clean_key(idempotency_key)

    def create() -> ProgressReport:
        locked = lock_project(project)
        _require_carried_out(locked, _("报告进展"))
        day = not_in_future(on_date, field="on_date", label=_("报告日期"), earliest=_approved_on(locked))
        report = ProgressReport.objects.create(
            project=locked,
            on_date=day,
            text=body,
            beneficiaries=served,
            activities=held,
            recorded_by=actor,
            idempotency_key=key,
        )
        GrantProject.objects.filter(pk=locked.pk).update(
            served_total=F("served_total") + served, activities_total=F("activities_total") + held
        )
        return report

    report, created = create_once(
        earlier=ProgressReport.objects.filter(recorded_by=actor),
        key=key,
        create=create,
        same=lambda e: e.project_id == project.pk and e.text == body and e.beneficiaries == served,
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一条进展报告"),
    )
    if created:
        audit_record(
            action="grants.progress_reported",
            actor=actor,
            target=project,
            report=report.pk,
            on=str(report.on_date),
            beneficiaries=served,
            activities=held,
        )
    return report, created


@transaction.atomic
def disburse(
    *,
    actor: Any,
    project: GrantProject,
    tranche: Any,
    amount_fen: Any,
    paid_on: dt.date | None,
    voucher: Any = "",
    note: Any = "",
    idempotency_key: str = "",
) -> tuple[Disbursement, bool]:
    """拨付 one tranche. The project's row is locked while its paid total is checked and raised."""
    require_run(actor, project.place_path, _("只有本轮所属街道(区)的工作人员可以拨付资金"))
    kind = choice(tranche, list(Tranche.values), field="tranche", label=_("拨付批次"))
    amount = check_fen(amount_fen, field="amount_fen", label=_("拨付金额"))
    voucher_text = clean_text(voucher, field="voucher", label=_("凭证号"), max_length=VOUCHER_MAX, required=False)
    note_text = clean_text(note, field="note", label=_("备注"), max_length=PAYMENT_NOTE_MAX, required=False)
    key = clean_key(idempotency_key)

    def create() -> Disbursement:
        locked = lock_project(project)
        _require_carried_out(locked, _("拨付资金"))
        day = not_in_future(paid_on, field="paid_on", label=_("拨付日期"), earliest=_approved_on(locked))
        tranches = set(Disbursement.objects.filter(project=locked).values_list("tranche", flat=True))
        if Tranche.FINAL in tranches:
            raise Conflict(_("尾款已拨付,不能再拨付"), field="tranche")
        if kind == Tranche.FIRST and tranches:
            raise Conflict(_("首期款只能作为第一笔拨付一次"), field="tranche")
        if kind != Tranche.FIRST and not tranches:
            raise Conflict(_("第一笔拨付应为首期款"), field="tranche")
        granted = locked.granted_fen or 0
        left = granted - locked.paid_fen
        if amount > left:
            raise Conflict(
                _("立项资助 %(granted)s 元,已拨付 %(paid)s 元,本次最多拨付 %(left)s 元")
                % {"granted": yuan(granted), "paid": yuan(locked.paid_fen), "left": yuan(left)},
                field="amount_fen",
            )
        payment = Disbursement.objects.create(
            project=locked,
            tranche=kind,
            amount_fen=amount,
            paid_on=day,
            voucher=voucher_text,
            note=note_text,
            recorded_by=actor,
            idempotency_key=key,
        )
        GrantProject.objects.filter(pk=locked.pk).update(paid_fen=F("paid_fen") + amount)
        return payment

    payment, created = create_once(
        earlier=Disbursement.objects.filter(recorded_by=actor),
        key=key,
        create=create,
        same=lambda e: (e.project_id, e.tranche, e.amount_fen) == (project.pk, kind, amount),
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一笔拨付"),
    )
    if created:
        audit_record(
            action="grants.disbursed",
            actor=actor,
            target=project,
            payment=payment.pk,
            tranche=kind,
            amount_fen=amount,
            on=str(payment.paid_on),
        )
    return payment, created


def _end(actor: Any, project: GrantProject, to: str, action: str, note: str, grade: str = "") -> GrantProject:
    before = project.status
    project.status, project.end_note, project.grade = to, note, grade
    project.ended_at, project.ended_by = timezone.now(), actor
    project.save(update_fields=["status", "end_note", "grade", "ended_at", "ended_by"])
    event(project, actor, before, to, note)
    audit_record(
        action=action,
        actor=actor,
        target=project,
        grade=grade,
        paid_fen=project.paid_fen,
        served=project.served_total,
    )
    return project


@transaction.atomic
def project_complete(*, actor: Any, project: GrantProject, grade: Any, summary: Any) -> GrantProject:
    """结项 with the evaluation (结项评估): the grade (优秀/良好/合格/不合格) and its summary. Completing a completed
    project again with the same grade changes nothing."""
    require_run(actor, project.place_path, _("只有本轮所属街道(区)的工作人员可以结项"))
    value = choice(grade, list(Grade.values), field="grade", label=_("评估等级"))
    text = clean_text(summary, field="summary", label=_("结项评估意见"), max_length=TEXT_MAX)
    locked = lock_project(project)
    if locked.status == ProjectStatus.COMPLETED and locked.grade == value:
        return locked
    _require_carried_out(locked, _("结项"))
    return _end(actor, locked, ProjectStatus.COMPLETED, "grants.project_completed", text, value)


@transaction.atomic
def project_terminate(*, actor: Any, project: GrantProject, reason: Any) -> GrantProject:
    """终止 an approved project, with the reason. What was paid stays paid; nothing more is reported or paid."""
    require_run(actor, project.place_path, _("只有本轮所属街道(区)的工作人员可以终止项目"))
    text = clean_text(reason, field="reason", label=_("终止原因"), max_length=NOTE_MAX)
    locked = lock_project(project)
    if locked.status == ProjectStatus.TERMINATED:
        return locked
    _require_carried_out(locked, _("终止"))
    return _end(actor, locked, ProjectStatus.TERMINATED, "grants.project_terminated", text)


def contact_reveal(*, actor: Any, project: GrantProject, reason: Any, request: HttpRequest | None = None) -> str:
    """The contact's full phone number, for someone holding ``reveal`` at the round's node, with a stated reason
    (audited)."""
    if not may_reveal(actor, project.place_path):
        raise Forbidden(_("您的岗位无权查看完整联系电话"))
    text = (str(reason) if reason is not None else "").strip()
    if len(text) < MIN_REASON:
        raise InvalidInput(_("请填写查看原因(至少%(n)d个字)") % {"n": MIN_REASON}, field="reason")
    text = clean_text(text, field="reason", label=_("查看原因"), max_length=NOTE_MAX)
    reveal_budget(actor=actor, request=request)
    audit_record(action="grants.contact_revealed", actor=actor, target=project, request=request, reason=text)
    return national_phone(crypto.decrypt(project.phone_enc))
