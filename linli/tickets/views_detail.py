"""One request: its status, timeline, photos, map pin, related requests and the actions you may take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from linli.core.errors import Conflict, InvalidInput
from linli.core.identifiers import parse_id
from linli.core.lookups import ancestor_paths
from linli.orgs.models import Organisation
from linli.places.models import Place
from linli.tickets.categories import leaf_categories
from linli.tickets.deadlines import deadline_warning, due_text
from linli.tickets.models import PhotoKind, ProblemItem, Rating, Status, Ticket
from linli.tickets.problems import community_of, may_list_problem, responsible_candidates
from linli.tickets.selectors import (
    access_ticket,
    duplicates_of,
    event_actor_name,
    related_at_building,
    resident_status,
    timeline,
)
from linli.tickets.services import photo_for, ticket_photo_add
from linli.tickets.transitions import LEVELS, ticket_act
from linli.tickets.workflow import SEES_REPORTER, TRANSITIONS, allowed_actions, relations

EVENT_LABELS = {
    "submit": gettext_noop("提交诉求"),
    "merge_in": gettext_noop("并入重复诉求"),
    "auto_categorise": gettext_noop("智能分类"),  # linli.routing
    "import": gettext_noop("历史诉求导入"),  # linli.routing import_tickets
    **{a: t.label for a, t in TRANSITIONS.items()},
}


def labelled(events: list[Any], ticket: Ticket, viewer: Any) -> list[Any]:
    statuses = dict(Status.choices)
    for e in events:
        e.actor_name = event_actor_name(e, ticket, viewer)
        label = EVENT_LABELS.get(e.action)
        e.action_label = _(label) if label else e.action
        e.to_label = statuses.get(e.to_status, e.to_status)
    return events


def unit_choices(ticket: Ticket) -> tuple[list[Place], list[Organisation]]:
    prefixes = ancestor_paths(ticket.place_path, Place.steplen)
    places = list(Place.objects.filter(path__in=prefixes, kind__in=LEVELS).order_by("-depth"))
    orgs = list(
        Organisation.objects.filter(Q(home__path__in=prefixes) | Q(serves__path__in=prefixes))
        .exclude(kind="residents_committee")
        .distinct()
        .order_by("kind", "name")
    )
    return places, orgs


def _visit_of(ticket: Ticket) -> int | None:
    """The visit whose finding became this request (入户走访发现), if any."""
    from linli.visits.models import Finding

    return Finding.objects.filter(ticket=ticket).values_list("visit_id", flat=True).first()


@login_required
def detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _detail_page(request, ticket_id)


def _detail_page(
    request: HttpRequest, ticket_id: int, *, failed: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The request's page; ``failed``: an action refused just now (``action``, ``error``, the posted
    ``values``), whose form is shown again with what was chosen and typed, under its message."""
    ticket = access_ticket(request.user, ticket_id)
    mine = relations(request.user, ticket)
    is_staff = bool(mine & SEES_REPORTER)
    actions = allowed_actions(request.user, ticket)
    places, orgs = unit_choices(ticket) if is_staff else ([], [])
    photos = list(ticket.photos.all())
    problem_item = ProblemItem.objects.filter(ticket=ticket).select_related("responsible").first() if is_staff else None
    offer_problem = is_staff and problem_item is None and may_list_problem(request.user, ticket)
    community = community_of(ticket) if offer_problem else None
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "shown_status": resident_status(request.user, ticket),
            "events": labelled(timeline(ticket), ticket, request.user),
            "report_photos": [p for p in photos if p.kind == PhotoKind.REPORT],
            "result_photos": [p for p in photos if p.kind == PhotoKind.RESULT],
            "related": related_at_building(request.user, ticket) if is_staff else [],
            "duplicates": duplicates_of(ticket),
            "actions": [(a, _(TRANSITIONS[a].label)) for a in actions],
            "failed": failed,
            "is_staff": is_staff,
            "is_submitter": "submitter" in mine,
            "can_add_result_photo": bool(mine & {"claimant", "handle", "manage", "liaison"}) and ticket.is_open,
            "due_text": due_text(ticket),
            "calendar_warning": deadline_warning(ticket) if ticket.is_open else None,
            "unit_places": places,
            "unit_orgs": orgs,
            "departments": [o for o in orgs if o.kind == "department"],
            "ratings": Rating.choices,
            "problem_item": problem_item,
            "from_visit": _visit_of(ticket) if is_staff else None,
            "offer_problem": offer_problem,
            "problem_people": list(responsible_candidates(community)[:300]) if community else [],
            "problem_due": timezone.localdate() + dt.timedelta(days=7),
            "categories": leaf_categories() if "recategorise" in actions else [],
        },
        status=status,
    )


def _int(raw: Any, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("请输入数字"), field=field) from None


def _master_id(user: Any, raw: str) -> int | None:
    """The master of a merge by number (2026-000123) or id, among requests the user may see."""
    raw = (raw or "").strip()
    if not raw:
        return None
    from linli.tickets.selectors import visible_tickets

    found = visible_tickets(user).filter(Q(number=raw) | Q(pk=parse_id(raw) or -1)).first()
    if found is None:
        raise InvalidInput(_("未找到诉求“%(raw)s”") % {"raw": raw}, field="master_id")
    return found.pk


@login_required
@require_POST
def act(request: HttpRequest, ticket_id: int) -> HttpResponse:
    post = request.POST
    action = post.get("action", "")
    try:
        if action == "photo":
            uploads = request.FILES.getlist("photos")
            if not uploads:
                raise InvalidInput(_("请选择要上传的照片"), field="photos")
            for upload in uploads:
                ticket_photo_add(actor=request.user, ticket_id=ticket_id, upload=upload, kind=PhotoKind.RESULT)
            messages.success(request, _("照片已上传"))
        else:
            ticket_act(
                actor=request.user,
                ticket_id=ticket_id,
                action=action,
                note=post.get("note", ""),
                rating=post.get("rating") or None,
                place_id=_int(post.get("place_id"), "place_id"),
                organisation_id=_int(post.get("organisation_id"), "organisation_id"),
                master_id=_master_id(request.user, post.get("master", "")),
                ack_hours=_int(post.get("ack_hours"), "ack_hours"),
                category_id=_int(post.get("category_id"), "category_id"),
            )
            messages.success(request, _("已%(action)s") % {"action": _(TRANSITIONS[action].label)})
    except (Conflict, InvalidInput) as exc:
        # The page again with this form as it was sent (a redirect lost the choice: a "不满意" refused for
        # want of a reason came back as "满意", and a second press saved that).
        failed = {"action": action, "error": exc.message, "values": post.dict()}
        return _detail_page(request, ticket_id, failed=failed, status=exc.status)
    return redirect("tickets:detail", ticket_id)


@login_required
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    p = photo_for(actor=request.user, photo_id=photo_id)
    response = FileResponse(p.image.open("rb"), content_type=p.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
