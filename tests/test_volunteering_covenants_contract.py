"""The 盟约 and team-kind API in the /api/v1/ contract: schemathesis drives each operation as community staff
(who sign covenants); no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.covenant_support import make_team, sign
from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "volunteering_teams_update",
    "volunteering_teams_figures",
    "volunteering_covenants_list",
    "volunteering_covenants_read",
    "volunteering_covenants_sign",
    "volunteering_covenants_amend",
    "volunteering_covenants_terminate",
    "volunteering_covenants_figures",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_covenant_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], places: Any
) -> None:
    community = places.communities[0]
    sign(users["community"], make_team(users["community"], community), community)
    # Dates, hours and choices are checked by the services (Chinese messages naming the field), not by the schema:
    # schema-valid input may be refused with 422, as for the venues.
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
