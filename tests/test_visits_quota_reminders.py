"""People behind their pro-rated visiting quota get an inbox reminder from the sweep, at most once a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.notify.models import Notification
from linli.places.models import Household
from linli.visits.coverage import quota_progress
from linli.visits.models import QuotaReminder, QuotaRule
from linli.visits.services import VisitInput, visit_record
from linli.visits.services_plans import quota_rule_add
from linli.visits.sweep import sweep_visit_reminders

pytestmark = pytest.mark.django_db


def only_rule(users: Any, *, kind: str, target: int) -> QuotaRule:
    QuotaRule.objects.update(active=False)
    return quota_rule_add(actor=users["admin"], position_kind=kind, period="week", mode="count", target=target)


def quota_notes(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="visit.quota_behind"))


def test_a_grid_worker_behind_the_weekly_quota_is_reminded_once_a_day_and_again_the_next_day(users, places) -> None:
    only_rule(users, kind="grid_worker", target=7)
    today = timezone.localdate()
    progress = [p for p in quota_progress(users["admin"], places.street, today=today) if p.behind]
    assert users["grid"].person_id in {p.person_id for p in progress}
    now = timezone.now()
    first = sweep_visit_reminders(now=now)
    assert first.quota_reminded >= 1
    notes = quota_notes(users["grid"])
    assert len(notes) == 1
    assert "已走访 0 户" in notes[0].body and notes[0].link == "/visits/new/"
    again = sweep_visit_reminders(now=now)
    assert again.quota_reminded == 0
    assert len(quota_notes(users["grid"])) == 1
    assert QuotaReminder.objects.filter(person_id=users["grid"].person_id, sent_on=today).count() == 1
    sweep_visit_reminders(now=now + dt.timedelta(days=1))
    assert len(quota_notes(users["grid"])) == 2


def test_a_grid_worker_who_has_met_the_pro_rated_target_is_not_reminded(users, places) -> None:
    only_rule(users, kind="grid_worker", target=1)
    household = Household.objects.filter(place_path__startswith=places.first_grid.path).order_by("id").first()
    visit_record(
        actor=users["grid"],
        data=VisitInput(household_id=household.pk, visited_at=timezone.now() - dt.timedelta(minutes=1)),
    )
    result = sweep_visit_reminders()
    assert quota_notes(users["grid"]) == []
    assert not QuotaReminder.objects.filter(person_id=users["grid"].person_id).exists()
    assert result.quota_reminded == QuotaReminder.objects.count()


def test_no_active_quota_rule_means_no_quota_reminders(users) -> None:
    QuotaRule.objects.update(active=False)
    assert sweep_visit_reminders().quota_reminded == 0
    assert not Notification.objects.filter(kind="visit.quota_behind").exists()
