"""Handling data-subject requests and keeping the register through the API — the services behind
``privacy:act`` and ``privacy:register`` — scoped like the pages."""

from __future__ import annotations

import pytest

from linli.audit.models import AuditEvent
from linli.privacy.models import DataCategory, RequestKind, RequestStatus, SubjectRequest
from linli.privacy.services import subject_request_submit

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/privacy"


def filed(users, kind=RequestKind.ACCESS) -> SubjectRequest:
    return subject_request_submit(actor=users["resident"], kind=kind, details="请提供我的信息")


def test_staff_review_copy_and_complete_an_access_request_once(api_as, users):
    request = filed(users)
    staff = api_as("community")
    r = staff.post(f"{BASE}/requests/{request.pk}/review")
    assert r.status_code == 200 and r.json()["status"] == "in_review", r.content
    assert staff.post(f"{BASE}/requests/{request.pk}/review").status_code == 409
    copy = staff.post(f"{BASE}/requests/{request.pk}/copy")
    assert copy.status_code == 200 and copy.json()["person"]["name"] == users["resident"].person.name
    blank = staff.post(f"{BASE}/requests/{request.pk}/complete", {"outcome": " "}, content_type=JSON)
    assert blank.status_code == 422 and blank.json()["field"] == "outcome" and "办理结果" in blank.json()["detail"]
    done = staff.post(f"{BASE}/requests/{request.pk}/complete", {"outcome": "已交付副本"}, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = staff.post(f"{BASE}/requests/{request.pk}/complete", {"outcome": "again"}, content_type=JSON)
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="privacy.request_done", actor=users["community"]).count() == 1


def test_an_erasure_the_law_forbids_is_409_and_is_refused_with_a_citation(api_as, users):
    request = filed(users, RequestKind.ERASURE)
    staff = api_as("community")
    kept = staff.post(f"{BASE}/requests/{request.pk}/complete", {"outcome": "删除"}, content_type=JSON)
    assert kept.status_code == 409 and "户籍" in kept.json()["detail"]
    no_law = staff.post(f"{BASE}/requests/{request.pk}/refuse", {"citation": "whim", "reason": "仍在本社区居住"},
                        content_type=JSON)  # fmt: skip
    assert no_law.status_code == 422 and no_law.json()["field"] == "citation"
    short = staff.post(f"{BASE}/requests/{request.pk}/refuse", {"citation": "household_register", "reason": "不"},
                       content_type=JSON)  # fmt: skip
    assert short.status_code == 422 and short.json()["field"] == "reason"
    refused = staff.post(
        f"{BASE}/requests/{request.pk}/refuse",
        {"citation": "household_register", "reason": "您仍在本社区居住,登记信息须保存"},
        content_type=JSON,
    )
    assert refused.status_code == 200 and "户口登记条例" in refused.json()["refusal_citation"]
    assert SubjectRequest.objects.get(pk=request.pk).status == RequestStatus.REFUSED


def test_a_copy_of_a_non_access_request_is_409(api_as, users):
    request = filed(users, RequestKind.ERASURE)
    assert api_as("community").post(f"{BASE}/requests/{request.pk}/copy").status_code == 409


def test_a_grid_worker_outside_and_the_resident_themself_cannot_handle_it(api_as, users):
    request = filed(users)
    for role in ("resident", "volunteer"):
        assert api_as(role).post(f"{BASE}/requests/{request.pk}/review").status_code == 404
        assert api_as(role).post(f"{BASE}/requests/{request.pk}/copy").status_code == 404
    assert SubjectRequest.objects.get(pk=request.pk).status == RequestStatus.RECEIVED


def test_administrators_keep_the_register_and_others_are_refused(api_as, users):
    category = DataCategory.objects.get(code="contact")
    body = {"purpose": "联系居民办理诉求", "legal_basis": "legal_duty", "retention": "迁出后五年"}
    listed = api_as("community").get(f"{BASE}/categories").json()["items"]
    assert category.pk in [c["id"] for c in listed]
    assert api_as("community").put(f"{BASE}/categories/{category.pk}", body, content_type=JSON).status_code == 403
    r = api_as("admin").put(f"{BASE}/categories/{category.pk}", body, content_type=JSON)
    assert r.status_code == 200 and r.json()["retention"] == "迁出后五年", r.content
    short = api_as("admin").put(f"{BASE}/categories/{category.pk}", {**body, "purpose": "联系"}, content_type=JSON)
    assert short.status_code == 422 and short.json()["field"] == "purpose"
    assert DataCategory.objects.get(pk=category.pk).purpose == "联系居民办理诉求"
    assert api_as("admin").put(f"{BASE}/categories/99999999", body, content_type=JSON).status_code == 404
    assert AuditEvent.objects.filter(action="privacy.category_updated", actor=users["admin"]).count() == 1
