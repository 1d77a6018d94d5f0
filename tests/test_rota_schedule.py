"""自动排班: every rest day short of people gets the fairest of the desk's own staff; existing shifts are never
touched; the plan is applied whole or not at all; a double submit applies once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.rota import services_comp as sc
from linli.rota import services_schedule as sch
from linli.rota import services_shifts as ss
from linli.rota.models import DutyDesk, DutyShift, ScheduleRun
from tests.rota_support import (
    HOLIDAY_MON,
    HOLIDAY_SAT,
    HOLIDAY_SUN,
    HOLIDAY_TUE,
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
REST_DAYS = [LABOUR_DAY, HOLIDAY_SAT, HOLIDAY_SUN, HOLIDAY_MON, HOLIDAY_TUE, PLAIN_SUNDAY]  # 1–10 May 2026


@pytest.fixture(autouse=True)
def clock(monkeypatch: Any) -> None:
    freeze(monkeypatch, TODAY)


@pytest.fixture
def team(users: Any, places: Any) -> dict[str, Any]:
    community = places.communities[0]
    return {
        "desk": desk(users["community"], community),
        "secretary": secretary(community),
        "me": users["community"],
        "colleague": colleague(users, community),
        "people": staff_of(community),
    }


def test_the_plan_fills_every_rest_day_by_the_calendar_and_round_robins_the_staff(team: Any) -> None:
    plan = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY)
    assert [p.day for p in plan.proposals] == REST_DAYS  # the 调休上班 Saturday is not a rest day
    assert MAKEUP_SATURDAY not in {p.day for p in plan.proposals}
    load = Counter(p.person_id for p in plan.proposals)
    assert set(load) == {p.pk for p in team["people"]} and set(load.values()) == {2}  # three people, two each
    first_three = [p.person_id for p in plan.proposals[:3]]
    assert len(set(first_three)) == 3  # nobody twice before everyone once
    assert plan.proposals[0].holiday == "劳动节"


def test_the_fairest_is_who_had_fewest_rest_day_shifts_in_the_last_90_days(
    team: Any, monkeypatch: Any, places: Any
) -> None:
    busy = team["me"].person
    freeze(monkeypatch, dt.date(2026, 4, 4))  # 清明 (Saturday), within 90 days before 1 May
    shift(team["secretary"], team["desk"], busy, dt.date(2026, 4, 4))
    shift(team["secretary"], team["desk"], busy, dt.date(2026, 4, 5))
    freeze(monkeypatch, TODAY)
    plan = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=HOLIDAY_SUN)
    assert busy.pk not in [p.person_id for p in plan.proposals]  # the others catch up first
    assert [p.load for p in plan.proposals] == [0, 0, 1]


def test_existing_shifts_are_kept_and_only_short_days_are_filled(team: Any) -> None:
    kept = shift(team["secretary"], team["desk"], team["colleague"].person, HOLIDAY_SAT)
    plan = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY)
    assert HOLIDAY_SAT not in {p.day for p in plan.proposals}
    run, created = sch.schedule_apply(
        actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY, token=plan.token
    )
    assert created and run.shifts_created == 5
    assert DutyShift.objects.get(desk=team["desk"], day=HOLIDAY_SAT).pk == kept.pk
    assert sorted(DutyShift.objects.filter(desk=team["desk"]).values_list("day", flat=True)) == REST_DAYS
    assert AuditEvent.objects.filter(action="rota.schedule_applied").count() == 1


def test_people_on_a_compensatory_day_or_on_duty_elsewhere_are_skipped(
    team: Any, users: Any, places: Any, monkeypatch: Any
) -> None:
    from linli.workdays.services import calendar_day_set

    sunday = dt.date(2026, 4, 26)
    freeze(monkeypatch, sunday)
    earned = shift(team["secretary"], team["desk"], team["me"].person, sunday)
    ss.shift_check_in(actor=team["me"], shift=earned)
    freeze(monkeypatch, TODAY)
    comp, _ = sc.comp_request(actor=team["me"], shift=earned, day=WORKDAY)
    sc.comp_approve(actor=team["secretary"], comp=comp)
    # the State Council moves a rest day onto the worker's approved day off: the plan leaves them out
    calendar_day_set(actor=users["admin"], day=WORKDAY, kind="holiday", name="劳动节")
    plan = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=WORKDAY, until=WORKDAY)
    assert len(plan.proposals) == 1 and plan.proposals[0].person_id != team["me"].person_id
    # someone on duty at another desk that day (there before a transfer, say) is left out too
    elsewhere = desk(users["street"], places.street)
    chosen = plan.proposals[0].person_id
    DutyShift.objects.create(
        desk=elsewhere, place_path=elsewhere.place_path, day=WORKDAY, person_id=chosen,
        starts_at=dt.time(9), ends_at=dt.time(17), rest_day=True,
    )  # fmt: skip
    again = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=WORKDAY, until=WORKDAY)
    assert [p.person_id for p in again.proposals] == [
        p.pk for p in team["people"] if p.pk not in (chosen, team["me"].person_id)
    ]


def test_a_plan_that_changed_since_the_preview_is_not_applied_at_all(team: Any) -> None:
    plan = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY)
    proposed = plan.proposals[2]
    other = next(p for p in team["people"] if p.pk != proposed.person_id)
    shift(team["secretary"], team["desk"], other, proposed.day)  # someone fills that day by hand meanwhile
    with pytest.raises(Conflict) as changed:
        sch.schedule_apply(
            actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY, token=plan.token
        )
    assert "重新预览" in changed.value.message and changed.value.field == "token"
    assert DutyShift.objects.filter(desk=team["desk"]).count() == 1  # nothing of the plan was applied
    assert not ScheduleRun.objects.exists()


def test_a_double_submitted_apply_schedules_once(team: Any) -> None:
    plan = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY)
    first, created = sch.schedule_apply(
        actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY,
        token=plan.token, idempotency_key="form-1",
    )  # fmt: skip
    again, created_again = sch.schedule_apply(
        actor=team["secretary"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY,
        token=plan.token, idempotency_key="form-1",
    )  # fmt: skip
    assert created and not created_again and again.pk == first.pk
    assert DutyShift.objects.filter(desk=team["desk"]).count() == len(REST_DAYS)
    assert ScheduleRun.objects.count() == 1


def test_a_span_is_today_or_later_and_at_most_92_days(team: Any) -> None:
    cases = [(TODAY - dt.timedelta(days=1), TODAY, "since"), (LABOUR_DAY, TODAY, "until")]
    cases.append((TODAY, TODAY + dt.timedelta(days=92), "until"))
    for since, until, field in cases:
        with pytest.raises(InvalidInput) as refused:
            sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=since, until=until)
        assert refused.value.field == field
    assert (
        sch.schedule_preview(
            actor=team["secretary"], desk=team["desk"], since=TODAY, until=TODAY + dt.timedelta(days=91)
        ).rest_days
        > 20
    )


def test_an_empty_plan_is_refused_and_grid_workers_cannot_schedule(team: Any, users: Any) -> None:
    plan = sch.schedule_preview(actor=team["secretary"], desk=team["desk"], since=WORKDAY, until=WORKDAY)
    assert plan.proposals == [] and plan.rest_days == 0
    with pytest.raises(InvalidInput):
        sch.schedule_apply(actor=team["secretary"], desk=team["desk"], since=WORKDAY, until=WORKDAY, token=plan.token)
    with pytest.raises(Forbidden):
        sch.schedule_preview(actor=users["grid"], desk=team["desk"], since=LABOUR_DAY, until=PLAIN_SUNDAY)


def test_days_nobody_can_cover_are_reported_short(team: Any) -> None:
    DutyDesk.objects.filter(pk=team["desk"].pk).update(required_people=4)
    fresh = DutyDesk.objects.get(pk=team["desk"].pk)
    plan = sch.schedule_preview(actor=team["secretary"], desk=fresh, since=LABOUR_DAY, until=LABOUR_DAY)
    assert len(plan.proposals) == 3 and plan.short == [(LABOUR_DAY, 1)]
