"""Seed practices in volunteering: 微心愿 by “五心” and where they were collected (seed 001), service areas of teams and
activities (seed 000: 划分党员服务责任区), 宣传阵地 kept by teams (seed 004), and 服务岗位认领 by category."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.volunteering import activities as act
from linli.volunteering import services as svc
from linli.volunteering import services_areas as sa
from linli.volunteering import wishes as w
from linli.volunteering.models import Activity, PostClaim, ServicePost, Station, TeamServiceArea, Wish
from linli.volunteering.selectors import post_category_figures, publicity_figures, visible_posts
from linli.volunteering.selectors_areas import service_coverage, serving_home

pytestmark = pytest.mark.django_db
BASE = "/api/v1/volunteering"
JSON = "application/json"


def window() -> tuple[dt.datetime, dt.datetime]:
    """A period that holds only what the test writes: the demo's wishes were all written before it started."""
    now = timezone.now()
    return now - dt.timedelta(seconds=1), now + dt.timedelta(hours=1)


def published(users: dict[str, Any], title: str, heart: str = "") -> Wish:
    wish = w.wish_submit(actor=users["resident"], title=title, heart=heart)
    return w.wish_review(actor=users["community"], wish_id=wish.pk, approve=True)


# ----------------------------------------------------------------------------- 微心愿: 五心 and where collected


def test_wishes_are_counted_by_five_hearts_with_claims_by_party_members_and_unclassified_apart(users, places):
    start, _ = window()
    filial = published(users, "陪孤寡老人看病", heart="filial")  # claimed by the volunteer (a party member), fulfilled
    w.wish_claim(actor=users["volunteer"], wish_id=filial.pk)
    w.wish_fulfil(actor=users["volunteer"], wish_id=filial.pk, note="已陪同")
    loving = published(users, "留守儿童辅导作业", heart="loving")  # claimed, not fulfilled
    w.wish_claim(actor=users["volunteer"], wish_id=loving.pk)
    published(users, "困难家庭修水管", heart="warm")  # collected only
    rejected = w.wish_submit(actor=users["resident"], title="重复的心愿", heart="warm")
    w.wish_review(actor=users["community"], wish_id=rejected.pk, approve=False, note="重复")  # must NOT count
    published(users, "尚未分类的心愿")  # 未分类
    end = timezone.now() + dt.timedelta(hours=1)

    rows = {r.key: r for r in w.wish_heart_figures(user=users["community"], path=places.street.path, start=start,
                                                     end=end)}  # fmt: skip

    assert [k for k in rows] == ["filial", "loving", "warm", "reassuring", "caring", ""]
    assert (rows["filial"].collected, rows["filial"].claimed, rows["filial"].party_claimed) == (1, 1, 1)
    assert rows["filial"].fulfilled == 1 and rows["filial"].target == "孤寡老人"
    assert (rows["loving"].collected, rows["loving"].claimed, rows["loving"].fulfilled) == (1, 1, 0)
    assert (rows["warm"].collected, rows["warm"].claimed) == (1, 0)  # the rejected one is not collected
    assert (rows["reassuring"].collected, rows["caring"].collected) == (0, 0)
    assert rows[""].collected == 1 and rows[""].label == "未分类"


def test_the_figures_by_heart_stay_inside_the_viewers_scope(users, places):
    start, end = window()
    published(users, "社区一的心愿", heart="caring")
    other = places.other_community
    rows = {r.key: r for r in w.wish_heart_figures(user=users["community"], path=other.path, start=start, end=end)}
    assert rows["caring"].collected == 0  # the wish lives in the first community
    grid_rows = w.wish_heart_figures(user=users["grid"], path=places.street.path, start=start, end=end)
    assert sum(r.collected for r in grid_rows) == 1  # the grid worker sees the first grid only, where the wish is


def test_the_figures_are_one_statement_however_many_wishes(users, places, django_assert_num_queries):
    start, end = window()
    for i in range(4):
        published(users, f"心愿{i}", heart="warm")
    path = places.street.path
    w.wish_heart_figures(user=users["community"], path=path, start=start, end=end)  # warms the position cache
    with django_assert_num_queries(1):
        w.wish_heart_figures(user=users["community"], path=path, start=start, end=end)


def test_a_wish_collected_offline_records_channel_and_place_and_a_resident_cannot_claim_one(users, places):
    compound = places.compounds[0]
    resident = users["resident"].person
    wish = w.wish_submit(
        actor=users["community"], title="想要轮椅", wisher_id=resident.pk, heart="filial", channel="heart_to_heart",
        collected_at_id=compound.pk,
    )  # fmt: skip
    assert (wish.channel, wish.collected_at_id, wish.heart) == ("heart_to_heart", compound.pk, "filial")
    own = w.wish_submit(actor=users["resident"], title="自己提交")
    assert (own.channel, own.collected_at_id) == ("online", resident.place_id)
    with pytest.raises(InvalidInput) as refused:
        w.wish_submit(actor=users["resident"], title="收集箱", channel="wish_box")
    assert refused.value.field == "channel"
    with pytest.raises(InvalidInput) as elsewhere:
        w.wish_submit(actor=users["resident"], title="别处", collected_at_id=places.other_community.pk)
    assert elsewhere.value.field == "collected_at_id"
    with pytest.raises(InvalidInput) as bad_heart:
        w.wish_submit(actor=users["resident"], title="类别错", heart="golden")
    assert bad_heart.value.field == "heart"


def test_staff_classify_a_wish_audited_and_a_grid_worker_elsewhere_gets_not_found(users, places):
    wish = w.wish_submit(actor=users["resident"], title="未分类心愿")
    w.wish_classify(actor=users["grid"], wish_id=wish.pk, heart="reassuring")
    wish.refresh_from_db()
    assert wish.heart == "reassuring"
    event = AuditEvent.objects.filter(action="wish.classify", target_id=str(wish.pk)).get()
    assert event.detail["before"] == "" and event.detail["heart"] == "reassuring"
    with pytest.raises(InvalidInput):
        w.wish_classify(actor=users["grid"], wish_id=wish.pk, heart="")
    other = w.wish_submit(actor=users["community"], title="别的网格", wisher_id=_resident_in(places.other_grid).pk)
    with pytest.raises(NotFound):
        w.wish_classify(actor=users["grid"], wish_id=other.pk, heart="warm")
    with pytest.raises(NotFound):  # the wisher sees their wish, but is no staff there
        w.wish_classify(actor=users["resident"], wish_id=wish.pk, heart="warm")


def _resident_in(place: Any) -> Any:
    from linli.people.models import Person

    return Person.objects.filter(place_path__startswith=place.path).order_by("pk").first()


def test_the_wish_list_filters_by_heart_and_channel_and_shows_the_figures(users, client_as):
    published(users, "孝心心愿", heart="filial")
    published(users, "爱心心愿", heart="loving")
    client = client_as("community")
    page = client.get("/volunteering/wishes/?heart=filial").content.decode()
    assert "孝心心愿" in page and "爱心心愿" not in page and 'id="wish-hearts"' in page
    assert "爱心心愿" not in client.get("/volunteering/wishes/?channel=wish_box").content.decode()
    assert client.get("/volunteering/wishes/?heart=zzz&channel=zzz").status_code == 200
    stats = client.get("/volunteering/wishes/stats/").content.decode()
    assert 'data-heart="filial"' in stats and "孤寡老人" in stats


def test_the_wish_api_takes_the_heart_and_filters_and_gives_the_figures(users, api_as, places):
    client = api_as("resident")
    made = client.post(f"{BASE}/wishes", {"title": "想学智能手机", "heart": "caring"}, content_type=JSON)
    assert made.status_code == 201 and made.json()["heart"] == "caring" and made.json()["channel"] == "online"
    bad = client.post(f"{BASE}/wishes", {"title": "x", "heart": "golden"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "heart"
    staff = api_as("community")
    listed = staff.get(f"{BASE}/wishes?heart=caring").json()["items"]
    assert {x["heart"] for x in listed} == {"caring"}
    today = timezone.localdate().isoformat()
    q = f"place_id={places.communities[0].pk}&start={today}&end={today}"
    rows = {r["key"]: r for r in staff.get(f"{BASE}/wishes/figures?{q}").json()["rows"]}
    assert rows["caring"]["collected"] >= 1
    assert api_as("grid").get(f"{BASE}/wishes/figures?place_id={places.other_community.pk}&start={today}"
                              f"&end={today}").status_code == 404  # fmt: skip
    act = staff.post(f"{BASE}/wishes/{made.json()['id']}/act", {"action": "classify", "heart": "warm"},
                     content_type=JSON)  # fmt: skip
    assert act.status_code == 200 and act.json()["heart"] == "warm"


# ----------------------------------------------------------------------------- service areas


@pytest.fixture
def team(users: dict[str, Any], places: Any) -> Any:
    return svc.team_create(actor=users["community"], place_id=places.communities[0].pk, name="老村长志愿服务队")


def test_a_team_serves_a_grid_the_resident_finds_it_and_the_coverage_counts_the_grid(users, places, team):
    grid = places.first_grid
    before = service_coverage(places.street)
    sa.team_area_add(actor=users["community"], team_id=team.pk, place_id=grid.pk)

    home = serving_home(users["resident"])
    row = next(r for r in home.teams if r.team.pk == team.pk)
    assert [p.pk for p in row.areas] == [grid.pk]
    after = service_coverage(places.street)
    assert after.total.grids == before.total.grids
    assert after.total.covered == before.total.covered + (0 if _covered(before, grid) else 1)
    community_row = next(r for r in after.rows if r.place.pk == places.communities[0].pk)
    assert community_row.teams >= 1


def _grid_of(community: Any) -> Any:
    from linli.places.models import Place

    return Place.objects.filter(kind="grid", path__startswith=community.path).order_by("path").first()


def _covered(c: Any, grid: Any) -> bool:
    return TeamServiceArea.objects.filter(place_path__in=[grid.path[:i] for i in range(4, len(grid.path) + 1, 4)]
                                          ).exclude(team__name="老村长志愿服务队").exists()  # fmt: skip


def test_coverage_counts_grids_by_hand_in_a_community_with_no_areas(users, places, team):
    community = places.communities[0]
    TeamServiceArea.objects.filter(place_path__startswith=community.path).delete()
    from linli.places.models import Place

    grids = list(Place.objects.filter(kind="grid", path__startswith=community.path).order_by("path"))
    assert len(grids) >= 2
    compound = next(c for c in places.compounds if grids[0].path.startswith(c.path))
    sa.team_area_add(actor=users["community"], team_id=team.pk, place_id=compound.pk)  # covers its grids
    in_compound = sum(1 for g in grids if g.path.startswith(compound.path))

    c = service_coverage(community)

    assert (c.total.grids, c.total.covered, c.total.teams) == (len(grids), in_compound, 1)
    assert c.rows[0].rate == round(100 * in_compound / len(grids), 1)


def test_coverage_is_three_statements_however_many_areas(users, places, team, django_assert_num_queries):
    for g in places.grids[:3]:
        TeamServiceArea.objects.get_or_create(team=team, place=g, defaults={"place_path": g.path})
    with django_assert_num_queries(3):
        service_coverage(places.street)


def test_an_area_must_be_a_community_compound_or_grid_the_actor_manages_and_twice_is_a_conflict(users, places, team):
    from linli.core.errors import Conflict

    with pytest.raises(InvalidInput) as building:
        sa.team_area_add(actor=users["community"], team_id=team.pk, place_id=places.buildings[0].pk)
    assert building.value.field == "place_id"
    with pytest.raises(NotFound):  # another community's grid: not the community's to assign
        sa.team_area_add(actor=users["community"], team_id=team.pk, place_id=_grid_of(places.other_community).pk)
    with pytest.raises((NotFound, Forbidden)):
        sa.team_area_add(actor=users["grid"], team_id=team.pk, place_id=places.first_grid.pk)
    sa.team_area_add(actor=users["community"], team_id=team.pk, place_id=places.first_grid.pk)
    with pytest.raises(Conflict):
        sa.team_area_add(actor=users["community"], team_id=team.pk, place_id=places.first_grid.pk)
    with pytest.raises(Forbidden):  # the grid worker handles the grid, but does not manage
        sa.team_area_remove(actor=users["grid"], team_id=team.pk, place_id=places.first_grid.pk)
    sa.team_area_remove(actor=users["community"], team_id=team.pk, place_id=places.first_grid.pk)
    assert (
        AuditEvent.objects.filter(action__in=["team.area_add", "team.area_remove"], target_id=str(team.pk)).count() == 2
    )


def test_an_activity_serving_another_communitys_compound_reaches_its_residents(users, places):
    street_team = svc.team_create(actor=users["street"], place_id=places.street.pk, name="勤务兵巡逻队")
    target = places.compounds[0]
    sa.team_area_add(actor=users["street"], team_id=street_team.pk, place_id=target.pk)
    start = timezone.now() + dt.timedelta(days=2)
    other_place = places.other_community
    activity = act.activity_create(
        actor=users["street"], place_id=other_place.pk, title="义务巡逻", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), capacity=10, team_id=street_team.pk, serves_id=target.pk, publish=True,
    )  # fmt: skip
    assert activity.serves_id == target.pk
    assert act.visible_activities(users["resident"]).filter(pk=activity.pk).exists()
    assert activity.pk in [a.pk for a in serving_home(users["resident"]).activities]
    with pytest.raises(InvalidInput) as refused:  # the community's staff: not theirs, and no team serves it
        act.activity_create(
            actor=users["community"], place_id=places.communities[0].pk, title="x", starts_at=start,
            ends_at=start + dt.timedelta(hours=1), capacity=5, serves_id=_grid_of(places.other_community).pk,
        )  # fmt: skip
    assert refused.value.field == "serves_id"
    assert Activity.objects.filter(title="x").count() == 0


def test_the_team_page_adds_and_removes_areas_and_the_serving_and_coverage_pages_render(users, places, team, client_as):
    client = client_as("community")
    client.post(f"/volunteering/teams/{team.pk}/areas/", {"action": "add", "place_id": places.first_grid.pk})
    page = client.get(f"/volunteering/teams/{team.pk}/").content.decode()
    assert f'data-place="{places.first_grid.pk}"' in page
    serving = client_as("resident").get("/volunteering/serving/").content.decode()
    assert "老村长志愿服务队" in serving
    assert client_as("resident").get("/volunteering/coverage/").status_code == 404
    cover = client.get("/volunteering/coverage/").content.decode()
    assert 'id="coverage-rows"' in cover
    client.post(f"/volunteering/teams/{team.pk}/areas/", {"action": "remove", "place_id": places.first_grid.pk})
    assert not TeamServiceArea.objects.filter(team=team).exists()
    assert client_as("grid").post(f"/volunteering/teams/{team.pk}/areas/", {"action": "add",
                                  "place_id": places.first_grid.pk}).status_code in (302, 403, 404)  # fmt: skip
    assert not TeamServiceArea.objects.filter(team=team).exists()


def test_the_area_api_adds_lists_and_removes_and_the_coverage_api_answers(users, places, team, api_as):
    client = api_as("community")
    url = f"{BASE}/teams/{team.pk}/areas"
    assert client.post(url, {"place_id": places.first_grid.pk}, content_type=JSON).status_code == 201
    assert [a["place_id"] for a in client.get(url).json()] == [places.first_grid.pk]
    assert client.post(url, {"place_id": places.first_grid.pk}, content_type=JSON).status_code == 409
    assert api_as("resident").get(f"{BASE}/serving").json()["teams"]
    cov = client.get(f"{BASE}/service-coverage").json()
    assert cov["total"]["covered"] >= 1
    assert api_as("grid").get(f"{BASE}/service-coverage?place_id={places.other_community.pk}").status_code == 404
    assert client.delete(f"{url}/{places.first_grid.pk}").status_code == 204
    assert client.delete(f"{url}/{places.first_grid.pk}").status_code == 404


# ----------------------------------------------------------------------------- 宣传阵地


def test_a_publicity_station_has_a_form_and_a_team_and_is_counted_by_form_and_by_team(users, places, team):
    seen = Station.objects.filter(place_path__startswith=places.communities[0].path)
    before = publicity_figures(seen)
    svc.station_create(
        actor=users["community"], place_id=places.compounds[0].pk, name="家训亭", kind="publicity",
        publicity_form="pavilion", functions=["政策宣传", "文化展示"], team_id=team.pk,
    )  # fmt: skip
    svc.station_create(
        actor=users["community"], place_id=places.compounds[0].pk, name="红歌广场", kind="publicity",
        publicity_form="square", functions=["文化展示"],
    )  # fmt: skip
    svc.station_create(actor=users["community"], place_id=places.compounds[0].pk, name="驿站", functions=["议事"])

    after = publicity_figures(seen)

    forms = {r.form: r for r in after.by_form}
    old = {r.form: r for r in before.by_form}
    assert forms["pavilion"].stations == old["pavilion"].stations + 1
    assert forms["pavilion"].with_team == old["pavilion"].with_team + 1
    assert forms["square"].stations == old["square"].stations + 1
    assert forms["square"].with_team == old["square"].with_team
    assert after.stations == before.stations + 2  # the 红色驿站 is not a 宣传阵地
    assert {r.team_id: r.stations for r in after.by_team}[team.pk] == 1


def test_a_publicity_station_without_a_form_is_refused_and_another_kind_drops_the_form(users, places):
    with pytest.raises(InvalidInput) as refused:
        svc.station_create(actor=users["community"], place_id=places.compounds[0].pk, name="党员之家",
                           kind="publicity", functions=["党员教育"])  # fmt: skip
    assert refused.value.field == "publicity_form"
    s = svc.station_create(actor=users["community"], place_id=places.compounds[0].pk, name="宣传栏",
                           kind="publicity", publicity_form="board", functions=["政策宣传"])  # fmt: skip
    s = svc.station_update(actor=users["community"], station_id=s.pk, kind="fixed_post")
    assert (s.kind, s.publicity_form) == ("fixed_post", "")
    with pytest.raises(InvalidInput):
        svc.station_update(actor=users["community"], station_id=s.pk, kind="publicity")


def test_publicity_figures_are_two_statements_and_the_page_and_api_show_them(
    users, places, team, client_as, api_as, django_assert_num_queries
):
    for i in range(3):
        svc.station_create(
            actor=users["community"], place_id=places.compounds[0].pk, name=f"阵地{i}", kind="publicity",
            publicity_form="home", functions=["党员教育"], team_id=team.pk,
        )  # fmt: skip
    with django_assert_num_queries(2):
        publicity_figures(Station.objects.all())
    page = client_as("community").get("/volunteering/stations/").content.decode()
    assert 'id="publicity-form-figures"' in page and "老村长志愿服务队" in page
    body = api_as("community").get(f"{BASE}/stations/publicity-figures").json()
    assert {r["team_id"]: r["stations"] for r in body["by_team"]}[team.pk] == 3
    assert "老村长志愿服务队" in client_as("community").get(f"/volunteering/teams/{team.pk}/").content.decode()


# ----------------------------------------------------------------------------- 服务岗位认领 by category


def test_post_claims_by_category_count_posts_and_claims_in_one_statement(users, places, django_assert_num_queries):
    today = timezone.localdate()
    ServicePost.objects.all().delete()
    make = dict(actor=users["community"], place_id=places.communities[0].pk, duties="值守", start_date=today,
                end_date=today + dt.timedelta(days=30), slots=5)  # fmt: skip
    p1 = svc.post_create(category="safety", title="巡逻岗一", **make)
    svc.post_create(category="safety", title="巡逻岗二", **make)
    p3 = svc.post_create(category="elderly", title="助老岗", **make)
    svc.post_claim(actor=users["volunteer"], post_id=p1.pk)
    svc.post_claim(actor=users["resident"], post_id=p1.pk)
    svc.post_claim(actor=users["volunteer"], post_id=p3.pk)
    ended = ServicePost.objects.create(place=places.communities[0], place_path=places.communities[0].path,
                                       category="safety", title="已结束", duties="-", start_date=today,
                                       end_date=today - dt.timedelta(days=1))  # fmt: skip
    PostClaim.objects.create(post=ended, person=users["volunteer"].person)  # must NOT count: the post has ended

    current = visible_posts(users["community"]).filter(end_date__gte=today)
    with django_assert_num_queries(1):
        rows = {r.category: r for r in post_category_figures(current)}

    assert (rows["safety"].posts, rows["safety"].claims) == (2, 2)
    assert (rows["elderly"].posts, rows["elderly"].claims) == (1, 1)
    assert (rows["party"].posts, rows["party"].claims) == (0, 0)
    assert len(rows) == 10


def test_the_posts_page_and_api_show_claims_by_category(users, places, client_as, api_as):
    today = timezone.localdate()
    post = svc.post_create(actor=users["community"], place_id=places.communities[0].pk, category="mediation",
                           title="调解岗", duties="调解", start_date=today, end_date=today, slots=2)  # fmt: skip
    svc.post_claim(actor=users["volunteer"], post_id=post.pk)
    page = client_as("community").get("/volunteering/posts/").content.decode()
    assert 'id="post-category-figures"' in page and 'data-category="mediation"' in page
    body = api_as("community").get(f"{BASE}/posts/figures").json()
    assert {r["category"]: r["claims"] for r in body["rows"]}["mediation"] >= 1
    assert body["claims"] == sum(r["claims"] for r in body["rows"])
