"""Staff pages: the workbench (queues, filters, bulk actions), staff entry, the order board, metrics."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from linli.accounts.roles import is_staff_like
from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, LinliError, NotFound
from linli.core.i18n import translated
from linli.core.identifiers import parse_id
from linli.core.scoping import scope_for
from linli.insights.periods import Period
from linli.insights.selectors import children_figures, ranking_of, request_figures
from linli.places.models import Place, PlaceKind
from linli.tickets import metrics as m
from linli.tickets.bulk import tickets_bulk_act
from linli.tickets.categories import leaf_categories
from linli.tickets.models import Kind, Source, Status
from linli.tickets.selectors import (
    ON_THE_SPOT_DEFINITION,
    TicketFilters,
    care_tags_for_filter,
    my_claims,
    order_board,
    resolved_on_spot_count,
    ticket_page,
)
from linli.tickets.services import STAFF_SOURCES
from linli.tickets.views_resident import submit_from_post

PAGE_SIZE = 30


def _require_staff(user: Any) -> None:
    if not is_staff_like(user):
        raise Forbidden(_("该页面仅供工作人员使用"))


def compounds_in_scope(user: Any) -> list[Place]:
    scope = scope_for(user)
    return list(Place.objects.filter(scope.q("path"), kind=PlaceKind.COMPOUND).order_by("path")[:500])


def _bool(raw: str | None) -> bool | None:
    return {"1": True, "0": False}.get(raw or "")


def _int(raw: str | None) -> int | None:
    return parse_id(raw)


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    g = request.GET
    queue = g.get("queue") or "mine"
    f = TicketFilters(
        status=g.get("status") or None,
        category_id=_int(g.get("category")),
        source=g.get("source") or None,
        overdue=_bool(g.get("overdue")),
        place_id=_int(g.get("compound")),
        queue=queue,
        q=g.get("q") or None,
        care_tag=_int(g.get("care_tag")),
    )
    page = ticket_page(request.user, f, cursor=g.get("cursor") or None, limit=PAGE_SIZE)
    params = g.copy()
    params.pop("cursor", None)
    return render(
        request,
        "tickets/workbench.html",
        {
            "page": page,
            "queue": queue,
            "f": g,
            "params": params.urlencode(),
            "statuses": [("open", _("未办结")), *Status.choices],
            "sources": Source.choices,
            "categories": leaf_categories(),
            "compounds": compounds_in_scope(request.user),
            "care_tags": care_tags_for_filter(request.user),
            "assign_targets": [
                p for p in Place.objects.filter(scope_for(request.user).q("path"), kind__in=["grid", "community"])[:200]
            ],
        },
    )


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Bulk accept or assign: each request is its own transaction; the refusals are listed."""
    _require_staff(request.user)
    ids = [n for i in request.POST.getlist("ids") if (n := parse_id(i))]
    try:
        outcomes = tickets_bulk_act(
            actor=request.user,
            action=request.POST.get("bulk_action", ""),
            ticket_ids=ids,
            place_id=_int(request.POST.get("place_id")),
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
        outcomes = []
    done = sum(1 for o in outcomes if o.ok)
    if done:
        messages.success(request, ngettext("已处理 %(n)d 条", "已处理 %(n)d 条", done) % {"n": done})
    for o in [o for o in outcomes if not o.ok][:10]:
        messages.error(request, _("#%(id)s:%(detail)s") % {"id": o.ticket_id, "detail": o.detail})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = ""  # only back to our own pages, never to a host the form was pointed at
    return redirect(back or "tickets:workbench")


@login_required
def entry(request: HttpRequest) -> HttpResponse:
    """Staff record a request heard by phone, at the door, on patrol, in a visit or a meeting."""
    _require_staff(request.user)
    error: LinliError | None = None
    if request.method == "POST":
        source = request.POST.get("source", "")
        on_the_spot = request.POST.get("resolution", "") if request.POST.get("on_the_spot") == "on" else None
        try:
            if source not in STAFF_SOURCES:
                raise InvalidInput(_("请选择来源"), field="source")
            if on_the_spot is not None and request.POST.get("routing_merge_into"):
                raise InvalidInput(_("现场办结的诉求不能同时合并到其他诉求,请二选一"), field="on_the_spot")
            ticket = submit_from_post(request, source=source, on_the_spot=on_the_spot)
        except (InvalidInput, Forbidden, Conflict) as exc:
            error = exc
        else:
            if ticket.resolved_on_spot:
                messages.success(request, _("已登记并现场办结 %(number)s") % {"number": ticket.number})
            else:
                messages.success(request, _("已登记 %(number)s") % {"number": ticket.number})
                _routing_merge(request, ticket)
            return redirect("tickets:detail", ticket.pk)
    scope = scope_for(request.user)
    locations = Place.objects.filter(
        scope.q("path"), kind__in=[PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING]
    ).order_by("path")[:800]
    return render(
        request,
        "tickets/entry.html",
        {
            "sources": [(v, label) for v, label in Source.choices if v in STAFF_SOURCES],
            "kinds": Kind.choices,
            "categories": leaf_categories(),
            "locations": locations,
            "error": error,
            "data": request.POST,
            "idempotency_key": uuid.uuid4().hex,
        },
        status=422 if error else 200,
    )


def _routing_merge(request: HttpRequest, ticket: Any) -> None:
    """Staff ticked a similar open request in the smart-dispatch panel: merge the new one into it."""
    master_id = _int(request.POST.get("routing_merge_into"))
    if master_id is None:
        return
    from linli.routing.services import duplicate_merge

    try:
        master = duplicate_merge(actor=request.user, duplicate_id=ticket.pk, master_id=master_id).merged_into
        messages.success(request, _("已合并到 %(number)s") % {"number": master.number})
    except (Conflict, InvalidInput, Forbidden, NotFound) as exc:
        messages.error(request, _("未能合并:%(reason)s") % {"reason": exc.message})


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The order board (接单大厅): published requests nearby, and what I have claimed."""
    open_orders = order_board(request.user).order_by("-id")[:100]
    return render(
        request,
        "tickets/board.html",
        {"orders": open_orders, "claims": my_claims(request.user)[:50]},
    )


def _date(raw: str | None, field: str) -> dt.date | None:
    return parse_day(raw, field)


@login_required
def metrics(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    d_since, d_until = m.default_period()
    since = _date(request.GET.get("since"), "since") or d_since
    until = _date(request.GET.get("until"), "until") or d_until
    node = m.node_for(request.user, _int(request.GET.get("node")))
    # The figures of docs/metrics.md from the insights rollups, which hold exactly what the event fold
    # (m.compute, the API's definition) computes: a district's month was 7.8 s folded, 0.2 s from rollups.
    period = Period(since, until)
    total = request_figures(node, period)
    children = children_figures(node, period)
    on_spot = resolved_on_spot_count(node, period)
    return render(
        request,
        "tickets/metrics.html",
        {
            "node": node,
            "since": since,
            "until": until,
            "total": total,
            "children": [(branch.place, branch.figures) for branch in children],
            "ranked": ranking_of(children, m.MIN_REQUESTS_FOR_RANKING),
            "min_requests": m.MIN_REQUESTS_FOR_RANKING,
            "definitions": translated(m.DEFINITIONS),
            "on_spot": on_spot,
            "on_spot_share": round(on_spot / total.resolved, 4) if total.resolved else None,
            "on_spot_definition": _(ON_THE_SPOT_DEFINITION),
        },
    )
