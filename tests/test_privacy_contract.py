"""The privacy part of the /api/v1/ contract: schemathesis drives each operation as community staff
and as a resident; no 500s, and every answer is one the schema declares."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.test_api_contract import keep_the_test_connection, run_cases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

OPERATIONS = ["privacy_categories_list", "privacy_requests_list", "privacy_requests_create", "privacy_requests_read"]


@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("role", ["community", "resident"])
def test_privacy_api_never_fails_and_answers_as_its_schema_says(
    operation_id: str, role: str, users: dict[str, Any]
) -> None:
    run_cases(operation_id, users[role], excluded_checks=[positive_data_acceptance])


def test_a_grid_worker_gets_404_for_a_residents_request_through_the_api(api_as, users):
    from linli.privacy.services import subject_request_submit

    mine = subject_request_submit(actor=users["resident"], kind="access", details="API 查阅")
    assert api_as("grid").get(f"/api/v1/privacy/requests/{mine.pk}").status_code == 404
    assert api_as("resident").get(f"/api/v1/privacy/requests/{mine.pk}").status_code == 200
    listed = api_as("community").get("/api/v1/privacy/requests?status=open").json()
    assert mine.pk in [r["id"] for r in listed["items"]]


def test_a_retried_api_submission_with_the_same_key_files_once(api_as, users):
    client = api_as("resident")
    url, key = "/api/v1/privacy/requests", {"Idempotency-Key": "k1"}
    first = client.post(url, {"kind": "access"}, content_type="application/json", headers=key)
    again = client.post(url, {"kind": "access"}, content_type="application/json", headers=key)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
