"""Demo data for 七天不打烊: a duty desk at every community of the demo street, the rest days of the last three weeks
kept (checked in, one missed), the next four weeks auto-scheduled, and the demo community worker's compensatory day
waiting for the secretary. Desks, the schedule and the request go through the services (audited, as staff would);
the past weeks are written as they would stand now. Safe to run again: each step answers with what is there."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from linli.places.models import Place, PlaceKind
from linli.rota import services_comp as sc
from linli.rota import services_desks as sd
from linli.rota import services_schedule as sch
from linli.rota.days import rest_days
from linli.rota.models import CompDay, DutyDesk, DutyShift, ShiftStatus
from linli.rota.staffing import roster
from linli.workdays.services import is_working_day

PAST_DAYS = 21
AHEAD_DAYS = 28
LOCATIONS = ["党群服务中心一楼大厅", "党群服务中心一楼“一站式”服务窗口", "社区综合服务站二楼"]


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).select_related("person").first()


def build_demo_rota(rng: random.Random) -> None:
    """``rng`` is the demo builder's; the phone numbers are drawn from it, everything else follows the calendar."""
    street_user = _user("street")
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()
    if street_user is None or street is None:
        return
    today = timezone.localdate()
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY, path__startswith=street.path).order_by("path"))
    for n, community in enumerate(communities):
        desk, _created = sd.desk_create(
            actor=street_user,
            place=community,
            fields=sd.DeskFields(
                phone=f"0551-6{rng.randrange(10**7):07d}",
                location=LOCATIONS[n % len(LOCATIONS)],
                opens_at=dt.time(9),
                closes_at=dt.time(17) if n % 2 == 0 else dt.time(16, 30),
            ),
        )
        _past(desk, today, missed=n == 1)
        plan = sch.schedule_plan(desk=desk, since=today, until=today + dt.timedelta(days=AHEAD_DAYS - 1))
        if plan.proposals:
            sch.schedule_apply(actor=street_user, desk=desk, since=plan.since, until=plan.until, token=plan.token)
    _pending_comp_day(today)


def _past(desk: DutyDesk, today: dt.date, *, missed: bool) -> None:
    """The last three weeks' rest days, kept in turn by the desk's own staff (the demo worker first)."""
    since = today - dt.timedelta(days=PAST_DAYS)
    days = rest_days(since, today - dt.timedelta(days=1))
    worker = _user("community")
    staff = sorted(
        roster(desk, since, today, own_only=True), key=lambda pk: (worker is None or pk != worker.person_id, pk)
    )
    if not staff or not days:
        return
    tz = timezone.get_current_timezone()
    for i, day in enumerate(days):
        shift, created = DutyShift.objects.get_or_create(
            desk=desk,
            day=day,
            person_id=staff[i % len(staff)],
            defaults={
                "place_path": desk.place_path,
                "starts_at": desk.opens_at,
                "ends_at": desk.closes_at,
                "rest_day": True,
            },
        )
        if created and not (missed and i == 0):
            shift.status = ShiftStatus.CHECKED_IN
            shift.checked_in_at = dt.datetime.combine(day, dt.time(8, 52), tzinfo=tz)
            shift.comp_until = day + dt.timedelta(days=desk.comp_window_days)
            shift.save(update_fields=["status", "checked_in_at", "comp_until"])


def _pending_comp_day(today: dt.date) -> None:
    """The demo community worker asks for the next workday off against their latest checked-in rest-day shift."""
    worker = _user("community")
    if worker is None or CompDay.objects.filter(person_id=worker.person_id).exists():
        return
    shift = (
        DutyShift.objects.filter(
            person_id=worker.person_id, status=ShiftStatus.CHECKED_IN, rest_day=True, comp_until__gt=today
        )
        .order_by("-day")
        .first()
    )
    if shift is None:
        return
    day = today + dt.timedelta(days=1)
    while not is_working_day(day) or DutyShift.objects.filter(person_id=worker.person_id, day=day).exists():
        day += dt.timedelta(days=1)
    if shift.comp_until is not None and day <= shift.comp_until:
        sc.comp_request(actor=worker, shift=shift, day=day, note="家中老人复诊,需陪同")
