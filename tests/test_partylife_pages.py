"""Party-life pages and API: scope by page and API (guessed ids → 404), query bounds, forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.partylife import services as s
from linli.partylife.models import Meeting, MeetingStatus
from tests import test_partylife

party = test_partylife.party  # the shared fixture

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_grid_worker_gets_404_on_a_branch_page_and_its_meetings(client_as: Any, party: Any) -> None:
    m = s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="theme_day", title="t", date=TODAY)
    grid = client_as("grid")
    assert grid.get(f"/party-life/branches/{party.branch.pk}/").status_code == 404
    assert grid.get(f"/party-life/meetings/{m.pk}/").status_code == 404
    assert grid.get("/party-life/figures/").status_code == 403
    assert (
        grid.post(
            f"/party-life/branches/{party.branch.pk}/meeting/", {"kind": "lecture", "title": "x", "date": "2026-01-01"}
        ).status_code
        == 404
    )
    assert Meeting.objects.filter(branch=party.branch).count() == 1


def test_a_secretary_sees_their_branch_but_not_the_neighbouring_one(party: Any) -> None:
    c = _client(party.secretary)
    page = c.get(f"/party-life/branches/{party.branch.pk}/")
    assert page.status_code == 200 and party.branch.name in page.content.decode()
    assert c.get(f"/party-life/branches/{party.other_branch.pk}/").status_code == 404
    home = c.get("/party-life/").content.decode()
    assert party.branch.name in home and party.other_branch.name not in home


def test_the_secretary_plans_a_meeting_from_the_page_and_a_member_signs_in(party: Any) -> None:
    c = _client(party.secretary)
    r = c.post(
        f"/party-life/branches/{party.branch.pk}/meeting/",
        {"kind": "theme_day", "title": "七一主题党日", "date": TODAY.isoformat()},
    )
    meeting = Meeting.objects.get(branch=party.branch, title="七一主题党日")
    assert r.status_code == 302 and r["Location"].endswith(f"/meetings/{meeting.pk}/")
    member = _client(party.member_user)
    assert "七一主题党日" in member.get("/party-life/").content.decode()
    member.post(f"/party-life/meetings/{meeting.pk}/sign-in/")
    assert meeting.attendance.filter(person=party.members[1], status="present").exists()
    outsider = _client(party.outsider_user)
    assert outsider.get(f"/party-life/meetings/{meeting.pk}/").status_code == 404
    assert outsider.post(f"/party-life/meetings/{meeting.pk}/sign-in/").status_code == 404
    assert meeting.attendance.count() == 1


def test_a_bad_date_on_the_meeting_form_shows_an_error_and_saves_nothing(party: Any) -> None:
    c = _client(party.secretary)
    r = c.post(
        f"/party-life/branches/{party.branch.pk}/meeting/",
        {"kind": "theme_day", "title": "x", "date": "昨天"},
        follow=True,
    )
    assert "日期“昨天”无效,请用 YYYY-MM-DD" in r.content.decode()
    assert not Meeting.objects.filter(branch=party.branch).exists()


def test_the_figures_page_lists_only_visible_branches_within_a_query_bound(
    users: Any, party: Any, django_assert_max_num_queries: Any
) -> None:
    c = _client(users["street"])
    with django_assert_max_num_queries(20):
        r = c.get("/party-life/figures/?period=year")
    body = r.content.decode()
    assert r.status_code == 200 and party.branch.name in body and party.other_branch.name in body
    secretary_view = _client(party.secretary).get("/party-life/figures/").content.decode()
    assert party.other_branch.name not in secretary_view


def test_the_api_scopes_branches_and_refuses_guessed_ids(api_as: Any, party: Any) -> None:
    grid = api_as("grid")
    assert grid.get("/api/v1/party-life/branches").json()["items"] == []
    assert grid.get(f"/api/v1/party-life/branches/{party.branch.pk}/figures").status_code == 404
    assert grid.get(f"/api/v1/party-life/branches/{party.branch.pk}/members").status_code == 404
    street = api_as("street").get("/api/v1/party-life/branches?limit=200").json()
    assert party.branch.pk in {b["id"] for b in street["items"]}


def test_the_api_plans_a_meeting_records_attendance_and_updates_the_figure(party: Any) -> None:
    from linli.accounts.services import token_issue

    _, key = token_issue(user=party.secretary, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    base = f"/api/v1/party-life/branches/{party.branch.pk}"
    before = api.get(f"{base}/figures?period=month").json()
    r = api.post(
        f"{base}/meetings",
        {"kind": "committee", "title": "支委会", "date": TODAY.isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 201
    mid = r.json()["id"]
    a = api.post(
        f"/api/v1/party-life/meetings/{mid}/attendance",
        {"person_id": party.members[2].pk, "status": "absent"},
        content_type="application/json",
    )
    assert a.status_code == 422 and a.json()["field"] == "reason"
    ok = api.post(
        f"/api/v1/party-life/meetings/{mid}/attendance",
        {"person_id": party.members[2].pk, "status": "absent", "reason": "外出"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    again = api.post(
        f"/api/v1/party-life/meetings/{mid}/attendance",
        {"person_id": party.members[2].pk, "status": "present"},
        content_type="application/json",
    )
    assert again.status_code == 409
    held = api.post(
        f"/api/v1/party-life/meetings/{mid}/minutes", {"minutes": "研究了……"}, content_type="application/json"
    )
    assert held.json()["status"] == MeetingStatus.HELD
    after = api.get(f"{base}/figures?period=month").json()
    committee = lambda f: next((k["held"] for k in f["by_kind"] if k["kind"] == "committee"), 0)  # noqa: E731
    assert committee(after) == committee(before) + 1
    assert api.get(f"/api/v1/party-life/branches/{party.other_branch.pk}/meetings").status_code == 404


def test_the_secretaries_page_pairs_a_mentor_records_a_session_and_a_recognition(party: Any) -> None:
    from linli.partylife.models import MentoringPair, MentoringSession, Recognition

    c = _client(party.secretary)
    page = c.get("/party-life/secretaries/").content.decode()
    assert 'id="pair-form"' in page and 'id="recognition-form"' in page and 'id="session-form"' not in page
    mentor, mentee = party.members[0], party.members[1]
    r = c.post(
        "/party-life/secretaries/pair/",
        {"org_id": party.branch.pk, "mentor_id": mentor.pk, "mentee_id": mentee.pk, "started_on": "2026-03-01"},
        follow=True,
    )
    assert "帮带结对已登记" in r.content.decode()
    pair = MentoringPair.objects.get(mentor=mentor, mentee=mentee, org=party.branch)
    assert 'id="session-form"' in r.content.decode()
    r = c.post(
        "/party-life/secretaries/session/",
        {"pair_id": pair.pk, "held_on": "2026-03-10", "topic": "如何开好组织生活会"},
        follow=True,
    )
    assert "帮带活动已记录" in r.content.decode()
    assert list(MentoringSession.objects.filter(pair=pair).values_list("topic", flat=True)) == ["如何开好组织生活会"]
    r = c.post(
        "/party-life/secretaries/recognition/",
        {"org_id": party.branch.pk, "kind": "member", "level": "district", "year": "2025", "person_id": mentee.pk},
        follow=True,
    )
    assert "表彰已登记" in r.content.decode()
    assert Recognition.objects.get(person=mentee).year == 2025
    assert "优秀共产党员" in c.get("/party-life/secretaries/").content.decode()


def test_bad_input_on_the_secretaries_forms_shows_the_error_and_saves_nothing(party: Any) -> None:
    from linli.partylife.models import MentoringPair, MentoringSession, Recognition

    c = _client(party.secretary)
    same = party.members[0].pk
    r = c.post(
        "/party-life/secretaries/pair/",
        {"org_id": party.branch.pk, "mentor_id": same, "mentee_id": same, "started_on": "2026-03-01"},
        follow=True,
    )
    assert "导师与帮带对象不能是同一人" in r.content.decode()
    r = c.post(
        "/party-life/secretaries/pair/",
        {"org_id": party.branch.pk, "mentor_id": same, "mentee_id": party.outsider.pk, "started_on": "2026-03-01"},
        follow=True,
    )
    assert "须是该组织下的在册党员" in r.content.decode()
    assert not MentoringPair.objects.exists()
    pair = MentoringPair.objects.create(
        mentor=party.members[0], mentee=party.members[2], org=party.branch, org_path=party.branch.path,
        started_on=TODAY,
    )  # fmt: skip
    r = c.post(
        "/party-life/secretaries/session/", {"pair_id": pair.pk, "held_on": "2020-01-01", "topic": "x"}, follow=True
    )
    assert "帮带日期早于结对日期" in r.content.decode()
    assert not MentoringSession.objects.exists()
    r = c.post(
        "/party-life/secretaries/recognition/",
        {"org_id": party.branch.pk, "kind": "org", "level": "city", "year": "1800"},
        follow=True,
    )
    assert "年度无效" in r.content.decode()
    assert not Recognition.objects.exists()


def test_the_secretaries_forms_refuse_another_branch_and_a_grid_worker(client_as: Any, party: Any) -> None:
    from linli.partylife.models import MentoringPair, Recognition

    c = _client(party.secretary)
    r = c.post(
        "/party-life/secretaries/recognition/",
        {"org_id": party.other_branch.pk, "kind": "org", "level": "city", "year": "2025"},
    )
    assert r.status_code == 404
    other_pair = MentoringPair.objects.create(
        mentor=party.outsider, mentee=party.members[0], org=party.other_branch, org_path=party.other_branch.path,
        started_on=TODAY,
    )  # fmt: skip
    r = c.post("/party-life/secretaries/session/", {"pair_id": other_pair.pk, "held_on": TODAY, "topic": "x"})
    assert r.status_code == 404 and not other_pair.sessions.exists()
    assert client_as("grid").get("/party-life/secretaries/").status_code == 403
    assert not Recognition.objects.exists()


def _center_and_households(party: Any, places: Any) -> Any:
    from linli.orgs.models import PartyOrg
    from linli.places.models import Household

    center = PartyOrg.objects.filter(path__startswith=party.branch.path, kind="center_household").order_by("path")[0]
    other_center = PartyOrg.objects.filter(path__startswith=party.other_branch.path, kind="center_household")[0]
    mine = list(Household.objects.filter(place_path__startswith=places.compounds[0].path).order_by("id")[:2])
    theirs = Household.objects.filter(place_path__startswith=places.compounds[1].path).first()
    return center, other_center, mine, theirs


def test_a_secretary_links_households_of_the_compound_to_a_center_household_and_sees_them(
    party: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    from linli.partylife.models import CenterHouseholdDuty

    center, _, (first, second), _ = _center_and_households(party, places)
    c = _client(party.secretary)
    page = c.get(f"/party-life/branches/{party.branch.pk}/").content.decode()
    assert 'id="duty-form"' in page and f'<option value="{first.pk}">' in page
    for household in (first, second):
        r = c.post(
            f"/party-life/branches/{party.branch.pk}/duty/",
            {
                "center_id": center.pk,
                "household_id": household.pk,
                "member_id": party.members[1].pk,
                "since": "2026-01-05",
            },
            follow=True,
        )
        assert "已纳入责任区" in r.content.decode()
    duties = CenterHouseholdDuty.objects.filter(center=center)
    assert set(duties.values_list("household_id", flat=True)) == {first.pk, second.pk}
    assert duties.first().org_path == center.path
    with django_assert_max_num_queries(30):  # fixed: one query per section, duties prefetched
        body = c.get(f"/party-life/branches/{party.branch.pk}/").content.decode()
    assert f'data-household="{first.pk}"' in body and f'data-household="{second.pk}"' in body
    assert party.members[1].name in body


def test_linking_a_household_outside_the_compound_twice_or_with_an_outsider_is_refused(party: Any, places: Any) -> None:
    from linli.partylife.models import CenterHouseholdDuty

    center, _, (first, _), theirs = _center_and_households(party, places)
    c = _client(party.secretary)
    url = f"/party-life/branches/{party.branch.pk}/duty/"
    good = {"center_id": center.pk, "household_id": first.pk, "member_id": party.members[1].pk, "since": "2026-01-05"}
    r = c.post(url, {**good, "household_id": theirs.pk}, follow=True)
    assert "须是本支部所在小区的住户" in r.content.decode()
    r = c.post(url, {**good, "member_id": party.outsider.pk}, follow=True)
    assert "负责党员须是本支部在册党员" in r.content.decode()
    r = c.post(url, {**good, "since": "明天"}, follow=True)
    assert "日期“明天”无效,请用 YYYY-MM-DD" in r.content.decode()
    assert not CenterHouseholdDuty.objects.exists()
    c.post(url, good)
    r = c.post(url, good, follow=True)
    assert "该住户已在此中心户的责任区内" in r.content.decode()
    assert CenterHouseholdDuty.objects.count() == 1


def test_a_center_household_of_another_branch_is_404_for_the_secretary_and_the_grid_worker(
    client_as: Any, party: Any, places: Any
) -> None:
    from linli.partylife.models import CenterHouseholdDuty

    center, other_center, (first, _), _ = _center_and_households(party, places)
    data = {
        "center_id": other_center.pk,
        "household_id": first.pk,
        "member_id": party.members[1].pk,
        "since": "2026-01-05",
    }
    assert _client(party.secretary).post(f"/party-life/branches/{party.branch.pk}/duty/", data).status_code == 404
    grid = client_as("grid")
    assert (
        grid.post(f"/party-life/branches/{party.branch.pk}/duty/", {**data, "center_id": center.pk}).status_code == 404
    )
    assert not CenterHouseholdDuty.objects.exists()


def test_a_member_sees_the_households_in_their_service_area_on_their_own_page(party: Any, places: Any) -> None:
    center, _, (first, second), _ = _center_and_households(party, places)
    c = _client(party.secretary)
    base = {"center_id": center.pk, "since": "2026-01-05"}
    c.post(
        f"/party-life/branches/{party.branch.pk}/duty/",
        {**base, "household_id": first.pk, "member_id": party.members[1].pk},
    )
    c.post(
        f"/party-life/branches/{party.branch.pk}/duty/",
        {**base, "household_id": second.pk, "member_id": party.members[2].pk},
    )
    mine = _client(party.member_user).get("/party-life/").content.decode()
    assert 'id="my-duties"' in mine and f'data-household="{first.pk}"' in mine
    assert f'data-household="{second.pk}"' not in mine and center.name in mine
    assert 'id="my-duties"' not in _client(party.outsider_user).get("/party-life/").content.decode()
