"""The request category tree (一级/二级/三级分类): reads and the administrators' edits.

Categories are configuration, not scoped data: everyone reads the active ones; only system
administrators (``admin``: ``scope_for(user).everything``) create, rename, retune or deactivate
them, and every edit is audited. A deactivated category is no longer offered at intake; requests
already filed under it keep it. Deactivating a node deactivates the nodes under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.scoping import get_or_not_found, scope_for
from linli.tickets.models import Category, Priority, UnitType

DEFAULT_RESPONSE_HOURS = 24
DEFAULT_RESOLVE_WORKDAYS = 5
MAX_LEVEL = 3
NAME_MAX = 64
HOURS = (1, 720)
WORKDAYS = (1, 250)


def is_category_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and scope_for(user).everything


def _require_admin(actor: Any) -> None:
    if not is_category_admin(actor):
        raise Forbidden(_("只有系统管理员可以修改分类"))


# --- reads -----------------------------------------------------------------------------------------


def categories_tree() -> list[Category]:
    """The active categories, parents before children (for pickers and the public API)."""
    return list(Category.objects.filter(active=True).select_related("parent__parent").order_by("level", "name"))


def leaf_categories() -> list[Category]:
    """Categories a resident picks from, shown with their full path."""
    rows = categories_tree()
    parents = {c.parent_id for c in rows if c.parent_id}
    return sorted([c for c in rows if c.pk not in parents], key=lambda c: c.full_name)


def category_outline(*, include_inactive: bool = True) -> list[Category]:
    """Every category in depth-first tree order (一级, its 二级, their 三级 …), in one query."""
    qs = Category.objects.select_related("parent__parent")
    if not include_inactive:
        qs = qs.filter(active=True)
    rows = list(qs)
    children: dict[int | None, list[Category]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    out: list[Category] = []

    def walk(parent_id: int | None) -> None:
        for c in sorted(children.get(parent_id, []), key=lambda c: c.name):
            out.append(c)
            walk(c.pk)

    walk(None)
    return out


def access_category(pk: Any) -> Category:
    return get_or_not_found(Category.objects.select_related("parent__parent"), pk, message=_("未找到该分类"))


# --- validation ------------------------------------------------------------------------------------


def _name(value: Any) -> str:
    name = ("" if value is None else str(value)).strip()
    if not name:
        raise InvalidInput(_("请填写分类名称"), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(_("分类名称最多 %(max)d 个字") % {"max": NAME_MAX}, field="name")
    return name


def _int_in(value: Any, bounds: tuple[int, int], *, field: str, label: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("%(label)s应在 %(low)d 到 %(high)d 之间") % {"label": label, "low": low, "high": high}, field=field
        )
    return value


def _unit_type(value: Any) -> str:
    if value not in ("", *UnitType.values):
        raise InvalidInput(_("未知办理单位类型"), field="default_unit_type")
    return str(value)


def _priority(value: Any) -> str:
    if value not in Priority.values:
        raise InvalidInput(_("未知优先级"), field="priority")
    return str(value)


def _unique(parent: Category | None, name: str, *, exclude: int | None = None) -> None:
    clash = Category.objects.filter(parent=parent, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(_("同一上级下已有名为“%(name)s”的分类") % {"name": name}, field="name")


def _descendant_ids(category: Category) -> list[int]:
    below = list(Category.objects.filter(parent=category).values_list("pk", flat=True))
    return below + list(Category.objects.filter(parent_id__in=below).values_list("pk", flat=True))


# --- writes ----------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    existing: int = 0


def category_create(
    *,
    actor: Any,
    name: str,
    parent_id: int | None = None,
    default_unit_type: str | None = None,
    priority: str | None = None,
    response_hours: int | None = None,
    resolve_workdays: int | None = None,
) -> Category:
    """Add a category at the top or under a 一级/二级 one; unset limits are inherited from the parent."""
    _require_admin(actor)
    name = _name(name)
    with transaction.atomic():
        parent = None
        if parent_id is not None:
            parent = Category.objects.select_for_update().filter(pk=parent_id).first()
            if parent is None:
                raise InvalidInput(_("上级分类不存在"), field="parent_id")
            if parent.level >= MAX_LEVEL:
                raise InvalidInput(_("分类最多三级,不能在三级分类下再添加"), field="parent_id")
            if not parent.active:
                raise Conflict(_("上级分类已停用,请先启用"), field="parent_id")
        _unique(parent, name)
        category = Category.objects.create(
            parent=parent,
            level=parent.level + 1 if parent else 1,
            name=name,
            default_unit_type=_unit_type(
                default_unit_type if default_unit_type is not None else (parent.default_unit_type if parent else "")
            ),
            priority=_priority(priority if priority is not None else (parent.priority if parent else Priority.LOW)),
            response_hours=_int_in(
                response_hours
                if response_hours is not None
                else (parent.response_hours if parent else DEFAULT_RESPONSE_HOURS),
                HOURS,
                field="response_hours",
                label=_("响应时限(小时)"),
            ),
            resolve_workdays=_int_in(
                resolve_workdays
                if resolve_workdays is not None
                else (parent.resolve_workdays if parent else DEFAULT_RESOLVE_WORKDAYS),
                WORKDAYS,
                field="resolve_workdays",
                label=_("办理时限(工作日)"),
            ),
        )
        audit_record(action="category.created", actor=actor, target=category, name=name, parent_id=parent_id)
    return category


def category_update(
    *,
    actor: Any,
    category_id: int,
    name: str | None = None,
    default_unit_type: str | None = None,
    priority: str | None = None,
    response_hours: int | None = None,
    resolve_workdays: int | None = None,
    active: bool | None = None,
) -> Category:
    """Rename, retune or (de)activate one category; ``None`` leaves a field as it is.

    Deactivating also deactivates everything under it; reactivating needs an active parent.
    New limits apply to requests filed from now on (existing deadlines are not recomputed).
    """
    _require_admin(actor)
    with transaction.atomic():
        category = (
            Category.objects.select_for_update(of=("self",)).select_related("parent").filter(pk=category_id).first()
        )
        if category is None:
            raise NotFound(_("未找到该分类"))
        changes: dict[str, Any] = {}

        def change(field: str, value: Any) -> None:
            if getattr(category, field) != value:
                changes[field] = [getattr(category, field), value]
                setattr(category, field, value)

        if name is not None:
            new_name = _name(name)
            if new_name != category.name:
                _unique(category.parent, new_name, exclude=category.pk)
            change("name", new_name)
        if default_unit_type is not None:
            change("default_unit_type", _unit_type(default_unit_type))
        if priority is not None:
            change("priority", _priority(priority))
        if response_hours is not None:
            change("response_hours", _int_in(response_hours, HOURS, field="response_hours", label=_("响应时限(小时)")))
        if resolve_workdays is not None:
            change(
                "resolve_workdays",
                _int_in(resolve_workdays, WORKDAYS, field="resolve_workdays", label=_("办理时限(工作日)")),
            )
        if active is not None:
            if active and category.parent is not None and not category.parent.active:
                raise Conflict(_("上级分类已停用,请先启用上级分类"), field="active")
            change("active", bool(active))
        if not changes:
            return category
        category.save()
        below: list[int] = []
        if changes.get("active") == [True, False]:
            below = _descendant_ids(category)
            Category.objects.filter(pk__in=below, active=True).update(active=False, updated_at=timezone.now())
        audit_record(
            action="category.updated",
            actor=actor,
            target=category,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
            deactivated_below=len(below),
        )
    return category


def category_import(*, actor: Any, rows: list[tuple[str, str, str]]) -> ImportResult:
    """Create the (一级, 二级, 三级) paths that do not exist yet. Idempotent; blank levels end a path.
    ``rows`` are the spreadsheet's rows below its header, blank ones included (errors name row numbers).

    ``actor=None`` is the management command run by whoever operates the server.
    """
    if actor is not None:
        _require_admin(actor)
    result = ImportResult()
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            names = [(n or "").strip() for n in row]
            if not any(names):  # a blank spreadsheet row: skipped, and the next rows keep their numbers
                continue
            if not names[0]:
                raise InvalidInput(_("第 %(line)d 行缺少一级分类") % {"line": line}, field="一级分类")
            if names[2] and not names[1]:
                raise InvalidInput(_("第 %(line)d 行有三级分类但缺少二级分类") % {"line": line}, field="二级分类")
            parent: Category | None = None
            for level, name in enumerate(names, start=1):
                if not name:
                    break
                if len(name) > NAME_MAX:
                    raise InvalidInput(
                        _("第 %(line)d 行分类名称超过 %(max)d 字") % {"line": line, "max": NAME_MAX},
                        field="name",
                    )
                node = Category.objects.filter(parent=parent, name=name).first()
                if node is None:
                    node = Category.objects.create(
                        parent=parent,
                        name=name,
                        level=level,
                        default_unit_type=parent.default_unit_type if parent else UnitType.GRID,
                        priority=parent.priority if parent else Priority.LOW,
                        response_hours=parent.response_hours if parent else DEFAULT_RESPONSE_HOURS,
                        resolve_workdays=parent.resolve_workdays if parent else DEFAULT_RESOLVE_WORKDAYS,
                    )
                    result.created += 1
                else:
                    result.existing += 1
                parent = node
        audit_record(
            action="category.imported",
            actor=actor,
            actor_label="" if actor else "import_categories",
            created=result.created,
        )
    return result
