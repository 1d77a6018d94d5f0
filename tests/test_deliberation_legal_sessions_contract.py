"""The 百姓评理说事点 and “四员一律”进小区 part of the /api/v1/ contract: schemathesis drives each operation as
community staff; no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "deliberation_venues_list",
    "deliberation_venues_public",
    "deliberation_venues_create",
    "deliberation_venues_read",
    "deliberation_venues_update",
    "deliberation_venues_retire",
    "deliberation_legal_sessions_list",
    "deliberation_legal_sessions_create",
    "deliberation_legal_sessions_read",
    "deliberation_legal_sessions_hold",
    "deliberation_legal_sessions_cancel",
    "deliberation_legal_sessions_to_mediation",
    "deliberation_legal_sessions_to_request",
    "deliberation_legal_figures",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_the_venue_and_legal_session_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any]
) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
