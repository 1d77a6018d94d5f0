"""Every date and time the API takes is bounded like the pages' (``core.schemas.Day``/``Moment``).

Walks the OpenAPI document, so an endpoint added later with a plain ``dt.date`` is caught: each date or
date-time parameter and JSON body field, given 0001-01-01 or 9999-12-31 with everything else valid, is
422 naming that field — before, a year-1 time overflowed the conversion to UTC (500) and a year-1 day was
stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.test_security_review_s12 import _resolve, _sample

BAD = {"date": ["0001-01-01", "9999-12-31"], "date-time": ["0001-01-01T00:00:00", "9999-12-31T23:59:00+08:00"]}


def _format(spec: dict[str, Any], schema: dict[str, Any]) -> str | None:
    schema = _resolve(spec, schema)
    for option in schema.get("anyOf", [schema]):
        if option.get("format") in BAD:
            return option["format"]
    return None


def _date_inputs(spec: dict[str, Any]) -> list[tuple[str, str, str, str, str, dict[str, Any]]]:
    """(operation, method, route, where, name, valid body) for every date input."""
    found = []
    for route, methods in spec["paths"].items():
        for method, op in methods.items():
            content = op.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema")
            body = _sample(spec, body_schema) if body_schema else None
            for param in op.get("parameters", []):
                fmt = _format(spec, param["schema"])
                if fmt:
                    found.append((op["operationId"], method, route, param["in"], param["name"], {"body": body}))
            if body_schema:
                for name, prop in _resolve(spec, body_schema).get("properties", {}).items():
                    if _format(spec, prop):
                        found.append((op["operationId"], method, route, "body", name, {"body": body}))
    return found


def test_the_api_has_date_inputs_to_check(api_as: Any) -> None:
    spec = api_as("admin").get("/api/v1/openapi.json").json()
    assert len(_date_inputs(spec)) >= 40


def test_every_date_and_time_the_api_takes_outside_1900_to_2999_is_422_naming_it(api_as: Any) -> None:
    api = api_as("admin")
    spec = api.get("/api/v1/openapi.json").json()
    wrong = []
    for op_id, method, route, where, name, extra in _date_inputs(spec):
        param = next((p for p in spec["paths"][route][method].get("parameters", []) if p["name"] == name), None)
        fmt = (
            _format(spec, param["schema"])
            if param
            else _format(spec, _resolve(spec, _body_prop(spec, route, method, name)))
        )
        for bad in BAD[fmt or "date"]:
            url = "/api/v1" + route.replace("/api/v1", "")
            for path_param in [
                p["name"] for p in spec["paths"][route][method].get("parameters", []) if p["in"] == "path"
            ]:
                url = url.replace("{" + path_param + "}", bad if (where == "path" and path_param == name) else "1")
            body = dict(extra["body"] or {})
            query = {
                p["name"]: str(_sample(spec, p["schema"]))
                for p in spec["paths"][route][method].get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            if where == "query":
                query[name] = bad
            elif where == "body":
                body[name] = bad
            if query:
                url += "?" + "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in query.items())
            if method == "get":
                response = api.get(url)
            else:
                response = getattr(api, method)(url, body, content_type="application/json")
            answer = response.json() if response.status_code < 500 else {}
            if response.status_code != 422 or answer.get("field") != name or "1900-01-01" not in str(answer):
                wrong.append((op_id, where, name, bad, response.status_code, answer.get("field")))
    assert wrong == [], "\n".join(map(str, wrong))


def _body_prop(spec: dict[str, Any], route: str, method: str, name: str) -> dict[str, Any]:
    schema = spec["paths"][route][method]["requestBody"]["content"]["application/json"]["schema"]
    return _resolve(spec, schema)["properties"][name]


@pytest.mark.parametrize("moment", ["2026-03-01T09:00:00+08:00", "2026-03-01T09:00:00", "2026-03-01T01:00:00Z"])
def test_a_time_in_range_passes_the_bound_and_a_time_without_offset_is_beijing_time(moment: str) -> None:
    from pydantic import TypeAdapter

    from linli.core.schemas import Moment

    value = TypeAdapter(Moment).validate_python(moment)
    assert timezone.is_aware(value) and timezone.localtime(value).replace(tzinfo=None) == dt.datetime(2026, 3, 1, 9)


def test_an_activity_sent_with_one_time_with_offset_and_one_without_is_created_not_a_500(
    api_as: Any, places: Any
) -> None:
    response = api_as("community").post(
        "/api/v1/volunteering/activities",
        {
            "place_id": places.communities[0].pk,
            "title": "楼道清扫",
            "starts_at": "2027-03-01T09:00:00",
            "ends_at": "2027-03-01T11:00:00+08:00",
            "capacity": 5,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["starts_at"].startswith("2027-03-01T09:00:00+08:00")
