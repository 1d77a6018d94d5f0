"""The grants API: a round set up, opened, reviewed and closed; an application registered (once per Idempotency-Key),
scored, approved within the budget, reported on, paid and completed; the figures; the public list without sign-in
and without personal data; lists that cost the same queries for two rows and for twelve."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.grants.models import GrantProject, GrantRound
from tests.grants_support import PHONE, application, demo, grant_round, social_org

pytestmark = pytest.mark.django_db
API = "/api/v1/grants"
JSON = "application/json"
TODAY = timezone.localdate()


def _round_body(places: Any, **extra: Any) -> dict[str, Any]:
    return {
        "node_id": places.street.pk,
        "kind": "venture",
        "title": "2027年度幸福里街道公益创投",
        "year": 2027,
        "budget_fen": 100_000_00,
        "opens_on": TODAY.isoformat(),
        "closes_on": TODAY.isoformat(),
        "service_fields": ["elderly", "youth"],
        **extra,
    }


def test_street_staff_run_a_round_through_its_states(api_as: Any, places: Any) -> None:
    api = api_as("street")
    created = api.post(f"{API}/rounds", _round_body(places), content_type=JSON, HTTP_IDEMPOTENCY_KEY="r-1")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["budget_fen"], body["budget_yuan"], body["may_run"]) == (
        "draft",
        10000000,
        "100000.00",
        True,
    )
    again = api.post(f"{API}/rounds", _round_body(places), content_type=JSON, HTTP_IDEMPOTENCY_KEY="r-1")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    rid = body["id"]
    for step, status in (("open", "open"), ("review", "reviewing"), ("close", "closed")):
        answer = api.post(f"{API}/rounds/{rid}/{step}")
        assert answer.status_code == 200 and answer.json()["status"] == status
    assert api.post(f"{API}/rounds/{rid}/open").status_code == 409
    refused = api.put(f"{API}/rounds/{rid}", _round_body(places, title="改名"), content_type=JSON)
    assert refused.status_code == 409
    listed = api.get(f"{API}/rounds?status=closed").json()["items"]
    assert [r["id"] for r in listed] == [rid]


def test_a_wrong_round_is_refused_naming_the_field(api_as: Any, places: Any) -> None:
    api = api_as("street")
    answer = api.post(f"{API}/rounds", _round_body(places, service_fields=["space"]), content_type=JSON)
    assert answer.status_code == 422 and answer.json()["field"] == "service_fields"
    answer = api.post(f"{API}/rounds", _round_body(places, node_id=places.communities[0].pk), content_type=JSON)
    assert answer.status_code == 404 and answer.json()["field"] == "node_id"


def test_an_application_goes_from_registration_to_completion(api_as: Any, users: Any, places: Any) -> None:
    api = api_as("street")
    round_ = grant_round(users["street"], places.street)
    org = social_org(users["street"], places.street)
    body = {
        "round_id": round_.pk,
        "organisation_id": org.pk,
        "title": "爱心壹佰·困难家庭微心愿",
        "service_field": "assistance",
        "community_ids": [c.pk for c in places.communities],
        "requested_fen": 80_000_00,
        "planned_beneficiaries": 800,
        "summary": "对接困难家庭的微心愿",
        "contact_name": "李强",
        "contact_phone": PHONE,
    }
    created = api.post(f"{API}/projects", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="a-1")
    assert created.status_code == 201
    project = created.json()
    assert project["contact_phone_masked"] == "139****5678" and PHONE not in created.content.decode()
    assert sorted(c["id"] for c in project["communities"]) == sorted(c.pk for c in places.communities)
    retry = api.post(f"{API}/projects", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="a-1")
    assert retry.status_code == 200 and GrantProject.objects.count() == 1
    pid = project["id"]
    api.post(f"{API}/rounds/{round_.pk}/review")
    scored = api.post(f"{API}/projects/{pid}/score", {"score": 90, "comment": "好"}, content_type=JSON).json()
    assert (scored["avg_score"], scored["score_count"], scored["scores"][0]["score"]) == (90.0, 1, 90)
    over = api.post(f"{API}/projects/{pid}/approve", {"granted_fen": 80_000_01}, content_type=JSON)
    assert over.status_code == 409 and over.json()["field"] == "granted_fen"
    ok = api.post(f"{API}/projects/{pid}/approve", {"granted_fen": 70_000_00}, content_type=JSON).json()
    assert (ok["status"], ok["granted_fen"], ok["granted_yuan"]) == ("approved", 7000000, "70000.00")
    report = {"on_date": TODAY.isoformat(), "text": "认领微心愿 40 个", "beneficiaries": 40, "activities": 2}
    first = api.post(f"{API}/projects/{pid}/reports", report, content_type=JSON, HTTP_IDEMPOTENCY_KEY="rep")
    second = api.post(f"{API}/projects/{pid}/reports", report, content_type=JSON, HTTP_IDEMPOTENCY_KEY="rep")
    assert (first.status_code, second.status_code, second.json()["served_total"]) == (201, 200, 40)
    pay = {"tranche": "first", "amount_fen": 35_000_00, "paid_on": TODAY.isoformat(), "voucher": "财付18号"}
    paid = api.post(f"{API}/projects/{pid}/disbursements", pay, content_type=JSON)
    assert paid.status_code == 201 and paid.json()["paid_fen"] == 35_000_00
    too_much = {**pay, "tranche": "final", "amount_fen": 35_000_01}
    assert api.post(f"{API}/projects/{pid}/disbursements", too_much, content_type=JSON).status_code == 409
    done = api.post(f"{API}/projects/{pid}/complete", {"grade": "excellent", "summary": "满意"}, content_type=JSON)
    assert done.status_code == 200 and (done.json()["status"], done.json()["grade"]) == ("completed", "excellent")
    late = api.post(f"{API}/projects/{pid}/reports", report, content_type=JSON)
    assert late.status_code == 409
    read = api.get(f"{API}/projects/{pid}").json()
    assert [e["to_status"] for e in read["events"]] == ["submitted", "approved", "completed"]
    assert [p["tranche"] for p in read["payments"]] == ["first"] and len(read["reports"]) == 1
    listed = api.get(f"{API}/projects?round_id={round_.pk}&status=completed").json()["items"]
    assert [p["id"] for p in listed] == [pid] and listed[0]["paid_fen"] == 35_000_00


def test_a_rejection_and_a_termination_keep_their_reasons(api_as: Any, users: Any, places: Any) -> None:
    from linli.grants import services as s
    from tests.grants_support import approved

    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    one = application(actor, round_, org, [places.communities[0]], "甲")
    two = application(actor, round_, org, [places.communities[0]], "乙")
    s.round_review(actor=actor, round_=round_)
    api = api_as("street")
    rejected = api.post(f"{API}/projects/{one.pk}/reject", {"reason": "材料不全"}, content_type=JSON).json()
    assert (rejected["status"], rejected["decision_note"]) == ("rejected", "材料不全")
    approved(actor, GrantProject.objects.get(pk=two.pk))
    ended = api.post(f"{API}/projects/{two.pk}/terminate", {"reason": "组织注销"}, content_type=JSON).json()
    assert (ended["status"], ended["end_note"]) == ("terminated", "组织注销")


def test_reviewers_see_the_scores_and_community_staff_only_the_average(api_as: Any, users: Any, places: Any) -> None:
    from linli.grants import services_review as sr

    round_ = grant_round(users["street"], places.street)
    project = application(users["street"], round_, social_org(users["street"], places.street), [places.communities[0]])
    sr.score_set(actor=users["street"], project=project, score=77, comment="可")
    community = api_as("community").get(f"{API}/projects/{project.pk}").json()
    assert (community["avg_score"], community["scores"], community["may_run"]) == (77.0, [], False)
    assert community["may_report"] is True
    street = api_as("street").get(f"{API}/projects/{project.pk}").json()
    assert street["scores"][0]["comment"] == "可" and street["may_run"] is True


def test_the_contact_phone_is_revealed_only_with_a_reason_to_those_who_may(
    api_as: Any, users: Any, places: Any
) -> None:
    round_ = grant_round(users["street"], places.street)
    project = application(users["street"], round_, social_org(users["street"], places.street), [places.communities[0]])
    url = f"{API}/projects/{project.pk}/contact/reveal"
    assert api_as("street").post(url, {"reason": ""}, content_type=JSON).status_code == 422
    shown = api_as("street").post(url, {"reason": "核实申报材料"}, content_type=JSON)
    assert shown.status_code == 200 and shown.json() == {"contact_phone": PHONE}
    assert api_as("community").post(url, {"reason": "想看"}, content_type=JSON).status_code == 403


def test_the_figures_through_the_api_match_the_records(api_as: Any, places: Any) -> None:
    demo()
    answer = api_as("street").get(f"{API}/figures?node_id={places.street.pk}")
    assert answer.status_code == 200
    f = answer.json()
    assert (f["registered"], f["approved"], f["rejected"], f["completed"], f["terminated"]) == (6, 4, 1, 1, 1)
    assert (f["granted_fen"], f["granted_yuan"]) == (220_000_00, "220000.00")
    assert (f["paid_fen"], f["beneficiaries"], f["organisations"]) == (128_500_00, 916, 4)
    assert f["approval_rate"] == 0.8 and f["good_share"] == 1.0
    assert api_as("grid").get(f"{API}/figures?node_id={places.street.pk}").status_code == 404
    bad = api_as("street").get(f"{API}/figures?node_id={places.street.pk}&since=2026-12-31&until=2026-01-01")
    assert bad.status_code == 422 and bad.json()["field"] == "since"


def test_the_public_list_needs_no_sign_in_and_carries_no_personal_data(places: Any) -> None:
    demo()
    answer = Client().get(f"{API}/public/projects?node_id={places.street.pk}")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert {p["status"] for p in items} == {"approved", "completed", "terminated"} and len(items) == 4
    assert all(set(p) == {"id", "round_title", "year", "title", "organisation_name", "service_field",
                          "communities", "granted_fen", "granted_yuan", "status"} for p in items)  # fmt: skip
    assert "139" not in answer.content.decode()
    assert Client().get(f"{API}/public/projects?node_id={places.communities[0].pk}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [f"{API}/rounds", f"{API}/projects", f"{API}/projects?status=approved",
     f"{API}/public/projects?node_id={{street}}"],
)  # fmt: skip
def test_each_list_costs_the_same_queries_for_two_rows_and_for_twelve(
    api_as: Any, users: Any, places: Any, django_assert_max_num_queries: Any, path: str
) -> None:
    from linli.grants import services as s
    from tests.grants_support import approved

    actor = users["street"]
    api = api_as("street")
    org = social_org(actor, places.street)

    def grow(start: int, n: int) -> GrantRound:
        round_ = grant_round(actor, places.street, title=f"第{start}轮")
        projects = [application(actor, round_, org, places.communities[k % 2 :], f"项目{k}") for k in range(n)]
        s.round_review(actor=actor, round_=round_)
        for p in projects:
            approved(actor, GrantProject.objects.get(pk=p.pk), granted_fen=100)
        return round_

    grow(0, 2)
    url = path.format(street=places.street.pk)
    api.get(url)
    with django_assert_max_num_queries(40) as small:
        assert api.get(url).status_code == 200
    for k in range(1, 6):
        grow(k, 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert api.get(url).status_code == 200
