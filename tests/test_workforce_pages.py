"""The register pages as the street's HR uses them: hire from the form (a double submit registers one), edit with a
dated grade change, record a leave, record a session; refused forms come back with the field named (422)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from linli.people.fakes import make_id
from linli.workforce.models import Training, Worker, WorkerEvent
from tests.workforce_support import days_ago, hire, resident_of, staff_person

pytestmark = pytest.mark.django_db


def _form(person: Any, place: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "person_id": person.pk, "place_id": place.pk, "post": "other", "grade": "5", "employment": "full_time",
        "hired_on": "2024-02-01", "education": "college", "qualification": "", "certificate_no": "",
        "idempotency_key": "form-1",
    }  # fmt: skip
    data.update(extra)
    return data


def test_the_hire_form_offers_the_streets_staff_and_a_double_submit_registers_one(client_as: Any, places: Any) -> None:
    street = client_as("street")
    community = places.communities[0]
    person = staff_person(community)
    page = street.get("/workforce/new/").content.decode()
    assert f'value="{person.pk}"' in page
    first = street.post("/workforce/new/", _form(person, community))
    second = street.post("/workforce/new/", _form(person, community))
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Worker.objects.filter(person=person).count() == 1


def test_the_hire_form_finds_a_recruit_by_id_number(client_as: Any, places: Any) -> None:
    community = places.communities[0]
    recruit = resident_of(community)
    data = _form(recruit, community, person_id="", id_number=recruit.id_number)
    assert client_as("street").post("/workforce/new/", data).status_code == 302
    assert Worker.objects.filter(person=recruit).exists()
    unknown = _form(recruit, community, person_id="", id_number=make_id(dt.date(1990, 1, 1), 499))
    refused = client_as("street").post("/workforce/new/", {**unknown, "idempotency_key": "form-2"})
    assert refused.status_code == 422 and 'data-field="id_number"' in refused.content.decode()


def test_a_refused_hire_comes_back_with_the_field_named(client_as: Any, places: Any) -> None:
    community = places.communities[0]
    answer = client_as("street").post("/workforce/new/", _form(staff_person(community), community, grade="19"))
    assert answer.status_code == 422 and 'data-field="grade"' in answer.content.decode()
    assert not Worker.objects.exists()


def test_community_staff_cannot_open_the_hire_form(client_as: Any) -> None:
    assert client_as("community").get("/workforce/new/").status_code == 404


def test_editing_a_grade_with_a_date_appends_a_change_and_a_leave_closes_the_record(
    client_as: Any, users: Any, places: Any
) -> None:
    community = places.communities[0]
    worker = hire(users["street"], staff_person(community), community, grade=5)
    street = client_as("street")
    edit = {
        "place_id": community.pk, "post": "other", "grade": "6", "employment": "full_time", "education": "bachelor",
        "qualification": "assistant", "certificate_no": "ZS2024000123", "effective_on": "2025-03-01", "note": "晋级",
    }  # fmt: skip
    assert street.post(f"/workforce/{worker.pk}/edit/", edit).status_code == 302
    event = WorkerEvent.objects.filter(worker=worker).last()
    assert (event.kind, event.grade, str(event.effective_on)) == ("changed", 6, "2025-03-01")
    refused = street.post(f"/workforce/{worker.pk}/leave/", {"left_on": "", "leave_reason": "resigned"})
    assert refused.status_code == 422 and 'data-field="left_on"' in refused.content.decode()
    done = street.post(
        f"/workforce/{worker.pk}/leave/", {"left_on": days_ago(1).isoformat(), "leave_reason": "resigned"}
    )
    assert done.status_code == 302
    worker.refresh_from_db()
    assert worker.left_on == days_ago(1)
    record = street.get(f"/workforce/{worker.pk}/").content.decode()
    assert 'id="left"' in record and 'id="edit"' not in record


def test_the_register_page_lists_workers_and_leavers_by_status(client_as: Any, users: Any, places: Any) -> None:
    community = places.communities[0]
    stays = hire(users["street"], staff_person(community), community)
    goes = hire(users["street"], staff_person(community, nth=1), community)
    from linli.workforce.services import worker_leave

    worker_leave(actor=users["street"], worker=goes, left_on=days_ago(0), reason="retired")
    street = client_as("street")
    active = street.get("/workforce/").content.decode()
    assert f'data-worker="{stays.pk}"' in active and f'data-worker="{goes.pk}"' not in active
    left = street.get("/workforce/", {"status": "left"}).content.decode()
    assert f'data-worker="{goes.pk}"' in left and f'data-worker="{stays.pk}"' not in left
    assert street.get("/workforce/", {"cursor": "garbage"}).status_code == 422


def test_a_session_is_recorded_from_the_form_once(client_as: Any, places: Any) -> None:
    street = client_as("street")
    data = {
        "place_id": places.street.pk, "title": "“全科社工”专题培训(第二期)", "topic": "generalist",
        "held_on": days_ago(2).isoformat(), "hours": "3", "organiser": "街道党工委", "location": "党群服务中心",
        "idempotency_key": "session-1",
    }  # fmt: skip
    assert street.post("/workforce/trainings/new/", data).status_code == 302
    assert street.post("/workforce/trainings/new/", data).status_code == 302
    assert Training.objects.filter(title=data["title"]).count() == 1
    refused = street.post("/workforce/trainings/new/", {**data, "hours": "-1", "idempotency_key": "session-2"})
    assert refused.status_code == 422 and 'data-field="hours"' in refused.content.decode()
    assert client_as("community").get("/workforce/trainings/new/").status_code == 404
