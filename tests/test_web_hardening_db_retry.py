"""A request whose database connection was lost, or which a deadlock broke, is run once more if repeating it is
safe, and answered 503 busy (nothing written, try again) if not."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from linli.core.middleware import RetryOnLostDatabaseMiddleware, transient_database_error


def _middleware(calls: list[str]) -> RetryOnLostDatabaseMiddleware:
    def view(request):
        calls.append(request.method)
        return HttpResponse("ok")

    return RetryOnLostDatabaseMiddleware(view)


def test_a_read_that_lost_its_connection_is_answered_by_a_second_run(db):
    calls: list[str] = []
    middleware = _middleware(calls)
    request = RequestFactory().get("/api/v1/requests")
    response = middleware.process_exception(request, OperationalError("terminating connection"))
    assert response is not None and response.status_code == 200 and calls == ["GET"]
    assert middleware.process_exception(request, OperationalError("again")) is None, "only one retry"


def test_a_write_is_repeated_only_with_an_idempotency_key(db):
    calls: list[str] = []
    middleware = _middleware(calls)
    plain = RequestFactory().post("/api/v1/requests", {})
    assert middleware.process_exception(plain, OperationalError("lost")) is None
    keyed = RequestFactory().post("/api/v1/requests", {}, headers={"Idempotency-Key": "abc"})
    assert middleware.process_exception(keyed, OperationalError("lost")).status_code == 200
    assert calls == ["POST"]
    form = RequestFactory().post("/requests/new", {"idempotency_key": "f00d", "description": "楼道灯坏了"})
    assert middleware.process_exception(form, OperationalError("lost")).status_code == 200
    assert calls == ["POST", "POST"]


def test_other_errors_are_left_alone(db):
    middleware = _middleware([])
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("x")) is None


def _deadlock() -> OperationalError:
    """What Django raises for a deadlock PostgreSQL broke: its OperationalError over psycopg's DeadlockDetected."""
    import psycopg.errors

    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def test_a_plain_write_caught_in_a_deadlock_is_answered_busy_with_retry_after(db):
    calls: list[str] = []
    response = _middleware(calls).process_exception(RequestFactory().post("/api/v1/requests", {}), _deadlock())
    assert response is not None and response.status_code == 503 and calls == []
    assert response["Retry-After"] == "1"
    assert json.loads(response.content) == {
        "error": "busy",
        "detail": "系统繁忙,本次操作未生效,请稍后重试",
        "field": None,
    }


def test_a_page_caught_in_a_deadlock_gets_the_busy_page(db):
    request = RequestFactory().post("/requests/new", {})
    request.user = AnonymousUser()
    response = _middleware([]).process_exception(request, _deadlock())
    assert response is not None and response.status_code == 503 and response["Retry-After"] == "1"
    assert "系统繁忙" in response.content.decode()


def test_a_read_whose_retry_deadlocks_again_is_answered_busy(db):
    calls: list[str] = []
    middleware = _middleware(calls)
    request = RequestFactory().get("/api/v1/requests")
    assert middleware.process_exception(request, _deadlock()).status_code == 200
    assert middleware.process_exception(request, _deadlock()).status_code == 503
    assert calls == ["GET"]


def test_a_database_error_that_is_a_bug_stays_a_server_error(db):
    plain = RequestFactory().post("/api/v1/requests", {})
    assert _middleware([]).process_exception(plain, OperationalError("no such table: tickets_ticket")) is None
    assert transient_database_error(OperationalError("database is locked"))
    assert not transient_database_error(ValueError("database is locked"))


def test_an_intake_caught_in_a_deadlock_writes_nothing_and_its_keyed_retry_is_created_once(
    db, client_as: Any, places: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linli.routing import services as routing
    from linli.tickets.models import Ticket

    real = routing.intake_submit
    deadlocks = [_deadlock(), _deadlock()]

    def deadlocking(**kwargs: Any) -> Any:
        if deadlocks:
            raise deadlocks.pop()
        return real(**kwargs)

    monkeypatch.setattr(routing, "intake_submit", deadlocking)
    client = client_as("resident")
    body = {"description": "楼道灯不亮,晚上看不清台阶", "place_id": places.buildings[0].pk}
    before = Ticket.objects.count()
    busy = client.post("/api/v1/requests", body, content_type="application/json")
    assert busy.status_code == 503 and busy.json()["error"] == "busy" and busy["Retry-After"] == "1"
    assert Ticket.objects.count() == before
    keyed = client.post("/api/v1/requests", body, content_type="application/json", headers={"Idempotency-Key": "k-1"})
    assert keyed.status_code == 201, keyed.content  # the middleware ran it a second time
    assert Ticket.objects.count() == before + 1 and not deadlocks


@pytest.mark.postgres
def test_postgresql_deadlocks_are_recognised_as_transient(db) -> None:
    """A real deadlock: two connections update two generation rows in opposite order; PostgreSQL aborts
    one, and Django's wrapping of that error is what the middleware classifies."""
    import threading

    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    names = ["s:deadlock-a", "s:deadlock-b"]
    update = "UPDATE tickets_listgeneration SET value = value + 1 WHERE name = %s"
    conf = connection.settings_dict
    dsn = f"host={conf['HOST']} port={conf['PORT'] or 5432} user={conf['USER']} dbname={conf['NAME']}"
    with psycopg.connect(dsn, autocommit=True) as setup:
        for name in names:
            setup.execute(
                "INSERT INTO tickets_listgeneration (name, value) VALUES (%s, 1) ON CONFLICT DO NOTHING", [name]
            )
    first, second = psycopg.connect(dsn), psycopg.connect(dsn)
    try:
        first.execute("SET deadlock_timeout = '10s'")  # so the second is the one PostgreSQL aborts
        second.execute("SET deadlock_timeout = '50ms'")
        first.execute(update, [names[0]])
        second.execute(update, [names[1]])
        waiting = threading.Thread(target=first.execute, args=(update, [names[1]]))
        waiting.start()
        time.sleep(0.2)  # the first now waits for the second's row
        with pytest.raises(psycopg.errors.DeadlockDetected) as raw:
            second.execute(update, [names[0]])
        second.rollback()
        waiting.join(5)
        first.rollback()
        with pytest.raises(OperationalError) as wrapped, connection.wrap_database_errors:
            raise raw.value
        assert transient_database_error(wrapped.value)
    finally:
        first.close()
        second.close()
        with psycopg.connect(dsn, autocommit=True) as cleanup:
            cleanup.execute("DELETE FROM tickets_listgeneration WHERE name = ANY(%s)", [names])


def test_a_submit_stopped_by_a_unique_constraint_is_409_not_500(db):
    """Two submits raced past a service's check; the database refused the second row."""
    import psycopg.errors
    from django.db import IntegrityError

    from linli.core.middleware import LinliErrorMiddleware, unique_violation

    postgres = IntegrityError("duplicate key value violates unique constraint")
    postgres.__cause__ = psycopg.errors.UniqueViolation("duplicate key")
    sqlite = IntegrityError("UNIQUE constraint failed: volunteering_team.name")
    not_null = IntegrityError("NOT NULL constraint failed: tickets_ticket.title")
    assert unique_violation(postgres) and unique_violation(sqlite) and not unique_violation(not_null)
    middleware = LinliErrorMiddleware(lambda request: HttpResponse("ok"))
    request = RequestFactory().post("/api/v1/volunteering/teams", {})
    request.user = AnonymousUser()
    answer = middleware.process_exception(request, postgres)
    assert answer is not None and answer.status_code == 409 and json.loads(answer.content)["error"] == "conflict"
    assert middleware.process_exception(request, not_null) is None, "a bug stays a 500"
