"""The administrators hear each morning which accounts yesterday's sensitive-access review flags, once; and the
background worker's schedules are read in Beijing time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from linli.audit.alerts import KIND, administrators, review_alert
from linli.audit.services import audit_record
from linli.audit.tasks import audit_review_alert_daily
from linli.notify.models import Notification

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


def yesterday_at(monkeypatch: pytest.MonkeyPatch, hour: int) -> dt.date:
    day = timezone.localdate() - dt.timedelta(days=1)
    moment = dt.datetime.combine(day, dt.time(hour, 5), tzinfo=BEIJING)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return day


def test_the_administrators_hear_of_yesterdays_flagged_accounts_once(users: Any, monkeypatch) -> None:
    day = yesterday_at(monkeypatch, 23)
    audit_record(action="resident.reveal", actor=users["community"], target=users["community"].person)
    for _ in range(10):
        audit_record(action="permission.denied", actor=users["grid"], success=False)
    yesterday_at(monkeypatch, 15)
    audit_record(action="resident.reveal", actor=users["street"])  # in the afternoon: not flagged, not told
    monkeypatch.undo()

    assert audit_review_alert_daily.call_local() == administrators().count() >= 1
    message = Notification.objects.get(recipient=users["admin"], kind=KIND)
    assert message.title == f"{day:%Y-%m-%d} 敏感信息访问审查:2 个账号被标记"
    assert "community:夜间查看完整号码" in message.body and "grid:多次越权访问" in message.body
    assert "street" not in message.body
    assert message.link == f"/audit/review/?from={day:%Y-%m-%d}&to={day:%Y-%m-%d}"
    assert not Notification.objects.filter(kind=KIND).exclude(recipient__in=administrators()).exists()
    assert review_alert(day=day) == 0  # run twice: told once
    assert Notification.objects.filter(kind=KIND, recipient=users["admin"]).count() == 1


def test_a_quiet_day_sends_nothing(users: Any, monkeypatch) -> None:
    yesterday_at(monkeypatch, 10)
    audit_record(action="resident.reveal", actor=users["community"])
    audit_record(action="resident.export", actor=users["community"])
    monkeypatch.undo()
    assert audit_review_alert_daily.call_local() == 0
    assert not Notification.objects.filter(kind=KIND).exists()


def test_administrators_are_superusers_and_holders_of_an_admin_position_today(users: Any) -> None:
    names = set(administrators().values_list("username", flat=True))
    assert "admin" in names
    assert not names & {"street", "community", "grid", "volunteer", "resident"}


def test_the_worker_reads_its_schedules_in_beijing_time() -> None:
    # the consumer imports every app's tasks; here the test does (linli.audit.tasks is imported above)
    import linli.venues.tasks  # noqa: F401

    assert HUEY.utc is False
    now = HUEY._get_timestamp()  # what the consumer's scheduler matches the crontabs against
    assert abs(now - timezone.localtime().replace(tzinfo=None)) < dt.timedelta(seconds=5)

    def due(hour: int, minute: int) -> set[str]:
        return {task.name for task in HUEY.read_periodic(dt.datetime(2026, 12, 7, hour, minute))}

    assert "audit_review_alert_daily" in due(7, 10)
    assert "venues_reminders_hourly" in due(9, 17)
    assert "venues_reminders_hourly" not in due(2, 17)  # booking reminders never wake anyone at night
