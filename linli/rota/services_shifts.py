"""Shifts (值班) and swaps (换班): one function per change, each one transaction with one audit event.

===================  ========================================================================================
change               who, and the rules
===================  ========================================================================================
shift_add            a manager of the desk; today or later; a person who may be on duty there that day, not on
                     duty anywhere that day and not on a compensatory day. The same person on the same day again
                     answers with the shift (a double submit adds one).
shift_reassign       a manager; a planned shift of today or later goes to someone else (the same rules)
shift_remove         a manager; a planned shift of today or later
shift_check_in       the person on the shift, on its day (签到); a rest-day shift then earns a compensatory day to
                     be taken within the desk's window. A second check-in changes nothing.
swap_offer           the person on a planned shift of today or later, to a named colleague who may be on duty that
                     day and is not on duty anywhere that day
swap_accept          the colleague named: the shift becomes theirs
swap_decline         the colleague named
swap_withdraw        the person who offered it
===================  ========================================================================================

"On duty anywhere that day" and "on a compensatory day" are checked under ``core.locks.serialize_on`` on the
person and the day, so two desks cannot both take the same person at once.
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
from linli.core.locks import serialize_on
from linli.core.text import clean_text
from linli.people.models import Person
from linli.rota.days import is_rest_day
from linli.rota.models import ACTIVE_COMP, CompDay, DutyDesk, DutyShift, ShiftStatus, ShiftSwap, SwapStatus
from linli.rota.permissions import is_person, require_manage
from linli.rota.staffing import may_be_on_duty

AHEAD_DAYS = 366  # a shift is planned at most a year ahead
NOTE_MAX = 200


def person_day_lock(person_id: int, day: dt.date) -> None:
    serialize_on("rota-person-day", person_id, day.isoformat())


def check_free(person: Person, day: dt.date, *, field: str, exclude_shift: int | None = None) -> None:
    """Refuse a person already on duty (at any desk) or on a compensatory day on ``day``. Call under
    ``person_day_lock``."""
    busy = DutyShift.objects.filter(person=person, day=day).exclude(pk=exclude_shift or 0).select_related("desk")
    other = busy.first()
    if other is not None:
        raise Conflict(
            _("%(name)s %(day)s 已在“%(desk)s”值班")
            % {"name": person.name, "day": day.isoformat(), "desk": other.desk.name},
            field=field,
        )
    if CompDay.objects.filter(person=person, day=day, status__in=ACTIVE_COMP).exists():
        raise Conflict(_("%(name)s %(day)s 调休") % {"name": person.name, "day": day.isoformat()}, field=field)


def check_assignable(desk: DutyDesk, person: Person, day: dt.date, *, field: str, exclude: int | None = None) -> None:
    if not desk.active:
        raise Conflict(_("“%(desk)s”已停用,不能排班") % {"desk": desk.name}, field="desk_id")
    if not may_be_on_duty(desk, person.pk, day):
        raise InvalidInput(
            _("%(name)s %(day)s 不是“%(desk)s”可以排班的工作人员")
            % {"name": person.name, "day": day.isoformat(), "desk": desk.name},
            field=field,
        )
    person_day_lock(person.pk, day)
    check_free(person, day, field=field, exclude_shift=exclude)


def _check_day(day: dt.date, field: str = "day") -> None:
    today = timezone.localdate()
    if day < today:
        raise InvalidInput(_("只能安排今天及以后的值班"), field=field)
    if day > today + dt.timedelta(days=AHEAD_DAYS):
        raise InvalidInput(_("值班最多提前一年安排"), field=field)


def _times(desk: DutyDesk, starts_at: dt.time | None, ends_at: dt.time | None) -> tuple[dt.time, dt.time]:
    start, end = starts_at or desk.opens_at, ends_at or desk.closes_at
    if start >= end:
        raise InvalidInput(_("结束时间须晚于开始时间"), field="ends_at")
    return start, end


def _lock(shift: DutyShift) -> DutyShift:
    """The shift's row locked alone, then read with its desk and person (never ``select_related`` under a lock)."""
    DutyShift.objects.select_for_update().filter(pk=shift.pk).values_list("pk", flat=True).first()
    return DutyShift.objects.select_related("desk", "person").get(pk=shift.pk)


def _require_planned_ahead(shift: DutyShift, action: str) -> None:
    if shift.status != ShiftStatus.PLANNED:
        raise Conflict(_("该值班已签到,不能%(action)s") % {"action": action}, field="shift_id")
    if shift.day < timezone.localdate():
        raise Conflict(_("该值班日期已过,不能%(action)s") % {"action": action}, field="shift_id")


def _withdraw_offers(shift: DutyShift) -> None:
    ShiftSwap.objects.filter(shift=shift, status=SwapStatus.OFFERED).update(
        status=SwapStatus.WITHDRAWN, decided_at=timezone.now()
    )


def notify_person(person_id: int, *, kind: str, title: str, body: str = "", link: str = "") -> None:
    from linli.accounts.models import User
    from linli.notify.services import notify

    notify(users=User.objects.filter(person_id=person_id, is_active=True), kind=kind, title=title, body=body, link=link)


# ----------------------------------------------------------------------------- shifts


@transaction.atomic
def shift_add(
    *,
    actor: Any,
    desk: DutyDesk,
    person: Person,
    day: dt.date,
    starts_at: dt.time | None = None,
    ends_at: dt.time | None = None,
) -> tuple[DutyShift, bool]:
    """Put ``person`` on duty at ``desk`` on ``day``: ``(shift, created)``."""
    require_manage(actor, desk, _("您的岗位无权为“%(desk)s”排班") % {"desk": desk.name})
    _check_day(day)
    start, end = _times(desk, starts_at, ends_at)
    existing = DutyShift.objects.filter(desk=desk, day=day, person=person).first()
    if existing is not None:
        return existing, False
    check_assignable(desk, person, day, field="person_id")
    try:
        with transaction.atomic():
            shift = DutyShift.objects.create(
                desk=desk,
                place_path=desk.place_path,
                day=day,
                person=person,
                starts_at=start,
                ends_at=end,
                rest_day=is_rest_day(day),
                created_by=actor,
            )
    except IntegrityError:  # the same shift added twice at once
        return DutyShift.objects.get(desk=desk, day=day, person=person), False
    audit_record(
        action="rota.shift_added",
        actor=actor,
        target=shift,
        desk=desk.pk,
        day=day.isoformat(),
        person=person.pk,
        rest_day=shift.rest_day,
    )
    return shift, True


@transaction.atomic
def shift_reassign(*, actor: Any, shift: DutyShift, person: Person) -> DutyShift:
    """Give a planned shift to someone else; the same person again changes nothing."""
    require_manage(actor, shift.desk, _("您的岗位无权为“%(desk)s”排班") % {"desk": shift.desk.name})
    locked = _lock(shift)
    if locked.person_id == person.pk:
        return locked
    _require_planned_ahead(locked, _("换人"))
    check_assignable(locked.desk, person, locked.day, field="person_id", exclude=locked.pk)
    before = locked.person_id
    locked.person = person
    locked.reminded_at = None  # the new person is reminded the day before
    locked.save(update_fields=["person", "reminded_at"])
    _withdraw_offers(locked)
    audit_record(
        action="rota.shift_reassigned",
        actor=actor,
        target=locked,
        day=locked.day.isoformat(),
        before=before,
        after=person.pk,
    )
    return locked


@transaction.atomic
def shift_remove(*, actor: Any, shift: DutyShift) -> None:
    """Take a planned shift of today or later off the rota (its row is deleted; the audit event keeps it)."""
    require_manage(actor, shift.desk, _("您的岗位无权为“%(desk)s”排班") % {"desk": shift.desk.name})
    locked = _lock(shift)
    _require_planned_ahead(locked, _("删除"))
    audit_record(
        action="rota.shift_removed",
        actor=actor,
        target=locked.desk,
        shift=locked.pk,
        day=locked.day.isoformat(),
        person=locked.person_id,
    )
    locked.delete()


@transaction.atomic
def shift_check_in(*, actor: Any, shift: DutyShift) -> DutyShift:
    """签到: the person on the shift, on its day. A rest-day shift earns a compensatory day from now."""
    locked = _lock(shift)
    if not is_person(actor, locked.person_id):
        raise Forbidden(_("只有值班本人可以签到"))
    if locked.status == ShiftStatus.CHECKED_IN:
        return locked
    today = timezone.localdate()
    if locked.day > today:
        raise Conflict(_("还没到值班日(%(day)s),当天才能签到") % {"day": locked.day.isoformat()}, field="shift_id")
    if locked.day < today:
        raise Conflict(_("值班日(%(day)s)已过,不能补签") % {"day": locked.day.isoformat()}, field="shift_id")
    locked.status = ShiftStatus.CHECKED_IN
    locked.checked_in_at = timezone.now()
    if locked.rest_day:
        locked.comp_until = locked.day + dt.timedelta(days=locked.desk.comp_window_days)
    locked.save(update_fields=["status", "checked_in_at", "comp_until"])
    _withdraw_offers(locked)
    audit_record(
        action="rota.shift_checked_in",
        actor=actor,
        target=locked,
        day=locked.day.isoformat(),
        rest_day=locked.rest_day,
        comp_until=locked.comp_until.isoformat() if locked.comp_until else "",
    )
    return locked


# ----------------------------------------------------------------------------- swaps


@transaction.atomic
def swap_offer(*, actor: Any, shift: DutyShift, to_person: Person, note: Any = "") -> tuple[ShiftSwap, bool]:
    """Offer my planned shift to a named colleague: ``(swap, created)``; the same offer again answers with it."""
    locked = _lock(shift)
    if not is_person(actor, locked.person_id):
        raise Forbidden(_("只能把自己的值班换给同事"))
    _require_planned_ahead(locked, _("换班"))
    text = clean_text(note, field="note", label=_("说明"), max_length=NOTE_MAX, required=False)
    open_offer = ShiftSwap.objects.filter(shift=locked, status=SwapStatus.OFFERED).first()
    if open_offer is not None:
        if open_offer.to_person_id == to_person.pk:
            return open_offer, False
        raise Conflict(_("这个班已向其他同事发出换班邀请,请先撤回"), field="to_person_id")
    if to_person.pk == locked.person_id:
        raise InvalidInput(_("请选择另一位同事"), field="to_person_id")
    check_assignable(locked.desk, to_person, locked.day, field="to_person_id", exclude=locked.pk)
    swap = ShiftSwap.objects.create(shift=locked, from_person_id=locked.person_id, to_person=to_person, note=text)
    audit_record(
        action="rota.swap_offered",
        actor=actor,
        target=locked,
        swap=swap.pk,
        day=locked.day.isoformat(),
        to_person=to_person.pk,
    )
    notify_person(
        to_person.pk,
        kind="rota.swap_offered",
        title=_("%(name)s想和您换班:%(day)s %(desk)s")
        % {"name": locked.person.name, "day": locked.day.isoformat(), "desk": locked.desk.name},
        body=text,
        link=reverse("rota:mine"),
    )
    return swap, True


def _lock_swap(swap: ShiftSwap) -> ShiftSwap:
    ShiftSwap.objects.select_for_update().filter(pk=swap.pk).values_list("pk", flat=True).first()
    return ShiftSwap.objects.get(pk=swap.pk)


def _require_offered(swap: ShiftSwap) -> None:
    if swap.status != SwapStatus.OFFERED:
        raise Conflict(_("该换班邀请已是“%(status)s”") % {"status": SwapStatus(swap.status).label}, field="swap_id")


@transaction.atomic
def swap_accept(*, actor: Any, swap: ShiftSwap) -> ShiftSwap:
    """The colleague named takes the shift; accepting twice changes nothing."""
    if not is_person(actor, swap.to_person_id):
        raise Forbidden(_("只有被邀请的同事可以接受换班"))
    locked = _lock_swap(swap)
    if locked.status == SwapStatus.ACCEPTED:
        return locked
    _require_offered(locked)
    shift = _lock(locked.shift)
    if shift.person_id != locked.from_person_id:
        raise Conflict(_("这个班已换人,邀请失效"), field="swap_id")
    _require_planned_ahead(shift, _("换班"))
    to_person = Person.objects.get(pk=locked.to_person_id)
    check_assignable(shift.desk, to_person, shift.day, field="swap_id", exclude=shift.pk)
    shift.person = to_person
    shift.reminded_at = None
    shift.save(update_fields=["person", "reminded_at"])
    locked.status = SwapStatus.ACCEPTED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    audit_record(
        action="rota.swap_accepted",
        actor=actor,
        target=shift,
        swap=locked.pk,
        day=shift.day.isoformat(),
        before=locked.from_person_id,
        after=to_person.pk,
    )
    notify_person(
        locked.from_person_id,
        kind="rota.swap_accepted",
        title=_("%(name)s已接受换班:%(day)s %(desk)s")
        % {"name": to_person.name, "day": shift.day.isoformat(), "desk": shift.desk.name},
        link=reverse("rota:mine"),
    )
    return locked


def _close(actor: Any, swap: ShiftSwap, to: str, *, action: str) -> ShiftSwap:
    locked = _lock_swap(swap)
    if locked.status == to:
        return locked
    _require_offered(locked)
    locked.status = to
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    audit_record(action=action, actor=actor, target=locked.shift, swap=locked.pk)
    return locked


@transaction.atomic
def swap_decline(*, actor: Any, swap: ShiftSwap) -> ShiftSwap:
    if not is_person(actor, swap.to_person_id):
        raise Forbidden(_("只有被邀请的同事可以谢绝换班"))
    return _close(actor, swap, SwapStatus.DECLINED, action="rota.swap_declined")


@transaction.atomic
def swap_withdraw(*, actor: Any, swap: ShiftSwap) -> ShiftSwap:
    if not is_person(actor, swap.from_person_id):
        raise Forbidden(_("只有发出邀请的人可以撤回换班"))
    return _close(actor, swap, SwapStatus.WITHDRAWN, action="rota.swap_withdrawn")
