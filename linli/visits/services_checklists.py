"""Checklist templates (检查清单) kept by administrators: create with items, switch on or off.

A template's items never change once created, so a visit always shows the items it was answered
with; to change a checklist, create a new template and deactivate the old one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.scoping import scope_for
from linli.visits.models import ChecklistTemplate

ITEMS_MAX = 30
ITEM_TEXT_MAX = 60


@dataclass(frozen=True)
class ChecklistItemInput:
    text: str
    required: bool = False


def may_edit_checklists(user: Any) -> bool:
    return scope_for(user, "admin").everything


def parse_item_lines(raw: str) -> list[ChecklistItemInput]:
    """One item a line; a line starting with ``*`` is a required item (the page's textarea format)."""
    items = []
    for line in (raw or "").splitlines():
        text = line.strip()
        if not text:
            continue
        required = text.startswith("*") or text.startswith("*")
        items.append(ChecklistItemInput(text=text.lstrip("*").strip(), required=required))
    return items


def checklist_template_create(
    *,
    actor: Any,
    name: str,
    items: list[ChecklistItemInput],
    description: str = "",
    requires_answer: bool = True,
) -> ChecklistTemplate:
    if not may_edit_checklists(actor):
        raise Forbidden(_("只有系统管理员可以设置检查清单"))
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise InvalidInput(_("清单名称应为1到64个字"), field="name")
    description = (description or "").strip()
    if len(description) > 200:
        raise InvalidInput(_("说明最多 200 个字"), field="description")
    if not items:
        raise InvalidInput(_("清单至少要有一个检查项"), field="items")
    if len(items) > ITEMS_MAX:
        raise InvalidInput(_("清单最多 %(max)d 个检查项") % {"max": ITEMS_MAX}, field="items")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        text = (item.text or "").strip()
        if not text or len(text) > ITEM_TEXT_MAX:
            raise InvalidInput(
                _("第 %(index)d 个检查项应为1到%(max)d个字") % {"index": index, "max": ITEM_TEXT_MAX},
                field="items",
            )
        if text in seen:
            raise InvalidInput(_("检查项“%(text)s”重复") % {"text": text}, field="items")
        seen.add(text)
        rows.append({"key": f"i{index}", "label": text, "required": bool(item.required)})
    with transaction.atomic():
        if ChecklistTemplate.objects.filter(name=name, active=True).exists():
            raise InvalidInput(_("已有同名的启用清单,请先停用旧的"), field="name")
        template = ChecklistTemplate.objects.create(
            code=f"custom-{secrets.token_hex(6)}",
            name=name,
            description=description,
            items=rows,
            requires_answer=bool(requires_answer),
        )
        audit_record(action="visit.checklist_create", actor=actor, target=template, items=len(rows))
    return template


def checklist_template_set_active(*, actor: Any, template_id: int, active: bool) -> ChecklistTemplate:
    if not may_edit_checklists(actor):
        raise Forbidden(_("只有系统管理员可以设置检查清单"))
    with transaction.atomic():
        template = ChecklistTemplate.objects.select_for_update().filter(pk=template_id).first()
        if template is None:
            raise NotFound(_("未找到该检查清单"))
        template.active = bool(active)
        template.save(update_fields=["active"])
        audit_record(action="visit.checklist_active", actor=actor, target=template, active=template.active)
    return template
