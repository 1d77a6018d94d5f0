"""/api/v1/rota/: desks, shifts, swaps, auto-schedule, compensatory days, balance, figures and the public today —
scoped (404 outside), idempotent where it matters, with list costs that do not grow with rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from linli.rota.models import CompDay, DutyDesk, DutyShift, ShiftSwap
from tests.rota_support import (
    HOLIDAY_MON,
    HOLIDAY_SAT,
    LABOUR_DAY,
    PLAIN_SUNDAY,
    TODAY,
    WORKDAY,
    account,
    colleague,
    desk,
    freeze,
    secretary,
    shift,
    staff_of,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/rota"


@pytest.fixture(autouse=True)
def clock(monkeypatch: Any) -> None:
    freeze(monkeypatch, TODAY)


def bearer(user: Any) -> Client:
    from linli.accounts.services import token_issue

    _, key = token_issue(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_a_manager_sets_up_a_desk_once_and_reads_it(api_as: Any, places: Any) -> None:
    api = api_as("community")
    body = {"place_id": places.communities[0].pk, "phone": "0551 6234 5678", "location": "党群服务中心一楼"}
    first = api.post(f"{API}/desks", body, content_type="application/json")
    again = api.post(f"{API}/desks", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    desk_id = first.json()["id"]
    assert first.json()["phone"] == "0551-62345678" and again.json()["id"] == desk_id
    assert [d["id"] for d in api.get(f"{API}/desks").json()["items"]] == [desk_id]
    changed = api.put(f"{API}/desks/{desk_id}", {**body, "required_people": 2}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["required_people"] == 2
    bad = api.put(f"{API}/desks/{desk_id}", {**body, "phone": "12"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "phone"


def test_a_grid_worker_and_another_communitys_worker_get_404_for_a_desk_and_its_staff(
    api_as: Any, users: Any, places: Any
) -> None:
    the_desk = desk(users["community"], places.communities[0])
    outsider = account(staff_of(places.other_community, "community_staff")[0], "elsewhere")
    for client in (api_as("grid"), bearer(outsider)):
        for path in (f"/desks/{the_desk.pk}", f"/desks/{the_desk.pk}/staff"):
            assert client.get(f"{API}{path}").status_code == 404
        assert client.get(f"{API}/desks").json()["items"] == []
        created = client.post(
            f"{API}/desks", {"place_id": places.communities[0].pk, "phone": "12345", "location": "x"},
            content_type="application/json",
        )  # fmt: skip
        assert created.status_code == 404


def test_the_public_today_needs_no_sign_in_and_masks_the_name(users: Any, places: Any, monkeypatch: Any) -> None:
    the_desk = desk(users["community"], places.communities[0])
    shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    freeze(monkeypatch, HOLIDAY_SAT)
    body = Client().get(f"{API}/desks/{the_desk.pk}/today").json()
    name = users["community"].person.name
    assert body["today"]["open"] and body["today"]["rest_day"] and body["today"]["holiday"] == "劳动节"
    assert body["today"]["on_duty"] == [f"{name[0]}社工"] and name not in str(body)
    assert body["phone"] == "0551-62345678" and len(body["week"]) == 7
    assert Client().get(f"{API}/desks/987654321/today").status_code == 404


def test_shifts_are_added_listed_reassigned_and_removed_by_a_manager(api_as: Any, users: Any, places: Any) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    api = api_as("community")
    other = colleague(users, community)
    body = {"desk_id": the_desk.pk, "person_id": users["community"].person_id, "day": HOLIDAY_SAT.isoformat()}
    added = api.post(f"{API}/shifts", body, content_type="application/json")
    assert added.status_code == 201 and added.json()["rest_day"] and added.json()["state"] == "planned"
    assert api.post(f"{API}/shifts", body, content_type="application/json").status_code == 200
    shift_id = added.json()["id"]
    moved = api.post(
        f"{API}/shifts/{shift_id}/reassign", {"person_id": other.person_id}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["person_id"] == other.person_id
    listed = api.get(f"{API}/shifts", {"desk_id": the_desk.pk}).json()["items"]
    assert [s["id"] for s in listed] == [shift_id]
    assert api.post(f"{API}/shifts/{shift_id}/remove").status_code == 204
    assert not DutyShift.objects.exists()


def test_a_person_id_outside_the_desks_staff_is_a_404_that_names_nobody(api_as: Any, users: Any, places: Any) -> None:
    the_desk = desk(users["community"], places.communities[0])
    stranger = users["resident"].person
    body = {"desk_id": the_desk.pk, "person_id": stranger.pk, "day": HOLIDAY_SAT.isoformat()}
    refused = api_as("community").post(f"{API}/shifts", body, content_type="application/json")
    assert refused.status_code == 404 and stranger.name not in refused.content.decode()


def test_check_in_swap_and_comp_days_through_the_api(users: Any, places: Any, monkeypatch: Any) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    other = colleague(users, community)
    boss = secretary(community)
    first = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    second = shift(users["community"], the_desk, users["community"].person, PLAIN_SUNDAY)
    me, them = bearer(users["community"]), bearer(other)
    offered = me.post(
        f"{API}/shifts/{second.pk}/swap", {"to_person_id": other.person_id}, content_type="application/json"
    )
    assert offered.status_code == 201
    swap_id = offered.json()["id"]
    assert [s["id"] for s in them.get(f"{API}/swaps").json()["items"]] == [swap_id]
    assert me.post(f"{API}/swaps/{swap_id}/accept").status_code == 403
    assert them.post(f"{API}/swaps/{swap_id}/accept").json()["status"] == "accepted"
    assert DutyShift.objects.get(pk=second.pk).person_id == other.person_id
    freeze(monkeypatch, HOLIDAY_SAT)
    assert them.post(f"{API}/shifts/{first.pk}/check-in").status_code == 404  # not theirs
    checked = me.post(f"{API}/shifts/{first.pk}/check-in")
    assert checked.status_code == 200 and checked.json()["state"] == "checked_in"
    freeze(monkeypatch, HOLIDAY_MON)
    body = {"shift_id": first.pk, "day": WORKDAY.isoformat(), "note": "回老家"}
    requested = me.post(f"{API}/comp-days", body, content_type="application/json", headers={"Idempotency-Key": "a1"})
    again = me.post(f"{API}/comp-days", body, content_type="application/json", headers={"Idempotency-Key": "a1"})
    assert (requested.status_code, again.status_code) == (201, 200) and CompDay.objects.count() == 1
    comp_id = requested.json()["id"]
    assert me.post(f"{API}/comp-days/{comp_id}/approve", {}, content_type="application/json").status_code == 403
    queue = bearer(boss).get(f"{API}/comp-days", {"queue": "true"}).json()["items"]
    assert [c["id"] for c in queue] == [comp_id]
    decided = bearer(boss).post(f"{API}/comp-days/{comp_id}/approve", {"note": "同意"}, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    balance = me.get(f"{API}/balance").json()
    assert (balance["earned"], balance["taken"], balance["available"]) == (1, 1, 0)
    cancelled = me.post(f"{API}/comp-days/{comp_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    rejected = me.post(f"{API}/comp-days", {**body, "day": "2026-05-07"}, content_type="application/json")
    refusal = bearer(boss).post(
        f"{API}/comp-days/{rejected.json()['id']}/reject", {"reason": ""}, content_type="application/json"
    )
    assert refusal.status_code == 422 and refusal.json()["field"] == "reason"


def test_auto_schedule_previews_and_applies_once_under_an_idempotency_key(users: Any, places: Any) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    api = bearer(secretary(community))
    span = {"since": LABOUR_DAY.isoformat(), "until": PLAIN_SUNDAY.isoformat()}
    plan = api.post(f"{API}/desks/{the_desk.pk}/schedule/preview", span, content_type="application/json").json()
    assert len(plan["proposals"]) == 6 and plan["rest_days"] == 6 and plan["proposals"][0]["holiday"] == "劳动节"
    body = {**span, "token": plan["token"]}
    first = api.post(
        f"{API}/desks/{the_desk.pk}/schedule/apply",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "x"},
    )
    again = api.post(
        f"{API}/desks/{the_desk.pk}/schedule/apply",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "x"},
    )
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["shifts_created"] == 6
    stale = api.post(f"{API}/desks/{the_desk.pk}/schedule/apply", body, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["field"] == "token"
    too_long = api.post(
        f"{API}/desks/{the_desk.pk}/schedule/preview",
        {"since": TODAY.isoformat(), "until": (TODAY + dt.timedelta(days=100)).isoformat()},
        content_type="application/json",
    )
    assert too_long.status_code == 422 and too_long.json()["field"] == "until"


def test_figures_are_read_where_the_caller_leads_or_manages(api_as: Any, users: Any, places: Any) -> None:
    desk(users["community"], places.communities[0])
    ok = api_as("street").get(
        f"{API}/figures", {"node_id": places.street.pk, "since": "2026-04-01", "until": "2026-04-30"}
    )
    # 1–27 April (today): the weekends, and 清明 on Monday 6 April: 9 rest days
    assert ok.status_code == 200 and ok.json()["rest_days"] == 9 and ok.json()["desks"] == 1
    assert api_as("grid").get(f"{API}/figures", {"node_id": places.street.pk}).status_code == 404
    assert api_as("community").get(f"{API}/figures", {"node_id": places.other_community.pk}).status_code == 404
    reversed_span = api_as("street").get(
        f"{API}/figures", {"node_id": places.street.pk, "since": "2026-05-01", "until": "2026-04-01"}
    )
    assert reversed_span.status_code == 422 and reversed_span.json()["field"] == "since"


def _fill(the_desk: DutyDesk, people: list[Any], days: list[dt.date]) -> None:
    for day in days:
        for person in people:
            shift_row, _ = DutyShift.objects.get_or_create(
                desk=the_desk, day=day, person=person,
                defaults={"place_path": the_desk.place_path, "starts_at": dt.time(9), "ends_at": dt.time(17),
                          "rest_day": True, "status": "checked_in", "comp_until": day + dt.timedelta(days=30),
                          "checked_in_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)},
            )  # fmt: skip
            CompDay.objects.get_or_create(
                shift=shift_row, desk=the_desk, place_path=the_desk.place_path, person=person,
                day=day + dt.timedelta(days=3),
            )  # fmt: skip
    for s in DutyShift.objects.filter(desk=the_desk):
        others = [p for p in people if p.pk != s.person_id]
        if others:
            ShiftSwap.objects.get_or_create(shift=s, from_person_id=s.person_id, to_person=others[0], status="declined")


@pytest.mark.parametrize(
    "path",
    [f"{API}/shifts", f"{API}/shifts?mine=true", f"{API}/desks", f"{API}/swaps", f"{API}/comp-days",
     f"{API}/comp-days?queue=true", f"{API}/balance", f"{API}/desks/{{desk}}/today", f"{API}/desks/{{desk}}/staff",
     f"{API}/figures?node_id={{street}}&since=2026-03-01&until=2026-04-26"],
)  # fmt: skip
def test_each_list_costs_the_same_queries_for_few_rows_and_for_many(
    users: Any, places: Any, django_assert_max_num_queries: Any, path: str
) -> None:
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    people = staff_of(community)
    api = bearer(users["community"]) if "street" not in path else bearer(users["street"])
    url = path.format(desk=the_desk.pk, street=places.street.pk)
    _fill(the_desk, people[:2], [dt.date(2026, 3, 7)])
    api.get(url)
    with django_assert_max_num_queries(40) as small:
        assert api.get(url).status_code == 200
    _fill(the_desk, people, [dt.date(2026, 3, d) for d in (8, 14, 15, 21, 22, 28, 29)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert api.get(url).status_code == 200
