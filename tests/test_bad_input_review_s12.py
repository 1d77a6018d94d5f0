"""Bad-input review (session 12): inputs that must give a clear error naming row/field, never a 500,
never a silent loss, never a duplicate.

The review found defects, fixed in the same session, whose tests are here: cursors decoding to the wrong
kind of value, "²" and "①" where an id or ID number is expected, full-width ID numbers, UTF-16 CSVs, the row
numbers of a category sheet with blank rows, ids beyond 64 bits, an idempotency key reused for another report,
NUL characters, one coordinate without the other, and PNG/WebP photos with a broken EXIF block. The other
tests cover bad input the existing suites did not reach.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook
from PIL import Image

from linli.core import crypto
from linli.people.fakes import make_id
from linli.people.import_services import import_commit, import_preview
from linli.people.models import Person
from linli.people.sheets import TEMPLATE_HEADERS
from linli.places.models import Place
from linli.tickets.models import Category, Ticket
from tests.test_ledger_import import xlsx

pytestmark = pytest.mark.django_db
JSON = "application/json"


# ---------------------------------------------------------------- helpers


def csv_text(rows: list[list[Any]], header: list[str] = TEMPLATE_HEADERS) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue()


@pytest.fixture
def address(places: Any) -> tuple[str, str, str]:
    compound = places.compounds[0]
    building = Place.objects.filter(kind="building", path__startswith=compound.path).order_by("path").first()
    return compound.name, building.name.removeprefix(compound.name), "1单元"


def row(address: tuple[str, str, str], *, name: str = "王小明", id_number: Any = None, room: str = "101") -> list[Any]:
    compound, building, unit = address
    return [
        name,
        id_number or make_id(dt.date(1980, 5, 1), 1),
        "13812345678",
        compound,
        building,
        unit,
        room,
        "户主",
        "常住",
        "",
    ]


def preview(user: Any, content: bytes, name: str = "居民.xlsx") -> Any:
    return import_preview(actor=user, upload=io.BytesIO(content), name=name, size=len(content))


def id_ending_in_x(born: dt.date = dt.date(1980, 5, 1)) -> str:
    serial = 0
    while not (number := make_id(born, serial)).endswith("X"):
        serial += 1
    return number


def full_width(text: str) -> str:
    """ASCII digits and letters as the full-width forms a Chinese IME types (１ for 1)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def raw_client(api_as: Any, username: str) -> Client:
    """An API client that answers a crash as the 500 a user would see instead of raising it."""
    client = api_as(username)
    client.raise_request_exception = False
    return client


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def list_endpoints_with_a_cursor() -> list[str]:
    from linli.api import api

    paths = []
    for path, ops in api.get_openapi_schema()["paths"].items():
        op = ops.get("get")
        if (
            op
            and "{" not in path
            and any(p["name"] == "cursor" and p["in"] == "query" for p in op.get("parameters", []))
        ):
            paths.append(path)
    return sorted(paths)


# ---------------------------------------------------------------- resident ledger import


def test_an_id_number_typed_in_full_width_digits_is_stored_in_ascii_and_the_same_person_is_never_created_twice(
    users: Any, address: Any
) -> None:
    staff = users["community"]
    ascii_id = id_ending_in_x()
    typed = full_width(ascii_id[:17]) + "X"  # what a Chinese IME in full-width mode gives, X typed on the keyboard
    before = Person.objects.count()
    first = import_commit(actor=staff, batch=preview(staff, xlsx([row(address, id_number=typed)])))
    second = import_commit(actor=staff, batch=preview(staff, xlsx([row(address, id_number=ascii_id)])))
    assert Person.objects.count() - before <= 1, (first.created_count, second.created_count)
    assert Person.objects.filter(id_number_hash=crypto.keyed_hash("id", ascii_id)).exists()


def test_an_id_number_typed_wholly_in_full_width_digits_is_read_as_its_ascii_form(users: Any, address: Any) -> None:
    ascii_id = id_ending_in_x(dt.date(1975, 2, 28))
    batch = preview(users["community"], xlsx([row(address, id_number=full_width(ascii_id))]))
    assert batch.errors == [] and batch.valid_rows == 1


@pytest.mark.parametrize("odd_digit", ["①", "²"])
def test_a_circled_or_superscript_digit_in_an_id_number_is_a_row_error_not_a_500(
    api_as: Any, address: Any, odd_digit: str
) -> None:
    good = make_id(dt.date(1980, 5, 1), 1)
    rows = [row(address, id_number=odd_digit + good[1:]), row(address, id_number=make_id(dt.date(1981, 6, 2), 2))]
    content = csv_text(rows).encode("utf-8")
    client = raw_client(api_as, "community")
    response = client.post("/api/v1/imports", {"file": SimpleUploadedFile("居民.csv", content)})
    assert response.status_code == 201, response.status_code
    body = response.json()
    assert (body["valid_rows"], body["error_rows"]) == (1, 1)
    errors = client.get(f"/api/v1/imports/{body['id']}/errors").json()["items"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "身份证号")]


def test_a_utf16_csv_is_read_or_refused_with_its_encoding_named(users: Any, address: Any) -> None:
    from linli.core.errors import InvalidInput

    content = csv_text([row(address)]).encode("utf-16")  # with BOM, as Windows writes it
    try:
        batch = preview(users["community"], content, name="居民.csv")
    except InvalidInput as exc:
        assert "UTF-16" in exc.message or "Unicode" in exc.message, exc.message
    else:
        assert batch.valid_rows == 1, batch.errors


def test_an_import_errors_cursor_that_only_looks_numeric_is_422_on_cursor(
    api_as: Any, users: Any, address: Any
) -> None:
    batch = preview(users["community"], xlsx([row(address, id_number="not an id")]))
    response = raw_client(api_as, "community").get(f"/api/v1/imports/{batch.pk}/errors", {"cursor": "²"})
    assert response.status_code == 422 and response.json()["field"] == "cursor"


def test_an_id_kept_by_excel_as_a_whole_number_cell_is_refused_as_lost_digits_not_imported(
    users: Any, address: Any
) -> None:
    """An 18-digit integer cell cannot hold an ID (Excel keeps 15 significant digits): the row is refused with the
    scientific-notation explanation, even when the digits happen to be a valid ID."""
    number = make_id(dt.date(1980, 5, 1), 1)
    assert number.isdigit()
    batch = preview(users["community"], xlsx([row(address, id_number=int(number))]))
    assert batch.valid_rows == 0
    assert batch.errors[0][:2] == [2, "身份证号"] and "科学计数法" in batch.errors[0][2]


def test_a_gbk_csv_with_blank_trailing_rows_padded_cells_and_full_width_rooms_keeps_every_valid_row(
    users: Any, address: Any
) -> None:
    compound, building, unit = address
    ids = [make_id(dt.date(1960 + i, 1, 1), i + 1) for i in range(3)]
    rows = [
        ["  张三 ", f" {ids[0]} ", "138 1234 5678", f" {compound} ", building, unit, "１０１", "户主", "常住", ""],
        [
            "李四",
            ids[1].lower() if ids[1].endswith("X") else ids[1],
            "",
            compound,
            full_width(building),
            "",
            "102",
            "",
            "",
            "",
        ],
        ["王五", ids[2], "", compound, building, "", "103", "", "", ""],
        ["", "", "", "", "", "", "", "", "", ""],
        ["   ", " ", "", "", "", "", "", "", "", ""],
        [],
    ]
    batch = preview(users["community"], (csv_text(rows) + ",,,,,\r\n" * 50).encode("gbk"), name="居民.csv")
    assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (3, 3, 0), batch.errors
    batch = import_commit(actor=users["community"], batch=batch)
    person = Person.objects.get(id_number_hash=crypto.keyed_hash("id", ids[0]))
    assert person.name == "张三" and person.household.room == "101"


def test_the_same_id_twice_in_one_file_in_different_case_and_spacing_names_the_first_row(
    users: Any, address: Any
) -> None:
    number = id_ending_in_x(dt.date(1970, 7, 7))
    spaced = f"{number[:6]} {number[6:14]} {number[14:-1]}x"
    batch = preview(users["community"], xlsx([row(address, id_number=number), row(address, id_number=spaced)]))
    assert batch.valid_rows == 1
    assert batch.errors == [[3, "身份证号", "与第 2 行的身份证号重复"]]


def test_a_title_row_merged_above_the_header_is_refused_naming_the_missing_columns(users: Any) -> None:
    """Many ledgers carry a merged title line (“XX社区居民台账”) above the header; the refusal says which
    columns were not found and that the first row must be the header, rather than misreading rows."""
    from linli.core.errors import InvalidInput

    wb = Workbook()
    ws = wb.active
    ws.append(["锦绣社区居民台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TEMPLATE_HEADERS))
    ws.append(TEMPLATE_HEADERS)
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InvalidInput) as exc:
        preview(users["community"], out.getvalue())
    assert exc.value.field == "file" and "身份证号" in exc.value.message and "第一行为表头" in exc.value.message


# ---------------------------------------------------------------- category import


def test_a_category_sheet_error_after_a_blank_row_names_the_spreadsheet_row(tmp_path: Any) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["一级分类", "二级分类", "三级分类"])
    ws.append(["市政设施", "路灯照明", "路灯不亮"])  # row 2
    ws.append([None, None, None])  # row 3, blank
    ws.append([None, "垃圾清运", None])  # row 4: no level one
    path = tmp_path / "cats.xlsx"
    wb.save(path)
    before = Category.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command("import_categories", str(path))
    assert Category.objects.count() == before, "nothing is half applied"
    assert "第 4 行" in str(exc.value), str(exc.value)


def test_a_category_sheet_with_one_bad_row_applies_nothing_and_names_the_row(tmp_path: Any) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["一级分类", "二级分类", "三级分类"])
    ws.append(["新增大类甲", "新增小类", None])
    ws.append(["新增大类乙", None, "孤儿三级"])  # row 3: level three without level two
    path = tmp_path / "cats.xlsx"
    wb.save(path)
    before = Category.objects.count()
    with pytest.raises(CommandError, match="第 3 行有三级分类但缺少二级分类"):
        call_command("import_categories", str(path))
    assert Category.objects.count() == before
    assert not Category.objects.filter(name="新增大类甲").exists()


# ---------------------------------------------------------------- pagination cursors and query parameters


def test_a_well_encoded_cursor_holding_the_wrong_kind_of_value_is_422_on_cursor_on_every_list(
    api_as: Any,
) -> None:
    client = raw_client(api_as, "admin")
    crashes = []
    for path in list_endpoints_with_a_cursor():
        for cursor in (b64("abc"), b64([1, 2]), b64({"a": 1}), b64(None)):
            response = client.get(path, {"cursor": cursor})
            if response.status_code >= 500 or (
                response.status_code == 422 and response.json().get("field") != "cursor"
            ):
                crashes.append((path, base64.urlsafe_b64decode(cursor + "==").decode(), response.status_code))
    assert crashes == []


def test_a_cursor_that_is_not_base64_json_is_422_on_cursor_on_every_list(api_as: Any) -> None:
    client = raw_client(api_as, "admin")
    wrong = []
    for path in list_endpoints_with_a_cursor():
        for cursor in ("!!!", "%%%", "\x00", "不是游标", "A" * 5000):
            response = client.get(path, {"cursor": cursor})
            if response.status_code != 422 or response.json().get("field") != "cursor":
                wrong.append((path, cursor[:10], response.status_code))
    assert wrong == []


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/requests", "category_id"),
        ("/api/v1/problems", "community_id"),
        ("/api/v1/visits", "household_id"),
        ("/api/v1/visits", "hazard_id"),
        ("/api/v1/party-life/duties", "member_id"),
    ],
)
def test_an_id_filter_beyond_64_bits_is_422_naming_the_parameter(api_as: Any, path: str, param: str) -> None:
    response = raw_client(api_as, "admin").get(path, {param: str(2**70)})
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        assert response.json()["field"] == param


def test_query_parameters_of_the_wrong_type_are_422_naming_the_parameter(api_as: Any) -> None:
    client = raw_client(api_as, "community")
    for path, params, field in [
        ("/api/v1/requests", {"category_id": "abc"}, "category_id"),
        ("/api/v1/requests", {"limit": "0"}, "limit"),
        ("/api/v1/requests", {"limit": "201"}, "limit"),
        ("/api/v1/requests", {"overdue": "maybe"}, "overdue"),
        ("/api/v1/requests", {"status": "lost"}, "status"),
        ("/api/v1/residents", {"limit": "１０"}, "limit"),
        ("/api/v1/volunteering/activities", {"limit": "nan"}, "limit"),
    ]:
        response = client.get(path, params)
        assert response.status_code == 422, (path, params, response.status_code)
        assert response.json()["field"] == field, (path, params, response.json())


# ---------------------------------------------------------------- request intake


def test_an_idempotency_key_reused_with_a_different_report_is_refused_not_silently_dropped(api_as: Any) -> None:
    client = raw_client(api_as, "resident")
    first = client.post(
        "/api/v1/requests", {"description": "楼道灯坏了"}, content_type=JSON, headers={"Idempotency-Key": "k-s12"}
    )
    assert first.status_code == 201
    second = client.post(
        "/api/v1/requests",
        {"description": "下水道堵了,污水外溢"},
        content_type=JSON,
        headers={"Idempotency-Key": "k-s12"},
    )
    assert second.status_code in (409, 422), (second.status_code, second.json().get("description"))


def test_an_idempotency_key_retried_with_the_same_report_returns_the_first_and_creates_one(api_as: Any) -> None:
    client = raw_client(api_as, "resident")
    body = {"description": "电梯异响 🛗,三号楼", "lat": "39.9", "lng": "116.4"}
    answers = [
        client.post("/api/v1/requests", body, content_type=JSON, headers={"Idempotency-Key": " k-same "})
        for _ in range(3)
    ]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert Ticket.objects.filter(idempotency_key="k-same").count() == 1


@pytest.mark.parametrize("field", ["description", "title"])
def test_a_nul_character_in_a_request_is_422_on_its_field(api_as: Any, field: str) -> None:
    body = {"description": "路灯不亮", field: "路灯\x00不亮"}
    before = Ticket.objects.count()
    response = raw_client(api_as, "resident").post("/api/v1/requests", body, content_type=JSON)
    assert response.status_code == 422 and response.json()["field"] == field
    assert Ticket.objects.count() == before


def test_a_longitude_without_a_latitude_names_the_missing_coordinate(api_as: Any) -> None:
    client = raw_client(api_as, "resident")
    only_lng = client.post("/api/v1/requests", {"description": "ok", "lng": 116.4}, content_type=JSON)
    only_lat = client.post("/api/v1/requests", {"description": "ok", "lat": 39.9}, content_type=JSON)
    assert (only_lng.status_code, only_lat.status_code) == (422, 422)
    assert (only_lng.json()["field"], only_lat.json()["field"]) == ("lat", "lng")


def test_a_5000_character_emoji_description_is_kept_whole_and_5001_is_refused_by_length(api_as: Any) -> None:
    client = raw_client(api_as, "resident")
    text = "🏚" * 4999 + "漏"
    ok = client.post("/api/v1/requests", {"description": text}, content_type=JSON)
    assert ok.status_code == 201
    assert Ticket.objects.get(pk=ok.json()["id"]).description == text
    too_long = client.post("/api/v1/requests", {"description": text + "水"}, content_type=JSON)
    assert too_long.status_code == 422 and too_long.json()["field"] == "description"
    assert "5001" in too_long.json()["detail"]


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        ("NaN", "116", "lat"),
        ("39", "Infinity", "lng"),
        ("90.0000001", "116", "lat"),
        ("39", "-180.5", "lng"),
        ("1e999", "1", "lat"),
    ],
)
def test_coordinates_that_are_not_finite_or_out_of_range_are_422_on_that_coordinate(
    api_as: Any, lat: str, lng: str, field: str
) -> None:
    before = Ticket.objects.count()
    response = raw_client(api_as, "resident").post(
        "/api/v1/requests", {"description": "ok", "lat": lat, "lng": lng}, content_type=JSON
    )
    assert response.status_code == 422 and response.json()["field"] == field
    assert Ticket.objects.count() == before


# ---------------------------------------------------------------- photo uploads


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` × ``height`` (a decompression-bomb shape)."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data[12:29]  # b"IHDR" + 13 bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


@pytest.fixture
def ticket_id(api_as: Any, settings: Any, tmp_path: Any) -> int:
    settings.MEDIA_ROOT = tmp_path
    response = raw_client(api_as, "resident").post("/api/v1/requests", {"description": "墙皮脱落"}, content_type=JSON)
    return int(response.json()["id"])


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_a_photo_with_a_broken_exif_block_is_kept_without_any_metadata(api_as: Any, ticket_id: int, fmt: str) -> None:
    """The picture is fine, only its EXIF block is broken (some phones): it is kept, the block dropped."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 80, 40)).save(buffer, format=fmt, exif=b"not a tiff header at all")
    client = raw_client(api_as, "resident")
    response = client.post(
        f"/api/v1/requests/{ticket_id}/photos", {"photo": SimpleUploadedFile(f"p.{fmt.lower()}", buffer.getvalue())}
    )
    assert response.status_code == 201, response.content
    photo = Ticket.objects.get(pk=ticket_id).photos.get()
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (16, 16) and "exif" not in image.info and not dict(image.getexif())


def test_unreadable_photos_are_422_on_photo_and_nothing_is_stored(api_as: Any, ticket_id: int, settings: Any) -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(jpeg, format="JPEG")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    cases = {
        "truncated.jpg": jpeg.getvalue()[: len(jpeg.getvalue()) // 2],
        "empty.jpg": b"",
        "iphone.heic": heic,
        "bomb.png": png_header_only(40_000, 40_000),
        "huge.png": png_header_only(8_000, 8_000),  # 64 MP: over our 50 MP limit, under Pillow's bomb limit
        "photo.jpg": b"%PDF-1.4 a scan, renamed",
        "twenty-mb.jpg": jpeg.getvalue() + b"\x00" * (20 * 1024 * 1024),
    }
    client = raw_client(api_as, "resident")
    for name, data in cases.items():
        response = client.post(f"/api/v1/requests/{ticket_id}/photos", {"photo": SimpleUploadedFile(name, data)})
        assert response.status_code == 422, (name, response.status_code)
        assert response.json()["field"] == "photo", (name, response.json())
    assert Ticket.objects.get(pk=ticket_id).photos.count() == 0


# ---------------------------------------------------------------- volunteering sign-up


def test_a_double_clicked_sign_up_takes_one_place_and_withdraw_then_sign_up_again_counts_once(
    api_as: Any, users: Any, places: Any
) -> None:
    from django.utils import timezone

    from linli.volunteering import activities as act
    from linli.volunteering.models import Activity, Signup

    start = timezone.now() + dt.timedelta(hours=1)
    activity = act.activity_create(
        actor=users["community"],
        place_id=places.compounds[0].pk,
        title="敬老院探访",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=1,
        publish=True,
    )
    client = raw_client(api_as, "volunteer")
    url = f"/api/v1/volunteering/activities/{activity.pk}/signup"
    first, second = client.post(url), client.post(url)
    assert (first.status_code, second.status_code) == (201, 409)
    activity.refresh_from_db()
    assert activity.signed_count == 1 and Signup.objects.filter(activity=activity).count() == 1
    assert client.post(f"/api/v1/volunteering/activities/{activity.pk}/withdraw").status_code == 200
    assert client.post(url).status_code == 201
    assert Activity.objects.get(pk=activity.pk).signed_count == 1
    assert Signup.objects.filter(activity=activity).count() == 1, "a re-sign-up reuses the row, never duplicates it"
    other = raw_client(api_as, "resident").post(url)
    assert other.status_code == 201 and other.json()["status"] == "waitlist"
