"""GET /api/v1/audit/events: the audit log page's filter for API clients, administrators only."""

from __future__ import annotations

import pytest

from linli.audit.models import AuditEvent
from linli.audit.services import audit_record

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit/events"


def test_an_administrator_filters_the_log_and_the_read_is_itself_audited(api_as, users, django_assert_max_num_queries):
    for n in range(3):
        audit_record(action="test.api_read", actor=users["community"], note=n)
    audit_record(action="other.thing", actor=users["community"])
    admin = api_as("admin")
    with django_assert_max_num_queries(10):
        r = admin.get(f"{URL}?action=test.api&limit=2")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [e["action"] for e in body["items"]] == ["test.api_read", "test.api_read"] and body["next"]
    assert body["items"][0]["actor"] == users["community"].username
    rest = admin.get(f"{URL}?action=test.api&limit=2&cursor={body['next']}").json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert AuditEvent.objects.filter(action="audit.viewed", actor=users["admin"]).count() == 2


def test_bad_dates_name_the_field_and_other_roles_are_refused(api_as, users):
    admin = api_as("admin")
    backwards = admin.get(f"{URL}?since=2026-12-02&until=2026-12-01")
    assert backwards.status_code == 422 and backwards.json()["field"] == "since"
    assert "开始日期" in backwards.json()["detail"]
    assert admin.get(f"{URL}?since=2026-13-01").status_code == 422
    for role in ("street", "community", "resident"):
        r = api_as(role).get(URL)
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert not AuditEvent.objects.filter(action="audit.viewed").exclude(actor=users["admin"]).exists()
