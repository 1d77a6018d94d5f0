"""The public pages of the community service lists (anyone, signed in or not; no personal data): where to start,
a street's communities, a community's list by category with search, one item (big type, print-friendly), the
list as .xlsx, and the versions (公示) with "what did the list say on date X"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.dates import parse_day
from linli.core.errors import InvalidInput
from linli.guide import importing
from linli.guide import selectors as sel
from linli.guide.models import Category, ItemStatus
from linli.guide.permissions import keeps_anything, may_keep, may_see_figures
from linli.people.sheets import XLSX_CONTENT_TYPE
from linli.rota.selectors import desks_serving

LIST_SHOWN = 300
VERSIONS_SHOWN = 100


def index(request: HttpRequest) -> HttpResponse:
    """The streets (each a page of its communities), one's own community, and the lists one keeps."""
    user = request.user
    return render(
        request,
        "guide/index.html",
        {
            "streets": sel.streets(),
            "home": sel.home_community(user),
            "kept": sel.kept_communities(user, limit=100),
            "keeps": keeps_anything(user),
            "figures": bool(sel.figure_nodes(user, limit=1)),
        },
    )


def street(request: HttpRequest, street_id: int) -> HttpResponse:
    """A street's communities with their published items and the current version's number and date."""
    node = sel.public_street(street_id)
    return render(
        request,
        "guide/street.html",
        {
            "street": node,
            "rows": sel.overview(node).communities,
            "may_see_figures": may_see_figures(request.user, node.path),
        },
    )


def community(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's published list, grouped by category; ``?q=`` words in the name, ``?category=``."""
    place = sel.public_community(community_id)
    q = request.GET.get("q", "")[: sel.SEARCH_MAX]
    category = request.GET.get("category", "")
    error: InvalidInput | None = None
    items = []
    try:
        items = list(sel.published_items(place, q=q, category=category)[: LIST_SHOWN + 1])
    except InvalidInput as exc:
        error = exc
        category = ""
    return render(
        request,
        "guide/community.html",
        {
            "community": place,
            "street": sel.street_of(place),
            "groups": sel.grouped(items[:LIST_SHOWN]),
            "count": len(items[:LIST_SHOWN]),
            "truncated": len(items) > LIST_SHOWN,
            "q": q,
            "category": category,
            "categories": Category.choices,
            "withdrawn": sel.withdrawn_public(place) if not q and not category else [],
            "publication": sel.current_publication(place),
            "desks": desks_serving(place.path)[:1],
            "may_keep": may_keep(request.user, place.path),
            "error": error,
        },
        status=422 if error else 200,
    )


def item(request: HttpRequest, service_item_id: int) -> HttpResponse:
    """One item, as a resident reads it at the window or on a cheap phone, and prints it."""
    found = sel.access_item(request.user, service_item_id)
    keeper = may_keep(request.user, found.place_path)
    return render(
        request,
        "guide/item.html",
        {
            "item": found,
            "due": sel.due(found) if found.status != ItemStatus.WITHDRAWN else None,
            "may_keep": keeper,
            "events": sel.item_events(found) if keeper else [],
            "publication": sel.current_publication(found.community),
        },
    )


def export(request: HttpRequest, community_id: int) -> HttpResponse:
    """The published list as .xlsx (the same as the page; importable back). Audited like every export."""
    place = sel.public_community(community_id)
    items = sel.grouped(list(sel.published_items(place)[: LIST_SHOWN * 10]))
    body = importing.list_workbook(place, [i for g in items for i in g.items])
    audit_record(action="guide.list_exported", actor=request.user, target=place, request=request)
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''community-{place.pk}-services.xlsx"
    return response


def versions(request: HttpRequest, community_id: int) -> HttpResponse:
    """The community's versions, newest first; ``?on=`` a day shows the version in force then."""
    place = sel.public_community(community_id)
    error: InvalidInput | None = None
    on = None
    found = None
    try:
        on = parse_day(request.GET.get("on"), "on")
    except InvalidInput as exc:
        error = exc
    if on is not None:
        found = sel.publication_on(place, on)
    rows = list(sel.publications(place).order_by("-number")[: VERSIONS_SHOWN + 1])
    return render(
        request,
        "guide/versions.html",
        {
            "community": place,
            "rows": rows[:VERSIONS_SHOWN],
            "truncated": len(rows) > VERSIONS_SHOWN,
            "on": on,
            "found": found,
            "error": error,
        },
        status=422 if error else 200,
    )


def publication(request: HttpRequest, version_id: int) -> HttpResponse:
    found = sel.access_publication(version_id)
    current = sel.current_publication(found.community)
    return render(
        request,
        "guide/publication.html",
        {
            "publication": found,
            "community": found.community,
            "groups": sel.publication_groups(found),
            "superseded": current is not None and current.pk != found.pk,
            "current": current,
            "title": _("服务清单第 %(n)d 版") % {"n": found.number},
        },
    )
