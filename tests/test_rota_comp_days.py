"""调休: one workday off per checked-in rest-day shift, after the shift and within the window, approved by the desk's
lead or manager (never oneself), cancelled before the day; the balance partitions what was earned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.notify.models import Notification
from linli.rota import selectors as sel
from linli.rota import services_comp as sc
from linli.rota import services_shifts as ss
from linli.rota.models import CompDay, CompStatus, DutyDesk
from tests.rota_support import (
    HOLIDAY_MON,
    HOLIDAY_SAT,
    LABOUR_DAY,
    MAKEUP_SATURDAY,
    PLAIN_SUNDAY,
    TODAY,
    WORKDAY,
    account,
    colleague,
    desk,
    freeze,
    secretary,
    shift,
    staff_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def earned(users: Any, places: Any, monkeypatch: Any) -> Any:
    """The demo's community worker on duty on Saturday 2 May (劳动节) and checked in; the clock then on 6 May."""
    freeze(monkeypatch, TODAY)
    the_desk = desk(users["community"], places.communities[0])
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    freeze(monkeypatch, HOLIDAY_SAT)
    ss.shift_check_in(actor=users["community"], shift=mine)
    freeze(monkeypatch, WORKDAY - dt.timedelta(days=1))  # Tuesday 5 May, still a holiday
    return mine


def test_a_worker_requests_a_workday_and_the_secretary_approves_it(users: Any, places: Any, earned: Any) -> None:
    boss = secretary(places.communities[0])
    comp, created = sc.comp_request(actor=users["community"], shift=earned, day=WORKDAY, note="陪孩子看病")
    assert created and comp.status == CompStatus.PENDING
    assert Notification.objects.filter(recipient=boss, kind="rota.comp_requested").count() == 1
    assert [c.pk for c in sel.approvals_queue(boss)] == [comp.pk]
    approved = sc.comp_approve(actor=boss, comp=comp, note="同意")
    assert approved.status == CompStatus.APPROVED and approved.decided_by == boss
    assert Notification.objects.filter(recipient=users["community"], kind="rota.comp_approved").count() == 1
    assert sc.comp_approve(actor=boss, comp=comp).status == CompStatus.APPROVED  # repeat: unchanged
    assert sel.approvals_queue(boss) == []
    actions = set(AuditEvent.objects.filter(action__startswith="rota.comp_").values_list("action", flat=True))
    assert actions == {"rota.comp_requested", "rota.comp_approved"}


def test_a_makeup_saturday_is_a_workday_to_take_off_but_a_holiday_monday_is_not(
    users: Any, earned: Any, monkeypatch: Any
) -> None:
    with pytest.raises(InvalidInput) as rest:
        sc.comp_request(actor=users["community"], shift=earned, day=PLAIN_SUNDAY)
    assert rest.value.field == "day" and "休息日" in rest.value.message
    comp, _ = sc.comp_request(actor=users["community"], shift=earned, day=MAKEUP_SATURDAY)  # 调休上班
    assert comp.day == MAKEUP_SATURDAY


def test_the_day_off_comes_after_the_shift_not_in_the_past_and_within_the_window(
    users: Any, earned: Any, places: Any, monkeypatch: Any
) -> None:
    for day, words in [
        (dt.date(2026, 4, 30), "之后"),  # before the shift
        (dt.date(2026, 6, 2), "前休完"),  # 31 days after: past the 30-day window
    ]:
        with pytest.raises(InvalidInput) as refused:
            sc.comp_request(actor=users["community"], shift=earned, day=day)
        assert refused.value.field == "day" and words in refused.value.message
    assert sc.comp_request(actor=users["community"], shift=earned, day=dt.date(2026, 6, 1))[0].pk  # day 30: fine
    freeze(monkeypatch, dt.date(2026, 5, 20))
    CompDay.objects.all().delete()
    with pytest.raises(InvalidInput) as past:
        sc.comp_request(actor=users["community"], shift=earned, day=dt.date(2026, 5, 19))
    assert "今天" in past.value.message


def test_the_window_is_fixed_when_the_shift_is_checked_in(users: Any, earned: Any) -> None:
    DutyDesk.objects.filter(pk=earned.desk_id).update(comp_window_days=7)
    assert sc.comp_request(actor=users["community"], shift=earned, day=dt.date(2026, 5, 29))[0].pk


def test_only_checked_in_rest_day_shifts_earn_a_day_and_only_for_oneself(
    users: Any, places: Any, earned: Any, monkeypatch: Any
) -> None:
    the_desk = earned.desk
    planned = shift(users["community"], the_desk, users["community"].person, PLAIN_SUNDAY)
    with pytest.raises(Conflict):
        sc.comp_request(actor=users["community"], shift=planned, day=dt.date(2026, 5, 11))
    with pytest.raises(Forbidden):
        sc.comp_request(actor=colleague(users, places.communities[0]), shift=earned, day=WORKDAY)


def test_nobody_approves_their_own_request_and_other_communities_cannot_approve(
    users: Any, places: Any, earned: Any
) -> None:
    comp, _ = sc.comp_request(actor=users["community"], shift=earned, day=WORKDAY)
    with pytest.raises(Forbidden) as own:
        sc.comp_approve(actor=users["community"], comp=comp)
    assert "自己" in own.value.message
    other_worker = account(staff_of(places.other_community, "community_staff")[0], "elsewhere")
    for outsider in (other_worker, users["grid"], users["volunteer"]):
        with pytest.raises(Forbidden):
            sc.comp_approve(actor=outsider, comp=comp)
    # a colleague at the same community holds manage there: they may decide it
    assert sc.comp_reject(actor=colleague(users, places.communities[0]), comp=comp, reason="当天人手不够").status == (
        CompStatus.REJECTED
    )


def test_a_second_request_for_the_same_shift_is_refused_until_the_first_is_rejected(
    users: Any, places: Any, earned: Any
) -> None:
    comp, _ = sc.comp_request(actor=users["community"], shift=earned, day=WORKDAY)
    with pytest.raises(Conflict) as twice:
        sc.comp_request(actor=users["community"], shift=earned, day=dt.date(2026, 5, 7))
    assert twice.value.field == "shift_id"
    with pytest.raises(InvalidInput) as no_reason:
        sc.comp_reject(actor=secretary(places.communities[0]), comp=comp, reason="")
    assert no_reason.value.field == "reason"
    sc.comp_reject(actor=secretary(places.communities[0]), comp=comp, reason="当天有检查")
    assert sc.comp_request(actor=users["community"], shift=earned, day=dt.date(2026, 5, 7))[1] is True


def test_a_double_submitted_request_creates_one(users: Any, earned: Any) -> None:
    first, created = sc.comp_request(actor=users["community"], shift=earned, day=WORKDAY, idempotency_key="form-9")
    again, created_again = sc.comp_request(
        actor=users["community"], shift=earned, day=WORKDAY, idempotency_key="form-9"
    )
    assert created and not created_again and first.pk == again.pk
    assert CompDay.objects.count() == 1


def test_a_day_off_is_cancelled_before_the_day_only(users: Any, places: Any, earned: Any, monkeypatch: Any) -> None:
    comp, _ = sc.comp_request(actor=users["community"], shift=earned, day=WORKDAY)
    sc.comp_approve(actor=secretary(places.communities[0]), comp=comp)
    with pytest.raises(Forbidden):
        sc.comp_cancel(actor=colleague(users, places.communities[0]), comp=comp)
    freeze(monkeypatch, WORKDAY)
    with pytest.raises(Conflict):
        sc.comp_cancel(actor=users["community"], comp=comp)
    freeze(monkeypatch, HOLIDAY_MON)
    assert sc.comp_cancel(actor=users["community"], comp=comp).status == CompStatus.CANCELLED
    assert sel.balance(users["community"].person_id).available == 1


def test_a_person_on_a_day_off_is_not_put_on_duty_that_day(users: Any, places: Any, earned: Any) -> None:
    comp, _ = sc.comp_request(actor=users["community"], shift=earned, day=WORKDAY)
    sc.comp_approve(actor=secretary(places.communities[0]), comp=comp)
    with pytest.raises(Conflict) as off:
        shift(secretary(places.communities[0]), earned.desk, users["community"].person, WORKDAY)
    assert "调休" in off.value.message


def test_the_balance_counts_earned_taken_pending_expired_and_available(
    users: Any, places: Any, monkeypatch: Any
) -> None:
    freeze(monkeypatch, TODAY)
    me, boss = users["community"], secretary(places.communities[0])
    the_desk = desk(me, places.communities[0])
    shifts = [shift(boss, the_desk, me.person, day) for day in (LABOUR_DAY, HOLIDAY_SAT, HOLIDAY_MON, PLAIN_SUNDAY)]
    for s in shifts:
        freeze(monkeypatch, s.day)
        ss.shift_check_in(actor=me, shift=s)
    freeze(monkeypatch, dt.date(2026, 5, 11))
    taken, _ = sc.comp_request(actor=me, shift=shifts[0], day=dt.date(2026, 5, 12))
    sc.comp_approve(actor=boss, comp=taken)
    sc.comp_request(actor=me, shift=shifts[1], day=dt.date(2026, 5, 13))
    freeze(monkeypatch, dt.date(2026, 6, 4))  # 4 May + 30 days = 3 June has passed; 10 May's runs to 9 June
    balance = sel.balance(me.person_id)
    assert (balance.earned, balance.taken, balance.pending, balance.expired, balance.available) == (4, 1, 1, 1, 1)
    assert [s.pk for s in balance.shifts] == [shifts[3].pk]
