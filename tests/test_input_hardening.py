"""Inputs no person types but clients and fuzzers send: look-alike digits, ids beyond 64 bits, NUL
characters, cursors holding the wrong kind of value, UTF-16 sheets. Each is a clear 4xx naming the field
(or is read correctly), never a 500 (session 12's bad-input review: tests/test_bad_input_review_s12.py)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any

import pytest

from linli.core.identifiers import ID_MAX, half_width, normalise_id_number, parse_id
from linli.people.fakes import make_id

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("42", 42), (" 42 ", 42), ("４２", 42), (42, 42), (str(ID_MAX), ID_MAX)]
    + [(bad, None) for bad in ("²", "①", "4²", "0", "-3", "+3", "3.0", "", None, "abc", str(ID_MAX + 1), "9" * 40)],
)
def test_parse_id_takes_ascii_or_full_width_digits_within_64_bits_only(raw: Any, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_a_full_width_id_number_is_stored_in_its_ascii_form() -> None:
    number = make_id(dt.date(1980, 5, 1), 1)
    typed = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert half_width(typed) == number
    assert normalise_id_number(typed) == number


def test_an_id_number_with_a_circled_digit_is_a_format_error() -> None:
    from linli.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        normalise_id_number("①" + make_id(dt.date(1980, 5, 1), 1)[1:], field="身份证号")
    assert refused.value.field == "身份证号" and "格式错误" in refused.value.message


def test_a_superscript_digit_in_a_page_filter_is_ignored_not_a_500(client_as: Any) -> None:
    client = client_as("community")
    client.raise_request_exception = False
    for params in ({"category": "²"}, {"compound": "①"}, {"care_tag": str(2**70)}):
        assert client.get("/requests/", params).status_code == 200, params


def test_an_id_beyond_64_bits_in_a_json_body_is_422_naming_the_field(api_as: Any) -> None:
    client = api_as("resident")
    client.raise_request_exception = False
    response = client.post("/api/v1/requests", {"description": "楼道灯坏了", "category_id": 2**70}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["field"] == "category_id"


def test_a_nul_in_a_form_field_or_a_query_parameter_is_422_and_nothing_is_written(
    client_as: Any, api_as: Any, places: Any
) -> None:
    from linli.tickets.models import Ticket

    before = Ticket.objects.count()
    page = client_as("resident").post(
        "/requests/new/", {"description": "路灯\x00不亮", "place_id": places.buildings[0].pk, "idempotency_key": "n1"}
    )
    assert page.status_code == 422 and "空字符" in page.content.decode()
    listed = api_as("community").get("/api/v1/requests", {"q": "路灯\x00"})
    assert listed.status_code == 422 and listed.json()["field"] == "q"
    nested = api_as("resident").post(
        "/api/v1/requests", json.dumps({"description": "ok", "extra": {"deep": ["a\x00"]}}), content_type=JSON
    )
    assert nested.status_code == 422 and nested.json()["field"] == "extra.deep.0"
    assert Ticket.objects.count() == before


@pytest.mark.parametrize("value", ["abc", [1], {"id": 1}, None, True, 1.5, 2**64])
def test_a_cursor_holding_the_wrong_kind_of_value_is_422_on_cursor(api_as: Any, client_as: Any, value: Any) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    answer = api_as("grid").get("/api/v1/requests", {"cursor": cursor})
    assert answer.status_code == 422 and answer.json()["field"] == "cursor"
    page = client_as("grid").get("/ledger/", {"cursor": cursor})
    assert page.status_code == 422


def test_a_utf16_tab_separated_sheet_is_read_as_excel_writes_it(users: Any, places: Any) -> None:
    """Excel's "Unicode 文本": UTF-16 with a byte-order mark, tab-separated."""
    from linli.people.import_services import import_preview
    from linli.people.sheets import TEMPLATE_HEADERS
    from linli.places.models import Place

    compound = places.compounds[0]
    building = Place.objects.filter(kind="building", path__startswith=compound.path).order_by("path").first()
    row = ["王小明", make_id(dt.date(1980, 5, 1), 1), "13812345678", compound.name]
    row += [building.name.removeprefix(compound.name), "1单元", "101", "户主", "常住", ""]
    text = "\t".join(TEMPLATE_HEADERS) + "\r\n" + "\t".join(row) + "\r\n"
    content = text.encode("utf-16")
    batch = import_preview(actor=users["community"], upload=io.BytesIO(content), name="居民.txt", size=len(content))
    assert batch.valid_rows == 1, batch.errors
    assert "UTF-16" in batch.encoding
