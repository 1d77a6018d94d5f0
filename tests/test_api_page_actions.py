"""The API does what the pages do: problem list, ledger edits and import, calendar edits, group
robots, interop settings. Each write is the page's service (same refusals), each object is 404
outside the caller's scope, and each new list costs the same queries at two sizes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.people.models import ImportBatch, ImportStatus, Person
from tests.test_ledger_import import address, csv_bytes, row  # noqa: F401  (fixture)

# ruff: noqa: F811  (the imported fixture is a test argument)

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


@contextmanager
def counting() -> Iterator[list[str]]:
    """Every SQL statement run inside, counted at the cursor (unaffected by Django resetting its
    query log when a request starts, which the test client's requests do)."""
    calls: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        calls.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield calls


def _responsible(community: Any) -> int:
    from linli.tickets.problems import responsible_candidates

    return responsible_candidates(community).first().person_id


# ---------------------------------------------------------------- problem list


def _add_problem(api: Any, community: Any, title: str = "楼道堆物") -> Any:
    return api.post(
        "/api/v1/problems",
        {
            "community_id": community.pk,
            "title": title,
            "responsible_id": _responsible(community),
            "due_date": TOMORROW.isoformat(),
        },
        content_type="application/json",
    )


def test_community_staff_add_list_and_sign_off_a_problem_through_the_api(api_as: Any, places: Any) -> None:
    api = api_as("community")
    community = places.communities[0]
    r = _add_problem(api, community)
    assert r.status_code == 201, r.content
    item = r.json()
    assert item["status"] == "open" and item["community_id"] == community.pk
    listed = api.get(f"/api/v1/problems?community_id={community.pk}").json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]
    blank = api.post(f"/api/v1/problems/{item['id']}/sign-off", {"note": " "}, content_type="application/json")
    assert blank.status_code == 422 and blank.json()["field"] == "note"
    done = api.post(f"/api/v1/problems/{item['id']}/sign-off", {"note": "已清理"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "signed_off"
    again = api.post(f"/api/v1/problems/{item['id']}/sign-off", {"note": "再次"}, content_type="application/json")
    assert again.status_code == 409


def test_a_grid_worker_cannot_add_or_sign_off_problems_and_a_guessed_id_is_404(api_as: Any, places: Any) -> None:
    community = places.communities[0]
    item = _add_problem(api_as("community"), community).json()
    grid = api_as("grid")
    assert _add_problem(grid, community).status_code == 403
    r = grid.post(f"/api/v1/problems/{item['id']}/sign-off", {"note": "x"}, content_type="application/json")
    assert r.status_code in (403, 404)
    assert api_as("resident").get("/api/v1/problems").json()["items"] == []
    assert (
        api_as("community")
        .post("/api/v1/problems/999999/sign-off", {"note": "x"}, content_type="application/json")
        .status_code
        == 404
    )


def test_the_problem_list_costs_the_same_queries_for_two_and_for_ten_items(api_as: Any, places: Any) -> None:
    api = api_as("community")
    community = places.communities[0]
    for i in range(2):
        _add_problem(api, community, f"问题{i}")
    with counting() as few:
        assert len(api.get("/api/v1/problems").json()["items"]) == 2
    for i in range(8):
        _add_problem(api, community, f"更多{i}")
    with counting() as many:
        assert len(api.get("/api/v1/problems").json()["items"]) == 10
    assert len(many) <= len(few), (len(few), len(many))


# ---------------------------------------------------------------- ledger edits and import


def test_community_staff_edit_a_resident_and_a_grid_worker_gets_404_outside_their_grid(
    api_as: Any, places: Any
) -> None:
    person = Person.objects.filter(place_path__startswith=places.other_grid.path).order_by("id").first()
    api = api_as("community")
    r = api.patch(f"/api/v1/residents/{person.pk}", {"notes": "腿脚不便"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["changed"] == ["notes"]
    assert Person.objects.get(pk=person.pk).notes == "腿脚不便"
    bad = api.patch(f"/api/v1/residents/{person.pk}", {"phone": "12345"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "phone"
    grid = api_as("grid")
    assert (
        grid.patch(f"/api/v1/residents/{person.pk}", {"notes": "x"}, content_type="application/json").status_code == 404
    )
    assert (
        grid.post(
            f"/api/v1/residents/{person.pk}/move-out", {"on": "2026-01-01"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Person.objects.get(pk=person.pk).notes == "腿脚不便"


def test_a_move_out_through_the_api_is_the_ledgers_move_out(api_as: Any, places: Any) -> None:
    person = Person.objects.filter(place_path__startswith=places.first_grid.path, moved_out_on__isnull=True).first()
    api = api_as("community")
    day = timezone.localdate().isoformat()
    r = api.post(f"/api/v1/residents/{person.pk}/move-out", {"on": day}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert Person.objects.get(pk=person.pk).moved_out_on.isoformat() == day
    twice = api.post(f"/api/v1/residents/{person.pk}/move-out", {"on": day}, content_type="application/json")
    assert twice.status_code in (409, 422)


def test_the_ledger_import_runs_upload_preview_errors_commit_through_the_api(
    api_as: Any, address: Any, users: Any
) -> None:
    api = api_as("community")
    content = csv_bytes(
        [row(address, name="赵新来"), row(address, name="钱错号", id_number="110101198005011234", room="102")], "utf-8"
    )
    upload = SimpleUploadedFile("居民.csv", content, content_type="text/csv")
    r = api.post("/api/v1/imports", {"file": upload})
    assert r.status_code == 201, r.content
    batch = r.json()
    assert (batch["total_rows"], batch["valid_rows"], batch["error_rows"]) == (2, 1, 1)
    errors = api.get(f"/api/v1/imports/{batch['id']}/errors").json()
    assert errors["stored"] == 1 and errors["items"][0]["row"] == 3 and errors["items"][0]["column"] == "身份证号"
    assert not Person.objects.filter(name="赵新来").exists()
    assert api_as("street").get(f"/api/v1/imports/{batch['id']}").status_code == 404  # another user's batch
    done = api.post(f"/api/v1/imports/{batch['id']}/commit")
    assert done.status_code == 200 and done.json()["status"] == ImportStatus.COMMITTED
    assert Person.objects.filter(name="赵新来").count() == 1
    assert api.post(f"/api/v1/imports/{batch['id']}/commit").status_code == 409


def test_a_grid_worker_may_not_import_and_an_empty_file_is_refused(api_as: Any) -> None:
    empty = SimpleUploadedFile("a.csv", b"", content_type="text/csv")
    r = api_as("community").post("/api/v1/imports", {"file": empty})
    assert r.status_code == 422 and r.json()["field"] == "file"
    upload = SimpleUploadedFile("a.csv", b"x,y\n1,2\n", content_type="text/csv")
    assert api_as("grid").post("/api/v1/imports", {"file": upload}).status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_corrections_list_costs_the_same_queries_for_one_and_for_six(api_as: Any, users: Any, places: Any) -> None:
    from linli.people.models import CorrectionRequest

    people = list(Person.objects.filter(place_path__startswith=places.communities[0].path).order_by("id")[:6])
    CorrectionRequest.objects.create(person=people[0], field="phone", place_path=people[0].place_path, message="换号")
    api = api_as("community")
    with counting() as few:
        assert len(api.get("/api/v1/corrections").json()["items"]) == 1
    for p in people[1:]:
        CorrectionRequest.objects.create(person=p, field="phone", place_path=p.place_path, message="换号")
    with counting() as many:
        assert len(api.get("/api/v1/corrections").json()["items"]) == 6
    assert len(many) <= len(few), (len(few), len(many))


# ---------------------------------------------------------------- calendar, robots, interop settings


def test_the_administrator_edits_the_calendar_and_community_staff_may_not(api_as: Any) -> None:
    year = timezone.localdate().year + 1
    day = f"{year}-10-09"
    admin = api_as("admin")
    r = admin.put(
        f"/api/v1/calendar/days/{day}", {"kind": "holiday", "name": "国庆节"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json() == {"date": day, "kind": "holiday", "name": "国庆节"}
    assert any(d["date"] == day for d in admin.get(f"/api/v1/calendar/{year}").json()["days"])
    assert admin.post(f"/api/v1/calendar/{year}/publish").json() == {"year": year, "published": True}
    assert admin.delete(f"/api/v1/calendar/days/{day}").status_code == 204
    community = api_as("community")
    refused = community.put(f"/api/v1/calendar/days/{day}", {"kind": "holiday"}, content_type="application/json")
    assert refused.status_code == 403


def test_robots_are_added_listed_and_removed_by_node_managers_only(api_as: Any, places: Any) -> None:
    api = api_as("community")
    body = {
        "place_id": places.communities[0].pk,
        "kind": "wecom",
        "name": "五长工作群",
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
    }
    r = api.post("/api/v1/robots", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert "url" not in r.json() and "secret" not in r.json()
    with counting() as few:
        assert len(api.get("/api/v1/robots").json()["items"]) == 1
    for i in range(4):
        api.post("/api/v1/robots", {**body, "name": f"群{i}"}, content_type="application/json")
    with counting() as many:
        assert len(api.get("/api/v1/robots").json()["items"]) == 5
    assert len(many) <= len(few), (len(few), len(many))
    assert api_as("grid").get("/api/v1/robots").status_code == 403
    assert api_as("grid").delete(f"/api/v1/robots/{r.json()['id']}").status_code == 404
    assert api.delete(f"/api/v1/robots/{r.json()['id']}").status_code == 204
    assert AuditEvent.objects.filter(action="webhook.removed").count() == 1


def test_the_administrator_issues_and_revokes_an_open311_key_and_registers_a_webhook(api_as: Any, places: Any) -> None:
    admin = api_as("admin")
    r = admin.post(
        "/api/v1/open311-keys",
        {"name": "随手拍", "jurisdiction_id": places.street.pk},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    key = r.json()
    assert key["prefix"] in key["api_key"]
    listed = admin.get("/api/v1/open311-keys").json()["items"]
    assert key["id"] in [k["id"] for k in listed] and all("api_key" not in k for k in listed)
    assert admin.post(f"/api/v1/open311-keys/{key['id']}/revoke").json()["revoked_at"]
    assert api_as("community").get("/api/v1/open311-keys").status_code == 403
    sub = admin.post(
        "/api/v1/webhooks",
        {"name": "12345", "url": "https://hotline.example/hook", "place_id": places.street.pk, "events": ["created"]},
        content_type="application/json",
    )
    assert sub.status_code == 201 and len(sub.json()["secret"]) >= 32
    with counting() as few:
        admin.get("/api/v1/webhooks")
    for i in range(3):
        admin.post(
            "/api/v1/webhooks",
            {"name": f"s{i}", "url": "https://x.example/h", "place_id": places.street.pk, "events": ["rated"]},
            content_type="application/json",
        )
    with counting() as many:
        assert len(admin.get("/api/v1/webhooks").json()["items"]) == 4
    assert len(many) <= len(few), (len(few), len(many))
    deliveries = admin.get(f"/api/v1/webhooks/{sub.json()['id']}/deliveries")
    assert deliveries.status_code == 200 and deliveries.json()["items"] == []
    assert admin.post("/api/v1/webhook-deliveries/999999/replay").status_code == 404
    assert admin.post(f"/api/v1/webhooks/{sub.json()['id']}/disable").json()["active"] is False
