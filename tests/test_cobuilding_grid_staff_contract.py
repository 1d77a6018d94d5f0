"""The 物业进网格 (一长四员) API in the /api/v1/ contract: schemathesis drives each operation as community staff; no
500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from schemathesis.specs.openapi.checks import positive_data_acceptance

from linli.cobuilding.services_grid_staff import grid_staff_register
from linli.people.models import Person
from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)
from tests.test_cobuilding_world import build_world

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "cobuilding_grid_staff_read",
    "cobuilding_grid_staff_register",
    "cobuilding_grid_staff_end",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_grid_staff_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], places: Any
) -> None:
    w = build_world(users, places)
    grid = next(g for g in places.grids if g.path.startswith(w.compound.path))
    person = Person.objects.filter(place_path__startswith=grid.path).order_by("-id").first()
    grid_staff_register(
        actor=users["community"], company=w.company, grid_id=grid.pk, person=person, role="manager",
        start_date=timezone.localdate(),
    )  # fmt: skip
    # Roles, grids and dates are checked by the services (Chinese messages naming the field), not by the schema:
    # schema-valid input may be refused with 422.
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
