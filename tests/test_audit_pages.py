"""The audit page filters by actor, action, target, outcome and dates; reading and exporting are audited."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from linli.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(users):
    audit_record(action="resident.reveal", actor=users["street"], target_label="王小明", reason="核实低保")
    audit_record(action="login.failed", actor_label="grid", success=False)
    audit_record(action="login.success", actor=users["community"])


def test_the_admin_filters_by_actor_action_and_outcome(client_as, events):
    page = client_as("admin").get("/audit/", {"action": "login", "outcome": "fail"}).content.decode()
    assert "login.failed" in page
    assert "login.success" not in page
    page = client_as("admin").get("/audit/", {"actor": "street"}).content.decode()
    assert "resident.reveal" in page and "login.failed" not in page


def test_the_admin_filters_by_target_and_date_range(client_as, events):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    page = client_as("admin").get("/audit/", {"target": "王小明", "from": today, "to": today}).content.decode()
    assert "resident.reveal" in page and "login.failed" not in page
    page = client_as("admin").get("/audit/", {"from": "2001-01-01", "to": "2001-01-02"}).content.decode()
    assert "resident.reveal" not in page


def test_a_bad_date_gets_a_clear_message_not_a_crash(client_as):
    response = client_as("admin").get("/audit/", {"from": "2026-13-40"})
    assert response.status_code == 200
    assert "日期" in response.content.decode() and "YYYY-MM-DD" in response.content.decode()


def test_reading_the_audit_log_is_itself_audited(client_as, users):
    client_as("admin").get("/audit/", {"action": "login"})
    event = AuditEvent.objects.filter(action="audit.viewed", actor=users["admin"]).latest("id")
    assert event.detail == {"filters": {"action": "login"}}


def test_non_admins_cannot_read_or_export_the_log(client_as):
    for who in ("street", "community", "grid", "resident"):
        client = client_as(who)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_csv_export_streams_filtered_rows_with_time_offsets_and_is_audited(client_as, users, events):
    response = client_as("admin").get("/audit/export.csv", {"action": "resident"})
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "时间"
    assert all(r[3].startswith("resident") for r in rows[1:]) and len(rows) >= 2
    assert rows[1][0].endswith("+08:00")
    assert AuditEvent.objects.filter(action="audit.exported", actor=users["admin"], detail__format="csv").exists()


def test_the_xlsx_export_opens_in_a_spreadsheet(client_as, events):
    response = client_as("admin").get("/audit/export.xlsx", {"outcome": "fail"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间"
    assert {r[7] for r in rows[1:]} == {"失败"}


def test_formula_like_values_are_exported_as_text(client_as):
    audit_record(action="login.failed", actor_label='=HYPERLINK("http://evil")', success=False)
    text = b"".join(client_as("admin").get("/audit/export.csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_an_unknown_export_format_is_not_found(client_as):
    assert client_as("admin").get("/audit/export.pdf").status_code == 404


def test_the_audit_page_keeps_its_query_count_as_the_log_grows(client_as, django_assert_max_num_queries):
    client = client_as("admin")
    client.get("/audit/")
    with django_assert_max_num_queries(12) as small:
        client.get("/audit/")
    for n in range(120):
        audit_record(action="test.bulk", actor_label=f"u{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/audit/")
