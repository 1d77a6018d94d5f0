"""The rest of the /api/v1/ contract: every operation no other contract file drives (the page-action
endpoints of tickets, people, workdays, notify, party life and interop, and the writes of visits,
volunteering and deliberation). Same harness and checks as tests/test_api_contract.py: no 500s,
every answer one the schema declares. ``tests/test_api_operations_covered.py`` fails when an
operation is in no contract file's ``OPERATIONS``."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "calendar_day_clear",
    "calendar_day_set",
    "calendar_year_publish",
    "calendar_year_unpublish",
    "categories_create",
    "categories_update",
    "corrections_list",
    "corrections_resolve",
    "deliberation_agenda_add",
    "deliberation_agenda_publish",
    "deliberation_comments_list",
    "deliberation_decisions_complete",
    "deliberation_decisions_edit",
    "deliberation_decisions_evaluate",
    "deliberation_invite",
    "deliberation_mediation_session_add",
    "deliberation_meetings_read",
    "deliberation_sign_in",
    "deliberation_topics_escalate",
    "deliberation_topics_read",
    "deliberation_votes_open",
    "households_read",
    "imports_commit",
    "imports_errors",
    "imports_preview",
    "imports_read",
    "inbox_mark_read",
    "open311_keys_create",
    "open311_keys_list",
    "open311_keys_revoke",
    "party_orgs_read",
    "partylife_attendance_record",
    "partylife_duties_add",
    "partylife_duties_list",
    "partylife_duties_remove",
    "partylife_meetings_cancel",
    "partylife_meetings_minutes",
    "partylife_meetings_photo_add",
    "partylife_meetings_plan",
    "partylife_meetings_sign_in",
    "partylife_members_add",
    "partylife_members_transfer_out",
    "partylife_mentoring_pair_add",
    "partylife_mentoring_session_add",
    "partylife_recognitions_add",
    "partylife_rules_set",
    "partylife_secretaries_register",
    "partylife_study_add",
    "partylife_study_complete",
    "partylife_study_deliver",
    "problems_create",
    "problems_from_request",
    "problems_list",
    "problems_sign_off",
    "requests_action",
    "requests_photo_add",
    "requests_photo_read",
    "residents_move_in",
    "residents_move_out",
    "residents_ownership_add",
    "residents_ownership_end",
    "residents_phone_add",
    "residents_phone_remove",
    "residents_reveal",
    "residents_tag_set",
    "residents_update",
    "robots_add",
    "robots_list",
    "robots_remove",
    "robots_test",
    "visits_care_plan_set",
    "visits_care_plans_list",
    "visits_checklists_list",
    "visits_create",
    "visits_finding_to_request",
    "visits_hazards_create",
    "visits_hazards_list",
    "visits_hazards_read",
    "visits_photo_add",
    "visits_rules_create",
    "visits_rules_list",
    "visits_rules_update",
    "volunteering_activity_create",
    "volunteering_activity_signup",
    "volunteering_confirm",
    "volunteering_points_award",
    "volunteering_post_claim",
    "volunteering_redeem",
    "volunteering_scan",
    "volunteering_team_member_add",
    "volunteering_wish_act",
    "volunteering_wish_create",
    "volunteering_withdraw",
    "webhooks_create",
    "webhooks_deliveries_list",
    "webhooks_delivery_replay",
    "webhooks_disable",
    "webhooks_list",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_other_operation_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any]
) -> None:
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
