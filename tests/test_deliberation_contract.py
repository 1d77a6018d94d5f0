"""The deliberation part of the /api/v1/ contract: schemathesis drives each operation as community
staff; no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "deliberation_votes_list",
    "deliberation_votes_read",
    "deliberation_votes_create",
    "deliberation_votes_result",
    "deliberation_ballots_cast",
    "deliberation_paper_ballots_enter",
    "deliberation_votes_close",
    "deliberation_proxies_list",
    "deliberation_proxies_register",
    "deliberation_proxies_withdraw",
    "deliberation_proxy_duties",
    "deliberation_publications_list",
    "deliberation_topics_list",
    "deliberation_topics_create",
    "deliberation_comments_create",
    "deliberation_meetings_list",
    "deliberation_meetings_create",
    "deliberation_decisions_create",
    "deliberation_mediation_list",
    "deliberation_mediation_create",
    "deliberation_mediation_close",
    "deliberation_mediation_rates",
    "deliberation_meetings_attendance",
    "deliberation_committee_oversight",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_deliberation_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
