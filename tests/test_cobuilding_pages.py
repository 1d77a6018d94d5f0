"""Co-building pages: each renders for staff, forms keep bad input with a clear message, other
scopes are 404 (IDOR per object type), lists do not grow queries with rows, residents' pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.cobuilding import services_funds as sf
from linli.cobuilding import services_partners as sp
from linli.cobuilding import services_property as spr
from linli.cobuilding import services_rating as sr
from linli.cobuilding.models import Need, PropertyContract, RatingResponse
from linli.deliberation.services_meetings import meeting_plan
from linli.orgs.models import PartyOrg
from tests.test_cobuilding_world import all_scores, build_world, make_need_and_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users: dict[str, Any], places: Any) -> Any:
    return build_world(users, places)


STAFF_PAGES = [
    "cobuilding:home",
    "cobuilding:property",
    "cobuilding:committees",
    "cobuilding:ratings",
    "cobuilding:lists",
    "cobuilding:resources",
    "cobuilding:needs",
    "cobuilding:projects",
    "cobuilding:funds",
    "cobuilding:partners",
    "cobuilding:mine",
]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_every_co_building_page_renders_for_street_community_and_grid_staff(
    name: str, client_as: Any, world: Any
) -> None:
    for who in ("street", "community", "grid"):
        response = client_as(who).get(reverse(name))
        assert response.status_code == 200, (who, name)


def test_a_bad_credit_code_on_the_page_is_refused_with_the_input_kept(client_as: Any, places: Any) -> None:
    response = client_as("street").post(
        reverse("cobuilding:property"),
        {"form": "company", "home_id": places.communities[0].pk, "name": "好邻居物业", "uscc": "91340100MA2N00001X"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "统一社会信用代码" in html and "好邻居物业" in html and 'data-field="uscc"' in html


def test_an_overlapping_contract_on_the_page_is_refused_clearly(client_as: Any, world: Any) -> None:
    before = PropertyContract.objects.count()
    response = client_as("street").post(
        reverse("cobuilding:property"),
        {
            "form": "contract",
            "company_id": world.company.pk,
            "compound_id": world.compound.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "fee_grade": "二级",
            "fee_per_m2": "1.1",
            "project_manager": "张",
        },
    )
    assert response.status_code == 422 and "期限重叠" in response.content.decode()
    assert PropertyContract.objects.count() == before


def test_the_survey_by_link_takes_one_answer_per_household(client_as: Any, users: dict[str, Any], world: Any) -> None:
    rating = sr.rating_open(
        actor=users["street"], template=world.template, company=world.company, compound=world.compound, sample_size=500
    )
    client = client_as("resident")
    url = reverse("cobuilding:survey", args=[rating.token])
    assert client.get(url).status_code == 200
    scores = {f"c{k}": v for k, v in all_scores(world.template, 5).items()}
    assert "survey-thanks" in client.post(url, scores).content.decode()
    again = client.post(url, scores)
    assert again.status_code == 422 and "每户只能评价一次" in again.content.decode()
    assert RatingResponse.objects.filter(rating=rating).count() == 1
    assert client_as("resident").get(reverse("cobuilding:survey", args=["not-a-token"])).status_code == 404


def _other_scope_objects(users: dict[str, Any], places: Any, world: Any) -> dict[str, Any]:
    """One object of each type outside the grid worker's grid (another compound)."""
    other = places.compounds[2]
    company = spr.property_company_register(
        actor=users["street"], home=places.communities[1], name="别处物业", uscc="91340100MA2N000042"
    )
    rating = sr.rating_open(
        actor=users["street"], template=world.template, company=company, compound=other, sample_size=3
    )
    need = sp.need_raise(actor=users["street"], place=other, category="goods", title="别处需求")
    project = sp.project_propose(
        actor=users["street"], place=other, title="别处项目", description="", budget="10", partners=[]
    )
    branch = PartyOrg.objects.get(kind="branch", place=other)
    fund = sf.fund_open(actor=users["street"], holder="branch", name="别处经费", party_org=branch)
    entry = spr.list_decide(
        actor=users["street"],
        organisation=company,
        kind="black",
        reason="投诉集中",
        evidence="",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    return {
        "rating": reverse("cobuilding:rating", args=[rating.pk]),
        "credit": reverse("cobuilding:credit", args=[company.pk]),
        "need": reverse("cobuilding:need", args=[need.pk]),
        "project": reverse("cobuilding:project", args=[project.pk]),
        "fund": reverse("cobuilding:fund", args=[fund.pk]),
        "revoke": reverse("cobuilding:list_revoke", args=[entry.pk]),
        "close": reverse("cobuilding:rating_close", args=[rating.pk]),
        "spend": reverse("cobuilding:fund_action", args=[fund.pk, "spend"]),
    }


def test_a_grid_worker_cannot_see_or_act_on_another_compounds_ratings_needs_projects_funds_or_lists(
    client_as: Any, users: dict[str, Any], places: Any, world: Any
) -> None:
    urls = _other_scope_objects(users, places, world)
    grid = client_as("grid")
    for key in ("rating", "credit", "need", "project", "fund"):
        assert grid.get(urls[key]).status_code == 404, key
    for key in ("revoke", "close", "spend"):
        assert grid.post(urls[key], {"reason": "x", "amount": "1"}).status_code == 404, key
    street = client_as("street")
    for key in ("rating", "credit", "need", "project", "fund"):
        assert street.get(urls[key]).status_code == 200, key


def test_a_resident_sees_only_the_list_of_their_own_compound(
    client_as: Any, users: dict[str, Any], places: Any, world: Any
) -> None:
    _other_scope_objects(users, places, world)  # a black-list entry registered at community 1
    spr.list_decide(
        actor=users["street"],
        organisation=world.company,
        kind="red",
        reason="五星物业",
        evidence="",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    html = client_as("resident").get(reverse("cobuilding:mine")).content.decode()
    assert "五星物业" in html and "投诉集中" not in html


def test_a_resident_raises_a_need_from_their_page(client_as: Any, users: dict[str, Any], world: Any) -> None:
    response = client_as("resident").post(
        reverse("cobuilding:mine"), {"place_id": world.compound.pk, "category": "venue", "title": "需要棋牌活动室"}
    )
    assert response.status_code == 302
    assert Need.objects.filter(raised_by=users["resident"], title="需要棋牌活动室", source="resident").exists()


def test_need_and_project_lists_do_not_grow_queries_with_rows(
    client_as: Any, users: dict[str, Any], places: Any, world: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_as("street")

    def add(n: int) -> None:
        for i in range(n):
            need, _resource = make_need_and_resource(users, places, world)
            sp.project_propose(
                actor=users["street"], place=world.compound, title=f"项目{i}", description="", budget="1",
                partners=[world.partner], need=need,
            )  # fmt: skip

    add(2)
    counts = {}
    for name in ("cobuilding:needs", "cobuilding:projects", "cobuilding:resources", "cobuilding:partners"):
        with django_assert_max_num_queries(40) as ctx:
            client.get(reverse(name))
        counts[name] = len(ctx.captured_queries)
    add(8)
    for name, before in counts.items():
        with django_assert_max_num_queries(before) as ctx:
            client.get(reverse(name))


def test_the_fund_page_shows_balance_and_refuses_overspending_with_a_message(
    client_as: Any, users: dict[str, Any], places: Any
) -> None:
    branch = PartyOrg.objects.get(kind="branch", place=places.compounds[0])
    fund = sf.fund_open(actor=users["street"], holder="branch", name="测试经费", party_org=branch)
    client = client_as("street")
    url = reverse("cobuilding:fund_action", args=[fund.pk, "grant"])
    client.post(url, {"kind": "startup", "amount": "3000", "note": "启动经费"})
    response = client.post(
        reverse("cobuilding:fund_action", args=[fund.pk, "spend"]),
        {"amount": "5000", "note": "超支", "receipt_number": "R1"},
        follow=True,
    )
    html = response.content.decode()
    assert "余额不足" in html and 'id="fund-balance">3000.00<' in html
    assert response.status_code == 422 and response.redirect_chain == []
    spend_form = html[html.index(reverse("cobuilding:fund_action", args=[fund.pk, "spend"])) :]
    assert 'value="5000"' in spend_form and 'value="超支"' in spend_form and 'value="R1"' in spend_form
    grant_form = html[html.index(url) : html.index(reverse("cobuilding:fund_action", args=[fund.pk, "spend"]))]
    assert 'value="5000"' not in grant_form  # only the refused form is filled in again


def test_a_project_photo_upload_and_approval_through_the_page(
    client_as: Any, users: dict[str, Any], world: Any
) -> None:
    from tests.support import png_upload

    project = sp.project_propose(
        actor=users["street"], place=world.compound, title="加装座椅", description="", budget="500", partners=[]
    )
    meeting = meeting_plan(
        actor=users["community"], place=world.compound, kind="council", title="议事会", location="站",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    client = client_as("street")
    client.post(reverse("cobuilding:project_action", args=[project.pk, "approve"]), {"meeting_id": meeting.pk})
    client.post(reverse("cobuilding:project_action", args=[project.pk, "photo"]), {"photo": png_upload()})
    project.refresh_from_db()
    assert project.status == "approved" and project.photos.count() == 1


def test_a_refused_acceptance_shows_the_page_again_with_what_was_typed_and_progress_is_recorded(
    client_as: Any, users: dict[str, Any], world: Any
) -> None:
    project = sp.project_propose(
        actor=users["street"], place=world.compound, title="加装扶手", description="", budget="800", partners=[]
    )
    meeting = meeting_plan(
        actor=users["community"], place=world.compound, kind="council", title="议事会", location="站",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    sp.project_approve(actor=users["street"], project=project, meeting=meeting)
    sp.project_start(actor=users["street"], project=project)
    client = client_as("street")
    url = reverse("cobuilding:project_action", args=[project.pk, "accept"])
    refused = client.post(url, {"note": "  ", "beneficiaries": "36", "beneficiaries_note": "一单元独居老人"})
    html = refused.content.decode()
    assert refused.status_code == 422 and 'data-field="note"' in html and "请填写验收意见" in html
    assert 'value="36"' in html and 'value="一单元独居老人"' in html
    project.refresh_from_db()
    assert project.status == "executing"
    done = client.post(reverse("cobuilding:project_action", args=[project.pk, "progress"]), {"note": "扶手已安装一半"})
    assert done.status_code == 302
    page = client.get(reverse("cobuilding:project", args=[project.pk])).content.decode()
    assert "扶手已安装一半" in page and 'data-field="note"' not in page
    assert client.post(url, {"note": "", "beneficiaries": "x"}).status_code == 422


def test_a_resource_is_corrected_and_deactivated_on_its_page_and_refusals_keep_the_input(
    client_as: Any, users: dict[str, Any], places: Any, world: Any
) -> None:
    _need, resource = make_need_and_resource(users, places, world)
    client = client_as("street")
    url = reverse("cobuilding:resource", args=[resource.pk])
    assert resource.title in client.get(reverse("cobuilding:resources")).content.decode()
    blank = client.post(url, {"form": "edit", "title": " ", "description": "每周六上门", "category": "volunteers"})
    html = blank.content.decode()
    assert blank.status_code == 422 and 'data-field="title"' in html and "每周六上门" in html
    assert (
        client.post(
            url, {"form": "edit", "title": "电力抢修队", "description": "", "category": "expertise"}
        ).status_code
        == 302
    )
    resource.refresh_from_db()
    assert (resource.title, resource.category) == ("电力抢修队", "expertise")
    no_reason = client.post(url, {"form": "deactivate", "reason": ""})
    assert no_reason.status_code == 422 and 'data-field="reason"' in no_reason.content.decode()
    assert client.post(url, {"form": "deactivate", "reason": "队伍解散"}).status_code == 302
    resource.refresh_from_db()
    assert not resource.active and 'id="resource-reactivate"' in client.get(url).content.decode()
    assert client_as("grid").get(url).status_code in (403, 404)


def test_a_contract_is_edited_on_its_page_and_an_overlapping_period_comes_back_with_the_input(
    client_as: Any, users: dict[str, Any], world: Any
) -> None:
    contract = PropertyContract.objects.filter(compound=world.compound).order_by("starts_on").first()
    later = spr.contract_create(
        actor=users["street"], company=world.company, compound=world.compound,
        starts_on=contract.ends_on + dt.timedelta(days=1), ends_on=contract.ends_on + dt.timedelta(days=365),
        fee_grade="二级", fee_per_m2="1.2", project_manager="王",
    )  # fmt: skip
    client = client_as("street")
    url = reverse("cobuilding:contract", args=[contract.pk])
    assert f'value="{contract.project_manager}"' in client.get(url).content.decode()
    body = {
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": (later.starts_on + dt.timedelta(days=10)).isoformat(),
        "fee_grade": "一级",
        "fee_per_m2": "2.35",
        "project_manager": "赵经理",
    }
    clash = client.post(url, body)
    html = clash.content.decode()
    assert clash.status_code == 422 and "期限重叠" in html and 'value="赵经理"' in html and 'value="2.35"' in html
    body["ends_on"] = (contract.ends_on - dt.timedelta(days=10)).isoformat()
    assert client.post(url, body).status_code == 302
    contract.refresh_from_db()
    assert (contract.project_manager, str(contract.fee_per_m2)) == ("赵经理", "2.35")
    assert client_as("grid").get(url).status_code in (403, 404)


def test_the_partners_page_counts_the_part_time_members_of_the_big_committee(client_as, users, places, world) -> None:
    sp.partner_profile_set(
        actor=users["street"],
        organisation=world.partner,
        big_committee=True,
        street_big_committee=True,
        big_committee_community_id=places.communities[0].pk,
        party_leader_name="王书记",
        joined_on=timezone.localdate(),
    )
    page = client_as("street").get(reverse("cobuilding:partners")).content.decode()
    assert "街道大工委 1 个,成员单位 1 个;社区大党委 1 个,成员单位 1 个;兼职委员 1 名" in page
