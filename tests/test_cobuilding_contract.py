"""The co-building part of the /api/v1/ contract: schemathesis drives each operation as community
staff; no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "cobuilding_contracts_list",
    "cobuilding_contracts_create",
    "cobuilding_credit_read",
    "cobuilding_ratings_list",
    "cobuilding_ratings_read",
    "cobuilding_ratings_answer",
    "cobuilding_ratings_close",
    "cobuilding_lists_list",
    "cobuilding_lists_create",
    "cobuilding_resources_list",
    "cobuilding_resources_create",
    "cobuilding_needs_list",
    "cobuilding_needs_create",
    "cobuilding_needs_suggestions",
    "cobuilding_needs_match",
    "cobuilding_needs_close",
    "cobuilding_projects_list",
    "cobuilding_projects_create",
    "cobuilding_funds_list",
    "cobuilding_funds_spend",
    "cobuilding_partners_practical",
    "cobuilding_partners_committees",
    "cobuilding_partners_profile_set",
    "cobuilding_projects_read",
    "cobuilding_projects_approve",
    "cobuilding_projects_reject",
    "cobuilding_projects_start",
    "cobuilding_projects_progress",
    "cobuilding_projects_accept",
    "cobuilding_projects_photo_add",
    "cobuilding_contracts_update",
    "cobuilding_resources_update",
    "cobuilding_resources_deactivate",
    "cobuilding_resources_reactivate",
    "cobuilding_overview_read",
    "cobuilding_contracts_instructor",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_cobuilding_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
