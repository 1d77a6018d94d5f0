"""The seed-services API in the /api/v1/ contract (五心 wish figures, service areas and coverage, 宣传阵地 figures,
service posts by category, 法律顾问 and 四位一体): schemathesis drives each operation as community staff; no 500s,
and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "volunteering_wish_heart_figures",
    "volunteering_posts_figures",
    "volunteering_stations_publicity_figures",
    "volunteering_team_areas_list",
    "volunteering_team_areas_add",
    "volunteering_team_areas_remove",
    "volunteering_serving",
    "volunteering_service_coverage",
    "deliberation_legal_advisers_list",
    "deliberation_legal_advisers_create",
    "deliberation_legal_advisers_end",
    "deliberation_meeting_parties_list",
    "deliberation_meeting_parties_record",
    "deliberation_meeting_parties_remove",
    "deliberation_four_in_one_figures",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_seed_services_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    # Kinds, parties, dates and places are checked by the services (Chinese messages naming the field), not by the
    # schema: schema-valid input may be refused with 422.
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
