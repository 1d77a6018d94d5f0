"""The insights part of the /api/v1/ contract: schemathesis drives each operation as the street leader;
no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "insights_dashboard_read",
    "insights_whistles_read",
    "insights_requests_list",
    "insights_reports_list",
    "insights_reports_create",
    "insights_reports_read",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_insights_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    run_cases(operation_id, users["street"], excluded_checks=[positive_data_acceptance])
