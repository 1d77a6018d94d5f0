"""The community service-list API in the /api/v1/ contract: schemathesis drives each operation as the street staff
member (who keeps every community's list of the street); no 500s, and every answer is one the schema declares (same
harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.guide_support import draft, published
from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "guide_public_items_list",
    "guide_public_communities_list",
    "guide_items_list",
    "guide_items_create",
    "guide_items_read",
    "guide_items_update",
    "guide_items_withdraw",
    "guide_items_reorder",
    "guide_list_publish",
    "guide_publications_list",
    "guide_publications_read",
    "guide_items_import",
    "guide_figures_read",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_guide_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], places: Any
) -> None:
    community = places.communities[0]
    published(users["street"], community)
    draft(users["street"], community, "法律援助咨询", category="legal", mode="quick", time_limit_days=3)
    # Texts, choices and time limits are checked by the services (Chinese messages naming the field), not by the
    # schema: schema-valid input may be refused with 422, as for the venues.
    run_cases(operation_id, users["street"], excluded_checks=[positive_data_acceptance])
