"""The day-before reminder, and the release of half hours gone by.

Run hourly in the daytime by the Huey worker (``venues.tasks.venues_reminders_hourly``). Each approved booking of
tomorrow reminds its booker once (inbox and SMS): ``reminded_at`` is claimed row by row with a conditional UPDATE,
so however often the task runs — or if two workers run it at once — a booking reminds once. A booking approved
late in the day is reminded at the next run.

The ``BookingSlot`` rows that guard against double booking matter only for time still to come (no booking can
start in the past), so those more than two days old are deleted: the guard table stays the size of the booking
window, not of the history.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.venues.models import Booking, BookingSlot, BookingStatus
from linli.venues.services_bookings import when

log = logging.getLogger("linli.venues")
BATCH = 1000
SLOTS_KEPT = dt.timedelta(days=2)


@dataclass
class ReminderResult:
    reminded: int = 0
    slots_released: int = 0


def remind_tomorrow(*, now: dt.datetime | None = None) -> ReminderResult:
    from linli.accounts.models import User
    from linli.notify.services import notify

    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    due = list(
        Booking.objects.filter(day=tomorrow, status=BookingStatus.APPROVED, reminded_at__isnull=True)
        .select_related("venue")
        .order_by("starts_at", "id")[:BATCH]
    )
    users: dict[int, list[User]] = {}
    for user in User.objects.filter(pk__in={b.booker_id for b in due}, is_active=True):
        users.setdefault(user.pk, []).append(user)
    result = ReminderResult()
    for booking in due:
        with transaction.atomic():
            claimed = Booking.objects.filter(
                pk=booking.pk, reminded_at__isnull=True, status=BookingStatus.APPROVED
            ).update(reminded_at=now)
            if claimed != 1:
                continue
            venue = booking.venue
            title = _("明天在%(venue)s:%(title)s") % {"venue": venue.name, "title": booking.title}
            notify(
                users=users.get(booking.booker_id, []),
                kind="venues.booking_tomorrow",
                title=title,
                body=_("时间 %(when)s,地址:%(address)s。不能前往请提前取消。")
                % {"when": when(booking), "address": venue.address or venue.name},
                link=reverse("venues:booking", args=[booking.pk]),
                sms_text=_("【邻里】场地预约提醒:%(when)s 在%(venue)s(%(title)s)。不能前往请提前取消。")
                % {"when": when(booking), "venue": venue.name, "title": booking.title},
            )
        result.reminded += 1
    result.slots_released = release_past_slots(now=now)
    if result.reminded:
        log.info("venues: %s bookers reminded of tomorrow's booking", result.reminded)
    return result


def release_past_slots(*, now: dt.datetime | None = None) -> int:
    """Delete the guard rows of half hours that began more than two days ago."""
    now = now or timezone.now()
    deleted, _rows = BookingSlot.objects.filter(starts_at__lt=now - SLOTS_KEPT).delete()
    return deleted
