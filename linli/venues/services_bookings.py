"""Bookings: request a venue, and the changes of state that follow.

============  ===========================  ==========================================================
from          to                           who, and what it needs
============  ===========================  ==========================================================
(none)        pending 待审核                anyone who may book the venue, within its hours and rules;
              approved 已通过               at once when the venue needs no approval
pending       approved 已通过               the venue's managers, before the start
pending       rejected 未通过               the venue's managers, with the reason
pending,      cancelled 已取消              the booker, before the start; the venue's managers with a
approved                                   reason, before the end (the booker is told)
approved      no_show 未到场                the venue's managers, once the booking has ended
============  ===========================  ==========================================================

**No double booking.** A request locks the venue's row (``select_for_update``, the row alone) and, inside the
lock, checks its time against the venue's pending and approved bookings, so two people asking for overlapping
times at the same moment are served one after the other and the second is told which time is taken. Behind
the check, each pending or approved booking holds its half hours as ``BookingSlot`` rows under a unique
constraint on (venue, start): the database refuses an overlap whatever wrote it. Rejecting or cancelling
releases them. Touching bookings (10:00–11:00, then 11:00–12:00) share no half hour.

Each function is one transaction with one ``BookingEvent`` and one audit event; the booker's inbox message (and
an SMS when staff cancel) is written in the same transaction, so a rolled-back change tells nobody. A request
retried under its idempotency key answers with the first booking; a change repeated on a booking that already
has it answers with the booking and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.idempotency import clean_key, create_once
from linli.core.scoping import NOT_FOUND_MESSAGE
from linli.core.text import clean_text, whole_number
from linli.venues.models import (
    HOLDING,
    SLOT_UNIT_MINUTES,
    Booking,
    BookingEvent,
    BookingSlot,
    BookingStatus,
    Purpose,
    Venue,
    VenueStatus,
)
from linli.venues.opening import day_kinds, hm, opening_on, require_hm, weekly_windows
from linli.venues.permissions import may_book, may_manage_venue

TITLE_MAX = 60
ORGANISER_MAX = 60
REASON_MAX = 200


@dataclass(frozen=True)
class BookingInput:
    """What the booking form or the API sends; checked by ``booking_request``."""

    day: dt.date | None
    start: Any  # "HH:MM"
    end: Any
    purpose: Any
    title: Any
    attendees: Any
    public: bool = False
    organiser: Any = ""


def moment(day: dt.date, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone()) + dt.timedelta(minutes=minute)


def when(booking: Booking) -> str:
    """``2026-05-16 10:00–11:00``: the day and times as the booker chose them."""
    start = timezone.localtime(booking.starts_at)
    length = booking.minutes
    first = start.hour * 60 + start.minute
    return f"{booking.day.isoformat()} {hm(first)}–{hm(first + length)}"


# ----------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class _Checked:
    day: dt.date
    start: int
    end: int
    purpose: str
    title: str
    attendees: int
    public: bool
    organiser: str


def _check(venue: Venue, data: BookingInput, now: dt.datetime) -> _Checked:
    """The venue's rules, in the order a person fills the form; each refusal names its field."""
    if venue.status != VenueStatus.ACTIVE:
        raise Conflict(_("“%(name)s”暂停开放,不接受预约") % {"name": venue.name}, field="venue_id")
    title = clean_text(data.title, field="title", label=_("活动名称"), max_length=TITLE_MAX)
    purpose = str(data.purpose or "").strip()
    if purpose not in Purpose.values:
        raise InvalidInput(_("请选择活动类别"), field="purpose")
    if purpose not in venue.purpose_list:
        raise InvalidInput(
            _("该场地不接受“%(purpose)s”类活动,可选:%(allowed)s")
            % {"purpose": Purpose(purpose).label, "allowed": "、".join(venue.purpose_labels)},
            field="purpose",
        )
    attendees = whole_number(data.attendees, field="attendees", label=_("预计人数"), low=1, high=30000)
    if attendees > venue.capacity:
        raise InvalidInput(
            _("预计人数 %(n)d 人超过场地容纳人数(最多 %(cap)d 人)") % {"n": attendees, "cap": venue.capacity},
            field="attendees",
        )
    organiser = clean_text(
        data.organiser, field="organiser", label=_("申请单位"), max_length=ORGANISER_MAX, required=False
    )
    day = data.day
    if day is None:
        raise InvalidInput(_("请选择日期"), field="day")
    today = timezone.localdate(now)
    if day < today:
        raise InvalidInput(_("不能预约已过去的日期"), field="day")
    last = today + dt.timedelta(days=venue.days_ahead)
    if day > last:
        raise InvalidInput(
            _("该场地最多提前 %(n)d 天预约,最晚可约 %(last)s") % {"n": venue.days_ahead, "last": last.isoformat()},
            field="day",
        )
    opening = opening_on(day, day_kinds(day, day), weekly_windows(venue.weekly_hours), venue.open_on_holidays)
    if opening.window is None:
        raise InvalidInput(f"{day.isoformat()} {opening.closed_reason}", field="day")
    window = opening.window
    start = require_hm(data.start, field="start", label=_("开始时间"))
    end = require_hm(data.end, field="end", label=_("结束时间"))
    if end <= start:
        raise InvalidInput(_("结束时间须晚于开始时间"), field="end")
    if start < window.opens or end > window.closes:
        raise InvalidInput(
            _("当天开放时间为 %(window)s,所选时间超出开放时间") % {"window": window.label},
            field="start" if start < window.opens or start >= window.closes else "end",
        )
    slot = venue.slot_minutes
    if (start - window.opens) % slot:
        raise InvalidInput(
            _("请按 %(n)d 分钟为单位选择开始时间(从 %(opens)s 起)") % {"n": slot, "opens": hm(window.opens)},
            field="start",
        )
    if (end - start) % slot and end != window.closes:
        raise InvalidInput(_("请按 %(n)d 分钟为单位选择时长") % {"n": slot}, field="end")
    if end - start > venue.max_hours * 60:
        raise InvalidInput(_("该场地每次最长预约 %(n)d 小时") % {"n": venue.max_hours}, field="end")
    if moment(day, start) <= now:
        raise InvalidInput(_("开始时间已过,请选择稍后的时间"), field="start")
    return _Checked(day, start, end, purpose, title, attendees, bool(data.public), organiser)


def _taken(venue: Venue, day: dt.date, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
    rows = Booking.objects.filter(
        venue=venue, day=day, status__in=HOLDING, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")
    return list(rows.values_list("starts_at", "minutes"))


def _taken_message(rows: list[tuple[dt.datetime, int]]) -> Conflict:
    times = []
    for starts_at, length in rows:
        local = timezone.localtime(starts_at)
        first = local.hour * 60 + local.minute
        times.append(f"{hm(first)}–{hm(first + length)}")
    detail = "、".join(times) if times else _("所选时段")
    return Conflict(_("所选时间与已有预约冲突:%(times)s 已被预约,请选择其他时间") % {"times": detail}, field="start")


def _hold(booking: Booking) -> None:
    """The booking's half hours, under the unique (venue, start) constraint."""
    step = dt.timedelta(minutes=SLOT_UNIT_MINUTES)
    slots, at = [], booking.starts_at
    while at < booking.ends_at:
        slots.append(BookingSlot(venue_id=booking.venue_id, starts_at=at, booking=booking))
        at += step
    BookingSlot.objects.bulk_create(slots)


def _release(booking: Booking) -> None:
    BookingSlot.objects.filter(booking=booking).delete()


def _event(booking: Booking, actor: Any, before: str, after: str, note: str = "") -> None:
    BookingEvent.objects.create(booking=booking, actor=actor, from_status=before, to_status=after, note=note[:200])


@transaction.atomic
def booking_request(*, actor: Any, venue: Venue, data: BookingInput, idempotency_key: str = "") -> tuple[Booking, bool]:
    """Ask for ``venue`` on a day from a start to an end: ``(booking, created)``. Approved at once when the venue
    needs no approval, else pending. Refused (422, naming the field) outside its hours and rules; refused (409)
    when the time overlaps a pending or approved booking (naming it) or the person already holds the venue's
    limit of bookings not yet begun."""
    if not may_book(actor, venue):
        raise NotFound(_(NOT_FOUND_MESSAGE))
    key = clean_key(idempotency_key)
    # The venue's row alone, locked: everyone asking for this venue now waits here, and then sees what the
    # one before them booked. (No select_related: a nullable join must not be locked on PostgreSQL.)
    locked = Venue.objects.select_for_update().get(pk=venue.pk)
    now = timezone.now()

    def create() -> Booking:
        c = _check(locked, data, now)
        held = Booking.objects.filter(venue=locked, booker=actor, status__in=HOLDING, starts_at__gt=now).count()
        if held >= locked.max_per_person:
            raise Conflict(
                _("您在“%(name)s”已有 %(n)d 个未开始的预约,每人最多 %(max)d 个;请使用或取消后再约")
                % {"name": locked.name, "n": held, "max": locked.max_per_person}
            )
        start, end = moment(c.day, c.start), moment(c.day, c.end)
        taken = _taken(locked, c.day, start, end)
        if taken:
            raise _taken_message(taken)
        approved = not locked.requires_approval
        booking = Booking.objects.create(
            venue=locked,
            place_path=locked.place_path,
            booker=actor,
            organiser=c.organiser,
            purpose=c.purpose,
            title=c.title,
            attendees=c.attendees,
            public=c.public,
            day=c.day,
            starts_at=start,
            ends_at=end,
            minutes=c.end - c.start,
            status=BookingStatus.APPROVED if approved else BookingStatus.PENDING,
            decided_at=now if approved else None,
            idempotency_key=key,
        )
        try:
            with transaction.atomic():
                _hold(booking)
        except IntegrityError:  # the guard behind the check: a row the lock did not see (never by our services)
            raise _taken_message(_taken(locked, c.day, start, end)) from None
        _event(booking, actor, "", booking.status, _("无需审核,自动确认") if approved else "")
        return booking

    booking, created = create_once(
        earlier=Booking.objects.filter(booker=actor),
        key=key,
        create=create,
        same=lambda e: e.venue_id == locked.pk and e.day == data.day,
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一个预约“%(title)s”") % {"title": e.title},
    )
    if created:
        audit_record(
            action="venues.booking_requested",
            actor=actor,
            target=booking,
            venue=locked.pk,
            day=booking.day.isoformat(),
            status=booking.status,
        )
        if booking.status == BookingStatus.PENDING:
            _tell_managers(locked, booking)
    return booking, created


# ----------------------------------------------------------------------------- notifications


def _tell(booking: Booking, *, kind: str, title: str, body: str, sms: str = "") -> None:
    from linli.accounts.models import User
    from linli.notify.services import notify

    link = reverse("venues:booking", args=[booking.pk])
    users = User.objects.filter(pk=booking.booker_id, is_active=True)
    notify(users=users, kind=kind, title=title, body=body, link=link, sms_text=sms)


def _tell_managers(venue: Venue, booking: Booking) -> None:
    """A new request waiting for approval: the staff holding ``manage`` at the venue's community (or at the venue's
    place, for a street's own venue) and the owning organisation's liaison."""
    from linli.accounts.models import User
    from linli.notify.services import notify
    from linli.people.positions import POSITION_KINDS

    today = timezone.localdate()
    path = venue.place_path[:12] if len(venue.place_path) >= 12 else venue.place_path
    kinds = [code for code, kind in POSITION_KINDS.items() if "manage" in kind.capabilities]
    current = Q(person__positions__end_date__isnull=True) | Q(person__positions__end_date__gte=today)
    at_place = Q(person__positions__kind__in=kinds, person__positions__place__path=path)
    condition = at_place
    if venue.organisation_id:
        condition |= Q(
            person__positions__kind="department_liaison", person__positions__organisation_id=venue.organisation_id
        )
    started = Q(person__positions__start_date__lte=today)
    users = User.objects.filter(condition, current, started, is_active=True).distinct()
    notify(
        users=users,
        kind="venues.booking_pending",
        title=_("新的场地预约待审核:%(venue)s %(when)s") % {"venue": venue.name, "when": when(booking)},
        body=booking.title,
        link=reverse("venues:booking", args=[booking.pk]),
    )


# ----------------------------------------------------------------------------- changes of state


def _manage_venue(actor: Any, booking: Booking, message: str) -> Venue:
    venue = Venue.objects.get(pk=booking.venue_id)
    if not may_manage_venue(actor, venue):
        raise Forbidden(message)
    return venue


def _lock(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().get(pk=booking.pk)


def _refuse(locked: Booking, to: str) -> Conflict:
    return Conflict(
        _("该预约已“%(now)s”,不能再“%(to)s”")
        % {"now": BookingStatus(locked.status).label, "to": BookingStatus(to).label},
        field="status",
    )


def _change(actor: Any, locked: Booking, to: str, action: str, *, reason: str = "", **audit: Any) -> Booking:
    before = locked.status
    locked.status = to
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    if reason:
        locked.reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    if to not in HOLDING and to != BookingStatus.NO_SHOW:
        _release(locked)
    _event(locked, actor, before, to, reason)
    audit_record(action=action, actor=actor, target=locked, before=before, reason=reason, **audit)
    return locked


@transaction.atomic
def booking_approve(*, actor: Any, booking: Booking) -> Booking:
    venue = _manage_venue(actor, booking, _("只有场地管理人员可以审核预约"))
    locked = _lock(booking)
    if locked.status == BookingStatus.APPROVED:
        return locked
    if locked.status != BookingStatus.PENDING:
        raise _refuse(locked, BookingStatus.APPROVED)
    if locked.starts_at <= timezone.now():
        raise Conflict(_("预约时间已过,不能再通过"), field="status")
    _change(actor, locked, BookingStatus.APPROVED, "venues.booking_approved")
    _tell(
        locked,
        kind="venues.booking_approved",
        title=_("场地预约已通过:%(venue)s %(when)s") % {"venue": venue.name, "when": when(locked)},
        body=_("请按时使用,如不能前往请提前取消。地址:%(address)s") % {"address": venue.address or venue.name},
    )
    return locked


@transaction.atomic
def booking_reject(*, actor: Any, booking: Booking, reason: Any) -> Booking:
    venue = _manage_venue(actor, booking, _("只有场地管理人员可以审核预约"))
    text = clean_text(reason, field="reason", label=_("不通过的理由"), max_length=REASON_MAX)
    locked = _lock(booking)
    if locked.status == BookingStatus.REJECTED:
        return locked
    if locked.status != BookingStatus.PENDING:
        raise _refuse(locked, BookingStatus.REJECTED)
    _change(actor, locked, BookingStatus.REJECTED, "venues.booking_rejected", reason=text)
    _tell(
        locked,
        kind="venues.booking_rejected",
        title=_("场地预约未通过:%(venue)s %(when)s") % {"venue": venue.name, "when": when(locked)},
        body=_("理由:%(reason)s") % {"reason": text},
    )
    return locked


@transaction.atomic
def booking_cancel(*, actor: Any, booking: Booking, reason: Any = "") -> Booking:
    """The booker cancels before the start (a reason is optional); the venue's managers cancel before the end
    with a reason, and the booker is told in the inbox and by SMS."""
    locked = _lock(booking)
    if locked.status == BookingStatus.CANCELLED:
        return locked
    now = timezone.now()
    own = locked.booker_id == getattr(actor, "pk", None)
    if own and locked.starts_at > now:
        text = clean_text(reason, field="reason", label=_("取消原因"), max_length=REASON_MAX, required=False)
        if locked.status not in HOLDING:
            raise _refuse(locked, BookingStatus.CANCELLED)
        return _change(actor, locked, BookingStatus.CANCELLED, "venues.booking_cancelled", reason=text, by="booker")
    venue = Venue.objects.get(pk=locked.venue_id)
    if not may_manage_venue(actor, venue):
        if own:
            raise Conflict(_("预约已开始,不能取消"), field="status")
        raise Forbidden(_("只能取消自己的预约"))
    text = clean_text(reason, field="reason", label=_("取消原因"), max_length=REASON_MAX)
    if locked.status not in HOLDING:
        raise _refuse(locked, BookingStatus.CANCELLED)
    if locked.ends_at <= now:
        raise Conflict(_("预约已结束,不能取消"), field="status")
    _change(actor, locked, BookingStatus.CANCELLED, "venues.booking_cancelled", reason=text, by="staff")
    title = _("场地预约已被取消:%(venue)s %(when)s") % {"venue": venue.name, "when": when(locked)}
    _tell(
        locked,
        kind="venues.booking_cancelled",
        title=title,
        body=_("原因:%(reason)s。如有疑问请致电 %(phone)s") % {"reason": text, "phone": venue.contact_phone or "-"},
        sms=_("【邻里】%(title)s。原因:%(reason)s") % {"title": title, "reason": text},
    )
    return locked


@transaction.atomic
def booking_no_show(*, actor: Any, booking: Booking) -> Booking:
    """未到场: an approved booking nobody came to, recorded by the venue's managers once it has ended."""
    _manage_venue(actor, booking, _("只有场地管理人员可以登记未到场"))
    locked = _lock(booking)
    if locked.status == BookingStatus.NO_SHOW:
        return locked
    if locked.status != BookingStatus.APPROVED:
        raise _refuse(locked, BookingStatus.NO_SHOW)
    if locked.ends_at > timezone.now():
        raise Conflict(_("预约结束后才能登记未到场"), field="status")
    return _change(actor, locked, BookingStatus.NO_SHOW, "venues.booking_no_show")


EXPIRY_BATCH = 500


def expire_unanswered(*, now: dt.datetime | None = None) -> int:
    """A request still waiting for approval when its time begins lapses (逾期未审核): its half hours are freed, the
    booker is told in the inbox, and the figures count it against the venue's managers. Row by row under the
    booking's lock, so a manager approving at the same moment either wins (the booking is approved) or is refused
    as for any decided booking; run by the Huey worker every quarter hour (``venues.tasks``)."""
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(status=BookingStatus.PENDING, starts_at__lte=now)
        .order_by("starts_at", "id")
        .values_list("pk", flat=True)[:EXPIRY_BATCH]
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            locked = Booking.objects.select_for_update().filter(pk=pk, status=BookingStatus.PENDING).first()
            if locked is None:
                continue
            reason = _("开始前未获审核")
            _change(None, locked, BookingStatus.EXPIRED, "venues.booking_expired", reason=reason)
            venue = Venue.objects.get(pk=locked.venue_id)
            _tell(
                locked,
                kind="venues.booking_expired",
                title=_("场地预约未获审核,已失效:%(venue)s %(when)s") % {"venue": venue.name, "when": when(locked)},
                body=_("管理人员未在开始前审核这次预约,时段已释放。如仍需使用,请重新预约或致电 %(phone)s")
                % {"phone": venue.contact_phone or "-"},
            )
        expired += 1
    return expired
