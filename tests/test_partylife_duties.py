"""党员中心户 责任区 on the place tree and through the API, and the resident picker on party-life forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from linli.audit.models import AuditEvent
from linli.partylife import services as s
from linli.partylife.models import CenterHouseholdDuty
from tests import test_partylife
from tests.test_partylife_pages import _center_and_households

party = test_partylife.party  # the shared fixture

pytestmark = pytest.mark.django_db
SINCE = dt.date(2026, 1, 5)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _link(party: Any, places: Any, n: int = 2) -> list[CenterHouseholdDuty]:
    from linli.places.models import Household

    center, _, _, _ = _center_and_households(party, places)
    households = Household.objects.filter(place_path__startswith=places.compounds[0].path).order_by("id")[:n]
    return [
        s.center_household_link(
            actor=party.secretary, center_id=center.pk, household_id=h.pk, member_id=party.members[1].pk, since=SINCE
        )
        for h in households
    ]


def test_the_compound_page_shows_which_center_household_looks_after_which_households(
    party: Any, places: Any, client_as: Any
) -> None:
    duties = _link(party, places)
    compound = places.compounds[0]
    page = _client(party.secretary).get(f"/places/{compound.pk}/")
    if page.status_code == 404:  # a secretary's place scope is their compound; a leader sees it anyway
        page = client_as("community").get(f"/places/{compound.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="duty-areas-here"' in body and duties[0].center.name in body
    for d in duties:
        assert f'data-household="{d.household_id}"' in body
    assert party.members[1].name in body


def test_a_grid_worker_sees_the_compound_page_without_the_party_duty_areas(
    party: Any, places: Any, client_as: Any
) -> None:
    _link(party, places)
    page = client_as("grid").get(f"/places/{places.compounds[0].pk}/")
    assert page.status_code in (200, 404)
    assert 'id="duty-areas-here"' not in page.content.decode()


def test_the_api_lists_adds_and_removes_duty_links_for_the_branch_officer(party: Any, places: Any, users: Any) -> None:
    from linli.accounts.services import token_issue

    center, _, (first, _second), _ = _center_and_households(party, places)
    _, key = token_issue(user=party.secretary, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    c = Client()
    body = {"center_id": center.pk, "household_id": first.pk, "member_id": party.members[1].pk, "since": "2026-01-05"}
    r = c.post("/api/v1/party-life/duties", body, content_type="application/json", **auth)
    assert r.status_code == 201, r.content
    assert r.json()["member_name"] == party.members[1].name and r.json()["center_id"] == center.pk
    again = c.post("/api/v1/party-life/duties", body, content_type="application/json", **auth)
    assert again.status_code == 409 and again.json()["field"] == "household_id"
    listed = c.get(f"/api/v1/party-life/duties?center_id={center.pk}", **auth).json()
    assert [d["household_id"] for d in listed["items"]] == [first.pk]
    duty_id = listed["items"][0]["id"]
    assert c.delete(f"/api/v1/party-life/duties/{duty_id}", **auth).status_code == 204
    assert not CenterHouseholdDuty.objects.filter(pk=duty_id).exists()
    assert c.delete(f"/api/v1/party-life/duties/{duty_id}", **auth).status_code == 404
    assert AuditEvent.objects.filter(action="partylife.duty_unlinked").count() == 1


def test_another_branch_and_a_grid_worker_cannot_see_or_remove_a_duty_link(
    party: Any, places: Any, api_as: Any
) -> None:
    from linli.accounts.services import token_issue

    duty = _link(party, places, n=1)[0]
    _, key = token_issue(user=party.outsider_user, name="t")  # a member of the other branch, no officer
    outsider = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert outsider.get("/api/v1/party-life/duties", **auth).json()["items"] == []
    assert outsider.delete(f"/api/v1/party-life/duties/{duty.pk}", **auth).status_code == 404
    grid = api_as("grid")
    assert grid.get("/api/v1/party-life/duties").json()["items"] == []
    assert grid.delete(f"/api/v1/party-life/duties/{duty.pk}").status_code == 404
    assert CenterHouseholdDuty.objects.filter(pk=duty.pk).exists()


def test_the_branch_page_removes_a_household_from_a_duty_area(party: Any, places: Any) -> None:
    duty = _link(party, places, n=1)[0]
    c = _client(party.secretary)
    r = c.post(f"/party-life/branches/{party.branch.pk}/duty-remove/", {"duty_id": duty.pk}, follow=True)
    assert r.status_code == 200 and "已移出责任区" in r.content.decode()
    assert not CenterHouseholdDuty.objects.filter(pk=duty.pk).exists()


def test_the_duties_list_costs_the_same_queries_for_two_and_for_twelve_links(
    party: Any, places: Any, users: Any
) -> None:
    from linli.accounts.services import token_issue
    from tests.test_api_page_actions import counting

    _, key = token_issue(user=users["street"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    c = Client()
    _link(party, places, n=2)
    with counting() as few:
        assert len(c.get("/api/v1/party-life/duties", **auth).json()["items"]) == 2
    CenterHouseholdDuty.objects.all().delete()
    _link(party, places, n=12)
    with counting() as many:
        assert len(c.get("/api/v1/party-life/duties", **auth).json()["items"]) == 12
    assert len(many) <= len(few), (len(few), len(many))


def test_the_picker_finds_residents_by_name_masked_and_audited(party: Any) -> None:
    target = party.members[2]
    c = _client(party.secretary)
    r = c.post("/party-life/people-search/", {"picker_q": target.name[:2], "field": "mentor_id"})
    body = r.content.decode()
    assert r.status_code == 200
    assert f'name="mentor_id" value="{target.pk}"' in body
    if len(target.name) > 1:
        assert target.name not in body  # masked: 张*丰
    event = AuditEvent.objects.filter(action="resident.search").latest("id")
    assert target.pk in event.detail["ids"] and target.name[:2] not in str(event.detail)


def test_the_picker_needs_two_characters_and_refuses_numbers(party: Any) -> None:
    c = _client(party.secretary)
    short = c.post("/party-life/people-search/", {"picker_q": "王"}).content.decode()
    assert "至少输入 2 个字" in short
    digits = c.post("/party-life/people-search/", {"picker_q": "11010119900307"}).content.decode()
    assert "不要输入证件号或电话" in digits and 'type="radio"' not in digits
    assert c.get("/party-life/people-search/?picker_q=王芳").status_code == 405
    assert not AuditEvent.objects.filter(action="resident.search").exists()


def test_the_picker_shows_nobody_to_someone_without_party_data(party: Any, client_as: Any) -> None:
    name = party.members[2].name[:2]
    body = client_as("grid").post("/party-life/people-search/", {"picker_q": name}).content.decode()
    assert 'type="radio"' not in body


def test_the_picker_only_offers_residents_of_the_secretarys_ledger_scope(party: Any) -> None:
    outsider = party.outsider  # lives in the other compound
    body = _client(party.secretary).post("/party-life/people-search/", {"picker_q": outsider.name[:2]}).content.decode()
    assert f'value="{outsider.pk}"' not in body


def test_branch_and_secretaries_pages_offer_the_picker_instead_of_a_typed_id(party: Any, users: Any) -> None:
    branch = _client(party.secretary).get(f"/party-life/branches/{party.branch.pk}/").content.decode()
    assert 'hx-post="/party-life/people-search/"' in branch
    assert '<input name="person_id" inputmode="numeric" required>' not in branch


def test_a_members_ledger_page_lists_the_households_they_look_after(party: Any, places: Any, client_as: Any) -> None:
    duties = _link(party, places)
    member = party.members[1]
    body = client_as("street").get(f"/ledger/people/{member.pk}/").content.decode()  # 街道党工委: above the branch
    assert 'id="member-duties"' in body and duties[0].center.name in body
    for d in duties:
        assert f'data-household="{d.household_id}"' in body


def test_ledger_staff_who_are_not_party_officers_do_not_see_a_members_duty_area(
    party: Any, places: Any, client_as: Any
) -> None:
    _link(party, places)
    for role in ("community", "grid"):  # the ledger page opens (or 404s), the party section does not show
        page = client_as(role).get(f"/ledger/people/{party.members[1].pk}/")
        assert 'id="member-duties"' not in page.content.decode()
