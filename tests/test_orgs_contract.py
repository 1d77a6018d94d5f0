"""The writes of the party organisation tree and the organisation register in the /api/v1/ contract:
schemathesis drives each operation as community staff; no 500s, and every answer is one the schema
declares (same harness as test_api_contract). The reads are in tests/test_api_contract.py."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "party_orgs_create",
    "party_orgs_update",
    "party_orgs_dissolve",
    "party_orgs_dissolve_with_reason",
    "party_orgs_organisation",
    "organisations_create",
    "organisations_update",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_orgs_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
