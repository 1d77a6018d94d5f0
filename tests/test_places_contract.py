"""小区档案, 网格规模核查 and 四层防控圈 in the /api/v1/ contract: schemathesis drives each operation as the street
leader; no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "places_compound_profile_read",
    "places_compound_profile_set",
    "places_grid_sizing",
    "places_grid_standards_read",
    "places_grid_standards_set",
    "places_grid_standards_clear",
    "places_security_register_read",
    "places_security_facility_add",
    "places_security_facility_update",
    "places_security_facility_retire",
    "places_security_figures",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_places_compound_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any]
) -> None:
    # Types, years and bounds are checked by the services (Chinese messages naming the field): schema-valid input
    # may be refused with 422.
    run_cases(operation_id, users["street"], excluded_checks=[positive_data_acceptance])
