"""A request whose database connection was lost is run once more, if repeating it is safe."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from linli.core.middleware import RetryOnLostDatabaseMiddleware


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


def test_other_errors_are_left_alone(db):
    middleware = _middleware([])
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("x")) is None
