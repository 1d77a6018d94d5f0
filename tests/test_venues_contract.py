"""The venue-booking API in the /api/v1/ contract: schemathesis drives each operation as a community worker (who
manages venues and books them too); no 500s, and every answer is one the schema declares (same harness as
test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)
from tests.venues_support import book, later, venue

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "venues_list",
    "venues_create",
    "venues_read",
    "venues_update",
    "venues_availability",
    "venues_figures_read",
    "venues_bookings_create",
    "venues_bookings_mine",
    "venues_bookings_queue",
    "venues_bookings_list",
    "venues_bookings_read",
    "venues_bookings_approve",
    "venues_bookings_reject",
    "venues_bookings_cancel",
    "venues_bookings_no_show",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_venues_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], places: Any
) -> None:
    # a venue and a pending booking exist, so the lists and reads have rows to answer with
    room = venue(users["community"], places.communities[0], requires_approval=True)
    book(users["resident"], room, later(1))
    # Times, texts and choices are checked by the services (Chinese messages naming the field), not by the schema:
    # schema-valid input may be refused with 422, so that check is left out as for the duties writes.
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
