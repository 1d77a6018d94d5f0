"""The child-process sheet reader (``linli.people.sheet_process``) gives what ``open_sheet`` gives.

tests/test_ledger_import.py runs every import case with both readers; these pin the reader itself:
identical rows, the same refusal for a broken file (in the language of the request), a crash that is not
mistaken for an empty file, and no child left behind when the caller stops early."""

from __future__ import annotations

import datetime as dt
import io
import marshal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from linli.core.errors import InvalidInput
from linli.people import sheet_process
from linli.people.sheet_process import ReaderCrashed, open_sheet_in_process, use_process
from linli.people.sheets import open_sheet


def workbook(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "小区", "楼栋", "出生日期", "备注"])
    for n in range(rows):
        ws.append([f"居民{n}", f"11010119800101{n % 10000:04d}", "阳光小区", "1号楼", dt.date(1980, 1, 1 + n % 28), n])
    ws.append([])  # blank rows are skipped by both
    ws.append(["最后一人", "110101198001010011", "阳光小区", "2号楼", None, 3.5])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_all(opener, content: bytes, name: str):  # type: ignore[no-untyped-def]
    with opener(io.BytesIO(content), name) as sheet:
        return sheet.kind, sheet.encoding, sheet.header, list(sheet.rows)


def test_the_child_reads_exactly_the_rows_open_sheet_reads_across_many_frames():
    content = workbook(sheet_process.ROWS_PER_FRAME * 2 + 7)
    here = read_all(open_sheet, content, "居民.xlsx")
    there = read_all(open_sheet_in_process, content, "居民.xlsx")
    assert there == here
    assert len(there[3]) == sheet_process.ROWS_PER_FRAME * 2 + 8
    assert there[3][-1] == (2010, ["最后一人", "110101198001010011", "阳光小区", "2号楼", "", "3.5"])


def test_a_gbk_csv_is_decoded_and_named_the_same_way():
    text = "姓名,身份证号,小区,楼栋\n张三,110101198001010011,阳光小区,1号楼\n"
    content = text.encode("gb18030")
    assert read_all(open_sheet_in_process, content, "居民.csv") == read_all(open_sheet, content, "居民.csv")
    assert read_all(open_sheet_in_process, content, "居民.csv")[1] == "GBK/GB18030"


def truncated_sheet() -> bytes:
    """An .xlsx whose worksheet XML breaks off after the header and a few rows."""
    source = zipfile.ZipFile(io.BytesIO(workbook(50)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return out.getvalue()


def test_a_file_that_breaks_half_way_is_refused_with_open_sheets_own_message():
    content = truncated_sheet()
    with pytest.raises(InvalidInput) as here:
        read_all(open_sheet, content, "居民.xlsx")
    with pytest.raises(InvalidInput) as there:
        read_all(open_sheet_in_process, content, "居民.xlsx")
    assert (there.value.message, there.value.field) == (here.value.message, here.value.field)


def test_a_refusal_before_the_first_row_comes_back_as_the_same_error():
    with pytest.raises(InvalidInput, match=r"只支持 \.xlsx 和 \.csv"):
        read_all(open_sheet_in_process, b"hello", "notes.docx")


@pytest.mark.parametrize(
    ("language", "content", "name", "message"),
    [
        ("en", b"hello", "notes.docx", "Only .xlsx and .csv files are accepted"),
        (
            "en",
            "姓名,电话\n张三,1\n".encode(),
            "居民.csv",
            "The header is missing required columns: 身份证号, 小区, 楼栋. Use the downloaded template"
            " (the first row is the header)",
        ),
        ("en", truncated_sheet(), "居民.xlsx", "The Excel sheet is damaged and cannot be read to the end"),
        (
            "zh-hant",
            "姓名,电话\n张三,1\n".encode(),
            "居民.csv",
            # The column names stay as the template has them: they are what the sheet must say.
            "表頭缺少必填列:身份证号、小区、楼栋。請使用下載的模板(第一行爲表頭)",
        ),
        ("zh-hans", b"hello", "notes.docx", "只支持 .xlsx 和 .csv 文件"),
    ],
)
def test_a_refusal_comes_back_from_the_child_in_the_language_of_the_request(language, content, name, message):
    """The child translates what it raises itself: the parent hands it the request's language."""
    with translation.override(language):
        with pytest.raises(InvalidInput) as here:
            read_all(open_sheet, content, name)
        with pytest.raises(InvalidInput) as there:
            read_all(open_sheet_in_process, content, name)
    assert (there.value.message, there.value.field) == (here.value.message, here.value.field)
    assert there.value.message == message


def test_the_child_translates_without_the_projects_settings(tmp_path):
    """No settings module, no SECRET_KEY, no database in the environment: the child needs none of them."""
    root = Path(sheet_process.__file__).resolve().parent.parent.parent
    upload = tmp_path / "notes.docx"
    upload.write_bytes(b"hello")
    with upload.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "linli.people.sheet_process", "notes.docx", "en"],
            stdin=stdin,
            capture_output=True,
            cwd=root,
            env={"PATH": "/usr/bin:/bin"},
            check=True,
            timeout=30,
        )
    size = sheet_process.HEADER.unpack(done.stdout[: sheet_process.HEADER.size])[0]
    frame = marshal.loads(done.stdout[sheet_process.HEADER.size : sheet_process.HEADER.size + size])  # noqa: S302
    assert frame == ("error", "Only .xlsx and .csv files are accepted", "file")


def test_the_childs_translation_settings_are_the_projects(settings):
    assert settings.LANGUAGE_CODE == sheet_process.LANGUAGE_CODE
    assert list(settings.LANGUAGES) == sheet_process.LANGUAGES
    assert [Path(p) for p in settings.LOCALE_PATHS] == sheet_process.LOCALE_PATHS


def test_a_reader_that_dies_is_a_crash_not_an_empty_sheet(monkeypatch):
    monkeypatch.setattr(sheet_process.sys, "executable", "/bin/false")
    with pytest.raises(ReaderCrashed):
        read_all(open_sheet_in_process, workbook(3), "居民.xlsx")


def test_a_caller_that_stops_early_leaves_no_child_behind(monkeypatch):
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(sheet_process.subprocess, "Popen", spy)
    with open_sheet_in_process(io.BytesIO(workbook(sheet_process.ROWS_PER_FRAME * 5)), "居民.xlsx") as sheet:
        next(iter(sheet.rows))
    assert len(started) == 1 and started[0].returncode is not None


def test_only_files_at_the_threshold_or_above_go_to_a_child(settings):
    settings.IMPORT_PROCESS_MIN_BYTES = 512 * 1024
    assert not use_process(512 * 1024 - 1)
    assert use_process(512 * 1024)
    settings.IMPORT_PROCESS_MIN_BYTES = 0
    assert not use_process(50 * 1024 * 1024)
