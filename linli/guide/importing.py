"""A community's service list to and from Excel (.xlsx). Community workers keep these lists in Excel.

Import reads the whole sheet first (the reader, the row errors and the refusal are ``linli.duties.importing``'s)
and checks every row with the same rules as the form; the answer names each wrong row and column
("第 5 行 “承诺时限(工作日)”: …"). By default nothing is applied unless every row is valid; with ``only_valid``
the valid rows are applied and the wrong ones reported. A row whose 事项名称 the list has in use (draft or
published) updates that item (when something changed), any other row adds a draft; publishing stays a deliberate
act. Columns beyond ours (状态 … of an export) are ignored, so an export can be edited and imported back.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput, LinliError
from linli.duties.importing import MAX_BYTES, RowError, SheetRefused, read_rows
from linli.guide import services as s
from linli.guide.models import Category, Channel, ItemStatus, Mode, ServiceItem
from linli.people.sheets import write_xlsx
from linli.places.models import Place

HEADERS = [
    "事项名称",
    "服务类别",
    "服务对象",
    "所需材料",
    "办理方式",
    "办理地点",
    "办理时间",
    "承诺时限(工作日)",
    "办理模式",
    "订单式",
    "收费标准",
    "责任岗位",
    "办理依据",
    "温馨提示",
]
REQUIRED = ["事项名称", "服务类别", "责任岗位"]
EXPORT_EXTRA = ["状态", "更新于"]

# The sheet's words stay Chinese whatever the page's language: they are what the importer reads back.
CATEGORY_WORDS: dict[str, str] = {
    "党群服务": Category.PARTY,
    "民政救助": Category.CIVIL,
    "社会保障": Category.SECURITY,
    "卫生健康": Category.HEALTH,
    "法律服务": Category.LEGAL,
    "证明开具": Category.CERTIFICATE,
    "便民服务": Category.CONVENIENCE,
    "志愿服务": Category.VOLUNTEER,
    "其他": Category.OTHER,
}
CATEGORY_NAMES = {code: word for word, code in CATEGORY_WORDS.items()}
CHANNEL_WORDS: dict[str, str] = {
    "窗口": Channel.WINDOW,
    "窗口办理": Channel.WINDOW,
    "上门": Channel.HOME,
    "上门服务": Channel.HOME,
    "线上": Channel.ONLINE,
    "线上办理": Channel.ONLINE,
    "网上": Channel.ONLINE,
}
CHANNEL_NAMES = {Channel.WINDOW: "窗口", Channel.HOME: "上门", Channel.ONLINE: "线上"}
MODE_WORDS: dict[str, str] = {"即办": Mode.INSTANT, "快办": Mode.QUICK, "联办": Mode.JOINT}
MODE_NAMES = {code: word for word, code in MODE_WORDS.items()}
YES_WORDS = {"是": True, "否": False, "": False, "Y": True, "N": False, "1": True, "0": False}
STATUS_NAMES: dict[str, str] = {
    ItemStatus.DRAFT: "草稿",
    ItemStatus.PUBLISHED: "已公布",
    ItemStatus.WITHDRAWN: "已停办",
}
SERVICE_FIELDS = {  # a service's field → the column it came from
    "name": "事项名称",
    "category": "服务类别",
    "audience": "服务对象",
    "materials": "所需材料",
    "channels": "办理方式",
    "location": "办理地点",
    "hours": "办理时间",
    "time_limit_days": "承诺时限(工作日)",
    "mode": "办理模式",
    "fee": "收费标准",
    "responsible_post": "责任岗位",
    "basis": "办理依据",
    "notes": "温馨提示",
}
SEPARATORS = ("、", ",", ",", ";", ";", "/", " ")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)  # wrong rows left out (``only_valid``)


def _guard(stream: Any, size: int) -> IO[bytes]:
    if size > MAX_BYTES:
        raise InvalidInput(_("文件不能超过 5 MB"), field="file")
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("文件不能超过 5 MB"), field="file")
    return io.BytesIO(data)


def _split(text: str) -> list[str]:
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    return [part.strip() for part in text.split(SEPARATORS[0]) if part.strip()]


def _materials(text: str) -> list[str]:
    """One per line in the cell, or separated by ;/;."""
    lines: list[str] = []
    for line in text.replace(";", "\n").replace(";", "\n").splitlines():
        if line.strip():
            lines.append(line.strip())
    return lines


def _row_fields(number: int, values: dict[str, str], errors: list[RowError]) -> s.ItemFields | None:
    before = len(errors)
    category = CATEGORY_WORDS.get(values.get("服务类别", ""))
    if category is None:
        errors.append(RowError(number, "服务类别", _("应为以下之一:%(names)s") % {"names": "、".join(CATEGORY_WORDS)}))
    channels = [CHANNEL_WORDS.get(w) for w in _split(values.get("办理方式", "") or "窗口")]
    if None in channels:
        errors.append(RowError(number, "办理方式", _("应为“窗口”“上门”“线上”中的一个或几个,用顿号分隔")))
    days = values.get("承诺时限(工作日)", "")
    mode_word = values.get("办理模式", "")
    if mode_word:
        mode = MODE_WORDS.get(mode_word)
        if mode is None:
            errors.append(RowError(number, "办理模式", _("应为“即办”“快办”或“联办”")))
    else:  # not given: 即办 when done the same day, else 快办
        mode = Mode.INSTANT if days.strip() in ("", "0") else Mode.QUICK
    on_order = YES_WORDS.get(values.get("订单式", "").upper())
    if on_order is None:
        errors.append(RowError(number, "订单式", _("应为“是”或“否”")))
    if len(errors) > before:
        return None
    return s.ItemFields(
        name=values.get("事项名称", ""),
        category=category,
        audience=values.get("服务对象", ""),
        materials=_materials(values.get("所需材料", "")),
        channels=[c for c in channels if c],
        location=values.get("办理地点", ""),
        hours=values.get("办理时间", ""),
        time_limit_days=days,
        mode=mode,
        on_order=bool(on_order),
        fee=values.get("收费标准", ""),
        responsible_post=values.get("责任岗位", ""),
        basis=values.get("办理依据", ""),
        notes=values.get("温馨提示", ""),
    )


def items_import(
    *, actor: Any, community: Place, stream: Any, name: str, size: int = 0, only_valid: bool = False
) -> ImportResult:
    """Import the community's items from a sheet with the columns of ``HEADERS``: all rows or none, or with
    ``only_valid`` the valid rows (the wrong ones come back in ``skipped``)."""
    s._require_keeper(actor, community)
    _header, rows = read_rows(_guard(stream, size), name, REQUIRED)
    errors: list[RowError] = []
    first: dict[str, int] = {}
    planned: list[tuple[int, s.ItemFields]] = []
    for number, values in rows:
        title = values.get("事项名称", "")
        if title and title in first:
            errors.append(RowError(number, "事项名称", _("与第 %(row)d 行重复") % {"row": first[title]}))
            continue
        if title:
            first.setdefault(title, number)
        fields = _row_fields(number, values, errors)
        if fields is None:
            continue
        try:
            s.clean(fields)
        except LinliError as exc:
            errors.append(RowError(number, SERVICE_FIELDS.get(exc.field or "", ""), exc.message))
            continue
        planned.append((number, fields))
    if errors and (not only_valid or not planned):
        raise SheetRefused(errors)
    return _apply(actor, community, planned, skipped=errors, name=name)


@transaction.atomic
def _apply(
    actor: Any, community: Place, planned: list[tuple[int, s.ItemFields]], *, skipped: list[RowError], name: str
) -> ImportResult:
    """Apply the checked rows in one transaction; one audit event for the file."""
    existing = {i.name: i for i in ServiceItem.objects.filter(community=community).exclude(status=ItemStatus.WITHDRAWN)}
    result = ImportResult(skipped=skipped)
    for _number, fields in planned:
        item = existing.get(str(fields.name).strip())
        if item is None:
            s.item_create(actor=actor, community=community, fields=fields)
            result.created += 1
            continue
        before = item.updated_at
        if s.item_update(actor=actor, item=item, fields=fields).updated_at != before:
            result.updated += 1
        else:
            result.unchanged += 1
    audit_record(
        action="guide.list_imported",
        actor=actor,
        target=community,
        file=name[:100],
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        skipped=len(skipped),
    )
    return result


# ----------------------------------------------------------------------------- export


def _day(moment: Any) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _cells(item: Any) -> list[Any]:
    return [
        item.name,
        CATEGORY_NAMES.get(item.category, item.category),
        item.audience,
        "\n".join(item.materials),
        "、".join(CHANNEL_NAMES.get(c, c) for c in item.channels),
        item.location,
        item.hours,
        item.time_limit_days,
        MODE_NAMES.get(item.mode, item.mode),
        "是" if item.on_order else "否",
        item.fee,
        item.responsible_post,
        item.basis,
        item.notes,
    ]


def list_workbook(community: Place, items: list[ServiceItem]) -> bytes:
    """The published list (as the public page shows it), importable back."""
    rows = [
        [
            *_cells(i),
            STATUS_NAMES.get(i.status, i.status),
            _day(i.revised_at or i.published_at),
        ]
        for i in items
    ]
    out = io.BytesIO()
    write_xlsx(out, "服务清单", [*HEADERS, *EXPORT_EXTRA], iter(rows))
    return out.getvalue()


def template_workbook() -> bytes:
    """An empty sheet with the columns and one example row."""
    example = [
        "开具居住证明",
        "证明开具",
        "本社区常住居民",
        "身份证原件\n户口簿或房产证明",
        "窗口",
        "社区党群服务中心一楼综合窗口",
        "工作日 8:30-12:00,14:30-17:30",
        0,
        "即办",
        "否",
        "免费",
        "综合受理岗",
        "",
        "",
    ]
    out = io.BytesIO()
    write_xlsx(out, "服务清单", HEADERS, iter([example]))
    return out.getvalue()
