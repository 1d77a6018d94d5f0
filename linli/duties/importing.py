"""The two lists to and from Excel (.xlsx).

Import reads the whole sheet first and checks every row; if any row is wrong nothing is applied, and the answer
names each wrong row and column ("第 5 行 “责任内设机构”: …"). A valid sheet is applied in one transaction: a
row whose 事项名称 the list has in force updates that item (when something changed), any other row adds one.
Columns the sheet has beyond ours (状态, 取消原因 … of an export) are ignored, so an export can be edited and
imported back. Cancelling stays a deliberate act with its reason (not done by leaving a row out).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput, LinliError
from linli.duties import selectors as sel
from linli.duties import services as s
from linli.duties.models import (
    DutyCategory,
    EntryItem,
    ListedDuty,
    ListStatus,
    Responsibility,
    StreetOffice,
    TaskLevel,
)
from linli.people.sheets import write_xlsx
from linli.places.models import Place

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"

DUTY_HEADERS = ["类别", "事项名称", "职责内容", "依据", "责任内设机构", "职责类型", "配合部门"]
DUTY_REQUIRED = ["类别", "事项名称", "责任内设机构"]
ENTRY_HEADERS = ["事项名称", "下派部门", "依据", "承接层级", "经费随事转"]
ENTRY_REQUIRED = ["事项名称", "下派部门"]
STATUS_HEADERS = ["状态", "取消原因", "取消日期"]

RESPONSIBILITY_WORDS = {
    "主体责任": Responsibility.LEAD,
    "主体": Responsibility.LEAD,
    "配合责任": Responsibility.SUPPORT,
    "配合": Responsibility.SUPPORT,
    "": Responsibility.LEAD,
}
LEVEL_WORDS = {"街道": TaskLevel.STREET, "社区": TaskLevel.COMMUNITY}
YES_WORDS = {"是": True, "否": False, "": False, "Y": True, "N": False, "1": True, "0": False}
SERVICE_FIELDS = {  # a service's field → the column it came from
    "title": "事项名称",
    "content": "职责内容",
    "basis": "依据",
    "partners": "配合部门",
    "department_name": "下派部门",
    "category": "类别",
    "office": "责任内设机构",
    "responsibility": "职责类型",
    "level": "承接层级",
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("第 %(row)d 行") % {"row": self.row} if self.row else _("表格")
        column = f"“{self.column}”" if self.column else ""
        return f"{where}{column}:{self.message}"


class SheetRefused(InvalidInput):
    """The sheet has wrong rows: nothing was applied. ``rows`` names each one."""

    def __init__(self, rows: list[RowError]) -> None:
        shown = ";".join(str(r) for r in rows[:5])
        more = _("等 %(n)d 处") % {"n": len(rows)} if len(rows) > 5 else ""
        super().__init__(_("表格有误,未导入任何内容:%(rows)s%(more)s") % {"rows": shown, "more": more}, field="file")
        self.rows = rows

    def as_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            **super().as_dict(),
            "rows": [{"row": r.row, "column": r.column, "message": r.message} for r in self.rows],
        }


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    titles: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(stream: IO[bytes], name: str, required: list[str]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(sheet row number, {column: text})]) of the first sheet; blank rows are skipped."""
    from openpyxl import load_workbook

    head = stream.read(4)
    stream.seek(0)
    if not head.startswith(ZIP_MAGIC):
        raise InvalidInput(_("只支持 Excel .xlsx 文件(旧版 .xls 请另存为 .xlsx)"), field="file")
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises several types for files it cannot read
        raise InvalidInput(_("文件不是有效的 Excel (.xlsx) 表格"), field="file") from None
    try:
        sheet = workbook.worksheets[0]
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        header: list[str] = []
        number = 0
        for number, cells in enumerate(rows, start=1):  # noqa: B007 - number is used below
            if any(_text(c) for c in cells):
                header = [_text(c).lstrip("*").strip() for c in cells]
                break
        if not header:
            raise InvalidInput(_("表格是空的:没有表头,也没有数据"), field="file")
        missing = [h for h in required if h not in header]
        if missing:
            raise InvalidInput(
                _("表头缺少必填列:%(columns)s。请使用导出的表格或模板") % {"columns": "、".join(missing)}, field="file"
            )
        out: list[tuple[int, dict[str, str]]] = []
        for n, cells in enumerate(rows, start=number + 1):
            values = {h: _text(cells[i]) if i < len(cells) else "" for i, h in enumerate(header) if h}
            if not any(values.values()):
                continue
            if len(out) >= MAX_ROWS:
                raise InvalidInput(_("一次最多导入 %(max)d 行") % {"max": MAX_ROWS}, field="file")
            out.append((n, values))
    finally:
        workbook.close()
    if not out:
        raise InvalidInput(_("表格只有表头,没有数据行"), field="file")
    return header, out


def _guard(stream: IO[bytes], size: int) -> IO[bytes]:
    if size > MAX_BYTES:
        raise InvalidInput(_("文件不能超过 5 MB"), field="file")
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("文件不能超过 5 MB"), field="file")
    return io.BytesIO(data)


def _check_titles(rows: list[tuple[int, dict[str, str]]], errors: list[RowError]) -> None:
    first: dict[str, int] = {}
    for number, values in rows:
        title = values.get("事项名称", "")
        if title and title in first:
            errors.append(RowError(number, "事项名称", _("与第 %(row)d 行重复") % {"row": first[title]}))
        first.setdefault(title, number)


def _row_error(number: int, exc: LinliError) -> RowError:
    return RowError(number, SERVICE_FIELDS.get(exc.field or "", ""), exc.message)


def duties_import(*, actor: Any, street: Place, stream: IO[bytes], name: str, size: int = 0) -> ImportResult:
    """Import the street's 职责清单 from a sheet with the columns of ``DUTY_HEADERS`` (all or nothing)."""
    s.require_street(street)
    s.require_manage_street_for_import(actor, street)
    _header, rows = read_rows(_guard(stream, size), name, DUTY_REQUIRED)
    categories = {c.name: c for c in DutyCategory.objects.filter(active=True)}
    offices = {o.name: o for o in StreetOffice.objects.filter(street=street, active=True)}
    existing = {d.title: d for d in ListedDuty.objects.filter(street=street, status=ListStatus.IN_FORCE)}
    errors: list[RowError] = []
    _check_titles(rows, errors)
    planned: list[tuple[int, s.DutyFields]] = []
    for number, values in rows:
        before = len(errors)
        category = categories.get(values.get("类别", ""))
        if category is None:
            errors.append(RowError(number, "类别", _("应为以下之一:%(names)s") % {"names": "、".join(categories)}))
        office = offices.get(values.get("责任内设机构", ""))
        if office is None:
            errors.append(
                RowError(
                    number,
                    "责任内设机构",
                    _("本街道没有在用的内设机构“%(name)s”") % {"name": values.get("责任内设机构", "")},
                )
            )
        word = values.get("职责类型", "")
        if word not in RESPONSIBILITY_WORDS:
            errors.append(RowError(number, "职责类型", _("应为“主体责任”或“配合责任”")))
        if len(errors) > before:
            continue
        fields = s.DutyFields(
            category=category,
            title=values.get("事项名称", ""),
            office=office,
            content=values.get("职责内容", ""),
            basis=values.get("依据", ""),
            responsibility=RESPONSIBILITY_WORDS[word],
            partners=values.get("配合部门", ""),
        )
        try:
            s.clean_duty(street, fields)
        except LinliError as exc:
            errors.append(_row_error(number, exc))
            continue
        planned.append((number, fields))
    if errors:
        raise SheetRefused(errors)
    return _apply(
        actor,
        street,
        planned,
        existing,
        name=name,
        kind="duties",
        create=lambda fields: s.duty_create(actor=actor, street=street, fields=fields),
        update=lambda duty, fields: s.duty_update(actor=actor, duty=duty, fields=fields),
    )


@transaction.atomic
def _apply(
    actor: Any,
    street: Place,
    planned: list[tuple[int, Any]],
    existing: dict[str, Any],
    *,
    name: str,
    kind: str,
    create: Callable[[Any], Any],
    update: Callable[[Any, Any], Any],
) -> ImportResult:
    """Apply a checked sheet in one transaction: a title the list has in force is rewritten (``update``), any other
    is added (``create``); one audit event for the file."""
    result = ImportResult()
    for _number, fields in planned:
        title = str(fields.title).strip()
        item = existing.get(title)
        if item is None:
            create(fields)
            result.created += 1
            result.titles.append(title)
            continue
        before = item.updated_at
        if update(item, fields).updated_at != before:
            result.updated += 1
        else:
            result.unchanged += 1
    audit_record(
        action="duties.list_imported",
        actor=actor,
        target=street,
        list=kind,
        file=name[:100],
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    return result


def entries_import(*, actor: Any, street: Place, stream: IO[bytes], name: str, size: int = 0) -> ImportResult:
    """Import the street's 准入事项 from a sheet with the columns of ``ENTRY_HEADERS`` (all or nothing). The
    下派部门 is matched to a department serving the street by its name, else kept as text."""
    s.require_street(street)
    s.require_manage_street_for_import(actor, street)
    _header, rows = read_rows(_guard(stream, size), name, ENTRY_REQUIRED)
    departments = {d.name: d for d in sel.street_departments(street)}
    existing = {e.title: e for e in EntryItem.objects.filter(street=street, status=ListStatus.IN_FORCE)}
    errors: list[RowError] = []
    _check_titles(rows, errors)
    planned: list[tuple[int, s.EntryFields]] = []
    for number, values in rows:
        before = len(errors)
        level = LEVEL_WORDS.get(values.get("承接层级", "") or "街道")
        if level is None:
            errors.append(RowError(number, "承接层级", _("应为“街道”或“社区”")))
        funded = YES_WORDS.get(values.get("经费随事转", "").upper())
        if funded is None:
            errors.append(RowError(number, "经费随事转", _("应为“是”或“否”")))
        if len(errors) > before:
            continue
        department_name = values.get("下派部门", "")
        fields = s.EntryFields(
            title=values.get("事项名称", ""),
            department_name=department_name,
            department=departments.get(department_name),
            basis=values.get("依据", ""),
            level=level,
            funded=bool(funded),
        )
        try:
            s.clean_entry(street, fields)
        except LinliError as exc:
            errors.append(_row_error(number, exc))
            continue
        planned.append((number, fields))
    if errors:
        raise SheetRefused(errors)
    return _apply(
        actor,
        street,
        planned,
        existing,
        name=name,
        kind="entries",
        create=lambda fields: s.entry_create(actor=actor, street=street, fields=fields),
        update=lambda entry, fields: s.entry_update(actor=actor, entry=entry, fields=fields),
    )


# ----------------------------------------------------------------------------- export


def _workbook(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, title, header, iter(rows))  # write-only, formula-looking text neutralised
    return out.getvalue()


# The sheet's words stay Chinese whatever the page's language: they are what the importer reads back.
STATUS_WORDS: dict[str, str] = {ListStatus.IN_FORCE: "在册", ListStatus.CANCELLED: "已取消"}
RESPONSIBILITY_NAMES: dict[str, str] = {Responsibility.LEAD: "主体责任", Responsibility.SUPPORT: "配合责任"}
LEVEL_NAMES: dict[str, str] = {TaskLevel.STREET: "街道", TaskLevel.COMMUNITY: "社区"}


def _status_cells(item: Any) -> list[Any]:
    return [
        STATUS_WORDS.get(item.status, item.status),
        item.cancel_reason,
        item.cancelled_on.isoformat() if item.cancelled_on else "",
    ]


def duties_workbook(street: Place) -> bytes:
    """The street's whole 职责清单 (cancelled items too, with their reason and date): importable back."""
    rows = [
        [
            d.category.name,
            d.title,
            d.content,
            d.basis,
            d.office.name,
            RESPONSIBILITY_NAMES.get(d.responsibility, d.responsibility),
            d.partners,
            *_status_cells(d),
        ]
        for d in sel.duties(street, status=None)
    ]
    return _workbook("职责清单", [*DUTY_HEADERS, *STATUS_HEADERS], rows)


def entries_workbook(street: Place) -> bytes:
    rows = [
        [
            e.title,
            e.department_name,
            e.basis,
            LEVEL_NAMES.get(e.level, e.level),
            "是" if e.funded else "否",
            *_status_cells(e),
        ]
        for e in sel.entries(street, status=None)
    ]
    return _workbook("准入事项", [*ENTRY_HEADERS, *STATUS_HEADERS], rows)
