"""Who sees what of the register: the street's keepers see everything in their street, grades and certificate
numbers included; a community's own staff see its workers' posts and qualifications but never grades; a worker sees
their own record with its grade; a grid worker and another community's staff get the 404 of a missing id."""

from __future__ import annotations

from typing import Any

import pytest

from linli.audit.models import AuditEvent
from tests.workforce_support import hire, staff_person

pytestmark = pytest.mark.django_db
API = "/api/v1/workforce"


@pytest.fixture
def crew(users: Any, places: Any) -> dict[str, Any]:
    first, other = places.communities[0], places.communities[1]
    return {
        "own": hire(users["street"], users["community"].person, first, grade=7),  # the community user's own record
        "colleague": hire(
            users["street"], staff_person(first, "community_secretary"), first, post="secretary", grade=15
        ),
        "elsewhere": hire(users["street"], staff_person(other), other, grade=11, certificate_no="ZS99887766"),
    }


def test_the_street_sees_every_grade_and_a_masked_certificate_number(api_as: Any, crew: dict[str, Any]) -> None:
    answer = api_as("street").get(f"{API}/workers", {"limit": 50}).json()
    grades = {row["id"]: row["grade"] for row in answer["items"]}
    assert grades == {crew["own"].pk: 7, crew["colleague"].pk: 15, crew["elsewhere"].pk: 11}
    one = api_as("street").get(f"{API}/workers/{crew['elsewhere'].pk}").json()
    assert one["certificate_masked"] == "ZS******66" and one["events"][0]["grade"] == 11


def test_community_staff_see_their_communitys_posts_and_qualifications_but_not_grades(
    api_as: Any, client_as: Any, crew: dict[str, Any]
) -> None:
    api = api_as("community")
    rows = {row["id"]: row for row in api.get(f"{API}/workers").json()["items"]}
    assert set(rows) == {crew["own"].pk, crew["colleague"].pk}  # not the other community's worker
    colleague = rows[crew["colleague"].pk]
    assert colleague["post"] == "secretary" and colleague["qualification"] == "assistant"
    assert colleague["grade"] is None and colleague["certificate_masked"] is None
    detail = api.get(f"{API}/workers/{crew['colleague'].pk}").json()
    assert detail["grade"] is None and all(e["grade"] is None for e in detail["events"])
    page = client_as("community").get(f"/workforce/{crew['colleague'].pk}/")
    assert page.status_code == 200 and 'id="grade"' not in page.content.decode()
    assert "15 级" not in page.content.decode()


def test_a_worker_sees_their_own_grade(api_as: Any, client_as: Any, crew: dict[str, Any]) -> None:
    own = api_as("community").get(f"{API}/workers/{crew['own'].pk}").json()
    assert own["grade"] == 7 and own["certificate_masked"]
    page = client_as("community").get(f"/workforce/{crew['own'].pk}/").content.decode()
    assert 'id="grade"' in page and "7 级" in page


def test_a_worker_without_a_managing_position_is_sent_to_their_own_record(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    mine = hire(users["street"], users["grid"].person, places.communities[0], post="member", grade=3)
    client = client_as("grid")
    assert client.get("/workforce/").url.endswith("/workforce/mine/")
    assert client.get("/workforce/mine/").url.endswith(f"/workforce/{mine.pk}/")
    assert api_as("grid").get(f"{API}/workers").json()["items"][0]["grade"] == 3


def test_a_grid_worker_gets_the_404_of_a_missing_id_for_anything(
    client_as: Any, api_as: Any, crew: dict[str, Any]
) -> None:
    grid, api = client_as("grid"), api_as("grid")
    for worker in crew.values():
        assert api.get(f"{API}/workers/{worker.pk}").status_code == 404
        assert grid.get(f"/workforce/{worker.pk}/").status_code == 404
        assert grid.get(f"/workforce/{worker.pk}/edit/").status_code == 404
    assert api.get(f"{API}/workers").json()["items"] == []
    for path in ("/workforce/", "/workforce/mine/", "/workforce/new/", "/workforce/figures/", "/workforce/export.xlsx"):
        assert grid.get(path).status_code == 404, path


def test_another_communitys_worker_is_a_missing_id_for_community_staff(
    client_as: Any, api_as: Any, crew: dict[str, Any]
) -> None:
    other = crew["elsewhere"].pk
    assert api_as("community").get(f"{API}/workers/{other}").status_code == 404
    assert client_as("community").get(f"/workforce/{other}/").status_code == 404
    assert client_as("community").get(f"/workforce/{other}/edit/").status_code == 404


def test_community_staff_may_not_change_or_close_a_record_they_see(api_as: Any, crew: dict[str, Any]) -> None:
    api = api_as("community")
    colleague = crew["colleague"]
    payload = {"place_id": colleague.place_id, "post": "secretary", "grade": 18}
    assert api.put(f"{API}/workers/{colleague.pk}", payload, content_type="application/json").status_code == 403
    leave = {"left_on": "2025-01-01", "reason": "resigned"}
    assert api.post(f"{API}/workers/{colleague.pk}/leave", leave, content_type="application/json").status_code == 403
    colleague.refresh_from_db()
    assert colleague.grade == 15 and colleague.left_on is None


def test_revealing_a_certificate_number_is_for_the_street_and_is_audited(client_as: Any, crew: dict[str, Any]) -> None:
    target = crew["elsewhere"]
    page = client_as("street").post(f"/workforce/{target.pk}/certificate/")
    assert page.status_code == 200 and "ZS99887766" in page.content.decode()
    assert AuditEvent.objects.filter(action="workforce.certificate_revealed", target_id=str(target.pk)).count() == 1
    colleague = crew["colleague"]
    assert client_as("community").post(f"/workforce/{colleague.pk}/certificate/").status_code == 403
    assert client_as("community").post(f"/workforce/{target.pk}/certificate/").status_code == 404
    assert client_as("street").get(f"/workforce/{target.pk}/certificate/").status_code == 405
