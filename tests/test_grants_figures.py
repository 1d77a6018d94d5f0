"""The figures a street leader quotes ("申报 N 个, 立项 28 个, 资助 X 万元, 结项 Y 个, 服务 Z 人次"), counted
exactly from the records, in a period, at a street, a district or a community — and only for those who run or lead
there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.core.errors import NotFound
from linli.grants import selectors as sel
from linli.grants import services_delivery as sd
from linli.grants import services_review as sr
from linli.grants.models import GrantProject
from linli.places.models import Place
from tests.grants_support import application, approved, grant_round, social_org

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _world(users: Any, places: Any) -> dict[str, GrantProject]:
    """Five applications: A (花园, org 1) approved 30,000 → completed 优秀; B (滨湖, org 2) approved 20,000 →
    terminated; C (花园, org 1) approved 10,000, going on; D rejected; E waiting."""
    actor = users["street"]
    one = social_org(actor, places.street, "幸福里社工服务中心")
    two = social_org(actor, places.communities[1], "滨湖青少年成长服务社")
    round_ = grant_round(actor, places.street)
    garden, lake = [places.communities[0]], [places.communities[1]]
    p = {
        "A": application(actor, round_, one, garden, "助餐服务"),
        "B": application(actor, round_, two, lake, "四点半课堂", service_field="youth"),
        "C": application(actor, round_, one, garden, "邻里调解", service_field="mediation"),
        "D": application(actor, round_, two, lake, "广场舞比赛", service_field="youth"),
        "E": application(actor, round_, one, garden + lake, "困难家庭帮扶", service_field="assistance"),
    }
    from linli.grants import services as s

    s.round_review(actor=actor, round_=round_)
    approved(actor, p["A"], 30_000_00)
    approved(actor, p["B"], 20_000_00)
    approved(actor, p["C"], 10_000_00)
    sr.project_reject(actor=actor, project=p["D"], reason="不属于本轮资助方向")
    for key, people, held in (("A", 120, 4), ("A", 30, 1), ("B", 45, 2)):
        sd.report_add(
            actor=actor, project=p[key], on_date=TODAY, text="开展服务", beneficiaries=people, activities=held
        )
    sd.disburse(actor=actor, project=p["A"], tranche="first", amount_fen=12_000_00, paid_on=TODAY)
    sd.disburse(actor=actor, project=p["B"], tranche="first", amount_fen=6_000_00, paid_on=TODAY)
    sd.project_complete(actor=actor, project=p["A"], grade="excellent", summary="服务对象满意度高")
    sd.project_terminate(actor=actor, project=p["B"], reason="场地无法落实")
    return p


def test_the_figures_of_a_street_count_each_record_exactly(users: Any, places: Any) -> None:
    _world(users, places)
    f = sel.figures(users["street"], places.street, since=TODAY, until=TODAY)
    assert (f.registered, f.approved, f.rejected, f.decided) == (5, 3, 1, 4)
    assert f.approval_rate == 0.75
    assert (f.granted_fen, f.paid_fen) == (60_000_00, 18_000_00)
    assert (f.completed, f.completed_good, f.good_share, f.terminated) == (1, 1, 1.0, 1)
    assert (f.beneficiaries, f.activities) == (195, 7)
    assert (f.organisations, f.in_progress) == (2, 1)


def test_a_community_counts_the_projects_serving_it_and_a_district_counts_its_streets(users: Any, places: Any) -> None:
    _world(users, places)
    garden = sel.figures(users["street"], places.communities[0], since=TODAY, until=TODAY)
    assert (garden.registered, garden.approved, garden.granted_fen) == (3, 2, 40_000_00)  # A, C, E
    assert (garden.beneficiaries, garden.paid_fen, garden.organisations) == (150, 12_000_00, 1)
    district = Place.objects.get(path=places.street.path[: Place.steplen])
    whole = sel.figures(users["admin"], district, since=TODAY, until=TODAY)
    assert (whole.registered, whole.approved, whole.granted_fen) == (5, 3, 60_000_00)  # E counted once


def test_what_happened_outside_the_period_is_not_counted_in_it(users: Any, places: Any) -> None:
    p = _world(users, places)
    last_year = timezone.now().replace(year=TODAY.year - 1)
    GrantProject.objects.filter(pk=p["C"].pk).update(created_at=last_year, decided_at=last_year)
    f = sel.figures(users["street"], places.street, since=TODAY, until=TODAY)
    assert (f.registered, f.approved, f.granted_fen, f.organisations) == (4, 2, 50_000_00, 2)
    yesterday = TODAY - dt.timedelta(days=1)
    before = sel.figures(users["street"], places.street, since=yesterday, until=yesterday)
    assert (before.registered, before.approved, before.paid_fen, before.beneficiaries) == (0, 0, 0, 0)
    assert before.approval_rate is None and before.good_share is None
    assert before.in_progress == 1  # "now", whatever the period


def test_the_figures_cost_the_same_queries_however_many_projects(
    users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    actor = users["street"]
    sel.figures(actor, places.street, since=TODAY, until=TODAY)  # the positions are read once per request
    with django_assert_max_num_queries(3) as empty:
        sel.figures(actor, places.street, since=TODAY, until=TODAY)
    _world(users, places)
    with django_assert_max_num_queries(len(empty.captured_queries)):
        sel.figures(actor, places.street, since=TODAY, until=TODAY)


@pytest.mark.parametrize(("who", "where"), [("grid", "street"), ("community", "street"), ("volunteer", "street")])
def test_only_those_who_run_or_lead_a_place_read_its_figures(users: Any, places: Any, who: str, where: str) -> None:
    with pytest.raises(NotFound):
        sel.figures(users[who], getattr(places, where), since=TODAY, until=TODAY)
    if who == "community":
        assert sel.figures(users[who], places.communities[0], since=TODAY, until=TODAY).registered == 0


def test_a_dashboard_tile_gets_the_figures_only_where_the_viewer_runs_or_leads(users: Any, places: Any) -> None:
    _world(users, places)
    tile = sel.dashboard_figures(users["street"], places.street, since=TODAY, until=TODAY)
    assert tile is not None and (tile.approved, tile.granted_fen) == (3, 60_000_00)
    assert sel.dashboard_figures(users["grid"], places.street, since=TODAY, until=TODAY) is None
    assert sel.dashboard_figures(users["street"], places.compounds[0], since=TODAY, until=TODAY) is None


def test_the_street_dashboard_shows_the_projects_approved_and_the_money_granted(
    users: Any, places: Any, client_as: Any
) -> None:
    _world(users, places)
    f = sel.figures(users["street"], places.street, since=TODAY, until=TODAY)
    query = f"node={places.street.pk}&since={TODAY}&until={TODAY}"
    page = client_as("street").get(f"/insights/?{query}").content.decode()
    tile = page.split('data-figure="grants_approved"', 1)[1].split("</a>", 1)[0]
    assert f"<b>{f.approved}</b>" in tile and "6.00 万元" in tile and f"{f.beneficiaries} 人次" in tile
    assert f.approved == 3
