"""The day-before reminder: each person on duty tomorrow gets an inbox message, once per shift.

Run hourly by the Huey worker (``rota.tasks.rota_reminders_hourly``); ``reminded_at`` is claimed row by row with a
conditional UPDATE, so however often the task runs — or if two workers run it at once — a shift reminds once. A
shift that changes hands (reassigned, swapped) has ``reminded_at`` cleared, so its new person is reminded too.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from linli.rota.models import DutyShift, ShiftStatus

log = logging.getLogger("linli.rota")
BATCH = 1000


@dataclass
class ReminderResult:
    reminded: int = 0


def remind_tomorrow(*, now: dt.datetime | None = None) -> ReminderResult:
    from linli.accounts.models import User
    from linli.notify.services import notify

    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    due = DutyShift.objects.filter(
        day=tomorrow, status=ShiftStatus.PLANNED, reminded_at__isnull=True, desk__active=True
    ).select_related("desk", "person")
    shifts = list(due.order_by("id")[:BATCH])
    users: dict[int, list[User]] = {}
    for user in User.objects.filter(person_id__in={s.person_id for s in shifts}, is_active=True):
        users.setdefault(user.person_id or 0, []).append(user)
    result = ReminderResult()
    for shift in shifts:
        with transaction.atomic():
            claimed = DutyShift.objects.filter(pk=shift.pk, reminded_at__isnull=True, person_id=shift.person_id).update(
                reminded_at=now
            )
            if claimed != 1:
                continue
            hours = f"{time_format(shift.starts_at, 'H:i')}–{time_format(shift.ends_at, 'H:i')}"
            notify(
                users=users.get(shift.person_id, []),
                kind="rota.shift_tomorrow",
                title=_("明天(%(day)s)您在%(desk)s值班") % {"day": shift.day.isoformat(), "desk": shift.desk.name},
                body=_("时间 %(hours)s,地点:%(location)s。到岗后请在“我的值班”签到。")
                % {"hours": hours, "location": shift.desk.location},
                link=reverse("rota:mine"),
            )
        result.reminded += 1
    if result.reminded:
        log.info("rota: %s people reminded of tomorrow's duty", result.reminded)
    return result
