"""Pages of smart dispatch: model status and training (admins), category keywords, the accuracy audit,
hot spots with 未诉先办, and the two partials shown at intake and on a request's page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import is_staff_like
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import scope_for
from linli.places.models import Place
from linli.places.selectors import access_place
from linli.routing.engine import suggest
from linli.routing.selectors import accuracy_audit, hot_groups_for, model_versions, similar_requests
from linli.routing.services import duplicate_merge, keywords_set, model_train, proactive_case_open
from linli.tickets.categories import leaf_categories
from linli.tickets.metrics import node_for
from linli.tickets.models import Category
from linli.tickets.selectors import access_ticket


def _staff(user: Any) -> None:
    if not is_staff_like(user):
        raise Forbidden(_("该页面仅供工作人员使用"))


def _admin(user: Any) -> None:
    if not scope_for(user).everything:
        raise Forbidden(_("该页面仅供系统管理员使用"))


def _int(raw: Any) -> int | None:
    return parse_id(raw)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _staff(request.user)
    versions = model_versions(20)
    return render(
        request,
        "routing/home.html",
        {
            "versions": versions,
            "current": versions[0] if versions else None,
            "is_admin": scope_for(request.user).everything,
            "threshold": settings.ROUTING_AUTO_ASSIGN_CONFIDENCE,
            "min_labelled": settings.ROUTING_MIN_LABELLED,
        },
    )


@login_required
@require_POST
def train(request: HttpRequest) -> HttpResponse:
    try:
        row = model_train(actor=request.user, trigger="manual")
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        f1 = _(",交叉验证 macro-F1 %(f1).3f") % {"f1": row.macro_f1} if row.macro_f1 is not None else ""
        figures = {"v": row.version, "n": row.trained_on, "f1": f1}
        messages.success(request, _("已训练模型 v%(v)s(%(n)s 条%(f1)s)") % figures)
    return redirect("routing:home")


@login_required
def keywords(request: HttpRequest) -> HttpResponse:
    _admin(request.user)
    if request.method == "POST":
        try:
            category_id = _int(request.POST.get("category_id"))
            if category_id is None:
                raise InvalidInput(_("请选择分类"), field="category_id")
            keywords_set(actor=request.user, category_id=category_id, words=request.POST.get("words", ""))
        except (InvalidInput, NotFound) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("关键词已保存"))
        return redirect("routing:keywords")
    cats = leaf_categories()
    words = dict(Category.objects.filter(routing_keywords__isnull=False).values_list("pk", "routing_keywords__words"))
    return render(request, "routing/keywords.html", {"rows": [(c, words.get(c.pk, "")) for c in cats]})


@login_required
def accuracy(request: HttpRequest) -> HttpResponse:
    _admin(request.user)
    return render(request, "routing/accuracy.html", {"audit": accuracy_audit()})


@login_required
def hotspots(request: HttpRequest) -> HttpResponse:
    _staff(request.user)
    node = node_for(request.user, _int(request.GET.get("node")))
    days = _int(request.GET.get("days")) or 30
    if not 7 <= days <= 180:
        raise InvalidInput(_("天数应在 7 到 180 之间"), field="days")
    groups = hot_groups_for(request.user, node=node, days=days)
    roots = list(Place.objects.filter(scope_for(request.user).q("path"), depth__lte=4).order_by("path")[:200])
    return render(request, "routing/hotspots.html", {"groups": groups, "node": node, "days": days, "nodes": roots})


@login_required
@require_POST
def open_case(request: HttpRequest) -> HttpResponse:
    _staff(request.user)
    try:
        ticket = proactive_case_open(
            actor=request.user,
            place_id=_int(request.POST.get("place_id")) or 0,
            category_id=_int(request.POST.get("category_id")),
            days=_int(request.POST.get("days")) or 30,
        )
    except (Conflict, InvalidInput, Forbidden) as exc:
        messages.error(request, exc.message)
        return redirect("routing:hotspots")
    messages.success(request, _("已立案(未诉先办)%(number)s") % {"number": ticket.number})
    return redirect("tickets:detail", ticket.pk)


@login_required
def intake_panel(request: HttpRequest) -> HttpResponse:
    """The live partial beside the staff intake form: top 3 categories and similar open requests."""
    _staff(request.user)
    title = request.GET.get("title", "")[:100]
    description = request.GET.get("description", "")[:5000]
    prediction = suggest(title=title, description=description) if (title + description).strip() else None
    similar = []
    place_id = _int(request.GET.get("place_id"))
    if place_id and description.strip():
        place = access_place(request.user, place_id)
        similar = similar_requests(request.user, title=title, description=description, place=place)
    return render(request, "routing/_intake_panel.html", {"prediction": prediction, "similar": similar})


@login_required
@require_POST
def merge(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One action from the request page: merge this request into a similar one, or that one into this."""
    ticket = access_ticket(request.user, ticket_id)
    other = access_ticket(request.user, _int(request.POST.get("other_id")))
    duplicate, master = (other, ticket) if request.POST.get("direction") == "into_this" else (ticket, other)
    try:
        duplicate_merge(actor=request.user, duplicate_id=duplicate.pk, master_id=master.pk)
    except (Conflict, InvalidInput, Forbidden) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已将 %(a)s 合并到 %(b)s") % {"a": duplicate.number, "b": master.number})
    return redirect("tickets:detail", ticket.pk)
