"""The grant pages: a round set up and moved on by its street's staff, paper applications registered (once, however
often submitted), scored and decided from the round's table and the project's page, reports, payments and the
evaluation on the project's page, the audited Excel export, the public 立项公示 without personal data, refused forms
that keep what was typed, and page costs that do not grow with rows."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from linli.grants import services_delivery as sd
from linli.grants.models import Disbursement, GrantProject, GrantRound, ProgressReport, RoundStatus
from tests.grants_support import PHONE, application, approved, demo, grant_round, reviewing_with, social_org

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _round_form(places: Any, **extra: Any) -> dict[str, Any]:
    return {
        "node_id": places.street.pk,
        "idempotency_key": "round-page-1",
        "kind": "assistance",
        "title": "2027年度幸福里街道社会救助服务项目",
        "year": "2027",
        "budget": "200,000.00",
        "opens_on": TODAY.isoformat(),
        "closes_on": TODAY.isoformat(),
        "service_fields": ["assistance", "elderly"],
        **extra,
    }


def test_street_staff_set_up_a_round_on_the_index_once_however_often_they_press(client_as: Any, places: Any) -> None:
    client = client_as("street")
    assert 'id="round-add"' in client.get("/grants/").content.decode()
    first = client.post("/grants/", _round_form(places))
    again = client.post("/grants/", _round_form(places))
    round_ = GrantRound.objects.get()
    assert first.status_code == again.status_code == 302 and first["Location"] == f"/grants/rounds/{round_.pk}/"
    assert (round_.kind, round_.budget_fen, round_.service_fields) == (
        "assistance",
        200_000_00,
        ["elderly", "assistance"],
    )


def test_a_refused_round_form_comes_back_with_what_was_typed(client_as: Any, places: Any) -> None:
    page = client_as("street").post("/grants/", _round_form(places, budget="二十万", description="面向困难群众"))
    assert page.status_code == 422
    text = page.content.decode()
    assert "资助总预算应为金额" in text and "面向困难群众" in text and 'value="assistance" checked' in text
    assert not GrantRound.objects.exists()


def test_the_round_moves_on_from_its_page_and_shows_its_budget(client_as: Any, users: Any, places: Any) -> None:
    round_ = grant_round(users["street"], places.street, status=RoundStatus.DRAFT)
    client = client_as("street")
    url = f"/grants/rounds/{round_.pk}/"
    assert 'data-figure="remaining"><b>100,000.00' in client.get(url).content.decode()
    for form, status in (("round_open", "open"), ("round_review", "reviewing"), ("round_close", "closed")):
        assert client.post(url, {"form": form}).status_code == 302
        assert GrantRound.objects.get(pk=round_.pk).status == status
    refused = client.post(url, {"form": "round_open"})
    assert refused.status_code == 422 and "不能改为" in refused.content.decode()


def _application_form(org: Any, communities: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "form": "register",
        "idempotency_key": "paper-page-1",
        "organisation_id": org.pk,
        "title": "乐融邻里·独居老人关爱",
        "service_field": "elderly",
        "community_ids": [c.pk for c in communities],
        "requested": "60000",
        "planned_beneficiaries": "1200",
        "summary": "每周上门探访、助餐送餐",
        "contact_name": "王芳",
        "contact_phone": PHONE,
        **extra,
    }


def test_a_paper_application_registered_twice_on_the_round_page_is_one(client_as: Any, users: Any, places: Any) -> None:
    round_ = grant_round(users["street"], places.street)
    org = social_org(users["street"], places.street)
    client = client_as("street")
    url = f"/grants/rounds/{round_.pk}/"
    form = _application_form(org, places.communities)
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    project = GrantProject.objects.get()
    assert project.requested_fen == 60_000_00 and project.served.count() == 2
    text = client.get(url).content.decode()
    assert "乐融邻里·独居老人关爱" in text and PHONE not in text


def test_a_refused_application_keeps_what_was_typed(client_as: Any, users: Any, places: Any) -> None:
    round_ = grant_round(users["street"], places.street)
    org = social_org(users["street"], places.street)
    form = _application_form(org, [places.communities[1]], contact_phone="123", summary="四点半课堂的详细方案")
    page = client_as("street").post(f"/grants/rounds/{round_.pk}/", form)
    assert page.status_code == 422
    text = page.content.decode()
    assert "四点半课堂的详细方案" in text and 'data-field="contact_phone"' in text
    assert f'value="{places.communities[1].pk}" checked' in text and f'value="{org.pk}" selected' in text
    assert not GrantProject.objects.exists()


def test_an_application_is_decided_from_the_rounds_table_within_the_budget(
    client_as: Any, users: Any, places: Any
) -> None:
    actor = users["street"]
    org = social_org(actor, places.street)
    round_, (one, two) = reviewing_with(actor, places.street, org, [places.communities[0]], n=2, budget_fen=50_000_00)
    from linli.grants import services_review as sr

    for p in (one, two):
        sr.score_set(actor=actor, project=p, score=80)
    client = client_as("street")
    url = f"/grants/rounds/{round_.pk}/"
    assert client.post(url, {"form": "approve", "project_id": one.pk, "granted": "30000"}).status_code == 302
    refused = client.post(url, {"form": "approve", "project_id": two.pk, "granted": "25000"})
    text = refused.content.decode()
    assert refused.status_code == 422 and "本轮预算还剩 20,000.00 元" in text and 'value="25000"' in text
    rejected = client.post(url, {"form": "reject", "project_id": two.pk, "reason": "服务对象重复"})
    assert rejected.status_code == 302
    assert list(GrantProject.objects.order_by("pk").values_list("status", flat=True)) == ["approved", "rejected"]


def test_a_project_is_carried_out_and_completed_on_its_page(client_as: Any, users: Any, places: Any) -> None:
    actor = users["street"]
    _round, (project,) = reviewing_with(actor, places.street, social_org(actor, places.street), [places.communities[0]])
    client = client_as("street")
    url = f"/grants/projects/{project.pk}/"
    assert client.post(url, {"form": "score", "score": "91", "comment": "方案扎实"}).status_code == 302
    assert client.post(url, {"form": "approve", "granted": "25000.50"}).status_code == 302
    report = {"form": "report", "idempotency_key": "rep-1", "on_date": TODAY.isoformat(), "text": "助餐",
              "beneficiaries": "88", "activities": "3"}  # fmt: skip
    assert client.post(url, report).status_code == 302
    assert client.post(url, report).status_code == 302  # a double submit
    pay = {"form": "disburse", "idempotency_key": "pay-1", "tranche": "first", "amount": "12,500.25",
           "paid_on": TODAY.isoformat()}  # fmt: skip
    assert client.post(url, pay).status_code == 302
    too_much = client.post(url, {**pay, "idempotency_key": "pay-2", "tranche": "final", "amount": "12500.26"})
    assert too_much.status_code == 422 and "本次最多拨付 12,500.25 元" in too_much.content.decode()
    assert client.post(url, {"form": "complete", "grade": "good", "summary": "满意度 95%"}).status_code == 302
    fresh = GrantProject.objects.get(pk=project.pk)
    assert (fresh.status, fresh.granted_fen, fresh.paid_fen, fresh.served_total) == ("completed", 2500050, 1250025, 88)
    assert ProgressReport.objects.count() == 1 and Disbursement.objects.count() == 1
    text = client.get(url).content.decode()
    assert 'data-grade="good"' in text and 'id="carry-out"' not in text
    assert 'data-payment="first"' in text and 'data-event="completed"' in text


def test_the_contacts_phone_is_masked_until_a_leader_states_why(client_as: Any, users: Any, places: Any) -> None:
    round_ = grant_round(users["street"], places.street)
    project = application(users["street"], round_, social_org(users["street"], places.street), [places.communities[0]])
    client = client_as("street")
    url = f"/grants/projects/{project.pk}/"
    assert "139****5678" in client.get(url).content.decode() and PHONE not in client.get(url).content.decode()
    shown = client.post(url, {"form": "reveal", "reason": "核实申报材料"})
    assert shown.status_code == 200 and PHONE in shown.content.decode()
    assert AuditEvent.objects.filter(action="grants.contact_revealed", target_id=str(project.pk)).count() == 1
    community = client_as("community")
    assert PHONE not in community.get(url).content.decode()
    assert community.post(url, {"form": "reveal", "reason": "想看"}).status_code == 403


def test_community_staff_register_for_their_community_and_read_without_deciding(
    client_as: Any, users: Any, places: Any
) -> None:
    round_ = grant_round(users["street"], places.street)
    org = social_org(users["street"], places.street)
    client = client_as("community")
    page = client.get(f"/grants/rounds/{round_.pk}/").content.decode()
    assert f'value="{places.communities[0].pk}"' in page and f'value="{places.communities[1].pk}"' not in page
    assert 'id="round-actions"' not in page
    assert (
        client.post(f"/grants/rounds/{round_.pk}/", _application_form(org, [places.communities[0]])).status_code == 302
    )
    project = GrantProject.objects.get()
    assert client.post(f"/grants/rounds/{round_.pk}/", {"form": "round_review"}).status_code == 403
    text = client.get(f"/grants/projects/{project.pk}/").content.decode()
    assert 'id="score-form"' not in text and 'id="approve"' not in text
    assert client.post(f"/grants/projects/{project.pk}/", {"form": "reject", "reason": "x"}).status_code == 403


@pytest.mark.parametrize("who", ["grid", "resident", "volunteer"])
def test_grid_workers_and_residents_reach_only_the_public_list(
    client_as: Any, users: Any, places: Any, who: str
) -> None:
    round_ = grant_round(users["street"], places.street)
    project = application(users["street"], round_, social_org(users["street"], places.street), [places.communities[0]])
    client = client_as(who)
    index = client.get("/grants/").content.decode()
    assert f"/grants/public/{places.street.pk}/" in index and 'id="rounds"' not in index
    assert client.get(f"/grants/rounds/{round_.pk}/").status_code == 404
    assert client.get(f"/grants/projects/{project.pk}/").status_code == 404
    assert client.get(f"/grants/rounds/{round_.pk}/export.xlsx").status_code == 404
    assert client.post("/grants/", _round_form(places)).status_code == 403


def test_the_public_list_shows_approved_projects_and_nothing_personal(users: Any, places: Any) -> None:
    demo()
    page = Client().get(f"/grants/public/{places.street.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "乐融邻里·独居老人关爱" in text and "55,000.00" in text and "银龄互助会" in text
    assert "残疾人康复互助小组" not in text  # waiting for its decision
    assert "垃圾分类绿色家园" not in text  # not approved
    assert "四点半课堂" in text and "已终止" in text
    for project in GrantProject.objects.all():
        phone = sd.contact_reveal(actor=users["street"], project=project, reason="测试")
        assert phone not in text and phone[:3] + "****" + phone[-4:] not in text
        assert project.contact_name not in text
    assert "申请金额" not in text and "平均分" not in text
    assert Client().get(f"/grants/public/{places.communities[0].pk}/").status_code == 404


def test_the_export_lists_every_application_with_amounts_in_yuan_and_is_audited(
    client_as: Any, users: Any, places: Any
) -> None:
    demo()
    round_ = GrantRound.objects.get(node=places.street)
    response = client_as("street").get(f"/grants/rounds/{round_.pk}/export.xlsx")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:6] == ("序号", "申报单位", "项目名称", "服务领域", "服务社区", "申请金额(元)")
    assert len(body) == 6
    by_title = {r[2]: dict(zip(header, r, strict=True)) for r in body}
    elderly = by_title["乐融邻里·独居老人关爱"]
    assert (elderly["立项金额(元)"], elderly["已拨付(元)"], elderly["结项等级"]) == ("55000.00", "55000.00", "优秀")
    assert elderly["联系电话"] == "139****1000" and elderly["平均分"] == 92
    assert not by_title["残疾人康复互助小组"]["立项金额(元)"]  # not decided: an empty cell
    event = AuditEvent.objects.get(action="grants.round_exported", target_id=str(round_.pk))
    assert event.detail["rows"] == 6
    assert client_as("community").get(f"/grants/rounds/{round_.pk}/export.xlsx").status_code == 403


def test_the_index_shows_the_figures_of_the_chosen_place_and_refuses_an_impossible_period(
    client_as: Any, places: Any
) -> None:
    demo()
    client = client_as("street")
    text = client.get("/grants/").content.decode()
    assert 'data-figure="registered"><b>6</b>' in text and 'data-figure="approved"><b>4</b>' in text
    assert 'data-figure="granted"><b>22.00</b>' in text  # 万元
    assert 'data-figure="beneficiaries"><b>916</b>' in text
    bad = client.get("/grants/?from=2026-12-31&to=2026-01-01")
    assert bad.status_code == 422 and "开始日期不能晚于结束日期" in bad.content.decode()
    garden = client.get(f"/grants/?node={places.communities[0].pk}").content.decode()
    assert 'data-figure="registered"><b>4</b>' in garden  # the four applications serving 花园社区


def _grow(users: Any, places: Any, round_: Any, org: Any, start: int, n: int) -> None:
    actor = users["street"]
    for k in range(start, start + n):
        application(actor, round_, org, places.communities[k % 2 :], f"项目{k}")


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("street", "/grants/"),
        ("street", "/grants/rounds/{round}/"),
        ("community", "/grants/rounds/{round}/"),
        ("street", "/grants/rounds/{round}/export.xlsx"),
        ("street", "/grants/public/{street}/"),
    ],
)
def test_each_page_costs_the_same_queries_for_two_rows_and_for_twelve(
    client_as: Any, users: Any, places: Any, django_assert_max_num_queries: Any, who: str, url: str
) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    _grow(users, places, round_, org, 0, 2)
    for p in GrantProject.objects.all():
        from linli.grants import services_review as sr

        sr.score_set(actor=actor, project=p, score=70)
    client = client_as(who)
    address = url.format(round=round_.pk, street=places.street.pk)
    client.get(address)
    with django_assert_max_num_queries(60) as small:
        assert client.get(address).status_code == 200
    _grow(users, places, round_, org, 2, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(address).status_code == 200


def test_the_project_page_costs_the_same_queries_however_long_its_record(
    client_as: Any, users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    actor = users["street"]
    _round, (short, long) = reviewing_with(
        actor, places.street, social_org(actor, places.street), [places.communities[0]], n=2
    )
    short, long = approved(actor, short, 100_00), approved(actor, long, 10_000_00)
    for k in range(8):
        sd.report_add(actor=actor, project=long, on_date=TODAY, text=f"第{k}次", beneficiaries=k)
        sd.disburse(actor=actor, project=long, tranche="first" if k == 0 else "middle", amount_fen=100, paid_on=TODAY)
    client = client_as("street")
    client.get(f"/grants/projects/{short.pk}/")
    with django_assert_max_num_queries(60) as small:
        client.get(f"/grants/projects/{short.pk}/")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/grants/projects/{long.pk}/")
