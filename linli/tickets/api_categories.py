"""The category endpoints: anyone signed in reads the active tree; system administrators edit it.

Mounted under the request router (``linli.tickets.api``), so the paths are ``/api/v1/categories``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status

from linli.core.errors import Forbidden
from linli.core.schemas import ErrorOut, OutSchema
from linli.tickets.categories import (
    access_category,
    categories_tree,
    category_create,
    category_outline,
    category_update,
    is_category_admin,
)
from linli.tickets.models import Category

router = Router(tags=["tickets"])


class CategoryOut(OutSchema):
    id: int
    name: str
    full_name: str
    level: int
    parent_id: int | None
    default_unit_type: str
    priority: str
    response_hours: int
    resolve_workdays: int
    active: bool


class CategoryIn(Schema):
    name: str
    parent_id: int | None = None
    default_unit_type: str | None = None
    priority: str | None = None
    response_hours: int | None = None
    resolve_workdays: int | None = None


class CategoryPatch(Schema):
    """Only the fields sent change; ``active: false`` deactivates the category and those under it."""

    name: str | None = None
    default_unit_type: str | None = None
    priority: str | None = None
    response_hours: int | None = None
    resolve_workdays: int | None = None
    active: bool | None = None


class CategoryListFilter(Schema):
    include_inactive: bool = False


def category_out(c: Category | None) -> CategoryOut | None:
    if c is None:
        return None
    return CategoryOut(
        id=c.pk,
        name=c.name,
        full_name=c.full_name,
        level=c.level,
        parent_id=c.parent_id,
        default_unit_type=c.default_unit_type,
        priority=c.priority,
        response_hours=c.response_hours,
        resolve_workdays=c.resolve_workdays,
        active=c.active,
    )


def _out(c: Category) -> CategoryOut:
    out = category_out(c)
    assert out is not None
    return out


@router.get(
    "/categories",
    response={200: list[CategoryOut], 403: ErrorOut},
    operation_id="categories_list",
    summary="The active request categories (three levels); administrators may ask for inactive ones too",
)
def categories_list(request: HttpRequest, filters: Query[CategoryListFilter]) -> list[CategoryOut]:
    if filters.include_inactive:
        if not is_category_admin(request.user):
            raise Forbidden(_("只有系统管理员可以查看已停用的分类"))
        return [_out(c) for c in category_outline()]
    return [_out(c) for c in categories_tree()]


@router.post(
    "/categories",
    response={201: CategoryOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="categories_create",
    summary="Add a category (administrators); unset limits are inherited from the parent",
)
def categories_create(request: HttpRequest, payload: CategoryIn) -> Status[CategoryOut]:
    category = category_create(actor=request.user, **payload.dict())
    return Status(201, _out(access_category(category.pk)))


@router.patch(
    "/categories/{category_id}",
    response={200: CategoryOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    operation_id="categories_update",
    summary="Rename, retune or (de)activate a category (administrators)",
)
def categories_update(request: HttpRequest, category_id: int, payload: CategoryPatch) -> CategoryOut:
    fields: dict[str, Any] = payload.dict(exclude_unset=True)
    category_update(actor=request.user, category_id=category_id, **fields)
    return _out(access_category(category_id))
