"""The day-before reminder: the hourly Huey task (run at once in tests, as Huey's immediate mode does) puts one
inbox message per shift of tomorrow; a shift that changes hands reminds its new person."""

from __future__ import annotations

from typing import Any

import pytest

from linli.notify.models import Notification
from linli.rota import services_shifts as ss
from linli.rota.models import DutyDesk, DutyShift
from linli.rota.tasks import rota_reminders_hourly
from tests.rota_support import HOLIDAY_SAT, HOLIDAY_SUN, LABOUR_DAY, TODAY, colleague, desk, freeze, secretary, shift

pytestmark = pytest.mark.django_db


def reminders(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="rota.shift_tomorrow").order_by("id"))


def test_the_person_on_duty_tomorrow_is_reminded_once(users: Any, places: Any, monkeypatch: Any) -> None:
    freeze(monkeypatch, TODAY)
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    other = colleague(users, community)
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    shift(users["community"], the_desk, other.person, HOLIDAY_SUN)  # the day after: not yet
    freeze(monkeypatch, LABOUR_DAY, hour=8)
    rota_reminders_hourly()
    notes = reminders(users["community"])
    assert len(notes) == 1
    assert "2026-05-02" in notes[0].title and the_desk.name in notes[0].title
    assert "09:00–17:00" in notes[0].body and "党群服务中心一楼" in notes[0].body and notes[0].link == "/rota/mine/"
    assert reminders(other) == []
    rota_reminders_hourly()  # the next hour
    assert len(reminders(users["community"])) == 1
    assert DutyShift.objects.get(pk=mine.pk).reminded_at is not None


def test_a_shift_that_changes_hands_after_the_reminder_reminds_the_new_person(
    users: Any, places: Any, monkeypatch: Any
) -> None:
    freeze(monkeypatch, TODAY)
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    other = colleague(users, community)
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    freeze(monkeypatch, LABOUR_DAY, hour=9)
    rota_reminders_hourly()
    ss.shift_reassign(actor=secretary(community), shift=mine, person=other.person)
    rota_reminders_hourly()
    assert len(reminders(users["community"])) == 1 and len(reminders(other)) == 1


def test_a_desk_that_is_off_reminds_nobody(users: Any, places: Any, monkeypatch: Any) -> None:
    freeze(monkeypatch, TODAY)
    the_desk = desk(users["community"], places.communities[0])
    shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    DutyDesk.objects.filter(pk=the_desk.pk).update(active=False)
    freeze(monkeypatch, LABOUR_DAY)
    rota_reminders_hourly()
    assert reminders(users["community"]) == []
