"""The token part of the /api/v1/ contract: schemathesis drives token exchange and revocation;
no 500s, and every answer (wrong password, missing second factor, rate limit) is one the schema
declares. Same harness as test_api_contract."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = ["auth_token_create", "auth_token_revoke"]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_token_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
