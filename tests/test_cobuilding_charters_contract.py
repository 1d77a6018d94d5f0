"""The 小区规章制度 API in the /api/v1/ contract: schemathesis drives each operation as community staff (who record
charters); no 500s, and every answer is one the schema declares (same harness as test_api_contract)."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.charter_support import pdf_upload, record
from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "cobuilding_charters_list",
    "cobuilding_charters_read",
    "cobuilding_charters_record",
    "cobuilding_charters_repeal",
    "cobuilding_charters_figures",
]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_charter_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, users: dict[str, Any], places: Any
) -> None:
    compound = places.compounds[0]
    record(users["community"], compound, document=pdf_upload())
    record(users["community"], compound, kind="civility_pact", title="文明公约")
    # Kinds, dates, places and texts are checked by the services (Chinese messages naming the field), not by the
    # schema: schema-valid input may be refused with 422, as for the covenants.
    run_cases(operation_id, users["community"], excluded_checks=[positive_data_acceptance])
