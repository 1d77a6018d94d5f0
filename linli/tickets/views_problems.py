"""The community problem list page, its sign-off and its Excel export (streamed from openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from linli.audit.services import audit_record
from linli.core.dates import require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import parse_id
from linli.core.scoping import scope_for
from linli.people.sheets import XLSX_CONTENT_TYPE
from linli.places.models import Place, PlaceKind
from linli.tickets.models import ProblemItem, ProblemStatus
from linli.tickets.problems import (
    problem_add,
    problem_add_from_ticket,
    problem_sign_off,
    responsible_candidates,
    safe_cell,
)
from linli.tickets.views_staff import _require_staff


def _communities(user: Any) -> list[Place]:
    scope = scope_for(user)
    found = list(Place.objects.filter(scope.q("path"), kind=PlaceKind.COMMUNITY).order_by("path")[:200])
    if not found and not scope.empty:  # a grid worker's community, for reading its list
        found = list(Place.objects.filter(path__in=[p[: 3 * Place.steplen] for p in scope.paths], kind="community"))
    return found


def _items(user: Any, community: Place | None) -> Any:
    qs = ProblemItem.objects.visible_to(user).select_related("responsible", "ticket", "community")
    if community is not None:
        qs = qs.filter(place_path__under=community.path)
    return qs.order_by("status", "due_date", "id")


@login_required
def problems(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    communities = _communities(request.user)
    chosen = next((c for c in communities if str(c.pk) == request.GET.get("community")), None)
    chosen = chosen or (communities[0] if communities else None)
    if request.method == "POST":
        try:
            due = require_day(request.POST.get("due_date"), "due_date")
        except InvalidInput as exc:
            messages.error(request, exc.message)
        else:
            try:
                ticket_raw = request.POST.get("ticket_id", "")
                problem_add(
                    actor=request.user,
                    community_id=int(request.POST.get("community_id", "0") or 0),
                    title=request.POST.get("title", ""),
                    responsible_id=parse_id(request.POST.get("responsible_id")) or 0,
                    due_date=due,
                    ticket_id=parse_id(ticket_raw),
                )
                messages.success(request, _("已加入问题清单"))
            except (InvalidInput, Conflict, Forbidden) as exc:
                messages.error(request, exc.message)
        return redirect(f"{request.path}?community={request.POST.get('community_id', '')}")
    people = list(responsible_candidates(chosen)[:300]) if chosen is not None else []
    return render(
        request,
        "tickets/problems.html",
        {
            "communities": communities,
            "chosen": chosen,
            "items": _items(request.user, chosen),
            "people": people,
            "signed_off": ProblemStatus.SIGNED_OFF,
        },
    )


@login_required
@require_POST
def sign_off(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        item = problem_sign_off(actor=request.user, item_id=item_id, note=request.POST.get("note", ""))
        messages.success(request, _("“%(title)s”已销号") % {"title": item.title})
        community = item.community_id
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        community = request.POST.get("community_id", "")
    return redirect(f"/requests/problems/?community={community}")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    communities = _communities(request.user)
    chosen = next((c for c in communities if str(c.pk) == request.GET.get("community")), None)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题清单")
    ws.append(["社区", "问题", "关联诉求", "责任人", "完成时限", "状态", "销号时间", "销号说明"])
    count = 0
    for item in _items(request.user, chosen).iterator(chunk_size=500):
        ws.append(
            [
                safe_cell(v)
                for v in (
                    item.community.name,
                    item.title,
                    item.ticket.number if item.ticket else "",
                    item.responsible.name,
                    item.due_date.isoformat(),
                    item.get_status_display(),
                    item.signed_off_at.strftime("%Y-%m-%d %H:%M") if item.signed_off_at else "",
                    item.sign_off_note,
                )
            ]
        )
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    audit_record(action="problem.exported", actor=request.user, request=request, rows=count)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="problems.xlsx"'
    return response


@login_required
@require_POST
def from_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """ "Add to problem list" from a request's detail page (overdue, escalated or supervised ones)."""
    post = request.POST
    try:
        due = require_day(post.get("due_date"), "due_date")
        responsible = post.get("responsible_id", "")
        problem_add_from_ticket(
            actor=request.user,
            ticket_id=ticket_id,
            responsible_id=parse_id(responsible) or 0,
            due_date=due,
            title=post.get("title", ""),
        )
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已列入问题清单"))
    return redirect("tickets:detail", ticket_id)
