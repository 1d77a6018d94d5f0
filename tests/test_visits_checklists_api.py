"""Checklist template administration through the API: the page's services, administrators only."""

from __future__ import annotations

import pytest

from linli.audit.models import AuditEvent
from linli.visits.models import ChecklistTemplate

pytestmark = pytest.mark.django_db
JSON = "application/json"
URL = "/api/v1/visits/checklists"


def body(**kw):
    return {
        "name": "燃气安全",
        "description": "入户查燃气",
        "items": [{"text": "燃气报警器", "required": True}, {"text": "软管老化"}],
        **kw,
    }


def test_an_administrator_creates_a_checklist_lists_it_and_switches_it_off(
    api_as, users, django_assert_max_num_queries
):
    admin = api_as("admin")
    r = admin.post(URL, body(), content_type=JSON)
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["active"] is True and created["code"].startswith("custom-")
    assert [(i["key"], i["text"], i["required"]) for i in created["items"]] == [
        ("i1", "燃气报警器", True),
        ("i2", "软管老化", False),
    ]
    assert AuditEvent.objects.filter(action="visit.checklist_create", actor=users["admin"]).exists()
    with django_assert_max_num_queries(6):
        listed = api_as("community").get(f"{URL}?active=true&limit=200").json()["items"]
    assert created["id"] in [t["id"] for t in listed]
    off = admin.patch(f"{URL}/{created['id']}", {"active": False}, content_type=JSON)
    assert off.status_code == 200 and off.json()["active"] is False
    assert not ChecklistTemplate.objects.get(pk=created["id"]).active
    assert AuditEvent.objects.filter(action="visit.checklist_active", actor=users["admin"]).exists()
    assert created["id"] not in [t["id"] for t in admin.get(f"{URL}?active=true&limit=200").json()["items"]]


def test_bad_input_is_a_chinese_422_naming_the_field_and_saves_nothing(api_as):
    admin = api_as("admin")
    before = ChecklistTemplate.objects.count()
    cases = [
        (body(name=""), "name", "清单名称"),
        (body(name="长" * 65), "name", "清单名称"),
        (body(items=[]), "items", "至少"),
        (body(items=[{"text": "查燃气"}, {"text": "查燃气"}]), "items", "重复"),
        (body(items=[{"text": "x" * 61}]), "items", "第 1 个检查项"),
        (body(description="说" * 201), "description", "说明"),
    ]
    for payload, field, words in cases:
        r = admin.post(URL, payload, content_type=JSON)
        assert r.status_code == 422, (payload, r.content)
        assert r.json()["field"] == field and words in r.json()["detail"], r.json()
    assert ChecklistTemplate.objects.count() == before


def test_a_second_active_template_with_the_same_name_is_refused(api_as):
    admin = api_as("admin")
    assert admin.post(URL, body(), content_type=JSON).status_code == 201
    again = admin.post(URL, body(), content_type=JSON)
    assert again.status_code == 422 and again.json()["field"] == "name"
    assert ChecklistTemplate.objects.filter(name="燃气安全").count() == 1


def test_only_administrators_edit_checklists_and_an_unknown_template_is_404(api_as):
    template = ChecklistTemplate.objects.filter(active=True).first()
    for role in ("community", "street"):
        assert api_as(role).post(URL, body(), content_type=JSON).status_code == 403
        assert api_as(role).patch(f"{URL}/{template.pk}", {"active": False}, content_type=JSON).status_code == 403
    assert api_as("resident").get(URL).status_code == 403
    assert ChecklistTemplate.objects.get(pk=template.pk).active
    assert api_as("admin").patch(f"{URL}/99999999", {"active": False}, content_type=JSON).status_code == 404
