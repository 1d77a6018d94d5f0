"""The register API end to end: hire (201, an Idempotency-Key retry 200), read, update with a dated grade change,
leave, the `on` view of who held what, session and attendance; refusals name the field."""

from __future__ import annotations

from typing import Any

import pytest

from linli.workforce.models import Worker
from tests.workforce_support import days_ago, staff_person

pytestmark = pytest.mark.django_db
API = "/api/v1/workforce"
JSON = "application/json"


def _hire_body(person: Any, place: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "person_id": person.pk, "place_id": place.pk, "post": "deputy_director", "grade": 8,
        "hired_on": "2023-04-01", "education": "bachelor", "qualification": "assistant", "certificate_no": "ZS20230401",
    }  # fmt: skip
    body.update(extra)
    return body


def test_a_street_keeper_hires_updates_and_records_a_leave_through_the_api(api_as: Any, places: Any) -> None:
    api = api_as("street")
    community = places.communities[0]
    person = staff_person(community)
    created = api.post(f"{API}/workers", _hire_body(person, community), content_type=JSON, HTTP_IDEMPOTENCY_KEY="h1")
    assert created.status_code == 201
    worker_id = created.json()["id"]
    again = api.post(f"{API}/workers", _hire_body(person, community), content_type=JSON, HTTP_IDEMPOTENCY_KEY="h1")
    assert again.status_code == 200 and again.json()["id"] == worker_id
    update = {
        "place_id": community.pk, "post": "director", "grade": 12, "education": "bachelor",
        "qualification": "social_worker", "certificate_no": "ZS20250101", "effective_on": "2025-01-01", "note": "换届",
    }  # fmt: skip
    changed = api.put(f"{API}/workers/{worker_id}", update, content_type=JSON)
    assert changed.status_code == 200
    body = changed.json()
    assert (
        body["grade"] == 12
        and body["tier"] == "principal"
        and [e["kind"] for e in body["events"]] == ["hired", "changed"]
    )
    then = api.get(f"{API}/workers", {"on": "2024-06-01"}).json()["items"]
    assert [(r["post"], r["grade"]) for r in then if r["id"] == worker_id] == [("deputy_director", 8)]
    now = api.get(f"{API}/workers", {"on": "2025-06-01"}).json()["items"]
    assert [(r["post"], r["grade"]) for r in now if r["id"] == worker_id] == [("director", 12)]
    left = api.post(
        f"{API}/workers/{worker_id}/leave", {"left_on": "2026-01-05", "reason": "retired"}, content_type=JSON
    )
    assert left.status_code == 200 and left.json()["left_on"] == "2026-01-05"
    assert api.get(f"{API}/workers", {"status": "left"}).json()["items"][0]["id"] == worker_id
    second = api.post(
        f"{API}/workers/{worker_id}/leave", {"left_on": "2026-01-06", "reason": "retired"}, content_type=JSON
    )
    assert second.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grade": 19}, "grade"),
        ({"post": "x"}, "post"),
        ({"hired_on": "2099-01-01"}, "hired_on"),
        ({"place_id": 987654321}, "place_id"),
    ],
)
def test_a_bad_hire_is_refused_naming_the_field(api_as: Any, places: Any, change: dict[str, Any], field: str) -> None:
    community = places.communities[0]
    answer = api_as("street").post(
        f"{API}/workers", _hire_body(staff_person(community), community, **change), content_type=JSON
    )
    assert answer.status_code in (404, 422) and answer.json()["field"] == field
    assert not Worker.objects.exists()


def test_the_same_person_hired_twice_is_a_conflict(api_as: Any, places: Any) -> None:
    community = places.communities[0]
    person = staff_person(community)
    api = api_as("street")
    assert api.post(f"{API}/workers", _hire_body(person, community), content_type=JSON).status_code == 201
    assert api.post(f"{API}/workers", _hire_body(person, community), content_type=JSON).status_code == 409


def test_lists_answer_a_bad_cursor_with_422_on_cursor(api_as: Any) -> None:
    for path in ("workers", "trainings"):
        answer = api_as("street").get(f"{API}/{path}", {"cursor": "garbage!", "status": "zzz"})
        assert answer.status_code == 422 and answer.json()["field"] == "cursor"


def test_a_training_is_recorded_and_its_attendance_taken_through_the_api(api_as: Any, places: Any) -> None:
    api = api_as("street")
    community = places.communities[0]
    worker = api.post(f"{API}/workers", _hire_body(staff_person(community), community), content_type=JSON).json()
    body = {
        "place_id": places.street.pk, "title": "“全科社工”专题培训", "topic": "generalist",
        "held_on": days_ago(3).isoformat(), "hours": 3.5,
    }  # fmt: skip
    created = api.post(f"{API}/trainings", body, content_type=JSON)
    assert created.status_code == 201
    tid = created.json()["id"]
    done = api.post(f"{API}/trainings/{tid}/attendance", {"worker_ids": [worker["id"]]}, content_type=JSON)
    assert done.json() == {"recorded": 1, "attended": 1}
    listed = api.get(f"{API}/trainings").json()["items"]
    assert listed[0]["id"] == tid and listed[0]["attended"] == 1 and listed[0]["hours"] == 3.5
    assert api.get(f"{API}/workers/{worker['id']}").json()["generalist_trained"] is True
    bad = api.post(f"{API}/trainings", {**body, "hours": 0}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "hours"


def test_a_hire_of_an_id_that_names_nobody_is_refused_like_one_outside_the_street(api_as: Any, places: Any) -> None:
    from django.utils import timezone

    from linli.people.models import Person

    community = places.communities[0]
    gone = staff_person(community)
    Person.objects.filter(pk=gone.pk).update(anonymised_at=timezone.now())
    api = api_as("street")
    answers = []
    for person_id in (gone.pk, 987654321):
        body = {**_hire_body(gone, community), "person_id": person_id}
        answers.append(api.post(f"{API}/workers", body, content_type=JSON))
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json() == answers[1].json() and answers[0].json()["field"] == "person_id"
    other = api_as("community")  # not a keeper: refused before anyone is looked at, whatever the id
    refused = [other.post(f"{API}/workers", {**_hire_body(gone, community), "person_id": i}, content_type=JSON)
               for i in (gone.pk, 987654321)]  # fmt: skip
    assert refused[0].status_code == refused[1].status_code and refused[0].json() == refused[1].json()
    assert not Worker.objects.exists()
