"""Training sessions and attendance: a session is recorded by the street's keepers, attendance lists workers of
the session's place in post that day, a double submit records each once, the 全科社工 flag comes from attendance,
and hours are summed per worker per year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.workforce import services as ws
from linli.workforce import services_training as st
from linli.workforce.models import Attendance
from linli.workforce.selectors import access_worker, hours_by_year
from tests.workforce_support import days_ago, hire, session, staff_person

pytestmark = pytest.mark.django_db
API = "/api/v1/workforce"


@pytest.fixture
def two(users: Any, places: Any) -> list[Any]:
    first, other = places.communities[0], places.communities[1]
    return [hire(users["street"], staff_person(first), first), hire(users["street"], staff_person(other), other)]


def test_attendance_submitted_twice_records_each_worker_once(users: Any, places: Any, two: list[Any]) -> None:
    training = session(users["street"], places.street)
    ids = [w.pk for w in two]
    assert st.attendance_record(actor=users["street"], training=training, worker_ids=ids) == 2
    assert st.attendance_record(actor=users["street"], training=training, worker_ids=[*ids, ids[0]]) == 0
    assert Attendance.objects.filter(training=training).count() == 2
    assert AuditEvent.objects.filter(action="workforce.attendance_recorded").count() == 1


def test_the_api_attendance_is_safe_to_repeat(api_as: Any, users: Any, places: Any, two: list[Any]) -> None:
    training = session(users["street"], places.street)
    api = api_as("street")
    body = {"worker_ids": [two[0].pk]}
    first = api.post(f"{API}/trainings/{training.pk}/attendance", body, content_type="application/json").json()
    again = api.post(f"{API}/trainings/{training.pk}/attendance", body, content_type="application/json").json()
    assert (first["recorded"], again["recorded"], again["attended"]) == (1, 0, 1)


def test_a_community_session_takes_only_its_own_workers(users: Any, places: Any, two: list[Any]) -> None:
    training = session(users["street"], places.communities[0], title="社区业务培训", topic="service")
    with pytest.raises(InvalidInput) as refused:
        st.attendance_record(actor=users["street"], training=training, worker_ids=[two[1].pk])
    assert refused.value.field == "worker_ids" and not Attendance.objects.exists()


def test_someone_not_yet_hired_on_the_day_cannot_be_recorded(users: Any, places: Any) -> None:
    community = places.communities[0]
    late = hire(users["street"], staff_person(community), community, hired_on=days_ago(2))
    training = session(users["street"], places.street, held_on=days_ago(10))
    with pytest.raises(InvalidInput):
        st.attendance_record(actor=users["street"], training=training, worker_ids=[late.pk])


def test_only_the_streets_keepers_record_sessions_and_attendance(users: Any, places: Any, two: list[Any]) -> None:
    with pytest.raises(Forbidden):
        session(users["community"], places.communities[0])
    training = session(users["street"], places.street)
    with pytest.raises(Forbidden):
        st.attendance_record(actor=users["community"], training=training, worker_ids=[two[0].pk])


@pytest.mark.parametrize(
    ("hours", "ok"), [("0", False), ("24.5", False), ("1.25", False), ("abc", False), ("1.5", True)]
)
def test_hours_are_positive_at_most_24_with_one_decimal(users: Any, places: Any, hours: str, ok: bool) -> None:
    if ok:
        assert session(users["street"], places.street, hours=hours).hours == Decimal("1.5")
        return
    with pytest.raises(InvalidInput) as refused:
        session(users["street"], places.street, hours=hours)
    assert refused.value.field == "hours"


def test_the_generalist_flag_comes_from_attending_a_generalist_session(users: Any, places: Any, two: list[Any]) -> None:
    worker = two[0]
    policy = session(users["street"], places.street, title="政策法规培训", topic="policy")
    st.attendance_record(actor=users["street"], training=policy, worker_ids=[worker.pk])
    assert access_worker(users["street"], worker.pk).generalist is False
    generalist = session(users["street"], places.street)
    st.attendance_record(actor=users["street"], training=generalist, worker_ids=[worker.pk])
    assert access_worker(users["street"], worker.pk).generalist is True


def test_hours_are_summed_per_worker_per_year(users: Any, places: Any) -> None:
    community = places.communities[0]
    worker = hire(users["street"], staff_person(community), community, hired_on=dt.date(2023, 1, 1))
    sessions = [
        session(users["street"], places.street, title="一", held_on=dt.date(2024, 3, 1), hours="4"),
        session(users["street"], places.street, title="二", held_on=dt.date(2024, 9, 1), hours="2.5"),
        session(users["street"], places.street, title="三", held_on=dt.date(2025, 5, 1), hours="3"),
    ]
    for t in sessions:
        st.attendance_record(actor=users["street"], training=t, worker_ids=[worker.pk])
    assert hours_by_year(worker) == [(2025, Decimal("3.0"), 1), (2024, Decimal("6.5"), 2)]


def test_a_training_create_retried_under_its_key_records_one_session(users: Any, places: Any) -> None:
    one = session(users["street"], places.street, key="t-1")
    two = session(users["street"], places.street, key="t-1")
    assert one.pk == two.pk


def test_community_staff_see_the_streets_sessions_and_only_their_own_attendees(
    api_as: Any, users: Any, places: Any, two: list[Any]
) -> None:
    training = session(users["street"], places.street)
    st.attendance_record(actor=users["street"], training=training, worker_ids=[w.pk for w in two])
    answer = api_as("community").get(f"{API}/trainings/{training.pk}").json()
    assert answer["attended"] == 2 and [a["worker_id"] for a in answer["attendees"]] == [two[0].pk]
    assert api_as("grid").get(f"{API}/trainings/{training.pk}").status_code == 404


def test_the_attendance_page_records_ticked_workers_once(
    client_as: Any, users: Any, places: Any, two: list[Any]
) -> None:
    training = session(users["street"], places.street)
    street = client_as("street")
    page = street.get(f"/workforce/trainings/{training.pk}/").content.decode()
    assert f'value="{two[0].pk}"' in page and f'value="{two[1].pk}"' in page
    for _ in range(2):
        answer = street.post(f"/workforce/trainings/{training.pk}/", {"worker_ids": [two[0].pk]})
        assert answer.status_code == 302
    assert Attendance.objects.filter(training=training).count() == 1
    assert (
        client_as("community").post(f"/workforce/trainings/{training.pk}/", {"worker_ids": [two[0].pk]}).status_code
        == 403
    )


def test_a_left_worker_keeps_their_training_history(users: Any, places: Any, two: list[Any]) -> None:
    training = session(users["street"], places.street)
    st.attendance_record(actor=users["street"], training=training, worker_ids=[two[0].pk])
    ws.worker_leave(actor=users["street"], worker=two[0], left_on=days_ago(0), reason="retired")
    assert hours_by_year(two[0])[0][1] == Decimal("4.0")
