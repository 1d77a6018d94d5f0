from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.orgs.selectors import access_party_org, visible_organisations, visible_party_orgs

# Above this many visible nodes, the tree page stops at branches and links down.
TREE_PAGE_LIMIT = 800


@login_required
def party_tree(request: HttpRequest) -> HttpResponse:
    qs = visible_party_orgs(request.user).order_by("path")
    total = qs.count()
    summary = {row["kind"]: row["n"] for row in qs.values("kind").annotate(n=Count("pk")).order_by()}
    nodes = list(qs[:TREE_PAGE_LIMIT])
    return render(
        request,
        "orgs/party_tree.html",
        {
            "roots": _nest(nodes),
            "total": total,
            "shown": len(nodes),
            "truncated": total > len(nodes),
            "summary": [(str(label), summary.get(kind, 0)) for kind, label in PartyOrgKind.choices],
        },
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
    org = access_party_org(request.user, org_id)
    children = visible_party_orgs(request.user).filter(path__under=org.path, depth=org.depth + 1).order_by("path")
    return render(
        request,
        "orgs/party_detail.html",
        {"org": org, "children": children, "positions": org.positions.select_related("person", "place")},
    )


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    orgs = visible_organisations(request.user).select_related("home").order_by("kind", "name")[:500]
    return render(request, "orgs/organisations.html", {"orgs": orgs})
