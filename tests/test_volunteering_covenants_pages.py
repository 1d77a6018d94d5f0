"""The 盟约 pages and API: staff sign, amend and terminate on forms; the community list shows fulfilment and
filters; the team page shows the kind and covenants; the leader sees their team's; others get 404."""

from __future__ import annotations

from typing import Any

import pytest

from linli.volunteering.models import CovenantStatus, Team, TeamCovenant, TeamKind
from tests.covenant_support import days, held, make_team, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(places: Any) -> Any:
    return places.communities[0]


@pytest.fixture
def team(users: dict[str, Any], community: Any) -> Team:
    return make_team(users["community"], community, name="法律援助先锋队", kind=TeamKind.PARTY)


@pytest.fixture
def covenant(users: dict[str, Any], team: Team, community: Any) -> TeamCovenant:
    c = sign(users["community"], team, community)
    held(team, community, on=days(-3), hours="2.5", people=2)
    return c


def form(team: Team, community: Any, **changes: Any) -> dict[str, Any]:
    values = {
        "team_id": team.pk, "community_id": community.pk, "title": "心理咨询服务盟约", "services": "心理咨询\n法律援助",
        "hours_promised": "80", "starts_on": days(-10).isoformat(), "ends_on": days(355).isoformat(),
        "signed_on": days(-11).isoformat(), "signatory_name": "李队长",
    }  # fmt: skip
    values.update(changes)
    return values


def test_staff_sign_a_covenant_on_the_form_and_land_on_its_page(client_as, team, community):
    client = client_as("community")
    page = client.get(f"/volunteering/covenants/new/?team={team.pk}").content.decode()
    assert 'id="covenant-sign"' in page and team.name in page
    r = client.post("/volunteering/covenants/new/", form(team, community))
    c = TeamCovenant.objects.get(team=team, title="心理咨询服务盟约")
    assert r.status_code == 302 and r["Location"] == f"/volunteering/covenants/{c.pk}/"
    assert c.services == ["心理咨询", "法律援助"]
    again = client.post("/volunteering/covenants/new/", form(team, community))  # a double submit
    assert again.status_code == 422 and "已与本社区签订" in again.content.decode()
    assert TeamCovenant.objects.filter(team=team, title="心理咨询服务盟约").count() == 1


def test_a_bad_form_is_shown_again_with_the_message_and_what_was_typed(client_as, team, community):
    r = client_as("community").post("/volunteering/covenants/new/", form(team, community, hours_promised="很多"))
    body = r.content.decode()
    assert r.status_code == 422 and "承诺服务时长" in body and 'data-field="hours_promised"' in body
    assert "心理咨询服务盟约" in body and not TeamCovenant.objects.filter(team=team).exists()


def test_a_resident_cannot_open_the_signing_form(client_as):
    assert client_as("resident").get("/volunteering/covenants/new/").status_code == 403


def test_the_covenant_page_shows_the_fulfilment_and_the_forms_to_staff(client_as, covenant):
    body = client_as("community").get(f"/volunteering/covenants/{covenant.pk}/").content.decode()
    assert "履约率" in body and ">5.0<" in body and "法律援助、心理咨询" in body
    assert 'id="covenant-amend"' in body and 'id="covenant-terminate"' in body


def test_staff_amend_and_terminate_on_the_page(client_as, covenant):
    client = client_as("community")
    r = client.post(
        f"/volunteering/covenants/{covenant.pk}/amend/",
        {"title": "新盟约名", "services": "法律援助", "hours_promised": "90", "ends_on": days(49).isoformat(),
         "signatory_name": "张队长"},
    )  # fmt: skip
    assert r.status_code == 302
    covenant.refresh_from_db()
    assert covenant.title == "新盟约名" and covenant.services == ["法律援助"]
    r = client.post(f"/volunteering/covenants/{covenant.pk}/terminate/", {"reason": "", "terminated_on": ""})
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ACTIVE  # refused: no reason
    client.post(f"/volunteering/covenants/{covenant.pk}/terminate/", {"reason": "队伍解散", "terminated_on": ""})
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.TERMINATED and covenant.terminated_on == days(0)
    body = client.get(f"/volunteering/covenants/{covenant.pk}/").content.decode()
    assert "队伍解散" in body and 'id="covenant-amend"' not in body


def test_the_community_list_shows_fulfilment_and_filters_behind(client_as, covenant):
    client = client_as("community")
    body = client.get("/volunteering/covenants/").content.decode()
    assert f'data-covenant="{covenant.pk}"' in body and 'id="covenant-figures"' in body
    assert f'data-covenant="{covenant.pk}"' in client.get("/volunteering/covenants/?state=behind").content.decode()
    assert f'data-covenant="{covenant.pk}"' not in client.get("/volunteering/covenants/?state=ended").content.decode()
    assert client.get("/volunteering/covenants/?cursor=garbage").status_code == 200


def test_the_team_page_shows_its_kind_and_covenants_and_staff_edit_it(client_as, team, covenant):
    client = client_as("community")
    body = client.get(f"/volunteering/teams/{team.pk}/").content.decode()
    assert "党员志愿服务队" in body and f'data-covenant="{covenant.pk}"' in body and 'id="team-edit"' in body
    r = client.post(
        f"/volunteering/teams/{team.pk}/",
        {"name": team.name, "kind": "in_service", "leader_id": "", "description": "在职党员"},
    )
    team.refresh_from_db()
    assert r.status_code == 302 and team.kind == "in_service" and team.description == "在职党员"


def test_the_team_list_shows_kinds_filters_and_figures(client_as, team):
    body = client_as("community").get("/volunteering/teams/?kind=party").content.decode()
    assert 'id="team-kind-figures"' in body and team.name in body and "党员志愿服务队" in body
    assert team.name not in client_as("community").get("/volunteering/teams/?kind=unit").content.decode()


def test_the_team_leader_sees_their_teams_covenants(users, client_as, community):
    team = make_team(users["community"], community, name="骑手志愿队", leader_id=users["volunteer"].person_id)
    c = sign(users["community"], team, community)
    client = client_as("volunteer")
    assert f'data-covenant="{c.pk}"' in client.get(f"/volunteering/teams/{team.pk}/").content.decode()
    page = client.get(f"/volunteering/covenants/{c.pk}/").content.decode()
    assert c.title in page and 'id="covenant-amend"' not in page
    assert client.post(f"/volunteering/covenants/{c.pk}/terminate/", {"reason": "x"}).status_code in (302, 403)
    assert TeamCovenant.objects.get(pk=c.pk).status == CovenantStatus.ACTIVE


@pytest.mark.parametrize("role", ["grid", "resident"])
def test_others_get_not_found_for_a_covenant_page(client_as, covenant, role):
    assert client_as(role).get(f"/volunteering/covenants/{covenant.pk}/").status_code == 404
    assert client_as(role).post(f"/volunteering/covenants/{covenant.pk}/terminate/", {"reason": "x"}).status_code == 404


# ----------------------------------------------------------------------------- API


def test_the_api_signs_reads_amends_and_terminates(api_as, team, community):
    api = api_as("community")
    body = {
        "team_id": team.pk, "community_id": community.pk, "title": "技能培训盟约", "services": ["技能培训"],
        "hours_promised": "40", "starts_on": days(-5).isoformat(), "ends_on": days(94).isoformat(),
        "signatory_name": "王队长",
    }  # fmt: skip
    r = api.post("/api/v1/volunteering/covenants", body, content_type="application/json")
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert r.json()["fulfilment"]["state"] == "active"
    assert api.post("/api/v1/volunteering/covenants", body, content_type="application/json").status_code == 409
    r = api.patch(f"/api/v1/volunteering/covenants/{cid}", {"hours_promised": "50"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["fulfilment"]["hours_promised"] == "50.0"
    r = api.post(f"/api/v1/volunteering/covenants/{cid}/terminate", {"reason": "合并"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["fulfilment"]["state"] == "terminated"
    assert api.get(f"/api/v1/volunteering/covenants/{cid}").json()["termination_reason"] == "合并"


def test_the_api_refuses_bad_input_with_the_field(api_as, team, community):
    body = {
        "team_id": team.pk, "community_id": community.pk, "title": "x", "services": ["法律援助"],
        "hours_promised": "40", "starts_on": days(5).isoformat(), "ends_on": days(1).isoformat(),
        "signatory_name": "王队长",
    }  # fmt: skip
    r = api_as("community").post("/api/v1/volunteering/covenants", body, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "ends_on"
    bad_state = api_as("community").get("/api/v1/volunteering/covenants", {"state": "zzz"})
    assert bad_state.status_code == 422 and bad_state.json()["field"] == "state"


def test_the_api_list_and_figures_show_the_fulfilment(api_as, covenant):
    api = api_as("community")
    items = api.get("/api/v1/volunteering/covenants", {"state": "behind", "limit": 200}).json()["items"]
    mine = next(i for i in items if i["id"] == covenant.pk)
    assert mine["fulfilment"]["hours_delivered"] == "5.0" and mine["fulfilment"]["behind"] is True
    figures = api.get("/api/v1/volunteering/covenants/figures", {"team_id": covenant.team_id}).json()
    assert figures["in_force"] == 1 and figures["behind"] == 1 and figures["hours_delivered"] == "5.0"


@pytest.mark.parametrize("role", ["grid", "resident"])
def test_the_api_answers_not_found_outside_the_scope(api_as, covenant, role):
    api = api_as(role)
    assert api.get(f"/api/v1/volunteering/covenants/{covenant.pk}").status_code == 404
    ids = [i["id"] for i in api.get("/api/v1/volunteering/covenants", {"limit": 200}).json()["items"]]
    assert covenant.pk not in ids
