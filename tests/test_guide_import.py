"""Importing a community's service list from Excel: every row checked first, all or none (or only the valid rows
when asked), each wrong row named by row and column; an export imports back."""

from __future__ import annotations

import io
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput
from linli.duties.importing import SheetRefused
from linli.guide import importing
from linli.guide import selectors as sel
from linli.guide.models import ItemStatus, ServiceItem
from tests.guide_support import published, workbook

pytestmark = pytest.mark.django_db

HEADER = importing.HEADERS
GOOD = [
    "开具居住证明", "证明开具", "本社区常住居民", "身份证原件\n房产证", "窗口、线上", "党群服务中心一楼", "工作日全天",
    0, "即办", "否", "免费", "综合受理岗", "", "",
]  # fmt: skip
QUICK = [
    "老年人优待证办理", "民政救助", "60周岁以上老人", "身份证;照片", "窗口 上门", "党群服务中心一楼", "工作日全天",
    5, "快办", "否", "免费", "民政专干", "", "",
]  # fmt: skip


def run(users: Any, community: Any, rows: list[list[Any]], *, only_valid: bool = False, who: str = "community") -> Any:
    sheet = workbook(HEADER, rows)
    return importing.items_import(
        actor=users[who], community=community, stream=sheet, name="services.xlsx", only_valid=only_valid
    )


def test_a_valid_sheet_adds_drafts_in_one_go(users: Any, places: Any) -> None:
    community = places.communities[0]

    result = run(users, community, [GOOD, QUICK])

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    items = {i.name: i for i in ServiceItem.objects.filter(community=community)}
    assert items["开具居住证明"].channels == ["window", "online"]
    assert items["开具居住证明"].materials == ["身份证原件", "房产证"]
    assert items["老年人优待证办理"].mode == "quick" and items["老年人优待证办理"].time_limit_days == 5
    assert items["老年人优待证办理"].channels == ["window", "home"]
    assert all(i.status == ItemStatus.DRAFT for i in items.values())
    assert AuditEvent.objects.filter(action="guide.list_imported", target_id=str(community.pk)).count() == 1


def test_one_wrong_row_applies_nothing_and_names_each_row_and_column(users: Any, places: Any) -> None:
    community = places.communities[0]
    bad_category = ["开具死亡证明", "不存在的类别", *GOOD[2:]]
    bad_days = ["快办也要时限", *QUICK[1:7], 0, "快办", *QUICK[9:]]

    with pytest.raises(SheetRefused) as exc:
        run(users, community, [GOOD, bad_category, bad_days])

    found = {(r.row, r.column) for r in exc.value.rows}
    assert (3, "服务类别") in found and (4, "承诺时限(工作日)") in found
    assert "第 3 行" in exc.value.message
    assert not ServiceItem.objects.filter(community=community).exists()


def test_only_valid_rows_are_applied_when_asked_and_the_wrong_ones_reported(users: Any, places: Any) -> None:
    community = places.communities[0]
    bad = [*GOOD[:1], "不存在的类别", *GOOD[2:]]

    result = run(users, community, [QUICK, bad], only_valid=True)

    assert result.created == 1 and [(r.row, r.column) for r in result.skipped] == [(3, "服务类别")]
    assert list(ServiceItem.objects.filter(community=community).values_list("name", flat=True)) == ["老年人优待证办理"]


def test_a_repeated_name_in_the_sheet_is_a_wrong_row(users: Any, places: Any) -> None:
    with pytest.raises(SheetRefused) as exc:
        run(users, places.communities[0], [GOOD, GOOD])
    assert [(r.row, r.column) for r in exc.value.rows] == [(3, "事项名称")]


def test_a_row_naming_an_item_in_use_updates_it(users: Any, places: Any) -> None:
    community = places.communities[0]
    item = published(users["community"], community, "开具居住证明")
    changed = [*GOOD[:10], "工本费 5 元", *GOOD[11:]]

    result = run(users, community, [changed])

    assert (result.created, result.updated) == (0, 1)
    item.refresh_from_db()
    assert item.fee == "工本费 5 元" and item.revised_at is not None


def test_the_exported_list_imports_back_unchanged(users: Any, places: Any, client: Any) -> None:
    community = places.communities[0]
    run(users, community, [GOOD, QUICK])
    from linli.guide import services as s

    s.list_publish(actor=users["community"], community=community)
    body = client.get(f"/guide/communities/{community.pk}/services.xlsx").content

    result = importing.items_import(
        actor=users["community"], community=community, stream=io.BytesIO(body), name="export.xlsx"
    )

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_a_file_that_is_not_xlsx_is_refused(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as exc:
        importing.items_import(
            actor=users["community"], community=places.communities[0], stream=io.BytesIO(b"name,x\n"), name="a.csv"
        )
    assert exc.value.field == "file"


def test_a_sheet_without_the_required_columns_is_refused(users: Any, places: Any) -> None:
    sheet = workbook(["事项名称"], [["开具居住证明"]])
    with pytest.raises(InvalidInput) as exc:
        importing.items_import(actor=users["community"], community=places.communities[0], stream=sheet, name="x.xlsx")
    assert "服务类别" in exc.value.message


def test_only_those_who_keep_the_list_import(users: Any, places: Any) -> None:
    with pytest.raises(Forbidden):
        run(users, places.communities[0], [GOOD], who="grid")
    with pytest.raises(Forbidden):
        run(users, places.other_community, [GOOD])
    assert sel.kept_list(places.communities[0]) == []
