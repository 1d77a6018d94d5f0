"""红色驿站 and 微岗亭 (seed 002: 建成小区“近邻红色驿站”224个; seed 001: 设立微岗亭…以里巷“小喇叭”、红袖章志愿者等
流动微岗亭作为补充, 兼具信息收集、政策宣传、诉求受理、治安服务、纠纷调解等功能): a station's kind, the team that
staffs a mobile post, the post functions, counts by kind on the page and in the API, who may change a station."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.volunteering import services as svc
from linli.volunteering.models import Station, StationKind
from linli.volunteering.selectors import station_kind_figures

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/volunteering"


@pytest.fixture
def team(users: dict[str, Any], places: Any) -> Any:
    return svc.team_create(actor=users["community"], place_id=places.communities[0].pk, name="红袖章巡逻队")


def red(actor: Any, place: Any, name: str = "亭") -> Station:
    return svc.station_create(actor=actor, place_id=place.pk, name=name, functions=["议事"])


def mobile(users: dict[str, Any], places: Any, team: Any, **extra: Any) -> Station:
    return svc.station_create(
        actor=users["community"], place_id=places.compounds[0].pk, name="里巷小喇叭", kind=StationKind.MOBILE_POST,
        functions=["治安服务", "政策宣传"], team_id=team.pk, **extra,
    )  # fmt: skip


# ----------------------------------------------------------------------------- kinds and teams


def test_a_station_is_red_unless_a_kind_is_given_and_the_audit_records_the_kind(users, places):
    plain = red(users["community"], places.compounds[0], "驿站")
    post = svc.station_create(
        actor=users["community"], place_id=places.compounds[0].pk, name="报刊亭微岗亭", kind="fixed_post",
        functions=["信息收集", "诉求受理"],
    )  # fmt: skip
    assert (plain.kind, post.kind) == ("red_station", "fixed_post")
    event = AuditEvent.objects.filter(action="station.create", target_id=str(post.pk)).get()
    assert event.detail["kind"] == "fixed_post"


def test_the_five_post_functions_of_seed_001_and_party_education_are_choices(users, places):
    functions = ["信息收集", "政策宣传", "诉求受理", "治安服务", "纠纷调解", "党员教育"]
    station = svc.station_create(
        actor=users["community"], place_id=places.compounds[0].pk, name="门卫室微岗亭", kind="fixed_post",
        functions=functions,
    )  # fmt: skip
    assert station.functions == functions


def test_a_mobile_post_without_a_team_is_refused_on_the_team_field_and_nothing_is_written(users, places):
    before = Station.objects.count()
    with pytest.raises(InvalidInput) as refused:
        svc.station_create(
            actor=users["community"], place_id=places.compounds[0].pk, name="红袖章", kind="mobile_post",
            functions=["治安服务"],
        )  # fmt: skip
    assert refused.value.field == "team_id" and "流动微岗亭" in refused.value.message
    assert Station.objects.count() == before


def test_a_mobile_post_names_the_team_that_staffs_it_and_its_page_links_the_team(users, places, team, client_as):
    station = mobile(users, places, team)
    assert station.team == team
    page = client_as("community").get(f"/volunteering/stations/{station.pk}/").content.decode()
    assert "流动微岗亭" in page and f"/volunteering/teams/{team.pk}/" in page and "红袖章巡逻队" in page


def test_an_unknown_kind_is_refused_naming_the_field(users, places):
    with pytest.raises(InvalidInput) as refused:
        svc.station_create(
            actor=users["community"], place_id=places.compounds[0].pk, name="驿站", kind="kiosk", functions=["议事"]
        )
    assert refused.value.field == "kind" and "驿站类型" in refused.value.message


def test_a_team_of_another_community_cannot_staff_a_station(users, places):
    far = svc.team_create(actor=users["street"], place_id=places.other_community.pk, name="滨湖巡逻队")
    with pytest.raises(InvalidInput) as unseen:  # the community worker does not see it
        mobile(users, places, far)
    assert unseen.value.field == "team_id"
    with pytest.raises(InvalidInput) as elsewhere:  # the street sees it, but it is not on the station's line
        svc.station_create(
            actor=users["street"], place_id=places.compounds[0].pk, name="红袖章", kind="mobile_post",
            functions=["治安服务"], team_id=far.pk,
        )  # fmt: skip
    assert elsewhere.value.field == "team_id" and "上下级" in elsewhere.value.message


def test_a_street_team_may_staff_a_compound_post_below_it(users, places):
    street_team = svc.team_create(actor=users["street"], place_id=places.street.pk, name="街道平安志愿队")
    station = svc.station_create(
        actor=users["street"], place_id=places.compounds[0].pk, name="平安巡逻岗", kind="mobile_post",
        functions=["治安服务"], team_id=street_team.pk,
    )  # fmt: skip
    assert station.team_id == street_team.pk


# ----------------------------------------------------------------------------- changes


def test_staff_reclassify_a_red_station_as_a_fixed_post_and_the_change_is_audited_once(users, places):
    station = red(users["community"], places.compounds[0], "亭")
    svc.station_update(actor=users["community"], station_id=station.pk, kind="fixed_post", functions=["信息收集"])
    svc.station_update(actor=users["community"], station_id=station.pk, kind="fixed_post", functions=["信息收集"])
    station.refresh_from_db()
    assert (station.kind, station.functions) == ("fixed_post", ["信息收集"])
    events = AuditEvent.objects.filter(action="station.update", target_id=str(station.pk))
    assert events.count() == 1 and events.get().detail["fields"] == ["functions", "kind"]


def test_removing_the_team_of_a_mobile_post_is_refused_and_it_keeps_its_team(users, places, team):
    station = mobile(users, places, team)
    with pytest.raises(InvalidInput) as refused:
        svc.station_update(actor=users["community"], station_id=station.pk, team_id=0)
    assert refused.value.field == "team_id"
    with pytest.raises(InvalidInput):
        svc.station_update(actor=users["community"], station_id=station.pk, kind="mobile_post", team_id=0)
    station.refresh_from_db()
    assert station.team_id == team.pk


def test_making_a_red_station_mobile_needs_a_team(users, places, team):
    station = red(users["community"], places.compounds[0], "亭")
    with pytest.raises(InvalidInput) as refused:
        svc.station_update(actor=users["community"], station_id=station.pk, kind="mobile_post")
    assert refused.value.field == "team_id"
    svc.station_update(actor=users["community"], station_id=station.pk, kind="mobile_post", team_id=team.pk)
    station.refresh_from_db()
    assert (station.kind, station.team_id) == ("mobile_post", team.pk)


def test_a_grid_worker_cannot_change_a_station_at_their_grid_nor_one_above_it(users, places, api_as, client_as):
    at_grid = red(users["community"], places.first_grid, "网格亭")
    above = red(users["community"], places.compounds[0], "小区亭")
    with pytest.raises(Forbidden):
        svc.station_update(actor=users["grid"], station_id=at_grid.pk, kind="fixed_post")
    with pytest.raises(NotFound):
        svc.station_update(actor=users["grid"], station_id=above.pk, kind="fixed_post")
    api = api_as("grid")
    assert api.patch(f"{BASE}/stations/{at_grid.pk}", {"kind": "fixed_post"}, content_type=JSON).status_code == 403
    assert api.patch(f"{BASE}/stations/{above.pk}", {"kind": "fixed_post"}, content_type=JSON).status_code == 404
    client_as("grid").post(f"/volunteering/stations/{at_grid.pk}/edit/", {"kind": "fixed_post", "name": "网格亭"})
    assert Station.objects.filter(pk__in=[at_grid.pk, above.pk], kind="red_station").count() == 2
    assert not AuditEvent.objects.filter(action="station.update").exists()


def test_another_communitys_worker_cannot_change_the_station(users, places, api_as, client_as):
    far = red(users["street"], places.other_community, "远方驿站")
    with pytest.raises(NotFound):
        svc.station_update(actor=users["community"], station_id=far.pk, kind="fixed_post")
    assert api_as("community").patch(f"{BASE}/stations/{far.pk}", {"kind": "fixed_post"}, content_type=JSON)\
        .status_code == 404  # fmt: skip
    page = client_as("community").post(f"/volunteering/stations/{far.pk}/edit/", {"kind": "fixed_post", "name": "x"})
    assert page.status_code == 404
    far.refresh_from_db()
    assert (far.kind, far.name) == ("red_station", "远方驿站")


def test_staff_change_a_station_from_its_page_and_a_refusal_is_shown(users, places, team, client_as):
    station = red(users["community"], places.compounds[0], "亭")
    client = client_as("community")
    page = client.get(f"/volunteering/stations/{station.pk}/").content.decode()
    assert 'id="station-edit"' in page and "纠纷调解" in page
    url = f"/volunteering/stations/{station.pk}/edit/"
    refused = client.post(url, {"kind": "mobile_post", "name": "亭", "functions": ["纠纷调解"]}, follow=True)
    assert "流动微岗亭须指定负责的志愿队伍" in refused.content.decode()
    body = {"kind": "mobile_post", "name": "红袖章流动岗", "functions": ["纠纷调解"], "team_id": str(team.pk)}
    assert client.post(url, body).status_code == 302
    station.refresh_from_db()
    assert (station.kind, station.name, station.team_id, station.functions) == (
        "mobile_post", "红袖章流动岗", team.pk, ["纠纷调解"],
    )  # fmt: skip


# ----------------------------------------------------------------------------- counts by kind


def test_the_stations_page_counts_stations_by_kind_and_filters_by_kind(users, places, team, client_as):
    before = {r.kind: r.stations for r in station_kind_figures(Station.objects.all())}
    red(users["community"], places.compounds[0], "驿站甲")
    mobile(users, places, team)
    figures = {r.kind: (r.stations, r.with_team) for r in station_kind_figures(Station.objects.all())}
    assert figures["red_station"][0] == before["red_station"] + 1
    assert figures["mobile_post"] == (before["mobile_post"] + 1, before["mobile_post"] + 1)
    assert figures["fixed_post"][0] == before["fixed_post"]
    client = client_as("community")
    page = client.get("/volunteering/stations/").content.decode()
    assert 'id="station-kind-figures"' in page and "固定微岗亭" in page and "流动微岗亭" in page
    only_mobile = client.get("/volunteering/stations/?kind=mobile_post").content.decode()
    assert "里巷小喇叭" in only_mobile and "驿站甲" not in only_mobile
    assert "驿站甲" in client.get("/volunteering/stations/?kind=bogus").content.decode()  # unknown: every kind


def test_a_community_worker_registers_a_mobile_post_from_the_page(users, places, team, client_as):
    body = {
        "place_id": places.compounds[0].pk, "kind": "mobile_post", "name": "小喇叭流动岗", "team_id": team.pk,
        "functions": ["政策宣传", "信息收集"],
    }  # fmt: skip
    assert client_as("community").post("/volunteering/stations/", body).status_code == 302
    station = Station.objects.get(name="小喇叭流动岗")
    assert (station.kind, station.team_id, station.functions) == ("mobile_post", team.pk, ["政策宣传", "信息收集"])


def test_the_stations_api_takes_kind_and_team_filters_by_kind_and_counts_by_kind(users, places, team, api_as):
    staff = api_as("community")
    body = {"place_id": places.compounds[0].pk, "name": "巡逻岗", "functions": ["治安服务"], "kind": "mobile_post"}
    refused = staff.post(f"{BASE}/stations", body, content_type=JSON)
    assert refused.status_code == 422 and refused.json()["field"] == "team_id"
    made = staff.post(f"{BASE}/stations", {**body, "team_id": team.pk}, content_type=JSON)
    assert made.status_code == 201, made.content
    assert made.json() | {"id": 0} == made.json() | {
        "id": 0, "kind": "mobile_post", "kind_label": "流动微岗亭", "team_id": team.pk, "team_name": "红袖章巡逻队",
    }  # fmt: skip
    listed = staff.get(f"{BASE}/stations?kind=mobile_post&limit=200").json()["items"]
    assert made.json()["id"] in [s["id"] for s in listed] and {s["kind"] for s in listed} == {"mobile_post"}
    bad = staff.get(f"{BASE}/stations?kind=kiosk")
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    figures = staff.get(f"{BASE}/stations/figures").json()
    assert [r["kind"] for r in figures["rows"]] == ["red_station", "fixed_post", "mobile_post", "publicity"]
    assert figures["stations"] == sum(r["stations"] for r in figures["rows"]) >= 1
    changed = staff.patch(f"{BASE}/stations/{made.json()['id']}", {"name": "红袖章巡逻岗"}, content_type=JSON)
    assert changed.status_code == 200 and changed.json()["name"] == "红袖章巡逻岗"
    assert changed.json()["team_id"] == team.pk


def test_the_stations_page_reads_in_the_same_statements_for_two_stations_and_for_twelve(users, places, team, client_as):
    client = client_as("community")

    def add(n: int) -> None:
        for i in range(n):
            mobile(users, places, team, opening_hours=f"{i}")

    add(2)
    client.get("/volunteering/stations/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/volunteering/stations/").status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/volunteering/stations/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_stations_recorded_before_kinds_are_red_stations(users, places):
    migration = importlib.import_module("linli.volunteering.migrations.0009_station_kind_team")
    add_kind = next(op for op in migration.Migration.operations if getattr(op, "name", "") == "kind")
    assert add_kind.field.default == "red_station"
    row = Station.objects.create(place=places.compounds[0], place_path=places.compounds[0].path, name="旧驿站")
    assert (row.kind, row.team_id) == ("red_station", None)
