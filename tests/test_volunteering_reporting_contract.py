"""The 双报到积分管理办法 and 报到考评 API in the /api/v1/ contract: schemathesis drives each operation as street
staff (who set the street's rule and read its assessment); no 500s, and every answer is one the schema declares
(same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from linli.volunteering.models import RegistrationStatus, WorkplaceRegistration
from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "volunteering_party_point_rule_read",
    "volunteering_party_point_rule_set",
    "volunteering_party_point_rule_clear",
    "volunteering_party_point_rule_versions",
    "volunteering_reporting_assessment",
    "volunteering_reporting_assessment_members",
]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_reporting_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], places: Any
) -> None:
    community = places.communities[0]
    person = users["volunteer"].person
    WorkplaceRegistration.objects.create(
        person=person, community=community, place_path=community.path, workplace_name="区税务局机关党支部",
        status=RegistrationStatus.APPROVED,
    )  # fmt: skip
    # Bounds are checked by the service (Chinese messages naming the field), not by the schema: schema-valid
    # input may be refused with 422.
    run_cases(operation_id, users["street"], excluded_checks=[positive_data_acceptance])
