"""The input and output shapes of /api/v1/rota/ (every class named Rota…: schema names are global)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from linli.core.schemas import Day, PageQuery
from linli.rota.models import CompStatus, ShiftStatus, SwapStatus

SHIFT_STATES = (
    ", ".join(f"{v} ({label})" for v, label in ShiftStatus.choices) + ", missed (未签到: planned, day passed)"
)
SWAP_STATES = ", ".join(f"{v} ({label})" for v, label in SwapStatus.choices)
COMP_STATES = ", ".join(f"{v} ({label})" for v, label in CompStatus.choices)
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"  # a time of day as the pages show it; Beijing time


def clock_field(description: str = "HH:MM, Beijing time") -> Any:
    return Field(description=description, pattern=HHMM)


def optional_clock_field(description: str) -> Any:
    return Field(None, description=f"HH:MM, Beijing time; {description}", pattern=HHMM)


# ----------------------------------------------------------------------------- desks


class RotaDeskOut(Schema):
    id: int
    place_id: int
    place_name: str
    name: str
    phone: str = Field(description="值班电话: the desk's public office line")
    location: str
    opens_at: str = clock_field()
    closes_at: str = clock_field()
    required_people: int = Field(description="people on duty each rest day")
    comp_window_days: int = Field(description="a compensatory day is taken within this many days of the shift")
    active: bool


class RotaDeskListOut(Schema):
    items: list[RotaDeskOut]
    next: str | None


class RotaDeskIn(Schema):
    phone: str = Field(description="值班电话: an office line (0551-62345678), a mobile or a short service number")
    location: str = Field(description="e.g. 党群服务中心一楼, up to 100 characters")
    name: str = Field("", description="default: <place>党群服务中心")
    opens_at: str | None = optional_clock_field("default 09:00")
    closes_at: str | None = optional_clock_field("default 17:00; after opens_at")
    required_people: int | None = Field(None, description="1–10, default 1")
    comp_window_days: int | None = Field(None, description="1–365, default 30")
    active: bool = True


class RotaDeskCreateIn(RotaDeskIn):
    place_id: int = Field(description="a community or street you manage; one desk each")


class RotaStaffOut(Schema):
    person_id: int
    name: str
    positions: str
    own: bool = Field(description="holds a position at the desk's place itself (auto-schedule draws on these)")


class RotaStaffListOut(Schema):
    day: dt.date
    items: list[RotaStaffOut]


class RotaStaffQuery(Schema):
    day: Day | None = Field(None, description="default today")


class RotaOpeningOut(Schema):
    day: dt.date
    rest_day: bool
    holiday: str = Field(description="the statutory holiday's name, or empty")
    open: bool = Field(description="staffed: a workday, or a rest day with someone on duty")
    starts_at: str | None = clock_field("HH:MM, Beijing time; null when closed")
    ends_at: str | None = clock_field("HH:MM, Beijing time; null when closed")
    on_duty: list[str] = Field(description="on-duty workers by surname only (王社工)")
    checked_in: bool


class RotaTodayOut(Schema):
    desk_id: int
    name: str
    place_name: str
    phone: str
    location: str
    today: RotaOpeningOut
    week: list[RotaOpeningOut] = Field(description="the next seven days")


# ----------------------------------------------------------------------------- shifts and swaps


class RotaShiftOut(Schema):
    id: int
    desk_id: int
    day: dt.date
    person_id: int
    person_name: str
    starts_at: str = clock_field()
    ends_at: str = clock_field()
    rest_day: bool = Field(description="a rest day by the official calendar when the shift was planned")
    status: str = Field(description="planned or checked_in")
    state: str = Field(description=SHIFT_STATES)
    checked_in_at: dt.datetime | None
    comp_until: dt.date | None = Field(description="the compensatory day it earned is to be taken by this day")


class RotaShiftListOut(Schema):
    items: list[RotaShiftOut]
    next: str | None


class RotaShiftListQuery(PageQuery):
    desk_id: int | None = None
    since: Day | None = None
    until: Day | None = None
    mine: bool = Field(False, description="only my own shifts")


class RotaShiftIn(Schema):
    desk_id: int
    person_id: int = Field(description="staff who may be on duty at the desk that day")
    day: Day = Field(description="today or later")
    starts_at: str | None = optional_clock_field("default: the desk's hours")
    ends_at: str | None = optional_clock_field("default: the desk's hours")


class RotaReassignIn(Schema):
    person_id: int


class RotaSwapIn(Schema):
    to_person_id: int = Field(description="a colleague who may be on duty that day and is not on duty then")
    note: str = Field("", description="up to 200 characters")


class RotaSwapOut(Schema):
    id: int
    shift_id: int
    desk_id: int
    day: dt.date
    from_person_id: int
    from_name: str
    to_person_id: int
    to_name: str
    status: str = Field(description=SWAP_STATES)
    note: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


class RotaSwapListOut(Schema):
    items: list[RotaSwapOut]
    next: str | None


class RotaSwapListQuery(PageQuery):
    status: str | None = Field(None, description=SWAP_STATES)


# ----------------------------------------------------------------------------- auto-schedule


class RotaScheduleIn(Schema):
    since: Day = Field(description="today or later")
    until: Day = Field(description="at most 92 days from since")


class RotaScheduleApplyIn(RotaScheduleIn):
    token: str = Field(description="the preview's token: the plan applied must still be the one previewed")


class RotaProposalOut(Schema):
    day: dt.date
    person_id: int
    name: str
    holiday: str
    load: int = Field(description="the person's rest-day shifts in the 90 days before that day")


class RotaShortDayOut(Schema):
    day: dt.date
    missing: int


class RotaPlanOut(Schema):
    desk_id: int
    since: dt.date
    until: dt.date
    rest_days: int
    token: str
    proposals: list[RotaProposalOut]
    short: list[RotaShortDayOut] = Field(description="rest days still short after the plan (nobody free)")


class RotaRunOut(Schema):
    id: int
    desk_id: int
    since: dt.date
    until: dt.date
    shifts_created: int


# ----------------------------------------------------------------------------- compensatory days


class RotaCompIn(Schema):
    shift_id: int = Field(description="my checked-in rest-day shift")
    day: Day = Field(description="a workday after the shift, today or later, within its deadline")
    note: str = ""


class RotaCompOut(Schema):
    id: int
    shift_id: int
    shift_day: dt.date
    desk_id: int
    person_id: int
    person_name: str
    day: dt.date
    status: str = Field(description=COMP_STATES)
    note: str
    decision_note: str
    decided_at: dt.datetime | None
    created_at: dt.datetime


class RotaCompListOut(Schema):
    items: list[RotaCompOut]
    next: str | None


class RotaCompListQuery(PageQuery):
    queue: bool = Field(False, description="true: pending requests I may decide; false: my own")


class RotaCompApproveIn(Schema):
    note: str = ""


class RotaCompRejectIn(Schema):
    reason: str = Field(description="why not, up to 200 characters")


class RotaEarnedShiftOut(Schema):
    shift_id: int
    desk_id: int
    day: dt.date
    comp_until: dt.date | None


class RotaBalanceOut(Schema):
    earned: int = Field(description="checked-in rest-day shifts (one compensatory day each)")
    taken: int = Field(description="with an approved compensatory day")
    pending: int = Field(description="with a request waiting")
    expired: int = Field(description="no request and the deadline passed")
    available: int = Field(description="no request, still within the deadline")
    shifts: list[RotaEarnedShiftOut] = Field(description="the available ones, soonest deadline first")


# ----------------------------------------------------------------------------- figures


class RotaDeskFiguresOut(Schema):
    desk_id: int
    name: str
    place_name: str
    rest_days: int
    covered: int
    coverage_rate: float | None
    shifts: int
    checked_in: int
    check_in_rate: float | None
    earned: int
    taken: int
    pending: int
    expired: int
    outstanding: int


class RotaFiguresOut(Schema):
    node_id: int
    since: dt.date
    until: dt.date
    end: dt.date = Field(description="the last day counted (until, or today when the period reaches past it)")
    rest_days: int = Field(description="rest days of the period by the official calendar")
    desks: int
    covered: int = Field(description="desk-days with at least the required number checked in")
    coverage_rate: float | None = Field(description="休息日值守率: covered / (desks × rest days)")
    shifts: int = Field(description="rest-day shifts in the period")
    checked_in: int
    check_in_rate: float | None = Field(description="checked in / rest-day shifts")
    earned: int = Field(description="comp days earned: checked-in rest-day shifts")
    taken: int
    pending: int
    expired: int
    outstanding: int = Field(description="earned, no request, deadline not passed")
    per_desk: list[RotaDeskFiguresOut]


class RotaFiguresQuery(Schema):
    node_id: int = Field(description="a district, street or community where you hold lead or manage")
    since: Day | None = Field(None, description="default the 1st of this month")
    until: Day | None = Field(None, description="default today")
