"""The 力量名册 API in the /api/v1/ contract: schemathesis drives each operation as community staff (who appoint
物业监督员 and 民意联络员); no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from schemathesis.specs.openapi.checks import positive_data_acceptance

from linli.people.models import Person
from linli.people.services_positions import position_appoint
from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "people_forces_read",
    "people_positions_roster",
    "people_positions_appoint",
    "people_positions_end",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_forces_api_never_fails_and_answers_as_its_schema_says(operation_id: str, users: dict[str, Any], places: Any):
    grid = places.first_grid
    person = Person.objects.filter(place_path__startswith=grid.path).order_by("-id").first()
    position_appoint(
        actor=users["community"], kind="opinion_liaison", place_id=grid.pk, person=person,
        start_date=timezone.localdate(),
    )  # fmt: skip
    # Kinds, places and dates are checked by the services (Chinese messages naming the field), not by the schema:
    # schema-valid input may be refused with 422.
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
