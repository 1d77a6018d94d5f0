"""The register's rules: a hire writes its first dated event, a person holds one open spell, grades are 1–18 (the
service names the field; the database refuses the rest), changes of post and grade are dated events that answer
"who held which grade on date X", a leave keeps the row, and only the street's keepers write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from linli.audit.models import AuditEvent
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.workforce import services as ws
from linli.workforce.models import Worker, WorkerEvent
from linli.workforce.selectors import held_on
from tests.workforce_support import days_ago, details, details_of, hire, resident_of, staff_person

pytestmark = pytest.mark.django_db


def test_a_street_hire_records_the_worker_its_first_event_and_an_audit_event(users: Any, places: Any) -> None:
    community = places.communities[0]
    person = staff_person(community)
    worker = hire(users["street"], person, community, post="deputy_director", grade=9)
    assert worker.place_path == community.path and worker.grade == 9 and worker.tier == "deputy"
    assert worker.certificate_enc and "ZS2024000123" not in worker.certificate_enc  # stored encrypted
    assert crypto.decrypt(worker.certificate_enc) == "ZS2024000123"
    [event] = WorkerEvent.objects.filter(worker=worker)
    assert (event.kind, event.effective_on, event.post, event.grade) == (
        "hired",
        dt.date(2023, 3, 1),
        "deputy_director",
        9,
    )
    audit = AuditEvent.objects.get(action="workforce.worker_hired", target_id=str(worker.pk))
    assert "grade" not in audit.detail


def test_a_person_cannot_hold_two_open_spells_and_the_database_refuses_it_too(users: Any, places: Any) -> None:
    community = places.communities[0]
    person = staff_person(community)
    first = hire(users["street"], person, community)
    with pytest.raises(Conflict) as refused:
        hire(users["street"], person, places.communities[1])
    assert refused.value.field == "person_id"
    with pytest.raises(IntegrityError), transaction.atomic():
        Worker.objects.create(
            person=person, place=community, place_path=community.path, post="other", grade=3, hired_on=first.hired_on
        )


def test_a_double_submitted_hire_under_one_key_registers_one_worker(users: Any, places: Any) -> None:
    community = places.communities[0]
    person = staff_person(community)
    one = hire(users["street"], person, community, idempotency_key="k-1")
    two = hire(users["street"], person, community, idempotency_key="k-1")
    assert one.pk == two.pk and Worker.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("grade", [0, 19, "十", "1.5", ""])
def test_a_grade_outside_one_to_eighteen_is_refused_naming_the_grade(users: Any, places: Any, grade: Any) -> None:
    community = places.communities[0]
    with pytest.raises(InvalidInput) as refused:
        hire(users["street"], staff_person(community), community, grade=grade)
    assert refused.value.field == "grade"
    assert not Worker.objects.exists()


def test_the_database_check_refuses_grade_nineteen_whatever_writes_it(users: Any, places: Any) -> None:
    worker = hire(users["street"], staff_person(places.communities[0]), places.communities[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Worker.objects.filter(pk=worker.pk).update(grade=19)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"post": "boss"}, "post"),
        ({"employment": "contract"}, "employment"),
        ({"qualification": "", "certificate_no": "ZS1"}, "qualification"),
        ({"certificate_no": "ZS-12/3"}, "certificate_no"),
        ({"education": "phd"}, "education"),
    ],
)
def test_bad_choices_are_refused_in_chinese_naming_the_field(
    users: Any, places: Any, change: dict[str, Any], field: str
) -> None:
    community = places.communities[0]
    with pytest.raises(InvalidInput) as refused:
        ws.worker_hire(
            actor=users["street"],
            person=staff_person(community),
            details=details(community, **change),
            hired_on=dt.date(2023, 1, 1),
        )
    assert refused.value.field == field and any("\u4e00" <= c <= "\u9fff" for c in refused.value.message)


def test_a_hire_date_in_the_future_is_refused(users: Any, places: Any) -> None:
    community = places.communities[0]
    with pytest.raises(InvalidInput) as refused:
        hire(users["street"], staff_person(community), community, hired_on=days_ago(-3))
    assert refused.value.field == "hired_on"


def test_community_staff_and_grid_workers_cannot_hire(users: Any, places: Any) -> None:
    community = places.communities[0]
    for who in ("community", "grid"):
        with pytest.raises(Forbidden):
            hire(users[who], staff_person(community, nth=1), community)
    assert not Worker.objects.exists()


def test_a_street_keeper_may_hire_a_resident_of_its_ledger_as_a_new_recruit(users: Any, places: Any) -> None:
    community = places.communities[0]
    recruit = resident_of(community)
    worker = hire(users["street"], recruit, community)
    assert worker.person_id == recruit.pk


def test_a_grade_change_is_a_dated_event_and_the_grade_on_any_day_is_answerable(users: Any, places: Any) -> None:
    community = places.communities[0]
    worker = hire(users["street"], staff_person(community), community, grade=5, hired_on=dt.date(2022, 1, 1))
    ws.worker_update(
        actor=users["street"], worker=worker, details=details_of(worker, grade=7), effective_on=dt.date(2024, 7, 1)
    )
    ws.worker_update(
        actor=users["street"],
        worker=Worker.objects.select_related("person", "place").get(pk=worker.pk),
        details=details_of(worker, grade=8, post="deputy_director"),
        effective_on=dt.date(2025, 7, 1),
    )
    assert held_on([worker.pk], dt.date(2021, 12, 31)) == {}
    assert held_on([worker.pk], dt.date(2023, 6, 1))[worker.pk].grade == 5
    assert held_on([worker.pk], dt.date(2024, 7, 1))[worker.pk].grade == 7
    assert held_on([worker.pk], dt.date(2025, 8, 1))[worker.pk].post == "deputy_director"
    worker.refresh_from_db()
    assert worker.grade == 8 and worker.post == "deputy_director"
    assert list(WorkerEvent.objects.filter(worker=worker).values_list("kind", flat=True)) == [
        "hired",
        "changed",
        "changed",
    ]
    audit = AuditEvent.objects.filter(action="workforce.worker_changed", target_id=str(worker.pk)).first()
    assert audit is not None and "8" not in str(audit.detail.get("grade_changed"))


def test_a_change_dated_before_the_last_one_is_refused(users: Any, places: Any) -> None:
    community = places.communities[0]
    worker = hire(users["street"], staff_person(community), community, hired_on=dt.date(2024, 1, 1))
    with pytest.raises(InvalidInput) as refused:
        ws.worker_update(
            actor=users["street"], worker=worker, details=details_of(worker, grade=9), effective_on=dt.date(2023, 1, 1)
        )
    assert refused.value.field == "effective_on"


def test_saving_unchanged_records_nothing(users: Any, places: Any) -> None:
    community = places.communities[0]
    worker = hire(users["street"], staff_person(community), community)
    before = AuditEvent.objects.count()
    ws.worker_update(actor=users["street"], worker=worker, details=details_of(worker))
    assert AuditEvent.objects.count() == before and WorkerEvent.objects.filter(worker=worker).count() == 1


def test_a_leave_keeps_the_row_closes_it_and_a_second_leave_conflicts(users: Any, places: Any) -> None:
    community = places.communities[0]
    person = staff_person(community)
    worker = hire(users["street"], person, community)
    ws.worker_leave(actor=users["street"], worker=worker, left_on=days_ago(1), reason="resigned", note="考取公务员")
    worker.refresh_from_db()
    assert worker.left_on == days_ago(1) and worker.leave_reason == "resigned"
    assert WorkerEvent.objects.filter(worker=worker).last().kind == "left"
    with pytest.raises(Conflict):
        ws.worker_leave(actor=users["street"], worker=worker, left_on=days_ago(0), reason="resigned")
    with pytest.raises(Conflict):
        ws.worker_update(actor=users["street"], worker=worker, details=details_of(worker, grade=9))
    # the person may be hired again later: a new spell, the old row stays
    again = hire(users["street"], person, community, hired_on=days_ago(0))
    assert Worker.objects.filter(person=person).count() == 2 and again.left_on is None


def test_a_leave_needs_a_known_reason_and_a_date_not_before_the_hire(users: Any, places: Any) -> None:
    community = places.communities[0]
    worker = hire(users["street"], staff_person(community), community, hired_on=dt.date(2024, 5, 1))
    with pytest.raises(InvalidInput) as refused:
        ws.worker_leave(actor=users["street"], worker=worker, left_on=dt.date(2024, 4, 1), reason="resigned")
    assert refused.value.field == "left_on"
    with pytest.raises(InvalidInput) as refused:
        ws.worker_leave(actor=users["street"], worker=worker, left_on=dt.date(2024, 6, 1), reason="")
    assert refused.value.field == "leave_reason"


def test_worker_events_are_append_only_in_the_database(users: Any, places: Any) -> None:
    community = places.communities[0]
    worker = hire(users["street"], staff_person(community), community)
    with pytest.raises(DatabaseError), transaction.atomic():
        WorkerEvent.objects.filter(worker=worker).update(grade=18)
    assert WorkerEvent.objects.get(worker=worker).grade == 6


def test_moving_to_another_street_is_refused_but_to_another_community_is_a_dated_move(users: Any, places: Any) -> None:
    first, second = places.communities[0], places.communities[1]
    worker = hire(users["street"], staff_person(first), first)
    moved = ws.worker_update(
        actor=users["street"], worker=worker, details=details_of(worker, place=second), effective_on=days_ago(0)
    )
    assert moved.place_path == second.path
    assert WorkerEvent.objects.filter(worker=worker).last().kind == "moved"
