"""The setting-up pages: a community's 事项模板 (kept by community staff and copied into its compounds, where
each copy is refined) and the staffing standard a place follows (a street or community may keep its own)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.i18n import seeded
from linli.teams import selectors as sel
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import DutyItem
from linli.teams.permissions import may_manage, may_manage_standard
from linli.teams.views import FIELD_ALIASES, ancestors_in_sight, remove_item
from linli.teams.views_common import (
    CATEGORY_CHOICES,
    FREQUENCY_CHOICES,
    assignee_options,
    form_error,
    item_rows,
    new_item_values,
    parse_assignee,
    pick,
)

TEMPLATE_FIELDS: dict[str, set[str]] = {
    "item_create": {"category", "title", "detail", "frequency", "assignee"},
    "item_update": {"category", "title", "detail", "frequency", "assignee"},
    "item_remove": set(),
    "copy": {"compound_ids"},
}
STANDARD_FIELDS: dict[str, set[str]] = {
    "adopt": set(),
    "drop": set(),
    "post_save": {"code", "name", "fixed", "per_building", "sort"},
    "post_remove": {"code"},
}


def _refused(exc: InvalidInput | Conflict) -> InvalidInput | Conflict:
    if exc.field in FIELD_ALIASES:
        exc.field = FIELD_ALIASES[exc.field]
    return exc


@login_required
def template(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's 事项模板: items assigned to posts, and copying them into the community's compounds."""
    user = request.user
    community = sel.access_community(user, community_id)
    editable = may_manage(user, community.path)
    compounds = sel.compounds_of(community)
    form, error = "", None
    if request.method == "POST":
        if not editable:
            raise Forbidden(_("您的岗位只能查看本社区的事项模板"))
        form = request.POST.get("form", "")
        form = form if form in TEMPLATE_FIELDS else ""
        data = request.POST
        try:
            if form == "item_create":
                post, _member = parse_assignee(data.get("assignee"), [])
                item, _created = si.item_create(
                    actor=user,
                    place=community,
                    duty=_duty(data, post),
                    idempotency_key=data.get("idempotency_key", ""),
                )
                done = _("已添加事项“%(title)s”。") % {"title": item.title}
            elif form == "item_update":
                item = pick(DutyItem.objects.filter(place=community), data.get("duty_id"), "duty_id", _("事项"))
                post, _member = parse_assignee(data.get("assignee"), [])
                si.item_update(actor=user, item=item, duty=_duty(data, post))
                done = _("已保存事项“%(title)s”。") % {"title": item.title}
            elif form == "item_remove":
                done = remove_item(user, community, data.get("duty_id"))
            elif form == "copy":
                chosen = [pick(compounds, raw, "compound_ids", _("小区")) for raw in data.getlist("compound_ids")]
                if not chosen:
                    raise InvalidInput(_("请至少选择一个小区"), field="compound_ids")
                result = si.items_copy(actor=user, community=community, compounds=chosen)
                done = _("已复制 %(n)d 项到所选小区(已有的 %(skipped)d 项未重复复制)。") % {
                    "n": result.created,
                    "skipped": result.skipped,
                }
            else:
                raise InvalidInput(_("请使用页面上的表单提交"))
        except (InvalidInput, Conflict) as exc:
            error = _refused(exc)
        else:
            messages.success(request, done)
            return redirect("teams:template", community.pk)
    standard = sel.standard_for(community.path)
    posts = sel.active_posts(standard)
    names = sel.post_names(standard)
    items = sel.place_items(community)
    rows = item_rows(items, names, request.POST, form if error else "")
    if error and form in ("item_update", "item_remove") and not any(row["open"] for row in rows):
        form = ""  # the item is gone: the error shows at the top of the page
    counts = sel.items_summary(compounds)
    return render(
        request,
        "teams/template.html",
        {
            "community": community,
            "crumbs": ancestors_in_sight(user, community),
            "items": rows,
            "new_item": new_item_values(request.POST, form if error else ""),
            "compounds": [(c, counts.get(c.pk, 0)) for c in compounds],
            "editable": editable,
            "formula": sel.formula(standard),
            "assignees": assignee_options(posts, []) if editable else [],
            "categories": CATEGORY_CHOICES,
            "frequencies": FREQUENCY_CHOICES,
            "data": request.POST if error else {},
            "chosen": request.POST.getlist("compound_ids") if error else [],
            "idempotency_key": uuid.uuid4().hex,
            **form_error(TEMPLATE_FIELDS, form, error),
        },
        status=422 if error else 200,
    )


def _duty(data: Any, post: str) -> si.Duty:
    return si.Duty(
        category=data.get("category", ""),
        title=data.get("title", ""),
        detail=data.get("detail", ""),
        frequency=data.get("frequency", ""),
        post=post,
    )


@login_required
def standards(request: HttpRequest) -> HttpResponse:
    """The standard a place follows (``?place=``, default: the user's top node), and for those who manage the
    place: keep one of its own, add or change posts, switch posts off."""
    user = request.user
    place = sel.coverage_node(user, request.GET.get("place"), field="place")
    standard = sel.standard_for(place.path)
    own = standard is not None and standard.place_path == place.path
    may_edit = standard is not None and (own or standard.is_default) and may_manage_standard(user, standard)
    may_keep = place.kind in sel.STANDARD_PLACE_KINDS and may_manage(user, place.path)
    may_adopt = may_keep and not own
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in STANDARD_FIELDS else ""
        if (form in ("adopt", "drop") and not may_keep) or (form.startswith("post_") and not may_edit):
            raise Forbidden(_("您的岗位无权修改“%(place)s”执行的配备标准") % {"place": place.name})
        data = request.POST
        try:
            if form == "adopt":
                s.standard_adopt(actor=user, place=place)
                done = _("“%(place)s”已设置本级配备标准,可在下方调整岗位和人数。") % {"place": place.name}
            elif form == "drop" and own and standard is not None:
                s.standard_drop(actor=user, standard=standard)
                done = _("“%(place)s”已撤销本级标准,恢复执行上级标准。") % {"place": place.name}
            elif form == "post_save" and standard is not None:
                post, created = s.post_save(
                    actor=user,
                    standard=standard,
                    code=data.get("code"),
                    name=data.get("name"),
                    fixed=data.get("fixed"),
                    per_building=data.get("per_building"),
                    sort=data.get("sort"),
                )
                done = (_("已新增岗位“%(post)s”。") if created else _("已保存岗位“%(post)s”。")) % {
                    "post": seeded(post.name)
                }
            elif form == "post_remove" and standard is not None:
                post = s.post_remove(actor=user, standard=standard, code=data.get("code"))
                done = _("已撤销岗位“%(post)s”。") % {"post": seeded(post.name)}
            else:
                raise InvalidInput(_("请使用页面上的表单提交"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect(f"{request.path}?place={place.pk}")
    return render(
        request,
        "teams/standards.html",
        {
            "place": place,
            "crumbs": ancestors_in_sight(user, place),
            "standard": standard,
            "own": own,
            "formula": sel.formula(standard),
            "posts": list(standard.posts.order_by("sort", "id")) if standard is not None else [],
            "may_edit": may_edit,
            "may_adopt": may_adopt,
            "may_drop": may_keep and own,
            "places": sel.standard_places(user),
            "data": request.POST if error else {},
            **form_error(STANDARD_FIELDS, form, error),
        },
        status=422 if error else 200,
    )
