from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.scoping import scope_for
from linli.orgs.models import Organisation, PartyOrg
from linli.places.models import CompoundProfile, PlaceKind
from linli.places.security import FIGURE_KINDS, closed_loop_summary, compound_register
from linli.places.selectors import (
    access_place,
    ancestors_of,
    children_of,
    counts_under,
    may_manage_place,
    positions_at,
    scope_roots,
)
from linli.places.sizing import SIZED_KINDS


@login_required
def index(request: HttpRequest) -> HttpResponse:
    roots = list(scope_roots(request.user))
    counts = counts_under(roots)
    return render(
        request,
        "places/index.html",
        {"rows": [(n, counts[n.pk]) for n in roots]},
    )


@login_required
def detail(request: HttpRequest, place_id: int) -> HttpResponse:
    node = access_place(request.user, place_id)
    children = children_of(node)
    counts = counts_under([node, *children])
    scope = scope_for(request.user)
    profile = CompoundProfile.objects.filter(compound=node).first() if node.kind == PlaceKind.COMPOUND else None
    crumbs = [(a, scope.covers(a.path)) for a in ancestors_of(node)]
    register = compound_register(node) if node.kind == PlaceKind.COMPOUND else None
    defence = closed_loop_summary(node) if node.kind in FIGURE_KINDS and register is None else None
    return render(
        request,
        "places/detail.html",
        {
            "node": node,
            "crumbs": crumbs,
            "counts": counts[node.pk],
            "children": [(c, counts[c.pk]) for c in children],
            "child_shapes": [
                {
                    "name": c.name,
                    "url": f"/places/{c.pk}/",
                    "boundary": c.boundary,
                    "point": [float(c.lat), float(c.lng)] if c.lat is not None and c.lng is not None else None,
                }
                for c in children
                if c.boundary or c.lat is not None
            ],
            "positions": positions_at(node),
            "profile": profile,
            "register": register,
            "defence": defence,
            "may_manage": may_manage_place(request.user, node.path),
            "sized": node.kind in SIZED_KINDS,
            "party_orgs": PartyOrg.objects.active().filter(place=node).order_by("path"),
            "organisations": Organisation.objects.filter(serves=node).order_by("kind", "name"),
        },
    )
