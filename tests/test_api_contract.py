"""The /api/v1/ contract, checked by schemathesis against the served /api/v1/openapi.json.

Property-based and bounded: a handful of generated requests per operation (reads everyone uses
and the key writes), sent in-process through the WSGI app with a demo user's bearer token, so
each example runs inside the test's transaction. Every response must be declared, match its
schema, and never be a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from linli.core.dates import FIRST, LAST

pytestmark = pytest.mark.django_db
MAX_EXAMPLES = 8

OPERATIONS = [
    "me_read",
    "places_list",
    "places_read",
    "party_orgs_list",
    "organisations_list",
    "organisations_read",
    "requests_list",
    "requests_read",
    "requests_create",
    "categories_list",
    "metrics_read",
    "residents_list",
    "residents_read",
    "inbox_list",
    "calendar_year_read",
    "handover_create",
    "handover_read",
    "visits_list",
    "visits_read",
    "visits_coverage",
    "visits_figures",
    "volunteering_activities_list",
    "volunteering_activity_get",
    "volunteering_points_me",
    "volunteering_rewards_list",
    "volunteering_wishes_list",
    "volunteering_wish_counts",
    "volunteering_posts_list",
    "partylife_branches_list",
    "partylife_branch_figures",
    "partylife_members_list",
    "partylife_meetings_list",
    "partylife_meetings_read",
]  # deliberation's 18 operations run in tests/test_deliberation_contract.py


_SCHEMA: list[Any] = []


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Calls go through the real WSGI handler, whose request signals would close the database
    connection that holds the test's transaction (PostgreSQL); Django's test client unhooks them
    the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def api_schema() -> Any:
    """Loaded once, from the app itself (``/api/v1/openapi.json`` through WSGI)."""
    if not _SCHEMA:
        from django.core.wsgi import get_wsgi_application

        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        # No string may hold a NUL character (linli.core.middleware.RefuseNulMiddleware: 422 naming the
        # field, as the API's description says): the schemas do not repeat that rule on every string.
        schema.config.generation.update(allow_x00=False)
        # Dates and times lie within 1900-01-01 … 2999-12-31 (linli.core.schemas.Day/Moment, as the API's
        # description says); year 720 is refused with 422 naming the field (tests/test_api_dates.py).
        days = st.dates(min_value=FIRST, max_value=LAST)
        schemathesis.openapi.format("date", days.map(dt.date.isoformat))
        schemathesis.openapi.format(
            "date-time",
            st.datetimes(
                min_value=dt.datetime.combine(FIRST, dt.time(12)), max_value=dt.datetime.combine(LAST, dt.time(12))
            ).map(lambda t: t.isoformat() + "+08:00"),
        )
        _SCHEMA.append(schema)
    return _SCHEMA[0]


def run_cases(operation_id: str, user: Any, **checks: Any) -> None:
    """Drive one operation with Hypothesis from its case strategy, as ``user`` with a bearer token.

    (``schemathesis.pytest.from_fixture``/``parametrize`` read ``request.node._nodeid``, which
    pytest 9 no longer has, so the strategy is used directly.)"""
    from linli.accounts.services import token_issue

    _, key = token_issue(user=user, name="contract")
    operation = api_schema().find_operation_by_id(operation_id)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, **checks)

    check()


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    """No 500s; every status code, content type and body is the one the schema declares; endpoints
    that need auth refuse a request without it. (Acceptance of schema-valid input is the next test.)"""
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])


# Operations whose schema accepts input the endpoint then refuses with 422 (the schema under-states
# the rule): real contract gaps in other apps' schemas, reported rather than hidden. Not strict:
# whether the few examples hit the gap depends on the data generated around them.
OPAQUE_CURSOR = "cursor is opaque text in the schema; a made-up cursor is refused with 422 (correctly)"
UNDER_STATED = {
    "places_list": OPAQUE_CURSOR,
    "visits_list": OPAQUE_CURSOR,
    "volunteering_activities_list": OPAQUE_CURSOR,
    "volunteering_wishes_list": OPAQUE_CURSOR,
    "partylife_branches_list": OPAQUE_CURSOR,
    "partylife_members_list": OPAQUE_CURSOR,
    "partylife_meetings_list": OPAQUE_CURSOR,
    "party_orgs_list": OPAQUE_CURSOR,
    "organisations_list": OPAQUE_CURSOR,
    "inbox_list": OPAQUE_CURSOR,
    "requests_list": "a made-up cursor or a care_tag id that does not exist is refused with 422 (correctly)",
    "requests_create": (
        "description has no minLength in the schema: the service refuses a blank one with a specific"
        " message that a schema rule would replace with a generic one"
    ),
    "metrics_read": "since/until accept any date in the schema (year 0025 is refused)",
    "residents_list": "residence_type and other filters have no enum in the schema",
}


@pytest.mark.parametrize(
    "operation_id",
    [
        pytest.param(op, marks=pytest.mark.xfail(reason=UNDER_STATED[op], strict=False)) if op in UNDER_STATED else op
        for op in OPERATIONS
    ],
)
def test_api_accepts_every_request_its_schema_calls_valid(operation_id: str, users: dict[str, Any]) -> None:
    run_cases(operation_id, users["community"], checks=[positive_data_acceptance])


def test_schema_names_every_operation_it_is_asked_to_cover(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    ids = {op.get("operationId") for ops in spec["paths"].values() for op in ops.values()}
    assert set(OPERATIONS) <= ids
