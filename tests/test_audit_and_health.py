from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from linli.audit.models import AuditEvent
from linli.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_updated_even_with_raw_sql(users):
    event = audit_record(action="test.event", actor=users["admin"])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET success = false WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).success is True


def test_the_admin_reads_the_audit_log_and_others_cannot(client_as):
    audit_record(action="login.success", actor_label="someone")
    assert "login.success" in client_as("admin").get("/audit/").content.decode()
    assert client_as("street").get("/audit/").status_code == 403


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_openapi_is_served_with_operation_ids(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert all(op.get("operationId") for op in operations)
    assert "/api/v1/auth/token" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_pages_default_to_simplified_chinese_and_switch_to_english(client):
    assert "登录邻里" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in to Linli" in client.get("/accounts/login/").content.decode()


def test_residents_land_on_their_own_page_with_their_services(client_as):
    page = client_as("resident").get("/").content.decode()
    assert "随手拍" in page and "我的诉求" in page and "我的信息" in page
    assert "接单大厅" not in page


def test_volunteers_see_the_order_board_link(client_as):
    assert "接单大厅" in client_as("volunteer").get("/").content.decode()


def test_leaders_land_on_the_place_tree(client_as):
    response = client_as("street").get("/")
    assert response.status_code == 302
    assert response["Location"] == "/places/"


def test_front_line_staff_land_on_their_request_queue(client_as):
    for username in ("grid", "community"):
        response = client_as(username).get("/")
        assert response["Location"] == "/requests/"
