"""A month's 排班表 as .xlsx: one row per day of the month (rest days named from the calendar), who is on duty,
their hours and whether each checked in. Staff names only — never a personal phone. Each export is an audit
event (``rota.exported``)."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from typing import Any

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.people.sheets import write_xlsx
from linli.rota.board import month_grid
from linli.rota.days import DayInfo
from linli.rota.models import DutyDesk, DutyShift
from linli.rota.permissions import require_manage

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


def columns() -> list[str]:
    return [_("日期"), _("星期"), _("日别"), _("值班人员"), _("值班时间"), _("签到情况")]


def day_kind(info: DayInfo) -> str:
    if info.rest:
        return info.name or _("休息日")
    return _("调休上班") if info.makeup_workday else _("工作日")


def _state(shift: DutyShift, today: dt.date) -> str:
    state = shift.state_on(today)
    if state == "checked_in" and shift.checked_in_at:
        return _("%(name)s 已签到 %(at)s") % {
            "name": shift.person.name,
            "at": timezone.localtime(shift.checked_in_at).strftime("%H:%M"),
        }
    if state == "missed":
        return _("%(name)s 未签到") % {"name": shift.person.name}
    return _("%(name)s 待值班") % {"name": shift.person.name}


def month_rows(desk: DutyDesk, month: dt.date) -> list[list[Any]]:
    today = timezone.localdate()
    grid = month_grid(desk, month, today=today)
    by_day: dict[dt.date, list[DutyShift]] = defaultdict(list)
    for s in grid.shifts:
        by_day[s.day].append(s)
    rows: list[list[Any]] = []
    for column in grid.columns:
        info, shifts = column.info, by_day[column.info.day]
        rows.append(
            [
                info.day.isoformat(),
                _("星期%(d)s") % {"d": WEEKDAYS[info.day.weekday()]},
                day_kind(info),
                "、".join(s.person.name for s in shifts),
                "、".join(f"{time_format(s.starts_at, 'H:i')}–{time_format(s.ends_at, 'H:i')}" for s in shifts),
                "；".join(_state(s, today) for s in shifts),
            ]
        )
    return rows


def month_workbook(*, actor: Any, desk: DutyDesk, month: dt.date, request: Any = None) -> bytes:
    """The month's sheet, written after checking the actor manages the desk; the export is audited."""
    require_manage(actor, desk, _("您的岗位无权导出“%(desk)s”的排班表") % {"desk": desk.name})
    rows = month_rows(desk, month)
    title = "".join(c for c in f"{desk.name[:22]} {month:%Y-%m}" if c not in "[]:*?/\\")
    out = io.BytesIO()
    count = write_xlsx(out, title, columns(), iter(rows))
    audit_record(
        action="rota.exported",
        actor=actor,
        request=request,
        target=desk,
        month=month.strftime("%Y-%m"),
        rows=count,
    )
    return out.getvalue()
