"""The category tree page for system administrators: add, rename, retune and (de)activate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.tickets.categories import (
    HOURS,
    MAX_LEVEL,
    WORKDAYS,
    category_create,
    category_outline,
    category_update,
    is_category_admin,
)
from linli.tickets.models import Priority, UnitType


def _require_admin(user: Any) -> None:
    if not is_category_admin(user):
        raise Forbidden(_("只有系统管理员可以管理诉求分类"))


def _int(raw: str | None, field: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise InvalidInput(_("请输入整数"), field=field)
    return int(raw)


@login_required
def categories(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    if request.method == "POST":
        post = request.POST
        try:
            created = category_create(
                actor=request.user,
                name=post.get("name", ""),
                parent_id=_int(post.get("parent_id"), "parent_id"),
                default_unit_type=post.get("default_unit_type") or None,
                priority=post.get("priority") or None,
                response_hours=_int(post.get("response_hours"), "response_hours"),
                resolve_workdays=_int(post.get("resolve_workdays"), "resolve_workdays"),
            )
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已添加分类“%(name)s”") % {"name": created.full_name})
        return redirect("tickets:categories")
    rows = category_outline()
    return render(
        request,
        "tickets/categories.html",
        {
            "rows": rows,
            "parents": [c for c in rows if c.level < MAX_LEVEL and c.active],
            "unit_types": UnitType.choices,
            "priorities": Priority.choices,
            "hours": HOURS,
            "workdays": WORKDAYS,
        },
    )


@login_required
@require_POST
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    _require_admin(request.user)
    post = request.POST
    try:
        category = category_update(
            actor=request.user,
            category_id=category_id,
            name=post.get("name", ""),
            default_unit_type=post.get("default_unit_type", ""),
            priority=post.get("priority", ""),
            response_hours=_int(post.get("response_hours"), "response_hours"),
            resolve_workdays=_int(post.get("resolve_workdays"), "resolve_workdays"),
            active=post.get("active") == "on",
        )
    except (InvalidInput, Conflict, NotFound) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存“%(name)s”") % {"name": category.full_name})
    return redirect(f"{reverse('tickets:categories')}#c{category_id}")
