"""The page actions that were API gaps (docs/api.md): tickets' bulk action, the volunteering pages,
deliberation's moderation and meeting forms, visits' follow-up and checklist administration,
privacy request handling, the audit log. Same harness as tests/test_api_contract.py: schemathesis drives each as
community staff; no 500s, every answer one the schema declares."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "requests_bulk_action",
    "deliberation_comments_hide",
    "deliberation_topics_close",
    "deliberation_meetings_minutes",
    "deliberation_results_publish",
    "visits_checklists_create",
    "visits_checklists_update",
    "visits_feedback_set",
    "visits_findings_add",
    "visits_finding_solve",
    "visits_photo_read",
    "volunteering_activity_publish",
    "volunteering_rewards_create",
    "volunteering_redemptions_list",
    "volunteering_redemption_act",
    "volunteering_wish_photo_add",
    "volunteering_wish_photo_read",
    "volunteering_registrations_list",
    "volunteering_registrations_submit",
    "volunteering_registrations_decide",
    "volunteering_registrations_report",
    "volunteering_stations_list",
    "volunteering_stations_create",
    "volunteering_stations_read",
    "volunteering_stations_shift_add",
    "volunteering_stations_update",
    "volunteering_stations_figures",
    "volunteering_teams_list",
    "volunteering_teams_create",
    "volunteering_posts_create",
    "volunteering_profile_read",
    "volunteering_profile_save",
    "volunteering_person_read",
    "volunteering_leaderboard",
    "privacy_requests_review",
    "privacy_requests_complete",
    "privacy_requests_refuse",
    "privacy_requests_copy",
    "privacy_categories_update",
    "audit_events_list",
    "audit_review_read",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_gap_operations_never_fail_and_answer_as_their_schema_says(operation_id: str, users: dict[str, Any]) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
