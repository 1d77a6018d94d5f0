"""The daily reminder sweep: care plans and hazard points whose visit or inspection is overdue.

Runs from the 15-minute sweep; ``reminded_on`` makes each overdue plan or point remind its
responsible person once a day, however often the sweep runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from linli.visits.models import CarePlan, HazardPoint, QuotaReminder, Visit

log = logging.getLogger("linli.visits")
BATCH = 1000


@dataclass
class SweepResult:
    care_reminded: int = 0
    hazards_reminded: int = 0
    quota_reminded: int = 0


def _users_of(person_id: int) -> list[Any]:
    from linli.accounts.models import User

    return list(User.objects.filter(person_id=person_id, is_active=True))


def sweep_visit_reminders(*, now: dt.datetime | None = None) -> SweepResult:
    from linli.notify.services import notify

    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult()
    plans = CarePlan.objects.filter(active=True).filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
    plans = plans.select_related("household__place", "responsible")[:BATCH]
    plan_list = list(plans)
    last = {
        r["household_id"]: r["last"]
        for r in Visit.objects.filter(household_id__in=[p.household_id for p in plan_list])
        .values("household_id")
        .annotate(last=Max("visited_at"))
        .order_by()
    }
    for plan in plan_list:
        base = last.get(plan.household_id) or plan.created_at
        if base + dt.timedelta(days=plan.frequency_days) >= now:
            continue
        with transaction.atomic():
            claimed = (
                CarePlan.objects.filter(pk=plan.pk)
                .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
                .update(reminded_on=today)
            )
            if claimed != 1:
                continue
            days = (now - base).days
            notify(
                users=_users_of(plan.responsible_id),
                kind="visit.care_due",
                title=f"关爱走访已逾期:{plan.household}",
                body=f"按关爱计划每 {plan.frequency_days} 天走访一次,已 {days} 天未走访。",
                link=reverse("visits:new") + f"?household={plan.household_id}",
            )
        result.care_reminded += 1
    hazards = HazardPoint.objects.filter(active=True).filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
    for hazard in hazards.select_related("responsible")[:BATCH]:
        if not hazard.overdue_at(now):
            continue
        with transaction.atomic():
            claimed = (
                HazardPoint.objects.filter(pk=hazard.pk)
                .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
                .update(reminded_on=today)
            )
            if claimed != 1:
                continue
            notify(
                users=_users_of(hazard.responsible_id),
                kind="visit.hazard_due",
                title=f"隐患点巡查已逾期:{hazard.name}",
                body=f"巡查周期 {hazard.inspect_every_days} 天,请尽快巡查并记录。",
                link=reverse("visits:hazard", args=[hazard.pk]),
            )
        result.hazards_reminded += 1
    result.quota_reminded = _remind_behind_quota(today=today)
    if result.care_reminded or result.hazards_reminded or result.quota_reminded:
        log.info(
            "visit sweep: %s care plans, %s hazard points, %s people behind quota reminded",
            result.care_reminded,
            result.hazards_reminded,
            result.quota_reminded,
        )
    return result


def _remind_behind_quota(*, today: dt.date) -> int:
    """Remind each position holder behind their pro-rated quota target (as on the coverage page), once a day."""
    from linli.notify.services import notify
    from linli.places.models import Place
    from linli.visits.coverage import quota_progress

    done_today = set(QuotaReminder.objects.filter(sent_on=today).values_list("person_id", flat=True))
    behind: dict[int, list[Any]] = {}
    for root in Place.objects.get_root_nodes():
        for progress in quota_progress(None, root, today=today):
            if progress.behind and progress.person_id not in done_today:
                behind.setdefault(progress.person_id, []).append(progress)
    reminded = 0
    for person_id, rows in behind.items():
        with transaction.atomic():
            _, created = QuotaReminder.objects.get_or_create(
                person_id=person_id, sent_on=today, defaults={"behind": len(rows)}
            )
            if not created:
                continue
            lines = [
                f"{p.position_label}({p.place_name}) {p.rule_label}:已走访 {p.done} 户,应达 {p.expected} 户"
                for p in rows
            ]
            notify(
                users=_users_of(person_id),
                kind="visit.quota_behind",
                title="走访进度落后于要求",
                body="\n".join(lines),
                link=reverse("visits:new"),
            )
        reminded += 1
    return reminded
