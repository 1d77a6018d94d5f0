"""The two lists to and from Excel: an import names every wrong row and column and applies nothing unless the
whole sheet is valid; an export can be edited and imported back."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.duties import importing
from linli.duties.models import EntryItem, ListedDuty
from tests.duties_support import duty, offices, workbook

pytestmark = pytest.mark.django_db

HEADER = importing.DUTY_HEADERS


def _import(actor: Any, street: Any, book: io.BytesIO) -> importing.ImportResult:
    return importing.duties_import(actor=actor, street=street, stream=book, name="list.xlsx")


def test_a_valid_sheet_adds_its_duties_and_updates_the_ones_listed_by_title(users: Any, places: Any) -> None:
    actor, street = users["street"], places.street
    offices(actor, street)
    existing = duty(actor, street, "社会救助", content="旧的内容")
    book = workbook(
        HEADER,
        [
            [
                "民生服务",
                "社会救助",
                "受理低保申请,入户核查",
                "《社会救助暂行办法》",
                "社会事务办公室",
                "主体责任",
                "区民政局",
            ],
            ["平安建设", "矛盾纠纷排查化解", "", "《人民调解法》", "综治中心(网格化服务管理中心)", "配合责任", ""],
            ["党的建设", "基层党组织建设", None, None, "党建工作办公室", None, None],
        ],
    )
    result = _import(actor, street, book)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    existing.refresh_from_db()
    assert existing.content == "受理低保申请,入户核查" and existing.partners == "区民政局"
    added = ListedDuty.objects.get(street=street, title="矛盾纠纷排查化解")
    assert added.responsibility == "support" and added.category.code == "safety"
    assert ListedDuty.objects.get(street=street, title="基层党组织建设").responsibility == "lead"
    assert AuditEvent.objects.get(action="duties.list_imported").detail["created"] == 2


def test_a_sheet_with_wrong_rows_names_each_row_and_column_and_applies_nothing(users: Any, places: Any) -> None:
    actor, street = users["street"], places.street
    offices(actor, street)
    book = workbook(
        HEADER,
        [
            ["民生服务", "养老服务", "", "", "社会事务办公室", "主体责任", ""],
            ["不存在的类别", "统计调查", "", "", "经济发展办公室", "主体责任", ""],
            ["民生服务", "就业服务", "", "", "人社所", "主体责任", ""],
            ["民生服务", "退役军人服务", "", "", "便民服务中心", "牵头", ""],
            ["民生服务", "养老服务", "", "", "社会事务办公室", "主体责任", ""],
            ["民生服务", "", "", "", "社会事务办公室", "主体责任", ""],
            ["民生服务", "长" * 101, "", "", "社会事务办公室", "主体责任", ""],
        ],
    )
    with pytest.raises(importing.SheetRefused) as refused:
        _import(actor, street, book)
    found = {(r.row, r.column) for r in refused.value.rows}
    assert found == {
        (3, "类别"),
        (4, "责任内设机构"),
        (5, "职责类型"),
        (6, "事项名称"),  # the same title as row 2
        (7, "事项名称"),  # empty
        (8, "事项名称"),  # too long
    }
    assert "第 3 行“类别”" in refused.value.message
    assert not ListedDuty.objects.filter(street=street).exists()  # row 2 was fine, but nothing is applied
    assert not AuditEvent.objects.filter(action="duties.list_imported").exists()


def test_a_sheet_without_the_required_columns_is_refused_before_any_row(users: Any, places: Any) -> None:
    offices(users["street"], places.street)
    with pytest.raises(InvalidInput) as refused:
        _import(users["street"], places.street, workbook(["事项名称", "内容"], [["社会救助", "x"]]))
    assert "类别" in refused.value.message and "责任内设机构" in refused.value.message


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"\xd0\xcf\x11\xe0" + b"0" * 100, ".xlsx"), (b"PK\x03\x04 not really a zip", "不是有效的 Excel"), (b"", ".xlsx")],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_refused_with_what_it_is(
    users: Any, places: Any, content: bytes, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _import(users["street"], places.street, io.BytesIO(content))
    assert words in refused.value.message and refused.value.field == "file"


def test_a_sheet_with_only_a_header_is_refused(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        _import(users["street"], places.street, workbook(HEADER, []))
    assert "没有数据行" in refused.value.message


def test_only_street_staff_may_import(users: Any, places: Any) -> None:
    with pytest.raises(Forbidden):
        _import(users["community"], places.street, workbook(HEADER, [["民生服务", "x", "", "", "党政办公室", "", ""]]))


def test_an_export_edited_and_imported_back_changes_only_what_was_edited(users: Any, places: Any) -> None:
    actor, street = users["street"], places.street
    duty(actor, street, "社会救助", content="受理低保申请")
    cancelled = duty(actor, street, "统计调查", office="经济发展办公室", code="economy")
    from linli.duties import services as s

    s.duty_cancel(actor=actor, duty=cancelled, reason="上收区统计局")
    exported = load_workbook(io.BytesIO(importing.duties_workbook(street)))
    sheet = exported.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADER, "状态", "取消原因", "取消日期"]
    by_title = {r[1]: r for r in rows[1:]}
    assert by_title["统计调查"][7:9] == ("已取消", "上收区统计局")
    # keep the in-force row, edit its content; drop the cancelled one (an import never cancels)
    kept = next(n for n, r in enumerate(rows[1:], start=2) if r[1] == "社会救助")
    sheet.cell(row=kept, column=3, value="受理低保、特困申请")
    sheet.delete_rows(next(n for n, r in enumerate(rows[1:], start=2) if r[1] == "统计调查"))
    again = io.BytesIO()
    exported.save(again)
    again.seek(0)
    result = _import(actor, street, again)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert ListedDuty.objects.get(street=street, title="社会救助", status="in_force").content == "受理低保、特困申请"


def test_an_export_neutralises_text_that_a_spreadsheet_would_run_as_a_formula(users: Any, places: Any) -> None:
    duty(users["street"], places.street, "=HYPERLINK(1)")
    sheet = load_workbook(io.BytesIO(importing.duties_workbook(places.street))).active
    assert sheet.cell(row=2, column=2).value == "'=HYPERLINK(1)"


def test_entry_items_import_matches_departments_by_name_and_reads_yes_and_no(users: Any, places: Any) -> None:
    from linli.orgs.models import Organisation

    department = Organisation.objects.filter(kind="department", place_path=places.street.path).order_by("pk").first()
    book = workbook(
        importing.ENTRY_HEADERS,
        [
            ["征兵宣传", department.name, "《兵役法》", "街道", "是"],
            ["医保参保动员", "区医疗保障局", "", "社区", "否"],
        ],
    )
    result = importing.entries_import(actor=users["street"], street=places.street, stream=book, name="e.xlsx")
    assert result.created == 2
    first = EntryItem.objects.get(title="征兵宣传")
    assert first.department_id == department.pk and first.funded and first.level == "street"
    second = EntryItem.objects.get(title="医保参保动员")
    assert second.department_id is None and not second.funded and second.level == "community"


def test_entry_items_import_refuses_an_unknown_level_and_a_funding_answer_that_is_not_yes_or_no(
    users: Any, places: Any
) -> None:
    book = workbook(
        importing.ENTRY_HEADERS,
        [
            ["征兵宣传", "区人武部", "", "区级", "是"],
            ["医保", "区医保局", "", "社区", "也许"],
            ["x", "", "", "社区", "否"],
        ],
    )
    with pytest.raises(importing.SheetRefused) as refused:
        importing.entries_import(actor=users["street"], street=places.street, stream=book, name="e.xlsx")
    assert {(r.row, r.column) for r in refused.value.rows} == {(2, "承接层级"), (3, "经费随事转"), (4, "下派部门")}
    assert not EntryItem.objects.exists()


def test_the_entry_export_lists_every_item_with_its_level_and_funding_in_chinese(users: Any, places: Any) -> None:
    from linli.duties import services as s

    s.entry_create(
        actor=users["street"],
        street=places.street,
        fields=s.EntryFields(title="防汛值守", department_name="区应急管理局", level="street", funded=True),
    )
    rows = list(load_workbook(io.BytesIO(importing.entries_workbook(places.street))).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("防汛值守", "区应急管理局", None, "街道", "是")
