"""The volunteering API: sign up, check in with the token, confirm, redeem; scope and errors."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.volunteering import activities as act
from linli.volunteering import points as pts


def test_a_volunteer_signs_up_checks_in_and_out_and_redeems_through_the_api(api_as, users, places):
    start = timezone.now() - dt.timedelta(minutes=1)
    staff = api_as("community")
    r = staff.post(
        "/api/v1/volunteering/activities",
        {"place_id": places.compounds[0].pk, "title": "垃圾分类宣传", "starts_at": start.isoformat(),
         "ends_at": (start + dt.timedelta(hours=1)).isoformat(), "capacity": 2, "publish": True},
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 201, r.content
    aid = r.json()["id"]
    vol = api_as("volunteer")
    assert vol.post(f"/api/v1/volunteering/activities/{aid}/signup").json()["status"] == "signed"
    token = act.checkin_token(act.access_activity(users["community"], aid))
    r = vol.post(f"/api/v1/volunteering/activities/{aid}/scan", {"token": token, "action": "in"}, "application/json")
    assert r.status_code == 200 and r.json()["checked_in_at"]
    r = vol.post(f"/api/v1/volunteering/activities/{aid}/scan", {"token": token, "action": "in"}, "application/json")
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    r = vol.post(f"/api/v1/volunteering/activities/{aid}/scan", {"token": "bad", "action": "out"}, "application/json")
    assert r.status_code == 422 and r.json()["field"] == "token"
    award = {"person_id": users["volunteer"].person.pk, "amount": 50, "note": "扫雪", "request_key": "api-1"}
    r = staff.post("/api/v1/volunteering/points/awards", award, "application/json")
    assert r.json() == {"applied": True, "balance": 50}
    assert staff.post("/api/v1/volunteering/points/awards", award, "application/json").json()["applied"] is False
    reward = pts.reward_create(actor=users["community"], place_id=places.compounds[0].pk, name="牙膏", cost=20, stock=5)
    assert vol.post(f"/api/v1/volunteering/rewards/{reward.pk}/redeem").status_code == 201
    me = vol.get("/api/v1/volunteering/points/me").json()
    assert me["balances"]["volunteer"] == 30 and len(me["entries"]) == 2


def test_the_grid_worker_gets_404_for_another_communitys_activity_and_counts(api_as, users, places):
    start = timezone.now() + dt.timedelta(hours=1)
    a = act.activity_create(
        actor=users["street"], place_id=places.other_community.pk, title="别处", starts_at=start,
        ends_at=start + dt.timedelta(hours=1), capacity=1,
    )  # fmt: skip
    grid = api_as("grid")
    assert grid.get(f"/api/v1/volunteering/activities/{a.pk}").status_code == 404
    assert grid.post(f"/api/v1/volunteering/activities/{a.pk}/signup").status_code == 404
    assert all(i["id"] != a.pk for i in grid.get("/api/v1/volunteering/activities").json()["items"])
    r = grid.get(
        f"/api/v1/volunteering/wishes/counts?place_id={places.other_community.pk}&start=2026-01-01&end=2026-12-31"
    )
    assert r.status_code == 404
    r = grid.get("/api/v1/volunteering/activities?limit=500")
    assert r.status_code == 422


def test_wish_counts_by_api_for_the_community(api_as, users, places):
    from linli.volunteering import wishes as w

    wish = w.wish_submit(actor=users["resident"], title="想学智能手机")
    today = timezone.localdate()
    url = f"/api/v1/volunteering/wishes/counts?place_id={places.communities[0].pk}&start={today}&end={today}"
    before = api_as("community").get(url).json()
    w.wish_review(actor=users["community"], wish_id=wish.pk, approve=True)
    w.wish_claim(actor=users["volunteer"], wish_id=wish.pk)
    w.wish_fulfil(actor=users["volunteer"], wish_id=wish.pk, note="教会了")
    after = api_as("community").get(url).json()
    assert after["collected"] == before["collected"] and after["fulfilled"] == before["fulfilled"] + 1
