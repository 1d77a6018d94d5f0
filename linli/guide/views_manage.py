"""The pages of those who keep a community's list: the list with its drafts (reorder, publish, import from Excel),
the item form (new and edit, withdraw), and the figures of a street or community.

A community whose list the user does not keep, or an item of one, is the 404 of a missing id. A refused form comes
back with what was typed and the error naming the field (422); nothing is half-applied."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.dates import period_or_default
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.forms import pick
from linli.guide import importing
from linli.guide import selectors as sel
from linli.guide import services as s
from linli.guide.models import DEFAULT_FEE, Category, Channel, ItemStatus, Mode, ServiceItem
from linli.places.models import Place

FORMS = {"publish", "import", "move_up", "move_down"}


def _error(form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form, "error_rows": getattr(error, "rows", [])}


@login_required
def manage(request: HttpRequest, community_id: int) -> HttpResponse:
    community = sel.kept_community(request.user, community_id)
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in FORMS else ""
        try:
            done = _act(request, community, form)
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect("guide:manage", community.pk)
    items = sel.kept_list(community)
    return render(
        request,
        "guide/manage.html",
        {
            "community": community,
            "groups": sel.grouped(items),
            "drafts": sum(1 for i in items if i.status == ItemStatus.DRAFT),
            "published": sum(1 for i in items if i.status == ItemStatus.PUBLISHED),
            "publication": sel.current_publication(community),
            "data": request.POST if error else {},
            **_error(form, error),
        },
        status=422 if error else 200,
    )


def _act(request: HttpRequest, community: Place, form: str) -> str:
    user, data = request.user, request.POST
    if form == "publish":
        publication, created = s.list_publish(actor=user, community=community, note=data.get("note", ""))
        if not created:
            return _("清单没有变化,仍为第 %(n)d 版。") % {"n": publication.number}
        return _("已公示服务清单第 %(n)d 版,共 %(count)d 项。") % {
            "n": publication.number,
            "count": publication.item_count,
        }
    if form in ("move_up", "move_down"):
        options = ServiceItem.objects.filter(community=community).exclude(status=ItemStatus.WITHDRAWN)
        found = pick(options, data.get("item_id"), "item_id", _("事项"))
        s.item_move(actor=user, item=found, up=form == "move_up")
        return _("已调整“%(name)s”的顺序。") % {"name": found.name}
    if form == "import":
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(_("请选择要导入的 Excel 文件"), field="file")
        result = importing.items_import(
            actor=user,
            community=community,
            stream=upload.file,
            name=upload.name or "",
            size=upload.size or 0,
            only_valid=data.get("only_valid") == "1",
        )
        done = _("导入完成:新增 %(created)d 项(草稿),更新 %(updated)d 项,未变 %(unchanged)d 项。") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.skipped:
            done += _("有误未导入 %(n)d 行:%(rows)s") % {
                "n": len(result.skipped),
                "rows": ";".join(str(r) for r in result.skipped[:5]),
            }
        return done
    raise InvalidInput(_("请使用页面上的表单提交"))


# ----------------------------------------------------------------------------- the item form


def _fields(data: Any) -> s.ItemFields:
    return s.ItemFields(
        name=data.get("name", ""),
        category=data.get("category", ""),
        audience=data.get("audience", ""),
        materials=data.get("materials", ""),
        channels=data.getlist("channels"),
        location=data.get("location", ""),
        hours=data.get("hours", ""),
        time_limit_days=data.get("time_limit_days", ""),
        mode=data.get("mode", ""),
        on_order=bool(data.get("on_order")),
        fee=data.get("fee", ""),
        responsible_post=data.get("responsible_post", ""),
        basis=data.get("basis", ""),
        notes=data.get("notes", ""),
    )


def _initial(item: ServiceItem | None) -> dict[str, Any]:
    if item is None:
        return {
            "name": "", "category": "", "audience": "", "materials": "", "channels": [Channel.WINDOW],
            "location": "", "hours": "", "time_limit_days": 0, "mode": Mode.INSTANT, "on_order": False,
            "fee": DEFAULT_FEE, "responsible_post": "", "basis": "", "notes": "",
        }  # fmt: skip
    # The item as a publication freezes it, with the materials one a line as the form's textarea takes them.
    return {**s.public_line(item), "materials": "\n".join(item.materials)}


def _posted(data: Any) -> dict[str, Any]:
    values = {name: data.get(name, "") for name in _initial(None)}
    values["channels"] = data.getlist("channels")
    values["on_order"] = bool(data.get("on_order"))
    return values


def _form_context(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "v": values,
        "categories": Category.choices,
        "modes": Mode.choices,
        "channel_choices": Channel.choices,
    }


@login_required
def item_new(request: HttpRequest, community_id: int) -> HttpResponse:
    community = sel.kept_community(request.user, community_id)
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        try:
            created, _new = s.item_create(
                actor=request.user,
                community=community,
                fields=_fields(request.POST),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已添加事项“%(name)s”(草稿,公示后对外公布)。") % {"name": created.name})
            return redirect("guide:manage", community.pk)
    return render(
        request,
        "guide/item_form.html",
        {
            "community": community,
            "item": None,
            "idempotency_key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
            **_form_context(_posted(request.POST) if error else _initial(None)),
            **_error("item", error),
        },
        status=422 if error else 200,
    )


@login_required
def item_edit(request: HttpRequest, service_item_id: int) -> HttpResponse:
    found = sel.access_kept_item(request.user, service_item_id)
    error: InvalidInput | Conflict | None = None
    form = ""
    if request.method == "POST":
        form = "withdraw" if request.POST.get("form") == "withdraw" else "item"
        try:
            if form == "withdraw":
                s.item_withdraw(actor=request.user, item=found, reason=request.POST.get("reason", ""))
                messages.success(request, _("已停办“%(name)s”。") % {"name": found.name})
            else:
                saved = s.item_update(actor=request.user, item=found, fields=_fields(request.POST))
                messages.success(request, _("已保存“%(name)s”。") % {"name": saved.name})
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("guide:item", found.pk)
    if found.status == ItemStatus.WITHDRAWN and error is None:
        return redirect("guide:item", found.pk)
    return render(
        request,
        "guide/item_form.html",
        {
            "community": found.community,
            "item": found,
            "reason": request.POST.get("reason", "") if error else "",
            **_form_context(_posted(request.POST) if error and form == "item" else _initial(found)),
            **_error(form, error),
        },
        status=422 if error else 200,
    )


# ----------------------------------------------------------------------------- figures


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """The figures of a street or community the user manages or leads (``?node=``; default the first)."""
    nodes = sel.figure_nodes(request.user)
    if not nodes:
        raise Forbidden(_("您的岗位不查看服务清单统计"))
    raw = request.GET.get("node", "")
    node = next((n for n in nodes if str(n.pk) == raw.strip()), nodes[0])
    since, until, period_error = period_or_default(request.GET, sel.default_period())
    if (until - since).days > 366 * 5:
        since, until = sel.default_period()
        period_error = InvalidInput(_("统计期间最长五年"), field="to")
    f = sel.figures(request.user, node, since=since, until=until)
    return render(
        request,
        "guide/figures.html",
        {"nodes": nodes, "node": node, "f": f, "since": since, "until": until, "period_error": period_error},
        status=422 if period_error else 200,
    )
