"""Compensatory days (调休): one workday off for each checked-in rest-day shift.

============  ====================================================================================================
change        who, and the rules
============  ====================================================================================================
comp_request  the person who was on duty; the shift checked in on a rest day and not yet used; the day a WORKDAY
              by the official calendar, after the shift, not before today and no later than the shift's deadline
              (``comp_until``: the shift's day plus the desk's window when it was checked in); not a day the person
              is on duty or already off. One active (pending or approved) request per shift: two requests for the
              same shift at once — one wins, the other is a 409 (the shift's row is locked, and a partial unique
              constraint backs it). A retry under the same idempotency key answers with the first.
comp_approve  ``lead`` or ``manage`` at the desk's place, never the requester; a pending request
comp_reject   the same, with the reason; the shift's day may be requested again within its deadline
comp_cancel   the requester, before the day; a pending or approved request; the shift may be requested again
============  ====================================================================================================
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text
from linli.rota.days import is_rest_day
from linli.rota.models import ACTIVE_COMP, CompDay, CompStatus, DutyShift, ShiftStatus
from linli.rota.permissions import is_person, may_approve
from linli.rota.services_shifts import check_free, notify_person, person_day_lock

NOTE_MAX = 200


def _lock_shift(shift: DutyShift) -> DutyShift:
    DutyShift.objects.select_for_update().filter(pk=shift.pk).values_list("pk", flat=True).first()
    return DutyShift.objects.select_related("desk", "person").get(pk=shift.pk)


def _check_day(shift: DutyShift, day: dt.date) -> None:
    today = timezone.localdate()
    if day <= shift.day:
        raise InvalidInput(_("调休日期须在值班日(%(day)s)之后") % {"day": shift.day.isoformat()}, field="day")
    if day < today:
        raise InvalidInput(_("调休日期不能早于今天"), field="day")
    if shift.comp_until is not None and day > shift.comp_until:
        raise InvalidInput(
            _("调休须在 %(until)s 前休完(值班后 %(n)d 天内)")
            % {"until": shift.comp_until.isoformat(), "n": (shift.comp_until - shift.day).days},
            field="day",
        )
    if is_rest_day(day):
        raise InvalidInput(_("%(day)s 是休息日,调休请选择工作日") % {"day": day.isoformat()}, field="day")


@transaction.atomic
def comp_request(
    *, actor: Any, shift: DutyShift, day: dt.date, note: Any = "", idempotency_key: str = ""
) -> tuple[CompDay, bool]:
    """Ask for ``day`` off against ``shift``: ``(comp day, created)``."""
    if not is_person(actor, shift.person_id):
        raise Forbidden(_("只能为自己的值班申请调休"))
    key = clean_key(idempotency_key)
    text = clean_text(note, field="note", label=_("说明"), max_length=NOTE_MAX, required=False)

    def create() -> CompDay:
        locked = _lock_shift(shift)
        if locked.person_id != shift.person_id:
            raise Forbidden(_("只能为自己的值班申请调休"))
        if locked.status != ShiftStatus.CHECKED_IN or not locked.rest_day:
            raise Conflict(_("只有已签到的休息日值班才能换调休"), field="shift_id")
        taken = CompDay.objects.filter(shift=locked, status__in=ACTIVE_COMP).first()
        if taken is not None:
            raise Conflict(
                _("这次值班已申请调休(%(day)s,%(status)s)")
                % {"day": taken.day.isoformat(), "status": CompStatus(taken.status).label},
                field="shift_id",
            )
        _check_day(locked, day)
        person_day_lock(locked.person_id, day)
        check_free(locked.person, day, field="day")
        return CompDay.objects.create(
            shift=locked,
            desk=locked.desk,
            place_path=locked.place_path,
            person_id=locked.person_id,
            day=day,
            note=text,
            created_by=actor,
            idempotency_key=key,
        )

    try:
        comp, created = create_once(
            earlier=CompDay.objects.filter(created_by=actor),
            key=key,
            create=create,
            same=lambda e: e.shift_id == shift.pk and e.day == day,
            refusal=lambda e: _("这个 Idempotency-Key 已用于另一项调休申请(%(day)s)") % {"day": e.day.isoformat()},
        )
    except (IntegrityError, CompDay.DoesNotExist):  # the other request for the shift won
        raise Conflict(_("这次值班已申请调休"), field="shift_id") from None
    if created:
        audit_record(action="rota.comp_requested", actor=actor, target=comp, shift=shift.pk, day=day.isoformat())
        _notify_approvers(comp)
    return comp, created


def _notify_approvers(comp: CompDay) -> None:
    """The desk's leads (the secretary) hear of a new request; the queue is on their page."""
    from linli.accounts.models import User
    from linli.notify.services import notify
    from linli.people.models import Position
    from linli.people.positions import POSITION_KINDS

    today = timezone.localdate()
    kinds = [code for code, kind in POSITION_KINDS.items() if "lead" in kind.capabilities and kind.role == "staff"]
    people = (
        Position.objects.filter(kind__in=kinds, place_path=comp.place_path, start_date__lte=today)
        .exclude(end_date__lt=today)
        .exclude(person_id=comp.person_id)
        .values("person_id")
    )
    notify(
        users=User.objects.filter(person_id__in=people, is_active=True),
        kind="rota.comp_requested",
        title=_("调休申请待审批:%(name)s %(day)s") % {"name": comp.person.name, "day": comp.day.isoformat()},
        link=reverse("rota:approvals"),
    )


def _lock_comp(comp: CompDay) -> CompDay:
    CompDay.objects.select_for_update().filter(pk=comp.pk).values_list("pk", flat=True).first()
    return CompDay.objects.select_related("desk", "person", "shift").get(pk=comp.pk)


def _decide(*, actor: Any, comp: CompDay, to: str, note: str, action: str) -> CompDay:
    if not may_approve(actor, comp.desk):
        raise Forbidden(_("您的岗位无权审批“%(desk)s”的调休") % {"desk": comp.desk.name})
    if is_person(actor, comp.person_id):
        raise Forbidden(_("不能审批自己的调休申请"))
    locked = _lock_comp(comp)
    if locked.status == to:
        return locked
    if locked.status != CompStatus.PENDING:
        raise Conflict(_("该调休申请已是“%(status)s”") % {"status": CompStatus(locked.status).label}, field="status")
    locked.status = to
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(action=action, actor=actor, target=locked, day=locked.day.isoformat(), note=note)
    title = _("调休%(status)s:%(day)s") % {"status": CompStatus(to).label, "day": locked.day.isoformat()}
    notify_person(locked.person_id, kind=action, title=title, body=note, link=reverse("rota:mine"))
    return locked


@transaction.atomic
def comp_approve(*, actor: Any, comp: CompDay, note: Any = "") -> CompDay:
    text = clean_text(note, field="note", label=_("审批意见"), max_length=NOTE_MAX, required=False)
    return _decide(actor=actor, comp=comp, to=CompStatus.APPROVED, note=text, action="rota.comp_approved")


@transaction.atomic
def comp_reject(*, actor: Any, comp: CompDay, reason: Any) -> CompDay:
    text = clean_text(reason, field="reason", label=_("不批准的理由"), max_length=NOTE_MAX)
    return _decide(actor=actor, comp=comp, to=CompStatus.REJECTED, note=text, action="rota.comp_rejected")


@transaction.atomic
def comp_cancel(*, actor: Any, comp: CompDay) -> CompDay:
    """The requester withdraws a pending or approved day off, before that day."""
    if not is_person(actor, comp.person_id):
        raise Forbidden(_("只能撤销自己的调休申请"))
    locked = _lock_comp(comp)
    if locked.status == CompStatus.CANCELLED:
        return locked
    if locked.status not in ACTIVE_COMP:
        raise Conflict(_("该调休申请已是“%(status)s”") % {"status": CompStatus(locked.status).label}, field="status")
    if locked.day <= timezone.localdate():
        raise Conflict(_("调休当天及之后不能撤销"), field="status")
    locked.status = CompStatus.CANCELLED
    locked.save(update_fields=["status"])
    audit_record(action="rota.comp_cancelled", actor=actor, target=locked, day=locked.day.isoformat())
    return locked
