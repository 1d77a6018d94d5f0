"""The community-worker register API in the /api/v1/ contract: schemathesis drives each operation as the street
leader (who keeps the register); no 500s, and every answer is one the schema declares (same harness as
test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)
from tests.workforce_support import hire, session, staff_person

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "workforce_workers_list",
    "workforce_workers_create",
    "workforce_workers_read",
    "workforce_workers_update",
    "workforce_workers_leave",
    "workforce_figures_read",
    "workforce_trainings_list",
    "workforce_trainings_create",
    "workforce_trainings_read",
    "workforce_trainings_attendance",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_workforce_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], places: Any
) -> None:
    community = places.communities[0]
    hire(users["street"], staff_person(community), community)
    session(users["street"], places.street)
    # Dates, grades and choices are checked by the services (Chinese messages naming the field), not by the schema:
    # schema-valid input may be refused with 422, as for the venues.
    run_cases(operation_id, users["street"], excluded_checks=[positive_data_acceptance])
