"""The streaming .xlsx reader: what Excel and WPS actually write, read the way Excel shows it,
in memory that does not grow with the number of rows."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from linli.people.xlsx_stream import XlsxError, is_date_format, iter_rows

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def package(
    sheets: dict[str, str], *, shared: str | None = None, styles: str | None = None, order=None, workbook_pr=""
):
    """A minimal .xlsx as a zip of XML parts, the way a spreadsheet program lays it out."""
    order = order or list(sheets)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        entries = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(order))
        z.writestr("xl/workbook.xml", f"<workbook {NS} {RNS}>{workbook_pr}<sheets>{entries}</sheets></workbook>")
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="worksheet" Target="worksheets/{sheets_file(n)}"/>'
            for i, n in enumerate(order)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for name, rows in sheets.items():
            z.writestr(
                f"xl/worksheets/{sheets_file(name)}", f"<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>"
            )
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", f"<sst {NS}>{shared}</sst>")
        if styles is not None:
            z.writestr("xl/styles.xml", f"<styleSheet {NS}>{styles}</styleSheet>")
    buffer.seek(0)
    return buffer


def sheets_file(name: str) -> str:
    return {"居民": "sheet1.xml", "说明": "sheet2.xml"}.get(name, f"{name}.xml")


def rows_of(buffer) -> list[list[str]]:
    return list(iter_rows(buffer))


def test_shared_strings_inline_strings_numbers_and_booleans_read_as_excel_shows_them():
    shared = "<si><t>张伟</t></si><si><t xml:space='preserve'> 110101199003071234 </t></si>"
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1"><v>13812345678</v></c><c r="D1"><v>86.5</v></c><c r="E1" t="b"><v>1</v></c>'
        '<c r="F1" t="inlineStr"><is><t>1号楼</t></is></c><c r="G1"><v>3.0</v></c></row>'
    )
    assert rows_of(package({"居民": rows}, shared=shared)) == [
        ["张伟", "110101199003071234", "13812345678", "86.5", "是", "1号楼", "3"]
    ]


def test_rich_text_is_joined_and_the_phonetic_guide_left_out():
    shared = "<si><r><t>王</t></r><r><rPr><b/></rPr><t>秀英</t></r><rPh sb='0' eb='1'><t>wang</t></rPh></si>"
    assert rows_of(package({"居民": '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'}, shared=shared)) == [["王秀英"]]


def test_rows_and_columns_left_out_by_excel_keep_their_positions():
    rows = '<row r="2"><c r="C2" t="inlineStr"><is><t>x</t></is></c></row><row r="4"><c r="A4"><v>1</v></c></row>'
    assert rows_of(package({"居民": rows})) == [[], ["", "", "x"], [], ["1"]]


def test_date_cells_come_out_as_dates_from_builtin_custom_and_chinese_formats():
    styles = (
        '<numFmts count="2"><numFmt numFmtId="180" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '<numFmt numFmtId="181" formatCode="0.00&quot;元&quot;"/></numFmts>'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="180"/><xf numFmtId="181"/></cellXfs>'
    )
    rows = (
        '<row r="1"><c r="A1" s="1"><v>32994</v></c><c r="B1" s="2"><v>45292</v></c>'
        '<c r="C1" s="3"><v>12.5</v></c><c r="D1" s="1"><v>45292.5</v></c><c r="E1"><v>45292</v></c></row>'
    )
    assert rows_of(package({"居民": rows}, styles=styles)) == [
        ["1990-05-01", "2024-01-01", "12.5", "2024-01-01 12:00:00", "45292"]
    ]


def test_the_1904_date_system_is_honoured():
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    buffer = package(
        {"居民": '<row r="1"><c r="A1" s="1"><v>0</v></c></row>'},
        styles=styles,
        workbook_pr='<workbookPr date1904="1"/>',
    )
    assert rows_of(buffer) == [["1904-01-01"]]


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("yyyy-mm-dd", True),
        ("m/d/yy h:mm", True),
        ('yyyy"年"m"月"', True),
        ("0.00", False),
        ('0"天"', False),
        ("[Red]0.00", False),
        ("#,##0", False),
        ("General", False),
        ("0.00E+00", False),
    ],
)
def test_number_formats_are_recognised_as_dates_only_when_they_show_one(code, is_date):
    assert is_date_format(code) is is_date


def test_the_first_tab_is_read_even_when_it_is_not_sheet1():
    buffer = package(
        {
            "居民": '<row r="1"><c r="A1" t="inlineStr"><is><t>居民表</t></is></c></row>',
            "说明": '<row r="1"><c r="A1" t="inlineStr"><is><t>说明表</t></is></c></row>',
        },
        order=["说明", "居民"],
    )
    assert rows_of(buffer) == [["说明表"]]


def test_formula_cells_give_the_cached_value_and_error_cells_their_text():
    rows = (
        '<row r="1"><c r="A1" t="str"><f>CONCAT("a","b")</f><v>ab</v></c><c r="B1"><f>1+1</f><v>2</v></c>'
        '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1"><f>A1</f></c></row>'
    )
    assert rows_of(package({"居民": rows})) == [["ab", "2", "#DIV/0!", ""]]


def test_an_external_entity_is_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doctype = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'{doctype}<worksheet {NS}><sheetData><row r="1"><c r="A1" '
            't="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>',
        )
    buffer.seek(0)
    with pytest.raises(XlsxError, match="DTD"):
        rows_of(buffer)


def test_a_zip_that_is_not_a_workbook_is_refused_in_chinese():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<document/>")
    buffer.seek(0)
    with pytest.raises(XlsxError, match="找不到工作表"):
        rows_of(buffer)


def test_a_sheet_cut_off_half_way_is_reported_not_silently_shortened():
    good = package({"居民": "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 2000))})
    data = bytearray(good.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2 : start + info.compress_size // 2 + 40] = b"\x00" * 40
    with pytest.raises(XlsxError):
        rows_of(io.BytesIO(bytes(data)))


def _openpyxl_sheet(rows: int) -> io.BytesIO:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    for i in range(rows):
        sheet.append([f"居民{i}", f"11010119900307{i % 10000:04d}", f"朝阳路{i}号", i, dt.date(1990, 1, 1 + i % 28)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_file_written_by_openpyxl_reads_back_cell_for_cell():
    rows = rows_of(_openpyxl_sheet(3))
    assert rows[1] == ["居民1", "110101199003070001", "朝阳路1号", "1", "1990-01-02"]


def test_memory_does_not_grow_with_the_number_of_rows():
    """Python-side peak while reading 4,000 vs 40,000 rows: the shared strings are on disk, rows are cleared."""

    def peak(rows: int) -> int:
        buffer = _openpyxl_sheet(rows)
        tracemalloc.start()
        for _ in iter_rows(buffer):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(4_000), peak(40_000)
    # 10× the rows (and 10× the distinct strings): only the 8-byte offset per string may grow.
    assert large < small + 40_000 * 3 * 8 + 512 * 1024, (small, large)
