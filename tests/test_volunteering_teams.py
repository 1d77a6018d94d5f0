"""Staff build volunteer teams from the people who registered as volunteers, by page and by API."""

from __future__ import annotations

from typing import Any

import pytest

from linli.volunteering.models import TeamMember
from linli.volunteering.services import profile_save, team_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(users: dict[str, Any], places: Any) -> Any:
    return team_create(actor=users["community"], place_id=places.compounds[0].pk, name="银发先锋队")


def test_community_staff_add_a_registered_volunteer_to_a_team_from_the_page(users, team, client_as):
    profile_save(actor=users["volunteer"], skills="理发", availability="周末")
    client = client_as("community")
    page = client.get("/volunteering/teams/").content.decode()
    assert 'id="add-member"' in page and users["volunteer"].person.name in page
    response = client.post(
        "/volunteering/teams/members/add/", {"team_id": team.pk, "person_id": users["volunteer"].person_id}
    )
    assert response.status_code == 302
    assert TeamMember.objects.filter(team=team, person=users["volunteer"].person).exists()


def test_adding_the_same_person_twice_is_refused_and_nothing_changes(users, team, api_as):
    client = api_as("community")
    url = f"/api/v1/volunteering/teams/{team.pk}/members"
    body = {"person_id": users["volunteer"].person_id}
    assert client.post(url, body, content_type="application/json").status_code == 201
    second = client.post(url, body, content_type="application/json")
    assert second.status_code == 409
    assert TeamMember.objects.filter(team=team).count() == 1


def test_a_grid_worker_cannot_add_members_to_a_community_team(users, team, api_as):
    response = api_as("grid").post(
        f"/api/v1/volunteering/teams/{team.pk}/members",
        {"person_id": users["volunteer"].person_id},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    assert not TeamMember.objects.filter(team=team).exists()
