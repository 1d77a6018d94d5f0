"""Helpers the community service-list tests share (not a test module)."""

from __future__ import annotations

import io
from typing import Any

from linli.guide import services as s
from linli.guide.models import ServiceItem
from linli.places.models import Place


def fields(name: str = "开具居住证明", **extra: Any) -> s.ItemFields:
    values: dict[str, Any] = {
        "name": name,
        "category": "certificate",
        "audience": "本社区常住居民",
        "materials": ["身份证原件", "房产证或租房合同"],
        "channels": ["window"],
        "location": "社区党群服务中心一楼",
        "hours": "工作日 8:30-17:30",
        "time_limit_days": 0,
        "mode": "instant",
        "responsible_post": "综合受理岗",
    }
    values.update(extra)
    return s.ItemFields(**values)


def draft(actor: Any, community: Place, name: str = "开具居住证明", **extra: Any) -> ServiceItem:
    key = extra.pop("idempotency_key", "")
    return s.item_create(actor=actor, community=community, fields=fields(name, **extra), idempotency_key=key)[0]


def published(actor: Any, community: Place, name: str = "开具居住证明", **extra: Any) -> ServiceItem:
    item = draft(actor, community, name, **extra)
    s.list_publish(actor=actor, community=community)
    item.refresh_from_db()
    return item


def workbook(header: list[str], rows: list[list[Any]]) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "services.xlsx"  # type: ignore[attr-defined]
    return out
