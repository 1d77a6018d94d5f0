"""Working-day deadlines follow the official calendar, and fall back to weekends for unpublished years."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.workdays.models import CalendarDay, CalendarYear
from linli.workdays.services import (
    add_working_days,
    calendar_cache_clear,
    calendar_day_clear,
    calendar_day_set,
    calendar_seed_from_package,
    calendar_warning,
    calendar_year_publish,
    calendar_year_unpublish,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """Each test's edits are rolled back; the process-memory cache must not outlive them. Browser
    tests flush the database, so put the seeded years back first (a no-op when they are there)."""
    calendar_seed_from_package()
    calendar_cache_clear()
    yield
    calendar_cache_clear()


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, hour, 0, tzinfo=SH)


def end_of(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=SH)


# --- the real calendar ---------------------------------------------------------------------------


def test_the_seed_migration_fills_every_year_the_package_knows():
    # Run the migration's function on an empty calendar (transactional tests elsewhere may flush it).
    seed_migration = importlib.import_module("linli.workdays.migrations.0002_seed_from_package")
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    seed_migration.seed(django_apps, None)
    years = list(CalendarYear.objects.filter(published=True, source="package").values_list("year", flat=True))
    assert years == list(range(2004, 2027))
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=dt.date(2025, 9, 28)).kind == "workday"


def test_every_day_from_2004_to_2026_agrees_with_the_package():
    day, disagreements = dt.date(2004, 1, 1), []
    while day <= dt.date(2026, 12, 31):
        if is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += dt.timedelta(days=1)
    assert disagreements == []


def test_national_day_2025_three_working_days_from_monday_29_september_end_on_friday_10_october():
    # Sep 30 (1), Oct 1–8 holiday, Oct 9 (2), Oct 10 (3)
    assert add_working_days(at(2025, 9, 29), days=3) == end_of(2025, 10, 10)


def test_national_day_2025_the_make_up_saturday_11_october_counts_as_a_working_day():
    assert is_working_day(dt.date(2025, 10, 11))
    assert add_working_days(at(2025, 9, 29), days=4) == end_of(2025, 10, 11)
    assert add_working_days(at(2025, 9, 29), days=5) == end_of(2025, 10, 13)


def test_national_day_2025_a_request_on_saturday_27_september_is_due_on_the_make_up_sunday():
    assert is_working_day(dt.date(2025, 9, 28))
    assert add_working_days(at(2025, 9, 27), days=1) == end_of(2025, 9, 28)


def test_national_day_2025_holidays_are_not_working_days():
    assert [is_working_day(dt.date(2025, 10, d)) for d in range(1, 9)] == [False] * 8


def test_spring_festival_2025_skips_28_january_to_4_february():
    friday = at(2025, 1, 24, hour=16)
    assert add_working_days(friday, days=1) == end_of(2025, 1, 26)  # Sunday, make-up workday
    assert add_working_days(friday, days=2) == end_of(2025, 1, 27)
    assert add_working_days(friday, days=3) == end_of(2025, 2, 5)


def test_spring_festival_2026_counts_both_make_up_saturdays():
    friday = at(2026, 2, 13, hour=14)
    assert add_working_days(friday, days=1) == end_of(2026, 2, 14)
    assert add_working_days(friday, days=2) == end_of(2026, 2, 24)
    assert add_working_days(friday, days=6) == end_of(2026, 2, 28)


def test_the_day_is_taken_in_beijing_time_whatever_zone_the_caller_uses():
    # 17:00 UTC on 29 September is 01:00 on 30 September in Beijing.
    utc = dt.datetime(2025, 9, 29, 17, 0, tzinfo=dt.UTC)
    assert add_working_days(utc, days=1) == end_of(2025, 10, 9)
    assert add_working_days(utc, days=1).tzinfo == SH


def test_is_working_day_reads_a_datetime_as_its_day_in_beijing():
    # 20:00 UTC on 30 September is already 1 October, National Day, in Beijing.
    assert not is_working_day(dt.datetime(2025, 9, 30, 20, 0, tzinfo=dt.UTC))
    assert is_working_day(dt.datetime(2025, 9, 30, 10, 0, tzinfo=dt.UTC))


def test_zero_working_days_means_the_end_of_today_or_the_next_working_day():
    assert add_working_days(at(2025, 9, 29), days=0) == end_of(2025, 9, 29)
    assert add_working_days(at(2025, 10, 3), days=0) == end_of(2025, 10, 9)


def test_it_refuses_naive_datetimes_and_negative_days():
    with pytest.raises(InvalidInput) as naive:
        add_working_days(dt.datetime(2025, 9, 29, 10), days=1)
    assert naive.value.field == "start"
    with pytest.raises(InvalidInput) as negative:
        add_working_days(at(2025, 9, 29), days=-1)
    assert negative.value.field == "days"


def test_working_days_between_is_the_inverse_of_add_working_days():
    start = at(2025, 9, 26)
    for n in range(0, 30):
        due = add_working_days(start, days=n)
        if n:
            assert working_days_between(start, due) == n
    assert working_days_between(at(2025, 9, 29), at(2025, 10, 10, hour=8)) == 3
    assert working_days_between(at(2025, 10, 10), at(2025, 9, 29)) == -3
    assert working_days_between(at(2025, 10, 1), at(2025, 10, 8)) == 0


def test_a_flushed_calendar_still_follows_the_package():
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    assert add_working_days(at(2025, 9, 29), days=4) == end_of(2025, 10, 11)
    assert calendar_warning(at(2025, 9, 29), end_of(2025, 10, 11)) is None
    assert calendar_warning(at(2026, 12, 30), end_of(2027, 1, 6)) is not None


def test_editing_a_year_missing_from_the_database_stores_the_package_version_first(users):
    CalendarDay.objects.filter(date__year=2025).delete()
    CalendarYear.objects.filter(year=2025).delete()
    calendar_day_set(actor=users["admin"], day=dt.date(2025, 10, 10), kind="holiday", name="国庆节")
    assert CalendarYear.objects.get(year=2025).published
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 11)).kind == "workday"
    assert add_working_days(at(2025, 9, 29), days=3) == end_of(2025, 10, 11)


# --- unpublished years ---------------------------------------------------------------------------


def test_crossing_into_2027_falls_back_to_weekends_and_does_not_raise():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2027, 1, 1))  # the package itself gives up here
    start = at(2026, 12, 30)
    # Dec 31 (1), Fri Jan 1 2027 counted as a weekday (2), Mon Jan 4 (3), Jan 5 (4), Jan 6 (5)
    assert add_working_days(start, days=5) == end_of(2027, 1, 6)
    assert working_days_between(start, end_of(2027, 1, 6)) == 5
    assert is_working_day(dt.date(2027, 1, 1))
    assert not is_working_day(dt.date(2027, 1, 2))


def test_a_span_touching_an_unpublished_year_carries_a_visible_warning():
    assert calendar_warning(at(2026, 12, 30), end_of(2027, 1, 6)) == "2027年节假日安排尚未公布,按周末计算"
    assert calendar_warning(at(2027, 12, 30), end_of(2028, 1, 6)) == "2027、2028年节假日安排尚未公布,按周末计算"
    assert calendar_warning(at(2025, 9, 29), end_of(2025, 10, 10)) is None


def test_far_future_years_never_raise():
    assert add_working_days(at(2150, 3, 1), days=10).year == 2150
    assert calendar_warning(at(2150, 3, 1), at(2150, 3, 20)) is not None


# --- editing ---------------------------------------------------------------------------------------


def test_an_admin_edit_takes_effect_immediately(users):
    start = at(2025, 9, 29)
    assert add_working_days(start, days=3) == end_of(2025, 10, 10)  # warms the cache
    calendar_day_set(actor=users["admin"], day=dt.date(2025, 10, 10), kind="holiday", name="国庆节")
    assert add_working_days(start, days=3) == end_of(2025, 10, 11)
    calendar_day_clear(actor=users["admin"], day=dt.date(2025, 10, 10))
    assert add_working_days(start, days=3) == end_of(2025, 10, 10)
    actions = list(AuditEvent.objects.filter(action__startswith="calendar.").values_list("action", flat=True))
    assert sorted(actions) == ["calendar.day_cleared", "calendar.day_set"]


def test_a_new_year_counts_only_once_it_is_published(users):
    admin, start = users["admin"], at(2026, 12, 30)
    assert add_working_days(start, days=2) == end_of(2027, 1, 1)
    calendar_day_set(actor=admin, day=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    calendar_day_set(actor=admin, day=dt.date(2027, 1, 2), kind="holiday", name="元旦")
    assert add_working_days(start, days=2) == end_of(2027, 1, 1)  # a draft moves nothing
    assert CalendarYear.objects.get(year=2027).source == "manual"
    calendar_year_publish(actor=admin, year=2027)
    assert add_working_days(start, days=2) == end_of(2027, 1, 4)
    assert calendar_warning(start, end_of(2027, 1, 4)) is None
    calendar_year_unpublish(actor=admin, year=2027)
    assert add_working_days(start, days=2) == end_of(2027, 1, 1)


def test_publishing_a_year_without_holidays_is_refused(users):
    with pytest.raises(Conflict):
        calendar_year_publish(actor=users["admin"], year=2027)
    assert not CalendarYear.objects.filter(year=2027, published=True).exists()


def test_publishing_twice_is_harmless(users):
    row = calendar_year_publish(actor=users["admin"], year=2025)
    assert row.published and row.source == "package"
    assert not AuditEvent.objects.filter(action="calendar.year_published").exists()


def test_a_make_up_workday_must_fall_on_a_weekend(users):
    with pytest.raises(InvalidInput) as err:
        calendar_day_set(actor=users["admin"], day=dt.date(2027, 1, 4), kind="workday", name="")
    assert err.value.field == "day"
    with pytest.raises(InvalidInput):
        calendar_day_set(actor=users["admin"], day=dt.date(2027, 1, 4), kind="festival", name="")


def test_clearing_a_plain_day_is_not_found(users):
    with pytest.raises(NotFound):
        calendar_day_clear(actor=users["admin"], day=dt.date(2025, 3, 3))


@pytest.mark.parametrize("role", ["street", "community", "grid", "resident"])
def test_it_refuses_a_non_admin(users, role):
    with pytest.raises(Forbidden):
        calendar_day_set(actor=users[role], day=dt.date(2025, 10, 10), kind="holiday", name="x")
    with pytest.raises(Forbidden):
        calendar_day_clear(actor=users[role], day=dt.date(2025, 10, 1))
    with pytest.raises(Forbidden):
        calendar_year_publish(actor=users[role], year=2027)
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 1)).kind == "holiday"
    assert not CalendarDay.objects.filter(date=dt.date(2025, 10, 10)).exists()


# --- cost ------------------------------------------------------------------------------------------


def test_ten_thousand_deadlines_read_the_calendar_once_per_year(django_assert_max_num_queries):
    base = at(2025, 1, 1)
    with django_assert_max_num_queries(4):  # 2025 and 2026: the year flag and its overrides each
        dues = [add_working_days(base + dt.timedelta(hours=i), days=1 + i % 20) for i in range(10_000)]
    assert dues[0] == end_of(2025, 1, 2)
    assert all(d.time() == dt.time(23, 59, 59) for d in dues)


def test_an_unpublished_year_is_cached_too(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        for i in range(1000):
            is_working_day(dt.date(2030, 1, 1) + dt.timedelta(days=i % 365))


# --- seeding -------------------------------------------------------------------------------------


def test_seed_calendar_refills_a_missing_year_and_leaves_others_alone(capsys):
    CalendarDay.objects.filter(date__year=2024).delete()
    CalendarYear.objects.filter(year=2024).delete()
    edited = CalendarDay.objects.get(date=dt.date(2025, 10, 1))
    edited.name = "国庆"
    edited.save()
    call_command("seed_calendar")
    assert CalendarYear.objects.get(year=2024).published
    assert CalendarDay.objects.filter(date__year=2024).count() == sum(
        1 for d in list(chinese_calendar.holidays) + list(chinese_calendar.workdays) if d.year == 2024
    )
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 1)).name == "国庆"
    assert "2024" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="calendar.seeded", actor_label="seed_calendar").exists()


def test_seed_calendar_replace_restores_the_package_version():
    CalendarDay.objects.filter(date=dt.date(2025, 10, 1)).update(name="改过")
    call_command("seed_calendar", "--year", "2025", "--replace")
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 1)).name == "国庆节"


def test_seed_calendar_for_a_year_the_package_does_not_know_fails_clearly():
    with pytest.raises(CommandError, match="2027"):
        call_command("seed_calendar", "--year", "2027")
    assert not CalendarYear.objects.filter(year=2027).exists()
