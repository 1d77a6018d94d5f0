"""The party organisation pages: the tree of active orgs (with forms to set up a 党工委 or a child org, and
the 已撤销 section below it) and one org (with forms to add below it, rename, re-anchor and dissolve or merge
it; a dissolved org's page shows when, why and into what). Forms are shown only to those who may use them;
a refused form comes back with what was typed and the error beside its field (422)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput
from linli.orgs import services as s
from linli.orgs.models import PARTY_ORG_CHILDREN, PartyOrg, PartyOrgKind
from linli.orgs.selectors import (
    access_party_org,
    active_party_orgs,
    anchor_places,
    dissolved_party_orgs,
    managed_places,
    merge_options,
    parent_of,
    parent_options,
    reanchor_places,
    unit_options,
    visible_party_orgs,
)
from linli.orgs.views_common import form_error, pick
from linli.places.models import PlaceKind

# Above this many visible nodes, the tree page stops at branches and links down.
TREE_PAGE_LIMIT = 800

# The places the tree page's "add a child org" form offers (the org page offers its own place and below).
TREE_PICKER_KINDS = (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING)

# The fields each form shows; an error on another field (or none) is shown at the top of its form.
FORM_FIELDS: dict[str, set[str]] = {
    "root": {"name", "place_id"},
    "child": {"parent_id", "kind", "name", "place_id"},
    "rename": {"name"},
    "reanchor": {"place_id"},
    "organisation": {"organisation_id"},
    "dissolve": {"reason", "merged_into_id"},
}


def _child_kinds(kinds: Iterable[str]) -> list[tuple[str, str]]:
    wanted = set(kinds)
    return [(kind, str(label)) for kind, label in PartyOrgKind.choices if kind in wanted]


@login_required
def party_tree(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_found = s.may_found_roots(user)
    root_places = managed_places(user, s.ROOT_PLACE_KINDS) if may_found else []
    parents = parent_options(user)
    tree_places = managed_places(user, TREE_PICKER_KINDS) if parents else []
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        data = request.POST
        try:
            if form == "root" and may_found:
                org = s.party_org_create(
                    actor=user,
                    parent=None,
                    kind=PartyOrgKind.WORKING_COMMITTEE,
                    name=data.get("name", ""),
                    place=pick(root_places, data.get("place_id"), "place_id", _("所在地")),
                    idempotency_key=data.get("idempotency_key", ""),
                )
            elif form == "child" and parents:
                org = s.party_org_create(
                    actor=user,
                    parent=pick(parents, data.get("parent_id"), "parent_id", _("上级组织")),
                    kind=data.get("kind", ""),
                    name=data.get("name", ""),
                    place=pick(tree_places, data.get("place_id"), "place_id", _("所在地")),
                    idempotency_key=data.get("idempotency_key", ""),
                )
            else:
                raise InvalidInput(_("请使用页面上的表单提交"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已设立“%(org)s”。") % {"org": org.name})
            return redirect("orgs:party_detail", org.pk)

    qs = active_party_orgs(user).order_by("path")
    total = qs.count()
    summary = {row["kind"]: row["n"] for row in qs.values("kind").annotate(n=Count("pk")).order_by()}
    nodes = list(qs[:TREE_PAGE_LIMIT])
    child_kinds = [k for k in PartyOrgKind.values if k != PartyOrgKind.WORKING_COMMITTEE]
    return render(
        request,
        "orgs/party_tree.html",
        {
            "roots": _nest(nodes),
            "total": total,
            "shown": len(nodes),
            "truncated": total > len(nodes),
            "summary": [(str(label), summary.get(kind, 0)) for kind, label in PartyOrgKind.choices],
            "root_places": root_places,
            "parents": parents,
            "tree_places": tree_places,
            "child_kinds": _child_kinds(child_kinds),
            "dissolved": dissolved_party_orgs(user),
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,  # each form shown is one org; a refused one gets a new key
            **form_error(FORM_FIELDS, form, error),
        },
        status=422 if error else 200,
    )


def _nest(nodes: list[PartyOrg]) -> list[dict[str, Any]]:
    """Path-ordered nodes → nested dicts; a node whose parent is not visible becomes a root."""
    by_path: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for node in nodes:
        item = {"org": node, "children": []}
        by_path[node.path] = item
        parent = by_path.get(node.path[: -PartyOrg.steplen])
        (parent["children"] if parent else roots).append(item)
    return roots


@login_required
def party_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    user = request.user
    org = access_party_org(user, org_id)
    parent = parent_of(org)
    may_manage = s.may_change_party_org(user, org)
    may_change = may_manage and not org.is_dissolved  # a dissolved org is a record: nothing to change
    kinds = PARTY_ORG_CHILDREN[org.kind] if not org.is_dissolved else set()
    add_places = anchor_places(user, org) if kinds else []
    move_places = reanchor_places(user, org, parent) if may_change else []
    merge_choices = merge_options(user, org) if may_change else []
    units = unit_options(user, org) if may_change and org.kind in s.UNIT_PARTY_KINDS else []
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        data = request.POST
        try:
            if form == "child" and add_places:
                child = s.party_org_create(
                    actor=user,
                    parent=org,
                    kind=data.get("kind", ""),
                    name=data.get("name", ""),
                    place=pick(add_places, data.get("place_id"), "place_id", _("所在地")),
                    idempotency_key=data.get("idempotency_key", ""),
                )
                messages.success(request, _("已设立“%(org)s”。") % {"org": child.name})
            elif form == "rename" and may_change:
                s.party_org_rename(actor=user, org=org, name=data.get("name", ""))
                messages.success(request, _("名称已修改。"))
            elif form == "organisation" and units:
                raw_unit = data.get("organisation_id")
                unit = pick(units, raw_unit, "organisation_id", _("所在单位")) if raw_unit else None
                s.party_org_set_organisation(actor=user, org=org, organisation=unit)
                messages.success(request, _("所在单位已登记。") if unit else _("已改为居民党组织(无所在单位)。"))
            elif form == "reanchor" and may_change:
                place = pick(move_places, data.get("place_id"), "place_id", _("所在地"))
                s.party_org_reanchor(actor=user, org=org, place=place)
                messages.success(request, _("所在地已调整为“%(place)s”。") % {"place": place.name})
            elif form == "dissolve" and may_manage:  # a second submit of a done dissolution is answered as done
                offered = merge_choices or ([org.merged_into] if org.merged_into else [])
                raw_target = data.get("merged_into_id")
                target = pick(offered, raw_target, "merged_into_id", _("合并到的组织")) if raw_target else None
                done = s.party_org_dissolve(actor=user, org=org, reason=data.get("reason", ""), merged_into=target)
                if not done.deleted:
                    messages.success(request, _("“%(org)s”已撤销,历史记录继续保留。") % {"org": org.name})
                    if done.members_moved and target is not None:
                        messages.success(
                            request,
                            _("%(n)d 名党员已随之转入“%(org)s”。") % {"n": done.members_moved, "org": target.name},
                        )
                    return redirect("orgs:party_detail", org.pk)
                messages.success(request, _("已撤销“%(org)s”。") % {"org": org.name})
                if parent is not None and visible_party_orgs(user).filter(pk=parent.pk).exists():
                    return redirect("orgs:party_detail", parent.pk)
                return redirect("orgs:party_tree")
            else:
                raise InvalidInput(_("请使用页面上的表单提交"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("orgs:party_detail", org.pk)
    below = visible_party_orgs(user).filter(path__under=org.path, depth=org.depth + 1).order_by("path")
    children = [child for child in below if not child.is_dissolved]
    return render(
        request,
        "orgs/party_detail.html",
        {
            "org": org,
            "parent": parent,
            "children": children,
            "dissolved_children": [child for child in below if child.is_dissolved],
            "merged_from": list(org.merged_from.order_by("path")),
            "positions": org.positions.select_related("person", "place"),
            "may_change": may_change,
            "merge_choices": merge_choices,
            "units": units,
            "current_members": s.current_members(org).count() if may_change else 0,
            "history": s.dissolve_history(org) if may_change else [],
            "child_kinds": _child_kinds(kinds),
            "add_places": add_places,
            "move_places": move_places,
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,
            **form_error(FORM_FIELDS, form, error),
        },
        status=422 if error else 200,
    )
