"""Reading and writing resident sheets: .xlsx is read by our streaming reader
(``linli.people.xlsx_stream``: lxml's incremental parser, shared strings spooled to disk) and written
with openpyxl's write-only mode; .csv in UTF-8, UTF-8 with BOM or GBK/GB18030 — Excel in China saves
CSV as GBK — or UTF-16 with its BOM (Excel's "Unicode 文本", tab-separated).

Rows come out as lists of strings, one at a time, for both formats: memory does not grow with the
number of rows. The uncompressed worksheet size is still checked first (``MAX_SHEET_XML_BYTES``) —
a small zip must not expand into hours of parsing. Formula cells give the value Excel cached (what
the user saw), never the formula. Anything that is not a spreadsheet is refused with a message
saying what it looked like.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.people.xlsx_stream import XlsxError, iter_rows

TEMPLATE_HEADERS = [
    "姓名",
    "身份证号",
    "手机号",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "与户主关系",
    "人员类型",
    "标签",
    "政治面貌",
]
OPTIONAL_HEADERS = ["性别", "出生日期"]  # cross-checked with the ID number when present
REQUIRED_HEADERS = ["姓名", "身份证号", "小区", "楼栋"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / .doc
ENCODINGS = [("utf-8", "UTF-8"), ("gb18030", "GBK/GB18030")]
CHUNK = 1 << 20
MAX_SHEET_XML_BYTES = 600 * 1024 * 1024  # about 1,100,000 template rows (~10 minutes of import)


@dataclass
class Sheet:
    kind: str  # "xlsx" or "csv"
    encoding: str  # what we decoded a CSV with; "" for xlsx
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (spreadsheet row number, cells)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def detect_encoding(stream: IO[bytes]) -> str:
    """The first codec that decodes the whole stream, read in chunks (memory stays flat). A byte-order
    mark decides it (UTF-8, or UTF-16 — Excel's "Unicode 文本"); without one, UTF-8 then GB18030."""
    stream.seek(0)
    head = stream.read(3)
    if head == codecs.BOM_UTF8:
        candidates = ["utf-8-sig"]
    elif head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        candidates = ["utf-16"]
    else:
        candidates = [codec for codec, _label in ENCODINGS]
    for codec in candidates:
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            while chunk := stream.read(CHUNK):
                if codec != "utf-16" and b"\x00" in chunk:
                    raise InvalidInput(_("文件含有二进制内容,不是 CSV 或 Excel 表格"), field="file")
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return codec
    raise InvalidInput(
        _("无法识别文件编码(支持 UTF-8、UTF-8 BOM、GBK/GB18030、带 BOM 的 UTF-16),不是有效的 CSV 表格"), field="file"
    )


def encoding_label(codec: str) -> str:
    labels = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}
    return labels.get(codec, codec)


def _numbered(rows: Iterator[list[str]], start: int) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(rows, start=start):
        if any(cells):
            yield number, cells


def _header_and_rows(raw: Iterator[list[str]]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    header: list[str] | None = None
    header_row = 0
    for header_row, cells in enumerate(raw, start=1):  # noqa: B007 - header_row is used below
        if any(cells):
            header = [c.strip().lstrip("*").strip() for c in cells]
            break
    if header is None:
        raise InvalidInput(_("表格是空的:没有表头,也没有数据"), field="file")
    missing = [h for h in REQUIRED_HEADERS if h not in header]
    if missing:
        # The column names stay Chinese: they are the template's headers, what the sheet must say.
        raise InvalidInput(
            _("表头缺少必填列:%(columns)s。请使用下载的模板(第一行为表头)") % {"columns": _("、").join(missing)},
            field="file",
        )
    return header, _numbered(raw, header_row + 1)


@contextmanager
def open_sheet(stream: IO[bytes], name: str) -> Iterator[Sheet]:
    """Open an uploaded file as a sheet; the rows iterator is only valid inside the ``with``."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    lower = name.lower()
    if head.startswith(OLE_MAGIC):
        raise InvalidInput(_("这是旧版 .xls 文件,请在 Excel 中另存为 .xlsx 或 CSV 后再上传"), field="file")
    if head.startswith(ZIP_MAGIC):
        with _open_xlsx(stream) as sheet:
            yield sheet
        return
    if lower.endswith((".xlsx", ".xlsm")):
        raise InvalidInput(_("文件扩展名是 .xlsx,但内容不是 Excel 表格"), field="file")
    if not lower.endswith((".csv", ".txt")):
        raise InvalidInput(_("只支持 .xlsx 和 .csv 文件"), field="file")
    codec = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=codec, newline="")
    try:
        first = text.readline()  # the delimiter is the header line's: Excel's Unicode text uses tabs
        dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
        raw = (list(row) for row in csv.reader(itertools.chain([first], text), dialect=dialect))
        header, rows = _header_and_rows([c.strip() for c in r] for r in raw)
        yield Sheet(kind="csv", encoding=encoding_label(codec), header=header, rows=rows)
    except csv.Error as exc:
        raise InvalidInput(_("CSV 格式错误:%(error)s") % {"error": exc}, field="file") from None
    finally:
        text.detach()


def _worksheet_bytes(stream: IO[bytes]) -> int:
    """Uncompressed size of the worksheets, from the zip directory (nothing is inflated)."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput(_("文件不是有效的 Excel (.xlsx) 表格"), field="file") from None
    finally:
        stream.seek(0)


@contextmanager
def _open_xlsx(stream: IO[bytes]) -> Iterator[Sheet]:
    expanded = _worksheet_bytes(stream)
    if expanded > MAX_SHEET_XML_BYTES:
        raise InvalidInput(
            _("表格解压后过大(约 %(size)s MB),请分成几个文件上传") % {"size": f"{expanded / 1024 / 1024:.0f}"},
            field="file",
        )
    rows = iter_rows(stream)
    try:
        try:
            header, numbered = _header_and_rows(rows)
        except XlsxError as exc:
            raise InvalidInput(str(exc), field="file") from None
        yield Sheet(kind="xlsx", encoding="", header=header, rows=_reworded(numbered))
    finally:
        rows.close()


def _reworded(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """A file that breaks half way through says so in the importer's own error type."""
    try:
        yield from rows
    except XlsxError as exc:
        raise InvalidInput(str(exc), field="file") from None


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Keep a spreadsheet from running text as a formula (CSV/formula injection): prefix ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(body: bytes, filename: str) -> HttpResponse:
    """A finished workbook as a download named ``filename`` (UTF-8, so Chinese names survive)."""
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def write_xlsx(target: IO[bytes] | str, title: str, header: list[str], rows: Iterator[list[Any]]) -> int:
    """Write one sheet with openpyxl's write-only mode (rows are streamed); returns the row count."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title)
    worksheet.append(header)
    count = 0
    for row in rows:
        worksheet.append([neutralise(v) for v in row])
        count += 1
    workbook.save(target)
    return count


TEMPLATE_NOTES = [
    ["列", "说明"],
    ["姓名", "必填"],
    ["身份证号", "必填,18位;15位旧证号不再接受。请把此列设为“文本”格式,否则 Excel 会丢掉末几位"],
    ["手机号", "可填 138 1234 5678、+86 13812345678 等写法,导入时统一"],
    ["小区", "必填,须是您管辖范围内的小区名称"],
    ["楼栋", "必填,如“1栋”或“1”"],
    ["单元", "可空,如“1单元”或“1”"],
    ["房号", "可空,如“302”;同一房号的人归为一户"],
    ["与户主关系", "户主、配偶、子女、父母、祖父母、孙子女、兄弟姐妹、儿媳/女婿、租户、其他"],
    ["人员类型", "户籍、常住、流动、空挂户;空着按“常住”"],
    ["标签", "多个用顿号、逗号或空格分隔,如“独居老人、退役军人”"],
    [
        "政治面貌",
        "中共党员、中共预备党员、共青团员、民主党派、群众(也认“党员”“预备党员”“团员”及各民主党派的写法);空着不改动已登记的",
    ],
    ["性别、出生日期", "可选列;如填写,会与身份证号核对"],
]


def write_template(target: IO[bytes]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append(TEMPLATE_HEADERS)
    notes = workbook.create_sheet("填写说明")
    for row in TEMPLATE_NOTES:
        notes.append(row)
    workbook.save(target)
