"""The routing part of the /api/v1/ contract: schemathesis drives each operation as community staff;
no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "routing_suggest",
    "routing_models_list",
    "routing_models_train",
    "routing_top_problems",
    "requests_similar",
    "insights_hotspots",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_routing_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])


def test_training_a_model_answers_as_its_schema_says_for_an_administrator(users: dict[str, Any]) -> None:
    """201 with the new version, or 409 with the reason when too few requests are labelled."""
    run_cases("routing_models_train", users["admin"], excluded_checks=[positive_data_acceptance])
