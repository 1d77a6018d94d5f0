"""自动排班: fill every rest day of a span that has fewer people on duty than the desk requires.

The plan (``schedule_plan``) goes through the rest days in order and fills each missing place with the fairest of
the desk's own staff (positions at the desk's place itself, on that day): fewest rest-day shifts (at any desk) in
the 90 days before that day — counting what the plan has already given them — then the longest since their last
rest-day shift, then the person's id. Skipped: anyone already on duty anywhere that day and anyone with a pending or
approved compensatory day then. Existing shifts are never touched: the plan only adds.

``schedule_preview`` shows the plan with its ``token`` (a hash of what it proposes). ``schedule_apply`` works the
plan out again under a lock on the desk and applies it only if it is still the one previewed — all of it in one
transaction, or nothing with a 409 asking to preview again. A retry under the same idempotency key (a double
submit) answers with the first run.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.rota.days import day_infos
from linli.rota.models import ACTIVE_COMP, CompDay, DutyDesk, DutyShift, ScheduleRun
from linli.rota.permissions import require_manage
from linli.rota.services_shifts import person_day_lock
from linli.rota.staffing import roster

MAX_DAYS = 92
FAIRNESS_DAYS = 90


@dataclass(frozen=True)
class Proposal:
    day: dt.date
    person_id: int
    name: str
    holiday: str  # the holiday's name, "" on an ordinary weekend
    load: int  # the person's rest-day shifts in the 90 days before (what made them the fairest choice)


@dataclass
class Plan:
    desk: DutyDesk
    since: dt.date
    until: dt.date
    rest_days: int
    proposals: list[Proposal] = field(default_factory=list)
    short: list[tuple[dt.date, int]] = field(default_factory=list)  # rest days still short after the plan

    @property
    def token(self) -> str:
        body = json.dumps(
            [self.desk.pk, self.since.isoformat(), self.until.isoformat()]
            + [[p.day.isoformat(), p.person_id] for p in self.proposals]
        )
        return hashlib.sha256(body.encode()).hexdigest()


def check_span(since: dt.date, until: dt.date) -> None:
    if since < timezone.localdate():
        raise InvalidInput(_("自动排班只能从今天起"), field="since")
    if until < since:
        raise InvalidInput(_("结束日期不能早于开始日期"), field="until")
    if (until - since).days + 1 > MAX_DAYS:
        raise InvalidInput(_("一次最多排 %(n)d 天") % {"n": MAX_DAYS}, field="until")


def schedule_plan(*, desk: DutyDesk, since: dt.date, until: dt.date) -> Plan:
    """What auto-schedule would add (reads only: four queries, whatever the span)."""
    infos = [d for d in day_infos(since, until) if d.rest]
    plan = Plan(desk=desk, since=since, until=until, rest_days=len(infos))
    if not infos or not desk.active:
        return plan
    staff = {pk: m for pk, m in roster(desk, since, until, own_only=True).items()}
    window_start = since - dt.timedelta(days=FAIRNESS_DAYS)
    at_desk: dict[dt.date, int] = defaultdict(int)
    busy: set[tuple[int, dt.date]] = set()
    history: dict[int, list[dt.date]] = defaultdict(list)
    shifts = DutyShift.objects.filter(day__gte=window_start, day__lte=until).filter(
        Q(desk=desk) | Q(person_id__in=sorted(staff))
    )
    for desk_id, day, person_id, rest in shifts.values_list("desk_id", "day", "person_id", "rest_day"):
        if desk_id == desk.pk and day >= since:
            at_desk[day] += 1
        busy.add((person_id, day))
        if rest:
            history[person_id].append(day)
    off = set(
        CompDay.objects.filter(
            person_id__in=sorted(staff), day__gte=since, day__lte=until, status__in=ACTIVE_COMP
        ).values_list("person_id", "day")
    )
    for dates in history.values():
        dates.sort()
    for info in infos:
        day = info.day
        need = desk.required_people - at_desk[day]
        chosen: list[int] = []
        while need > 0:
            candidates = [
                m
                for m in staff.values()
                if m.on(day)
                and (m.person_id, day) not in busy
                and (m.person_id, day) not in off
                and m.person_id not in chosen
            ]
            if not candidates:
                plan.short.append((day, need))
                break
            start = day - dt.timedelta(days=FAIRNESS_DAYS)

            def score(m: Any, day: dt.date = day, start: dt.date = start) -> tuple[int, dt.date, int]:
                dates = history[m.person_id]
                before = bisect.bisect_left(dates, day)
                load = before - bisect.bisect_left(dates, start)
                last = dates[before - 1] if before else dt.date.min
                return load, last, m.person_id

            best = min(candidates, key=score)
            load = score(best)[0]
            plan.proposals.append(
                Proposal(day=day, person_id=best.person_id, name=best.name, holiday=info.name, load=load)
            )
            bisect.insort(history[best.person_id], day)
            busy.add((best.person_id, day))
            chosen.append(best.person_id)
            need -= 1
    return plan


def schedule_preview(*, actor: Any, desk: DutyDesk, since: dt.date, until: dt.date) -> Plan:
    require_manage(actor, desk, _("您的岗位无权为“%(desk)s”排班") % {"desk": desk.name})
    check_span(since, until)
    return schedule_plan(desk=desk, since=since, until=until)


@transaction.atomic
def schedule_apply(
    *, actor: Any, desk: DutyDesk, since: dt.date, until: dt.date, token: str, idempotency_key: str = ""
) -> tuple[ScheduleRun, bool]:
    """Apply the previewed plan whole: ``(run, created)``."""
    require_manage(actor, desk, _("您的岗位无权为“%(desk)s”排班") % {"desk": desk.name})
    check_span(since, until)
    key = clean_key(idempotency_key)

    def create() -> ScheduleRun:
        DutyDesk.objects.select_for_update().filter(pk=desk.pk).values_list("pk", flat=True).first()
        fresh = DutyDesk.objects.get(pk=desk.pk)
        plan = schedule_plan(desk=fresh, since=since, until=until)
        if plan.token != (token or "").strip():
            raise Conflict(_("预览之后排班情况有变化(值班、调休或人员有调整),请重新预览后再确认"), field="token")
        if not plan.proposals:
            raise InvalidInput(_("所选期间没有需要补排的休息日"), field="since")
        for p in sorted(plan.proposals, key=lambda p: (p.person_id, p.day)):
            person_day_lock(p.person_id, p.day)
        pairs = {(p.person_id, p.day) for p in plan.proposals}
        taken = DutyShift.objects.filter(
            person_id__in=sorted({p for p, _d in pairs}), day__in=sorted({d for _p, d in pairs})
        ).values_list("person_id", "day")
        if pairs & set(taken):
            raise Conflict(_("预览之后排班情况有变化(值班、调休或人员有调整),请重新预览后再确认"), field="token")
        run = ScheduleRun.objects.create(
            desk=fresh,
            since=since,
            until=until,
            plan=plan.token,
            shifts_created=len(plan.proposals),
            created_by=actor,
            idempotency_key=key,
        )
        DutyShift.objects.bulk_create(
            [
                DutyShift(
                    desk=fresh,
                    place_path=fresh.place_path,
                    day=p.day,
                    person_id=p.person_id,
                    starts_at=fresh.opens_at,
                    ends_at=fresh.closes_at,
                    rest_day=True,
                    run=run,
                    created_by=actor,
                )
                for p in plan.proposals
            ]
        )
        return run

    try:
        run, created = create_once(
            earlier=ScheduleRun.objects.filter(created_by=actor),
            key=key,
            create=create,
            same=lambda e: e.desk_id == desk.pk and e.since == since and e.until == until,
            refusal=lambda e: _("这个 Idempotency-Key 已用于另一次自动排班"),
        )
    except (IntegrityError, ScheduleRun.DoesNotExist):  # a shift added elsewhere at the same instant
        raise Conflict(_("预览之后排班情况有变化(值班、调休或人员有调整),请重新预览后再确认"), field="token") from None
    if created:
        audit_record(
            action="rota.schedule_applied",
            actor=actor,
            target=desk,
            since=since.isoformat(),
            until=until.isoformat(),
            shifts=run.shifts_created,
            run=run.pk,
        )
    return run, created
