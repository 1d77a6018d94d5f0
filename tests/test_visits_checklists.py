"""Checklist templates kept by administrators on a page (and read by API); visits keep what they answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.places.models import Household
from linli.visits.models import ChecklistTemplate
from linli.visits.selectors import checklist_rows
from linli.visits.services import VisitInput, visit_record
from linli.visits.services_checklists import (
    ChecklistItemInput,
    checklist_template_create,
    checklist_template_set_active,
    parse_item_lines,
)

pytestmark = pytest.mark.django_db


def household(places: Any) -> Household:
    return Household.objects.filter(place_path__startswith=places.first_grid.path).order_by("id").first()


def test_an_administrator_creates_a_checklist_on_the_page_and_it_is_audited(users, client_as) -> None:
    admin = client_as("admin")
    page = admin.get(reverse("visits:checklists"))
    assert page.status_code == 200 and 'id="checklist-new"' in page.content.decode()
    saved = admin.post(
        reverse("visits:checklists"),
        {
            "name": "汛期入户检查",
            "description": "汛期",
            "items": "*门窗是否漏水\n排水是否通畅\n",
            "requires_answer": "1",
        },
    )
    assert saved.status_code == 302
    template = ChecklistTemplate.objects.get(name="汛期入户检查", active=True)
    assert template.items == [
        {"key": "i1", "label": "门窗是否漏水", "required": True},
        {"key": "i2", "label": "排水是否通畅", "required": False},
    ]
    assert AuditEvent.objects.filter(action="visit.checklist_create", actor=users["admin"]).exists()
    shown = admin.get(reverse("visits:checklists")).content.decode()
    assert "门窗是否漏水" in shown and "必填" in shown


def test_the_page_refuses_empty_items_and_non_administrators_may_only_read(users, client_as) -> None:
    admin = client_as("admin")
    before = ChecklistTemplate.objects.count()
    bad = admin.post(reverse("visits:checklists"), {"name": "空清单", "items": "  \n"})
    assert bad.status_code == 422 and 'data-field="items"' in bad.content.decode()
    assert ChecklistTemplate.objects.count() == before
    community = client_as("community")
    page = community.get(reverse("visits:checklists")).content.decode()
    assert "六查" in page and 'id="checklist-new"' not in page
    refused = community.post(reverse("visits:checklists"), {"name": "越权", "items": "一项"})
    assert refused.status_code == 403
    assert not ChecklistTemplate.objects.filter(name="越权").exists()
    assert client_as("resident").get(reverse("visits:checklists")).status_code == 403
    with pytest.raises(Forbidden):
        checklist_template_set_active(
            actor=users["grid"], template_id=ChecklistTemplate.objects.first().pk, active=False
        )


def test_duplicate_item_texts_and_duplicate_active_names_are_refused(users) -> None:
    with pytest.raises(InvalidInput) as exc:
        checklist_template_create(actor=users["admin"], name="重复", items=parse_item_lines("查燃气\n查燃气"))
    assert exc.value.field == "items"
    checklist_template_create(actor=users["admin"], name="独居老人", items=[ChecklistItemInput("身体状况")])
    with pytest.raises(InvalidInput) as again:
        checklist_template_create(actor=users["admin"], name="独居老人", items=[ChecklistItemInput("用电")])
    assert again.value.field == "name"


def test_required_items_must_be_answered_and_a_deactivated_template_keeps_old_visits_answers(users, places) -> None:
    template = checklist_template_create(
        actor=users["admin"],
        name="燃气安全",
        items=[ChecklistItemInput("燃气报警器", required=True), ChecklistItemInput("软管老化")],
    )
    at = timezone.now() - dt.timedelta(minutes=5)
    with pytest.raises(InvalidInput) as exc:
        visit_record(
            actor=users["grid"],
            data=VisitInput(
                household_id=household(places).pk, visited_at=at, template_id=template.pk, answers={"i2": "无"}
            ),
        )
    assert exc.value.field == "answers" and "燃气报警器" in exc.value.message
    visit, _ = visit_record(
        actor=users["grid"],
        data=VisitInput(
            household_id=household(places).pk, visited_at=at, template_id=template.pk, answers={"i1": "正常"}
        ),
    )
    checklist_template_set_active(actor=users["admin"], template_id=template.pk, active=False)
    assert AuditEvent.objects.filter(action="visit.checklist_active").exists()
    visit.refresh_from_db()
    assert checklist_rows(visit) == [("燃气报警器", "正常"), ("软管老化", "")]
    with pytest.raises(InvalidInput) as refused:
        visit_record(
            actor=users["grid"],
            data=VisitInput(household_id=household(places).pk, template_id=template.pk, answers={"i1": "正常"}),
        )
    assert refused.value.field == "template_id"


def test_the_api_lists_templates_with_their_items_for_staff_only(users, api_as) -> None:
    checklist_template_create(
        actor=users["admin"], name="三看补充", items=[ChecklistItemInput("看住房", required=True)]
    )
    body = api_as("grid").get("/api/v1/visits/checklists?active=true&limit=200").json()
    found = [t for t in body["items"] if t["name"] == "三看补充"]
    assert found and found[0]["items"] == [{"key": "i1", "text": "看住房", "required": True}]
    assert api_as("grid").get("/api/v1/visits/checklists?limit=0").status_code == 422
    assert api_as("resident").get("/api/v1/visits/checklists").status_code == 403
