"""The register as Excel: audited every time; the pay grade and certificate number columns only for the street's
keepers; a community's staff get their community without them; a grid worker gets nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from tests.workforce_support import hire, staff_person

pytestmark = pytest.mark.django_db


def _sheet(response: Any) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def crew(users: Any, places: Any) -> list[Any]:
    first, other = places.communities[0], places.communities[1]
    return [
        hire(users["street"], staff_person(first), first, grade=9, certificate_no="ZS11112222"),
        hire(users["street"], staff_person(other), other, grade=4),
    ]


def test_the_street_export_has_grades_and_certificates_and_is_audited(
    client_as: Any, places: Any, crew: list[Any]
) -> None:
    response = client_as("street").get("/workforce/export.xlsx", {"node": places.street.pk})
    assert response.status_code == 200
    rows = _sheet(response)
    header = rows[0]
    assert "薪酬等级" in header and "证书编号" in header
    grade, cert = header.index("薪酬等级"), header.index("证书编号")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[crew[0].person.name][grade] == 9 and by_name[crew[0].person.name][cert] == "ZS11112222"
    event = AuditEvent.objects.get(action="workforce.exported")
    assert event.detail["with_grades"] is True and event.detail["rows"] == 2


def test_a_communitys_staff_export_their_community_without_grades(client_as: Any, places: Any, crew: list[Any]) -> None:
    response = client_as("community").get("/workforce/export.xlsx", {"node": places.communities[0].pk})
    rows = _sheet(response)
    assert "薪酬等级" not in rows[0] and "证书编号" not in rows[0]
    assert [r[0] for r in rows[1:]] == [crew[0].person.name]
    assert "ZS11112222" not in str(rows)
    assert AuditEvent.objects.get(action="workforce.exported").detail["with_grades"] is False


def test_a_grid_worker_cannot_export(client_as: Any, places: Any, crew: list[Any]) -> None:
    assert client_as("grid").get("/workforce/export.xlsx", {"node": places.street.pk}).status_code == 404
    assert not AuditEvent.objects.filter(action="workforce.exported").exists()
