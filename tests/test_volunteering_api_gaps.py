"""Volunteering page actions through the API: publish, the 爱心超市's rewards and pick-up, the wish
photo, 双报到 and stations — each the service its page calls, scoped and with typed errors."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from linli.audit.models import AuditEvent
from linli.volunteering import activities as act
from linli.volunteering import points as pts
from linli.volunteering import wishes as w
from linli.volunteering.models import (
    Activity,
    PointAccount,
    Redemption,
    Reward,
    Station,
    Wish,
    WorkplaceRegistration,
)
from linli.volunteering.services import registration_submit

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/volunteering"


def jpeg_with_gps() -> io.BytesIO:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 49.0, 0.0)}  # GPSInfo
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    buf.seek(0)
    buf.name = "wish.jpg"
    return buf


def draft(users, place) -> Activity:
    start = timezone.now() + dt.timedelta(days=1)
    return act.activity_create(
        actor=users["community"], place_id=place.pk, title="敲门行动", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), capacity=5,
    )  # fmt: skip


# ----------------------------------------------------------------------------- activity publish


def test_the_organiser_publishes_a_draft_once_and_residents_cannot(api_as, users, places):
    a = draft(users, places.compounds[0])
    assert api_as("resident").post(f"{BASE}/activities/{a.pk}/publish").status_code == 404
    r = api_as("community").post(f"{BASE}/activities/{a.pk}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published", r.content
    again = api_as("community").post(f"{BASE}/activities/{a.pk}/publish")
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    assert AuditEvent.objects.filter(action="activity.publish", actor=users["community"]).count() == 1


def test_publishing_an_activity_of_another_community_is_404(api_as, users, places):
    start = timezone.now() + dt.timedelta(days=1)
    a = act.activity_create(
        actor=users["street"], place_id=places.other_community.pk, title="别处", starts_at=start,
        ends_at=start + dt.timedelta(hours=1), capacity=1,
    )  # fmt: skip
    assert api_as("community").post(f"{BASE}/activities/{a.pk}/publish").status_code == 404
    assert Activity.objects.get(pk=a.pk).status == "draft"


# ----------------------------------------------------------------------------- rewards and redemptions


def test_staff_stock_a_reward_and_bad_input_names_the_field_in_chinese(api_as, places):
    staff = api_as("community")
    body = {"place_id": places.compounds[0].pk, "name": "洗衣液", "cost": 30, "stock": 10}
    r = staff.post(f"{BASE}/rewards", body, content_type=JSON)
    assert r.status_code == 201, r.content
    assert r.json()["name"] == "洗衣液" and r.json()["kind"] == "volunteer"
    assert r.json()["id"] in [x["id"] for x in api_as("volunteer").get(f"{BASE}/rewards").json()]
    before = Reward.objects.count()
    for bad, field in [({"cost": 0}, "cost"), ({"stock": -1}, "stock"), ({"name": " "}, "name")]:
        refused = staff.post(f"{BASE}/rewards", {**body, **bad}, content_type=JSON)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.content
    assert "所需积分" in staff.post(f"{BASE}/rewards", {**body, "cost": 0}, content_type=JSON).json()["detail"]
    assert Reward.objects.count() == before


def test_stocking_a_reward_outside_ones_scope_is_404_and_without_manage_is_403(api_as, places):
    body = {"place_id": places.other_community.pk, "name": "米", "cost": 10, "stock": 1}
    assert api_as("community").post(f"{BASE}/rewards", body, content_type=JSON).status_code == 404
    mine = {**body, "place_id": places.compounds[0].pk}
    assert api_as("resident").post(f"{BASE}/rewards", mine, content_type=JSON).status_code == 404
    at_grid = {**body, "place_id": places.first_grid.pk}  # the grid worker handles here but does not manage
    forbidden = api_as("grid").post(f"{BASE}/rewards", at_grid, content_type=JSON)
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "forbidden"
    assert not Reward.objects.filter(name="米").exists()


@pytest.fixture
def ordered(users, places) -> Redemption:
    pts.points_manual_award(
        actor=users["community"],
        person_id=users["volunteer"].person_id,
        kind="volunteer",
        amount=100,
        note="扫雪",
        request_key="g-1",
    )
    reward = pts.reward_create(actor=users["community"], place_id=places.compounds[0].pk, name="牙膏", cost=20, stock=2)
    return pts.reward_redeem(actor=users["volunteer"], reward_id=reward.pk)


def test_staff_hand_an_order_over_once_and_it_shows_in_the_list(api_as, users, ordered, django_assert_max_num_queries):
    staff = api_as("community")
    with django_assert_max_num_queries(8):
        listed = staff.get(f"{BASE}/redemptions?status=ordered&limit=200").json()
    assert ordered.pk in [r["id"] for r in listed["items"]]
    assert listed["items"][0]["reward_name"] == "牙膏"
    r = staff.post(f"{BASE}/redemptions/{ordered.pk}/act", {"action": "hand_over"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["status"] == "picked_up" and r.json()["handed_at"]
    again = staff.post(f"{BASE}/redemptions/{ordered.pk}/act", {"action": "hand_over"}, content_type=JSON)
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="reward.hand_over").count() == 1


def test_the_person_cancels_their_order_and_gets_points_and_stock_back(api_as, users, ordered):
    mine = api_as("volunteer")
    assert [r["id"] for r in mine.get(f"{BASE}/redemptions").json()["items"]] == [ordered.pk]
    r = mine.post(f"{BASE}/redemptions/{ordered.pk}/act", {"action": "cancel"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert PointAccount.objects.get(person=users["volunteer"].person, kind="volunteer").balance == 100
    assert Reward.objects.get(pk=ordered.reward_id).stock == 2
    bad = mine.post(f"{BASE}/redemptions/{ordered.pk}/act", {"action": "steal"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "action"


def test_someone_elses_order_is_404_and_a_volunteer_cannot_hand_over_their_own(api_as, ordered):
    assert api_as("resident").post(f"{BASE}/redemptions/{ordered.pk}/act", {"action": "cancel"}, content_type=JSON)\
        .status_code == 404  # fmt: skip
    assert ordered.pk not in [r["id"] for r in api_as("resident").get(f"{BASE}/redemptions").json()["items"]]
    own = api_as("volunteer").post(f"{BASE}/redemptions/{ordered.pk}/act", {"action": "hand_over"}, content_type=JSON)
    assert own.status_code == 404
    assert Redemption.objects.get(pk=ordered.pk).status == "ordered"


# ----------------------------------------------------------------------------- wish photo


@pytest.fixture
def fulfilled(users) -> Wish:
    wish = w.wish_submit(actor=users["resident"], title="修好轮椅")
    w.wish_review(actor=users["community"], wish_id=wish.pk, approve=True)
    w.wish_claim(actor=users["volunteer"], wish_id=wish.pk)
    return w.wish_fulfil(actor=users["volunteer"], wish_id=wish.pk, note="已修好")


def test_the_claimant_adds_the_photo_once_and_it_is_stored_without_gps(api_as, fulfilled, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    vol = api_as("volunteer")
    r = vol.post(f"{BASE}/wishes/{fulfilled.pk}/photo", {"photo": jpeg_with_gps()})
    assert r.status_code == 201, r.content
    stored = Wish.objects.get(pk=fulfilled.pk).photo
    assert "wish" not in stored.name.rsplit("/", 1)[-1]  # a random name, not the uploaded one
    with Image.open(stored.open("rb")) as saved:
        assert 0x8825 not in saved.getexif()
    got = api_as("resident").get(f"{BASE}/wishes/{fulfilled.pk}/photo")
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert got["X-Content-Type-Options"] == "nosniff"
    again = vol.post(f"{BASE}/wishes/{fulfilled.pk}/photo", {"photo": jpeg_with_gps()})
    assert again.status_code == 409


def test_a_photo_that_is_not_an_image_is_422_on_photo_and_nothing_is_stored(api_as, fulfilled, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = io.BytesIO(b"MZ\x90\x00 not an image")
    fake.name = "x.jpg"
    r = api_as("volunteer").post(f"{BASE}/wishes/{fulfilled.pk}/photo", {"photo": fake})
    assert r.status_code == 422 and r.json()["field"] == "photo" and "图片" in r.json()["detail"]
    assert not Wish.objects.get(pk=fulfilled.pk).photo


def test_a_wish_not_yet_fulfilled_a_stranger_or_another_place_cannot_get_a_photo(
    api_as, users, places, fulfilled, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fresh = w.wish_submit(actor=users["resident"], title="陪聊")
    assert api_as("community").post(f"{BASE}/wishes/{fresh.pk}/photo", {"photo": jpeg_with_gps()}).status_code == 409
    assert api_as("resident").post(f"{BASE}/wishes/{fulfilled.pk}/photo", {"photo": jpeg_with_gps()}).status_code \
        == 403  # fmt: skip
    assert api_as("grid").get(f"{BASE}/wishes/{fulfilled.pk}/photo").status_code == 404  # no photo yet
    assert api_as("resident").get(f"{BASE}/wishes/99999999/photo").status_code == 404


# ----------------------------------------------------------------------------- 双报到


def test_a_party_member_registers_once_the_community_approves_and_the_report_is_readable(
    api_as, client_as, users, django_assert_max_num_queries
):
    member = api_as("volunteer")
    r = member.post(f"{BASE}/registrations", {"workplace_name": "市供电公司党委"}, content_type=JSON)
    assert r.status_code == 201, r.content
    reg_id = r.json()["id"]
    assert r.json()["status"] == "pending"
    twice = member.post(f"{BASE}/registrations", {"workplace_name": "市供电公司党委"}, content_type=JSON)
    assert twice.status_code == 409
    staff = api_as("community")
    with django_assert_max_num_queries(8):
        pending = staff.get(f"{BASE}/registrations?status=pending&limit=200").json()["items"]
    assert reg_id in [x["id"] for x in pending]
    assert member.get(f"{BASE}/registrations/{reg_id}/report").status_code == 404  # not approved yet
    decided = staff.post(f"{BASE}/registrations/{reg_id}/decide", {"approve": True}, content_type=JSON)
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    again = staff.post(f"{BASE}/registrations/{reg_id}/decide", {"approve": False, "note": "x"}, content_type=JSON)
    assert again.status_code == 409
    report = staff.get(f"{BASE}/registrations/{reg_id}/report")
    assert report.status_code == 200 and report.json()["registration"]["person_name"] == users["volunteer"].person.name
    assert set(report.json()["balances"]) == {"volunteer", "party"}
    assert member.get(f"{BASE}/registrations/{reg_id}/report").status_code == 200
    assert api_as("resident").get(f"{BASE}/registrations/{reg_id}/report").status_code == 404
    assert AuditEvent.objects.filter(action="registration.decide", actor=users["community"]).exists()
    page = f"/volunteering/registrations/{reg_id}/report/"  # the page reads through the same selector
    assert client_as("community").get(page).status_code == 200
    assert client_as("resident").get(page).status_code == 404


def test_registration_input_and_roles_are_checked(api_as, users):
    blank = api_as("volunteer").post(f"{BASE}/registrations", {"workplace_name": "  "}, content_type=JSON)
    assert blank.status_code == 422 and blank.json()["field"] == "workplace_name"
    not_member = api_as("resident").post(f"{BASE}/registrations", {"workplace_name": "某公司"}, content_type=JSON)
    assert not_member.status_code == 422 and "在职党员" in not_member.json()["detail"]
    reg = registration_submit(actor=users["volunteer"], workplace_name="市供电公司党委")
    no_reason = api_as("community").post(f"{BASE}/registrations/{reg.pk}/decide", {"approve": False}, content_type=JSON)
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "note"
    assert api_as("grid").post(f"{BASE}/registrations/{reg.pk}/decide", {"approve": True}, content_type=JSON)\
        .status_code == 404  # fmt: skip
    assert api_as("resident").post(f"{BASE}/registrations/{reg.pk}/decide", {"approve": True}, content_type=JSON)\
        .status_code == 404  # fmt: skip
    assert WorkplaceRegistration.objects.get(pk=reg.pk).status == "pending"


# ----------------------------------------------------------------------------- stations


def test_staff_register_a_station_and_nearby_residents_see_it(api_as, places, django_assert_max_num_queries):
    body = {"place_id": places.compounds[0].pk, "name": "红色驿站", "functions": ["议事", "阅读"]}
    r = api_as("community").post(f"{BASE}/stations", body, content_type=JSON)
    assert r.status_code == 201, r.content
    assert r.json()["functions"] == ["议事", "阅读"]
    with django_assert_max_num_queries(8):
        seen = api_as("resident").get(f"{BASE}/stations?limit=200").json()["items"]
    assert r.json()["id"] in [s["id"] for s in seen]
    assert AuditEvent.objects.filter(action="station.create").exists()


def test_a_station_with_unknown_functions_or_outside_scope_is_refused(api_as, places):
    before = Station.objects.count()
    bad = {"place_id": places.compounds[0].pk, "name": "驿站", "functions": ["赌场"]}
    r = api_as("community").post(f"{BASE}/stations", bad, content_type=JSON)
    assert r.status_code == 422 and r.json()["field"] == "functions" and "驿站功能" in r.json()["detail"]
    elsewhere = {**bad, "functions": ["议事"], "place_id": places.other_community.pk}
    assert api_as("community").post(f"{BASE}/stations", elsewhere, content_type=JSON).status_code == 404
    assert api_as("resident").post(f"{BASE}/stations", {**bad, "functions": ["议事"]}, content_type=JSON)\
        .status_code == 404  # fmt: skip
    assert Station.objects.count() == before


# ----------------------------------------------------------------------------- duty shifts


def test_staff_put_a_volunteer_on_a_stations_roster_once(api_as, users, places):
    from linli.volunteering.services import station_create

    station = station_create(actor=users["community"], place_id=places.compounds[0].pk, name="驿站", functions=["议事"])
    staff = api_as("community")
    day = str(timezone.localdate() + dt.timedelta(days=1))
    shift = {"person_id": users["volunteer"].person_id, "day": day, "start_time": "09:00", "end_time": "11:00"}
    r = staff.post(f"{BASE}/stations/{station.pk}/shifts", shift, content_type=JSON)
    assert r.status_code == 201 and r.json()["person_name"] == users["volunteer"].person.name, r.content
    assert staff.post(f"{BASE}/stations/{station.pk}/shifts", shift, content_type=JSON).status_code == 409
    backwards = {**shift, "start_time": "12:00", "end_time": "10:00"}
    bad = staff.post(f"{BASE}/stations/{station.pk}/shifts", backwards, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "end_time"
    read = api_as("resident").get(f"{BASE}/stations/{station.pk}").json()
    assert read["may_manage"] is False and [s["day"] for s in read["shifts"]] == [day]
    assert staff.get(f"{BASE}/stations/{station.pk}").json()["may_manage"] is True
    assert api_as("resident").post(f"{BASE}/stations/{station.pk}/shifts", shift, content_type=JSON).status_code \
        == 404  # fmt: skip


def test_a_station_of_another_community_is_404(api_as, users, places):
    from linli.volunteering.services import station_create

    far = station_create(actor=users["admin"], place_id=places.other_community.pk, name="远方驿站", functions=["议事"])
    assert api_as("community").get(f"{BASE}/stations/{far.pk}").status_code == 404
    shift = {"person_id": users["volunteer"].person_id, "day": "2030-01-01", "start_time": "09:00", "end_time": "10:00"}
    assert api_as("community").post(f"{BASE}/stations/{far.pk}/shifts", shift, content_type=JSON).status_code == 404


# ----------------------------------------------------------------------------- teams, posts, profile


def test_staff_found_a_team_list_it_and_a_duplicate_name_is_refused(api_as, users, places):
    staff = api_as("community")
    body = {"place_id": places.compounds[0].pk, "name": "保亮队", "leader_id": users["volunteer"].person_id}
    r = staff.post(f"{BASE}/teams", body, content_type=JSON)
    assert r.status_code == 201 and r.json()["members"] == 1, r.content
    listed = staff.get(f"{BASE}/teams?limit=200").json()["items"]
    assert [t["members"] for t in listed if t["id"] == r.json()["id"]] == [1]
    again = staff.post(f"{BASE}/teams", body, content_type=JSON)
    assert again.status_code == 422 and again.json()["field"] == "name"
    assert api_as("community").post(f"{BASE}/teams", {**body, "place_id": places.other_community.pk, "name": "越界队"},
                                    content_type=JSON).status_code == 404  # fmt: skip


def test_staff_publish_a_service_post_and_members_see_it(api_as, places):
    today = timezone.localdate()
    body = {"place_id": places.compounds[0].pk, "category": "safety", "title": "夜间巡逻", "duties": "每周两次",
            "start_date": str(today), "end_date": str(today + dt.timedelta(days=30)), "slots": 3}  # fmt: skip
    r = api_as("community").post(f"{BASE}/posts", body, content_type=JSON)
    assert r.status_code == 201, r.content
    assert r.json()["id"] in [p["id"] for p in api_as("volunteer").get(f"{BASE}/posts").json()]
    backwards = {**body, "end_date": str(today - dt.timedelta(days=1))}
    bad = api_as("community").post(f"{BASE}/posts", backwards, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "end_date"
    assert api_as("resident").post(f"{BASE}/posts", body, content_type=JSON).status_code == 404


def test_a_resident_saves_a_volunteer_profile_and_an_account_without_a_person_is_refused(api_as, users):
    me = api_as("volunteer")
    r = me.put(f"{BASE}/profile", {"skills": "维修", "availability": "周末"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["skills"] == "维修", r.content
    assert me.get(f"{BASE}/profile").json()["availability"] == "周末"
    long = me.put(f"{BASE}/profile", {"skills": "长" * 201}, content_type=JSON)
    assert long.status_code == 422 and long.json()["field"] == "skills"
    assert me.get(f"{BASE}/profile").json()["skills"] == "维修"
    from django.test import Client

    from linli.accounts.models import User
    from linli.accounts.services import token_issue

    _, key = token_issue(user=User.objects.create(username="no-person"), name="t")
    nobody = Client(headers={"Authorization": f"Bearer {key}"}).put(f"{BASE}/profile", {}, content_type=JSON)
    assert nobody.status_code == 403 and "实名" in nobody.json()["detail"]


# ----------------------------------------------------------------------------- a person's record, leaderboards


def test_staff_read_a_persons_points_and_the_community_leaderboard(api_as, users, places):
    pts.points_manual_award(
        actor=users["community"], person_id=users["volunteer"].person_id, kind="volunteer", amount=40, note="扫雪",
        request_key="lb-1",
    )  # fmt: skip
    staff = api_as("community")
    record = staff.get(f"{BASE}/people/{users['volunteer'].person_id}")
    assert record.status_code == 200 and record.json()["balances"]["volunteer"] == 40
    board = staff.get(f"{BASE}/leaderboards?place_id={places.communities[0].pk}")
    assert board.status_code == 200 and board.json()[0] == {
        "rank": 1, "person_id": users["volunteer"].person_id, "name": users["volunteer"].person.name, "points": 40,
    }  # fmt: skip
    mine = api_as("resident").get(f"{BASE}/leaderboards?place_id={places.communities[0].pk}")
    assert mine.status_code == 200 and mine.json()[0]["points"] == 40
    assert api_as("resident").get(f"{BASE}/people/{users['volunteer'].person_id}").status_code == 404
    assert api_as("grid").get(f"{BASE}/leaderboards?place_id={places.other_community.pk}").status_code == 404
    neither = staff.get(f"{BASE}/leaderboards")
    assert neither.status_code == 422 and neither.json()["field"] == "place_id"
