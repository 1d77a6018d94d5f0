"""Desks and shifts: rest days come from the official calendar, one person one shift per desk per day, who may be
on duty, check-in by the person themself on the day, missed shifts computed, managers' changes and swaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.notify.models import Notification
from linli.people.models import Person
from linli.rota import services_desks as sd
from linli.rota import services_shifts as ss
from linli.rota.days import day_infos
from linli.rota.models import DutyDesk, DutyShift, ShiftStatus, SwapStatus
from tests.rota_support import (
    HOLIDAY_MON,
    HOLIDAY_SAT,
    LABOUR_DAY,
    MAKEUP_SATURDAY,
    PLAIN_SUNDAY,
    TODAY,
    WORKDAY,
    colleague,
    desk,
    freeze,
    secretary,
    shift,
    staff_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch: Any) -> None:
    freeze(monkeypatch, TODAY)


# ----------------------------------------------------------------------------- desks


def test_it_sets_up_one_desk_per_community_with_its_public_office_phone(users: Any, places: Any) -> None:
    community = places.communities[0]
    fields = sd.DeskFields(phone="0551 6234 5678", location="党群服务中心一楼")
    made, created = sd.desk_create(actor=users["community"], place=community, fields=fields)
    again, created_again = sd.desk_create(actor=users["community"], place=community, fields=fields)
    assert created and not created_again and again.pk == made.pk
    assert made.phone == "0551-62345678" and made.name == f"{community.name}党群服务中心"
    assert (made.required_people, made.comp_window_days, made.opens_at) == (1, 30, dt.time(9))
    assert AuditEvent.objects.filter(action="rota.desk_created", target_id=str(made.pk)).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("phone", "", "phone"),
        ("phone", "12", "phone"),
        ("location", "", "location"),
        ("required_people", "0", "required_people"),
        ("comp_window_days", "400", "comp_window_days"),
    ],
)  # fmt: skip
def test_a_desk_with_bad_input_is_refused_naming_the_field(
    users: Any, places: Any, field: str, value: str, expected: str
) -> None:
    values = {"phone": "0551-62345678", "location": "一楼", field: value}
    with pytest.raises(InvalidInput) as refused:
        sd.desk_create(actor=users["community"], place=places.communities[0], fields=sd.DeskFields(**values))
    assert refused.value.field == expected


@pytest.mark.parametrize("who", ["grid", "volunteer", "resident"])
def test_only_those_who_manage_the_place_set_up_its_desk(users: Any, places: Any, who: str) -> None:
    with pytest.raises(Forbidden):
        desk(users[who], places.communities[0])
    with pytest.raises(Forbidden):  # the worker of the first community at the second
        desk(users["community"], places.other_community)
    assert not DutyDesk.objects.exists()


def test_a_desk_goes_at_a_community_or_a_street_only(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        desk(users["street"], places.compounds[0])
    assert refused.value.field == "place_id"


# ----------------------------------------------------------------------------- the calendar


def test_a_weekday_holiday_is_a_rest_day_and_a_makeup_saturday_is_not(users: Any, places: Any) -> None:
    the_desk = desk(users["community"], places.communities[0])
    me = users["community"].person
    assert shift(users["community"], the_desk, me, LABOUR_DAY).rest_day is True  # Friday, 劳动节
    assert shift(users["community"], the_desk, me, HOLIDAY_MON).rest_day is True  # Monday, 劳动节
    assert shift(users["community"], the_desk, me, MAKEUP_SATURDAY).rest_day is False  # Saturday, 调休上班
    assert shift(users["community"], the_desk, me, PLAIN_SUNDAY).rest_day is True
    assert shift(users["community"], the_desk, me, WORKDAY).rest_day is False
    infos = {i.day: i for i in day_infos(LABOUR_DAY, PLAIN_SUNDAY)}
    assert infos[LABOUR_DAY].name == "劳动节" and infos[LABOUR_DAY].holiday
    assert infos[MAKEUP_SATURDAY].makeup_workday and not infos[MAKEUP_SATURDAY].rest
    assert infos[PLAIN_SUNDAY].rest and infos[PLAIN_SUNDAY].name == ""


# ----------------------------------------------------------------------------- adding shifts


def test_one_person_has_one_shift_per_desk_per_day(users: Any, places: Any) -> None:
    the_desk = desk(users["community"], places.communities[0])
    me = users["community"].person
    first, created = ss.shift_add(actor=users["community"], desk=the_desk, person=me, day=HOLIDAY_SAT)
    again, created_again = ss.shift_add(actor=users["community"], desk=the_desk, person=me, day=HOLIDAY_SAT)
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyShift.objects.create(
            desk=the_desk, place_path=the_desk.place_path, day=HOLIDAY_SAT, person=me,
            starts_at=dt.time(9), ends_at=dt.time(17), rest_day=True,
        )  # fmt: skip
    assert DutyShift.objects.filter(desk=the_desk, day=HOLIDAY_SAT).count() == 1


def test_a_person_on_duty_at_one_desk_cannot_be_on_another_the_same_day(users: Any, places: Any) -> None:
    street_staff = staff_of(places.street, "street_staff")[0]
    community_desk = desk(users["street"], places.communities[0])
    street_desk = desk(users["street"], places.street)
    shift(users["street"], street_desk, street_staff, HOLIDAY_SAT)
    with pytest.raises(Conflict) as refused:
        shift(users["street"], community_desk, street_staff, HOLIDAY_SAT)
    assert refused.value.field == "person_id" and street_desk.name in refused.value.message


def test_street_staff_may_cover_a_community_desk_but_a_grid_worker_may_not_be_on_duty(users: Any, places: Any) -> None:
    the_desk = desk(users["street"], places.communities[0])
    street_staff = staff_of(places.street, "street_staff")[0]
    assert shift(users["street"], the_desk, street_staff, HOLIDAY_SAT).person_id == street_staff.pk
    with pytest.raises(InvalidInput) as refused:
        shift(users["street"], the_desk, users["grid"].person, HOLIDAY_SAT)
    assert refused.value.field == "person_id"
    other_worker = staff_of(places.other_community, "community_staff")[0]
    with pytest.raises(InvalidInput):  # a worker of another community does not keep this desk
        shift(users["street"], the_desk, other_worker, HOLIDAY_SAT)


def test_a_shift_is_planned_for_today_or_later_with_an_end_after_its_start(users: Any, places: Any) -> None:
    the_desk = desk(users["community"], places.communities[0])
    me = users["community"].person
    with pytest.raises(InvalidInput) as past:
        shift(users["community"], the_desk, me, TODAY - dt.timedelta(days=2))
    assert past.value.field == "day"
    with pytest.raises(InvalidInput) as times:
        ss.shift_add(
            actor=users["community"], desk=the_desk, person=me, day=HOLIDAY_SAT,
            starts_at=dt.time(17), ends_at=dt.time(9),
        )  # fmt: skip
    assert times.value.field == "ends_at"


@pytest.mark.parametrize("who", ["grid", "volunteer", "resident"])
def test_only_managers_of_the_desk_plan_shifts(users: Any, places: Any, who: str) -> None:
    the_desk = desk(users["community"], places.communities[0])
    with pytest.raises(Forbidden):
        shift(users[who], the_desk, users["community"].person, HOLIDAY_SAT)
    other_desk = desk(users["street"], places.other_community)
    with pytest.raises(Forbidden):
        shift(users["community"], other_desk, staff_of(places.other_community, "community_staff")[0], HOLIDAY_SAT)


# ----------------------------------------------------------------------------- check-in


def test_only_the_person_on_duty_checks_in_and_only_on_the_day(users: Any, places: Any, monkeypatch: Any) -> None:
    the_desk = desk(users["community"], places.communities[0])
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    with pytest.raises(Conflict) as early:
        ss.shift_check_in(actor=users["community"], shift=mine)
    assert "还没到值班日" in early.value.message
    freeze(monkeypatch, HOLIDAY_SAT, hour=9)
    with pytest.raises(Forbidden):
        ss.shift_check_in(actor=secretary(places.communities[0]), shift=mine)
    done = ss.shift_check_in(actor=users["community"], shift=mine)
    assert done.status == ShiftStatus.CHECKED_IN and done.checked_in_at is not None
    assert done.comp_until == HOLIDAY_SAT + dt.timedelta(days=30)
    assert ss.shift_check_in(actor=users["community"], shift=mine).checked_in_at == done.checked_in_at  # repeat
    assert AuditEvent.objects.filter(action="rota.shift_checked_in").count() == 1


def test_a_planned_shift_whose_day_passed_shows_as_missed_and_cannot_be_checked_in_late(
    users: Any, places: Any, monkeypatch: Any
) -> None:
    the_desk = desk(users["community"], places.communities[0])
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    assert mine.state_on(HOLIDAY_SAT) == "planned"
    freeze(monkeypatch, HOLIDAY_SAT + dt.timedelta(days=1))
    assert mine.state_on(HOLIDAY_SAT + dt.timedelta(days=1)) == "missed"
    with pytest.raises(Conflict) as late:
        ss.shift_check_in(actor=users["community"], shift=mine)
    assert "不能补签" in late.value.message
    assert DutyShift.objects.get(pk=mine.pk).status == ShiftStatus.PLANNED  # nothing stored: missed is computed


def test_a_workday_shift_checked_in_earns_no_compensatory_day(users: Any, places: Any, monkeypatch: Any) -> None:
    the_desk = desk(users["community"], places.communities[0])
    mine = shift(users["community"], the_desk, users["community"].person, MAKEUP_SATURDAY)
    freeze(monkeypatch, MAKEUP_SATURDAY)
    assert ss.shift_check_in(actor=users["community"], shift=mine).comp_until is None


# ----------------------------------------------------------------------------- managers' changes


def test_a_manager_reassigns_and_removes_planned_future_shifts_only(users: Any, places: Any, monkeypatch: Any) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    other = colleague(users, community)
    planned = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    moved = ss.shift_reassign(actor=users["community"], shift=planned, person=other.person)
    assert moved.person_id == other.person_id and moved.reminded_at is None
    assert AuditEvent.objects.filter(action="rota.shift_reassigned").count() == 1
    later = shift(users["community"], the_desk, users["community"].person, PLAIN_SUNDAY)
    ss.shift_remove(actor=users["community"], shift=later)
    assert not DutyShift.objects.filter(pk=later.pk).exists()
    assert AuditEvent.objects.filter(action="rota.shift_removed").count() == 1
    with pytest.raises(Forbidden):
        ss.shift_remove(actor=users["grid"], shift=planned)
    freeze(monkeypatch, HOLIDAY_SAT)
    ss.shift_check_in(actor=other, shift=planned)
    with pytest.raises(Conflict):
        ss.shift_remove(actor=users["community"], shift=planned)
    with pytest.raises(Conflict):
        ss.shift_reassign(actor=users["community"], shift=planned, person=users["community"].person)


# ----------------------------------------------------------------------------- swaps


def test_a_worker_offers_a_shift_to_a_colleague_who_accepts_and_both_steps_are_audited(users: Any, places: Any) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    other = colleague(users, community)
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    swap, created = ss.swap_offer(actor=users["community"], shift=mine, to_person=other.person, note="家里有事")
    assert created and swap.status == SwapStatus.OFFERED
    assert ss.swap_offer(actor=users["community"], shift=mine, to_person=other.person)[0].pk == swap.pk  # repeat
    assert Notification.objects.filter(recipient=other, kind="rota.swap_offered").count() == 1
    with pytest.raises(Forbidden):  # only the colleague named accepts
        ss.swap_accept(actor=users["community"], swap=swap)
    accepted = ss.swap_accept(actor=other, swap=swap)
    assert accepted.status == SwapStatus.ACCEPTED
    assert DutyShift.objects.get(pk=mine.pk).person_id == other.person_id
    assert {e.action for e in AuditEvent.objects.filter(action__startswith="rota.swap_")} == {
        "rota.swap_offered",
        "rota.swap_accepted",
    }
    assert ss.swap_accept(actor=other, swap=swap).status == SwapStatus.ACCEPTED  # a double submit changes nothing


def test_a_shift_cannot_be_swapped_to_someone_already_on_duty_that_day(users: Any, places: Any) -> None:
    community = places.communities[0]
    the_desk = DutyDesk.objects.get(pk=desk(users["community"], community).pk)
    DutyDesk.objects.filter(pk=the_desk.pk).update(required_people=2)
    other = colleague(users, community)
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    shift(users["community"], the_desk, other.person, HOLIDAY_SAT)
    with pytest.raises(Conflict) as refused:
        ss.swap_offer(actor=users["community"], shift=mine, to_person=other.person)
    assert refused.value.field == "to_person_id"


def test_only_the_person_on_the_shift_offers_it_and_an_offer_lapses_when_the_shift_changes_hands(
    users: Any, places: Any
) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    other = colleague(users, community)
    boss = secretary(community)
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    with pytest.raises(Forbidden):
        ss.swap_offer(actor=other, shift=mine, to_person=other.person)
    with pytest.raises(InvalidInput):
        ss.swap_offer(actor=users["community"], shift=mine, to_person=users["community"].person)
    swap, _created = ss.swap_offer(actor=users["community"], shift=mine, to_person=other.person)
    ss.shift_reassign(actor=boss, shift=mine, person=boss.person)
    with pytest.raises(Conflict):
        ss.swap_accept(actor=other, swap=swap)
    assert DutyShift.objects.get(pk=mine.pk).person_id == boss.person_id


def test_an_offer_is_declined_by_the_colleague_or_withdrawn_by_the_offerer(users: Any, places: Any) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    other = colleague(users, community)
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    swap, _ = ss.swap_offer(actor=users["community"], shift=mine, to_person=other.person)
    with pytest.raises(Forbidden):
        ss.swap_withdraw(actor=other, swap=swap)
    assert ss.swap_decline(actor=other, swap=swap).status == SwapStatus.DECLINED
    again, _ = ss.swap_offer(actor=users["community"], shift=mine, to_person=other.person)
    assert again.pk != swap.pk
    assert ss.swap_withdraw(actor=users["community"], swap=again).status == SwapStatus.WITHDRAWN
    with pytest.raises(Conflict):
        ss.swap_accept(actor=other, swap=again)
    assert DutyShift.objects.get(pk=mine.pk).person_id == users["community"].person_id
    assert Person.objects.filter(pk=other.person_id).exists()
