"""评审与立项: reviewers score applications, the round's staff decide them.

============  ===========================  ==========================================================
from          to                           who, and what it needs
============  ===========================  ==========================================================
submitted     (score)                      ``manage`` or ``lead`` at the round's node; round open or
                                           reviewing; 0–100 and a comment, one per reviewer, changed
                                           freely until the application is decided
submitted     approved 已立项               ``manage``; round reviewing; at least one score; a granted
                                           amount above zero, at most the amount requested, and within
                                           what the round's budget has left
submitted     rejected 不予立项              ``manage``; round open or reviewing; the reason
============  ===========================  ==========================================================

The budget rule holds under concurrency: an approval locks the round's row first (then the project's), reads
what is granted already and adds its amount with ``F()`` in the same transaction, so two managers approving the
last money at the same time are served one after the other and the second is refused (409). The database's check
constraint (granted ≤ budget) backs it. The same decision again (a double submit) writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden
from linli.core.text import clean_text, whole_number
from linli.grants.models import APPROVED_STATES, GrantProject, GrantRound, ProjectStatus, ReviewScore, RoundStatus
from linli.grants.money import check_fen, yuan
from linli.grants.permissions import may_review, require_run
from linli.grants.services import NOTE_MAX, event, lock_project, lock_round, status_label

SCORING_ROUNDS = (RoundStatus.OPEN, RoundStatus.REVIEWING)


def _decided(project: GrantProject) -> Conflict:
    return Conflict(_("该申报已“%(now)s”,不能再评分或改变决定") % {"now": status_label(project.status)}, field="status")


@transaction.atomic
def score_set(*, actor: Any, project: GrantProject, score: Any, comment: Any = "") -> ReviewScore:
    """Give (or change) the actor's score of an application. Saving the same score and comment records nothing."""
    if not may_review(actor, project.place_path):
        raise Forbidden(_("只有本轮的评审人员(街道工作人员和领导)可以评分"))
    value = whole_number(score, field="score", label=_("评分"), low=0, high=100)
    text = clean_text(comment, field="comment", label=_("评审意见"), max_length=NOTE_MAX, required=False)
    locked = lock_project(project)  # a decision and a score do not cross
    if locked.status != ProjectStatus.SUBMITTED:
        raise _decided(locked)
    round_status = GrantRound.objects.filter(pk=locked.round_id).values_list("status", flat=True).get()
    if round_status not in SCORING_ROUNDS:
        raise Conflict(_("资助轮次当前为“%(now)s”,不能评分") % {"now": RoundStatus(round_status).label}, field="score")
    row = ReviewScore.objects.filter(project=locked, reviewer=actor).first()
    if row is not None and (row.score, row.comment) == (value, text):
        return row
    before = row.score if row is not None else None
    if row is None:
        row = ReviewScore.objects.create(project=locked, reviewer=actor, score=value, comment=text)
    else:
        row.score, row.comment = value, text
        row.save(update_fields=["score", "comment", "updated_at"])
    audit_record(action="grants.project_scored", actor=actor, target=locked, score=value, before=before)
    return row


def _decide(actor: Any, project: GrantProject, to: str, action: str, note: str, **extra: Any) -> GrantProject:
    before = project.status
    project.status = to
    project.decided_at = timezone.now()
    project.decided_by = actor
    project.decision_note = note
    for name, value in extra.items():
        setattr(project, name, value)
    project.save(update_fields=["status", "decided_at", "decided_by", "decision_note", *extra])
    event(project, actor, before, to, note)
    audit_record(action=action, actor=actor, target=project, before=before, note=note, **extra)
    return project


@transaction.atomic
def project_approve(*, actor: Any, project: GrantProject, granted_fen: Any, note: Any = "") -> GrantProject:
    """立项 with a granted amount (分). Locks the round (the budget) and then the project."""
    require_run(actor, project.place_path, _("只有本轮所属街道(区)的工作人员可以决定立项"))
    amount = check_fen(granted_fen, field="granted_fen", label=_("立项资助金额"))
    text = clean_text(note, field="note", label=_("立项意见"), max_length=NOTE_MAX, required=False)
    round_ = lock_round(GrantRound(pk=project.round_id))
    locked = lock_project(project)
    if locked.status in APPROVED_STATES and locked.granted_fen == amount:
        return locked  # the same decision again: nothing to do
    if locked.status != ProjectStatus.SUBMITTED:
        raise _decided(locked)
    if round_.status != RoundStatus.REVIEWING:
        raise Conflict(
            _("资助轮次当前为“%(now)s”,立项须在评审中进行") % {"now": RoundStatus(round_.status).label},
            field="status",
        )
    if not ReviewScore.objects.filter(project=locked).exists():
        raise Conflict(_("该申报尚无评审评分,不能立项"), field="score")
    if amount > locked.requested_fen:
        raise Conflict(
            _("立项资助金额不能超过申请金额 %(requested)s 元") % {"requested": yuan(locked.requested_fen)},
            field="granted_fen",
        )
    left = round_.budget_fen - round_.granted_fen
    if amount > left:
        raise Conflict(
            _("本轮预算还剩 %(left)s 元,不足以立项资助 %(amount)s 元") % {"left": yuan(left), "amount": yuan(amount)},
            field="granted_fen",
        )
    GrantRound.objects.filter(pk=round_.pk).update(granted_fen=F("granted_fen") + amount, updated_at=timezone.now())
    return _decide(actor, locked, ProjectStatus.APPROVED, "grants.project_approved", text, granted_fen=amount)


@transaction.atomic
def project_reject(*, actor: Any, project: GrantProject, reason: Any) -> GrantProject:
    """不予立项, with the reason (told to the organisation)."""
    require_run(actor, project.place_path, _("只有本轮所属街道(区)的工作人员可以决定立项"))
    text = clean_text(reason, field="reason", label=_("不予立项理由"), max_length=NOTE_MAX)
    locked = lock_project(project)
    if locked.status == ProjectStatus.REJECTED:
        return locked
    if locked.status != ProjectStatus.SUBMITTED:
        raise _decided(locked)
    round_status = GrantRound.objects.filter(pk=locked.round_id).values_list("status", flat=True).get()
    if round_status not in SCORING_ROUNDS:
        raise Conflict(
            _("资助轮次当前为“%(now)s”,不能再作决定") % {"now": RoundStatus(round_status).label}, field="status"
        )
    return _decide(actor, locked, ProjectStatus.REJECTED, "grants.project_rejected", text)
