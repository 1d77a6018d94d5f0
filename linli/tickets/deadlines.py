"""How a request's deadline reads to people: "还剩 X 天" / "已超期 X 天", and the calendar warning
when the deadline was counted weekends-only because a year's holidays are not published yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

DAY = 86400
HOUR = 3600


ONE_HOUR = dt.timedelta(seconds=HOUR)


def _span(delta: dt.timedelta) -> dict[str, int]:
    seconds = delta // dt.timedelta(seconds=1)
    return {"days": seconds // DAY, "hours": seconds // HOUR}


def due_text(ticket: Any, *, now: dt.datetime | None = None) -> str:
    """“还剩 3 天” / “已超期 2 天”; under a day in hours; empty once the request is no longer open.

    Counted in whole hours from the deadline, so the text changes only on the hour marks
    ``resolve_due ± k hours`` (``text_stable_until``); overdue from the instant after the deadline,
    as ``Ticket.is_overdue``."""
    if not ticket.is_open or ticket.resolve_due is None:
        return ""
    if ticket.paused_at is not None:
        return _("等待居民补充材料,计时暂停")
    now = now or timezone.now()
    if ticket.resolve_due >= now:
        span = _span(ticket.resolve_due - now)
        if span["days"]:
            return _("还剩 %(days)d 天") % span
        return _("还剩 %(hours)d 小时") % span if span["hours"] else _("不到 1 小时到期")
    span = _span(now - ticket.resolve_due)
    if span["days"]:
        return _("已超期 %(days)d 天") % span
    return _("已超期 %(hours)d 小时") % span if span["hours"] else _("刚刚超期")


def text_stable_until(ticket: Any, *, now: dt.datetime) -> dt.datetime | None:
    """The first instant after ``now`` at which the request's deadline text or overdue flag may read
    differently, or None when they will not change by themselves (closed, paused, no deadline).

    Both change only at the hour marks ``resolve_due + k hours``; on a mark itself the text belongs
    to one side and the next microsecond to the other, so a mark reached exactly is ``now``."""
    if not ticket.is_open or ticket.resolve_due is None or ticket.paused_at is not None:
        return None
    marks, rest = divmod(now - ticket.resolve_due, ONE_HOUR)
    if not rest:
        return now
    return ticket.resolve_due + (marks + 1) * ONE_HOUR


def deadline_warning(ticket: Any) -> str | None:
    """The workdays calendar warning for the span from submission to the current deadline, if any."""
    from linli.workdays.services import calendar_warning

    if ticket.resolve_due is None or ticket.submitted_at is None:
        return None
    return calendar_warning(ticket.submitted_at, ticket.resolve_due)


def resume_deadline(
    *, resolve_due: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime
) -> tuple[dt.datetime, int]:
    """The resolution deadline after a pause for the resident's information, and the working days added.

    Deadlines are counted in working days, so the pause is too: the deadline moves by the working
    days after the day the pause began, up to and including the day it ended (paused Friday,
    answered Monday: one; over National Day: only the make-up and ordinary workdays in between).
    A pause that begins and ends on the same day moves nothing.
    """
    from linli.workdays.services import add_working_days, working_days_between

    days = max(0, working_days_between(paused_at, resumed_at))
    if days == 0:
        return resolve_due, 0
    return add_working_days(resolve_due, days=days), days
