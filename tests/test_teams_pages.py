"""The team pages as a community worker and a street leader use them: the overview, a compound's team and 事项清单,
the community's template and the standard. Refused forms keep what was typed and say what is wrong beside the
field; double submits do nothing twice; no page costs more queries with more rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.teams import services_items as si
from linli.teams.models import DutyItem, TeamMember, TeamPost, TeamStandard
from tests.teams_support import fill, residents

pytestmark = pytest.mark.django_db


def test_the_nav_leads_staff_and_grid_workers_to_the_teams_but_not_residents(client_as: Any) -> None:
    for who in ("street", "community", "grid"):
        assert 'data-nav="teams"' in client_as(who).get("/teams/").content.decode()
    assert 'data-nav="teams"' not in client_as("resident").get("/").content.decode()


def test_a_community_worker_seats_a_person_from_the_usual_candidates_and_the_gap_closes(
    users: Any, places: Any, client_as: Any
) -> None:
    client = client_as("community")
    compound = places.compounds[0]
    url = f"/teams/compounds/{compound.pk}/"
    page = client.get(url).content.decode()
    assert 'data-post="secretary"' in page and "缺 1 人" in page
    secretary = users["community"].person  # a 两委 member: in the candidates list
    assert f'value="{secretary.pk}"' in page
    done = client.post(
        url, {"form": "member_add", "post": "secretary", "person_id": secretary.pk, "note": "社区两委委员"}
    )
    assert done.status_code == 302
    again = client.post(url, {"form": "member_add", "post": "secretary", "person_id": secretary.pk})
    assert again.status_code == 302
    assert TeamMember.objects.filter(compound=compound, post="secretary").count() == 1
    page = client.get(url).content.decode()
    assert "已在该岗位上" in page  # the repeat's message
    assert secretary.name in page and "社区两委委员" in page


def test_a_person_is_also_chosen_by_their_ledger_number(places: Any, client_as: Any) -> None:
    compound = places.compounds[0]
    resident = residents(compound, 1)[0]
    answer = client_as("community").post(
        f"/teams/compounds/{compound.pk}/", {"form": "member_add", "post": "volunteer", "person_number": resident.pk}
    )
    assert answer.status_code == 302
    assert TeamMember.objects.filter(compound=compound, person=resident, post="volunteer").exists()


def test_a_refused_form_keeps_what_was_typed_and_shows_the_error_beside_its_field(places: Any, client_as: Any) -> None:
    compound = places.compounds[0]
    answer = client_as("community").post(
        f"/teams/compounds/{compound.pk}/",
        {"form": "member_add", "post": "volunteer", "person_number": "987654321", "note": "物业项目经理"},
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'data-field="person_id"' in html and "未找到该人员,或您无权选择" in html
    assert 'value="物业项目经理"' in html
    answer = client_as("community").post(
        f"/teams/compounds/{compound.pk}/",
        {"form": "item_create", "category": "service", "title": "走访", "frequency": "hourly", "detail": "每月一次"},
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'data-field="frequency"' in html and "请选择频次" in html and "每月一次" in html
    assert not DutyItem.objects.filter(place=compound).exists()


def test_a_double_submitted_item_form_adds_one_item(places: Any, client_as: Any) -> None:
    compound = places.compounds[0]
    client = client_as("community")
    form = {
        "form": "item_create",
        "category": "governance",
        "title": "楼道堆物清理",
        "frequency": "weekly",
        "assignee": "post:building",
        "idempotency_key": "7f9c0d2b6d3d4a3c8d5b4f1e2a3b4c5d",
    }
    assert client.post(f"/teams/compounds/{compound.pk}/", form).status_code == 302
    assert client.post(f"/teams/compounds/{compound.pk}/", form).status_code == 302
    item = DutyItem.objects.get(place=compound)
    assert (item.title, item.post, item.member_id) == ("楼道堆物清理", "building", None)


def test_an_item_is_refined_to_one_member_and_removed_twice_harmlessly(users: Any, places: Any, client_as: Any) -> None:
    compound = places.compounds[0]
    client = client_as("community")
    url = f"/teams/compounds/{compound.pk}/"
    member = fill(users["community"], compound)[2]
    item, _ = si.item_create(
        actor=users["community"],
        place=compound,
        duty=si.Duty(category="service", title="走访独居老人", frequency="monthly", post="building"),
    )
    answer = client.post(
        url,
        {
            "form": "item_update",
            "duty_id": item.pk,
            "category": "service",
            "title": "走访独居老人(1栋)",
            "detail": "每周二上门",
            "frequency": "weekly",
            "assignee": f"member:{member.pk}",
        },
    )
    assert answer.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.member_id, item.post) == ("走访独居老人(1栋)", member.pk, "building")
    assert member.person.name in client.get(url).content.decode()
    assert client.post(url, {"form": "item_remove", "duty_id": item.pk}).status_code == 302
    assert client.post(url, {"form": "item_remove", "duty_id": item.pk}).status_code == 302
    assert not DutyItem.objects.filter(pk=item.pk).exists()


def test_a_refused_edit_opens_only_that_items_form_with_the_error(users: Any, places: Any, client_as: Any) -> None:
    compound = places.compounds[0]
    first, _ = si.item_create(
        actor=users["community"], place=compound, duty=si.Duty(category="party", title="主题党日", frequency="monthly")
    )
    second, _ = si.item_create(
        actor=users["community"], place=compound, duty=si.Duty(category="service", title="走访", frequency="monthly")
    )
    answer = client_as("community").post(
        f"/teams/compounds/{compound.pk}/",
        {
            "form": "item_update",
            "duty_id": second.pk,
            "category": "service",
            "title": "主题党日",
            "frequency": "weekly",
        },
    )
    assert answer.status_code == 422  # pages answer every refused form with 422, the form shown again
    html = answer.content.decode()
    assert html.count('role="alert"') == 1 and "已有“主题党日”" in html
    assert first.title == DutyItem.objects.get(pk=first.pk).title


def test_a_compound_copies_the_community_template_with_one_press(users: Any, places: Any, client_as: Any) -> None:
    community, compound = places.communities[0], places.compounds[0]
    si.item_create(
        actor=users["community"],
        place=community,
        duty=si.Duty(category="party", title="主题党日", frequency="monthly", post="secretary"),
    )
    client = client_as("community")
    assert "从社区事项模板复制(1 项未复制)" in client.get(f"/teams/compounds/{compound.pk}/").content.decode()
    assert client.post(f"/teams/compounds/{compound.pk}/", {"form": "copy"}).status_code == 302
    assert client.post(f"/teams/compounds/{compound.pk}/", {"form": "copy"}).status_code == 302
    assert DutyItem.objects.filter(place=compound, title="主题党日").count() == 1
    assert 'name="form" value="copy"' not in client.get(f"/teams/compounds/{compound.pk}/").content.decode()


def test_the_template_page_adds_items_and_copies_them_into_the_chosen_compounds(places: Any, client_as: Any) -> None:
    community = places.communities[0]
    url = f"/teams/communities/{community.pk}/template/"
    client = client_as("community")
    added = client.post(
        url,
        {
            "form": "item_create",
            "category": "party",
            "title": "主题党日",
            "frequency": "monthly",
            "assignee": "post:secretary",
        },
    )
    assert added.status_code == 302
    none_chosen = client.post(url, {"form": "copy"})
    assert none_chosen.status_code == 422 and "请至少选择一个小区" in none_chosen.content.decode()
    copied = client.post(url, {"form": "copy", "compound_ids": [places.compounds[1].pk]})
    assert copied.status_code == 302
    assert list(DutyItem.objects.filter(title="主题党日").values_list("place_id", flat=True).order_by("place_id")) == [
        community.pk,
        places.compounds[1].pk,
    ]
    members = client.post(
        url,
        {
            "form": "item_create",
            "category": "party",
            "title": "三会一课",
            "frequency": "monthly",
            "assignee": "member:1",
        },
    )
    assert members.status_code == 422  # a template is assigned to posts, never to a person


def test_the_standards_page_keeps_a_community_standard_and_changes_a_post(places: Any, client_as: Any) -> None:
    community = places.communities[0]
    client = client_as("community")
    url = f"/teams/standards/?place={community.pk}"
    page = client.get(url).content.decode()
    assert "执行平台默认标准" in page and "1+1+2N+X" in page
    assert client.post(url, {"form": "adopt"}).status_code == 302
    assert client.post(url, {"form": "adopt"}).status_code == 302  # a double submit: the same standard
    standard = TeamStandard.objects.get(place_path=community.path)
    saved = client.post(
        url, {"form": "post_save", "code": "building", "name": "楼栋长", "fixed": "0", "per_building": "1"}
    )
    assert saved.status_code == 302
    assert TeamPost.objects.get(standard=standard, code="building").per_building == 1
    refused = client.post(
        url, {"form": "post_save", "code": "mediator", "name": "调解员", "fixed": "一", "per_building": "0"}
    )
    assert refused.status_code == 422
    assert (
        'data-field="fixed"' in refused.content.decode()
        and "固定人数应为 0 到 50 之间的整数" in refused.content.decode()
    )
    assert "1+1+N+X" in client.get(url).content.decode()
    assert 'id="standard-drop"' in client.get(url).content.decode()
    assert client.post(url, {"form": "drop"}).status_code == 302
    page = client.get(url).content.decode()
    assert "执行平台默认标准" in page and 'id="standard-drop"' not in page
    assert not TeamStandard.objects.filter(place_path=community.path).exists()


def test_the_overview_shows_the_share_per_community_and_the_gaps(users: Any, places: Any, client_as: Any) -> None:
    fill(users["street"], places.compounds[0])
    fill(users["street"], places.compounds[2], short=1)
    html = client_as("street").get("/teams/").content.decode()
    assert "25.0%" in html
    assert f'data-place="{places.communities[0].pk}"' in html and "50.0%" in html
    assert f'data-gap="{places.compounds[2].pk}-building"' in html


def test_the_dashboard_and_the_compound_place_page_link_to_the_teams(users: Any, places: Any, client_as: Any) -> None:
    fill(users["street"], places.compounds[0])
    dashboard = client_as("street").get("/insights/").content.decode()
    assert 'data-figure="team_share"' in dashboard and "(1/4)" in dashboard
    place_page = client_as("community").get(f"/places/{places.compounds[0].pk}/").content.decode()
    assert f"/teams/compounds/{places.compounds[0].pk}/" in place_page


def _queries(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), len(response.content)


def test_the_pages_cost_the_same_queries_with_more_members_and_items(users: Any, places: Any, client_as: Any) -> None:
    community, compound = places.communities[0], places.compounds[0]
    client = client_as("community")
    urls = [
        "/teams/",
        f"/teams/compounds/{compound.pk}/",
        f"/teams/communities/{community.pk}/template/",
        f"/teams/standards/?place={community.pk}",
    ]
    si.item_create(
        actor=users["community"], place=community, duty=si.Duty(category="party", title="事项0", frequency="monthly")
    )
    si.items_copy(actor=users["community"], community=community)
    s_member = fill(users["community"], compound, short=4)
    before = {url: _queries(client, url) for url in urls}
    for n in range(1, 8):
        si.item_create(
            actor=users["community"],
            place=community,
            duty=si.Duty(category="service", title=f"事项{n}", frequency="weekly", post="building"),
        )
        si.item_create(
            actor=users["community"],
            place=compound,
            duty=si.Duty(category="service", title=f"小区事项{n}", frequency="weekly", member=s_member[2]),
        )
    si.items_copy(actor=users["community"], community=community)
    fill(users["community"], places.compounds[1])
    for person in residents(compound, 3, skip=40):
        from linli.teams.services import member_add

        member_add(actor=users["community"], compound=compound, post="volunteer", person=person)
    after = {url: _queries(client, url) for url in urls}
    for url in urls[1:3]:  # the compound's and the template's pages show more rows
        assert after[url][1] > before[url][1], url
    for url in urls:
        assert after[url][0] <= before[url][0], (url, before[url], after[url])


def test_a_member_leaving_twice_and_an_edit_of_a_deleted_item_answer_sensibly(
    users: Any, places: Any, client_as: Any
) -> None:
    compound = places.compounds[0]
    url = f"/teams/compounds/{compound.pk}/"
    client = client_as("community")
    member = fill(users["community"], compound)[0]
    for _ in range(2):  # a double tap on 确认离任
        assert client.post(url, {"form": "member_end", "member_id": member.pk, "reason": "调任"}).status_code == 302
    member.refresh_from_db()
    assert member.ended_on is not None and member.end_reason == "调任"
    gone = client.post(
        url, {"form": "item_update", "duty_id": 987654321, "category": "party", "title": "x", "frequency": "weekly"}
    )
    assert gone.status_code == 422
    html = gone.content.decode()
    assert html.count('role="alert"') == 1 and "请选择事项" in html
