"""Resident pages: report a problem (随手拍) and follow my requests. Mobile first."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.ratelimit import rate_limit
from linli.places.models import Place, PlaceKind
from linli.tickets.categories import leaf_categories
from linli.tickets.models import PHOTOS_MAX, Kind
from linli.tickets.selectors import resident_status, visible_tickets
from linli.tickets.services import ticket_photo_add
from linli.tickets.transitions import ticket_resolve_on_the_spot


def location_choices(user: Any) -> list[Place]:
    """Compounds and buildings of the resident's community (public names), else of their scope."""
    person = getattr(user, "person", None)
    if person is None:
        return []
    community_path = person.place_path[: 3 * Place.steplen]
    return list(
        Place.objects.filter(path__under=community_path, kind__in=[PlaceKind.COMPOUND, PlaceKind.BUILDING]).order_by(
            "path"
        )
    )


def _int_or_none(raw: str | None, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(_("选择无效"), field=field) from None


def submit_from_post(request: HttpRequest, *, source: str, on_the_spot: str | None = None) -> Any:
    """Create the request and its photos in one transaction: a bad photo saves nothing.

    ``on_the_spot``: staff settled it as they recorded it; the request is resolved with this result in the same
    transaction (``ticket_resolve_on_the_spot``), so a refusal saves nothing either. A retried form (same
    ``idempotency_key``) answers the first request as it stands."""
    if source == "app":  # residents' self-service intake is rate-limited per account (issue 13)
        rate_limit(purpose="intake.user", key=str(request.user.pk), request=request)
    post = request.POST
    photos = request.FILES.getlist("photos")
    if len(photos) > PHOTOS_MAX:
        raise InvalidInput(_("最多上传 %(max)d 张照片") % {"max": PHOTOS_MAX}, field="photos")
    from linli.routing.services import intake_submit  # smart dispatch: record (maybe apply) a category

    with transaction.atomic():
        ticket, created = intake_submit(
            actor=request.user,
            description=post.get("description", ""),
            title=post.get("title", ""),
            category_id=_int_or_none(post.get("category_id"), "category_id"),
            place_id=_int_or_none(post.get("place_id"), "place_id"),
            lat=post.get("lat") or None,
            lng=post.get("lng") or None,
            public=post.get("public") == "on",
            anonymous=post.get("anonymous") == "on",
            contact_phone=post.get("contact_phone", ""),
            source=source,
            kind=post.get("kind") or "help",
            reporter_name=post.get("reporter_name", ""),
            idempotency_key=post.get("idempotency_key", ""),
            quiet=on_the_spot is not None,
        )
        if created:
            for upload in photos:
                ticket_photo_add(actor=request.user, ticket_id=ticket.pk, upload=upload)
            if on_the_spot is not None:
                ticket = ticket_resolve_on_the_spot(actor=request.user, ticket_id=ticket.pk, note=on_the_spot)
    return ticket


@login_required
def new(request: HttpRequest) -> HttpResponse:
    error: InvalidInput | None = None
    if request.method == "POST":
        try:
            ticket = submit_from_post(request, source="app")
        except InvalidInput as exc:
            error = exc
        else:
            return redirect("tickets:detail", ticket.pk)
    return render(
        request,
        "tickets/new.html",
        {
            "categories": leaf_categories(),
            "kinds": Kind.choices,
            "locations": location_choices(request.user),
            "error": error,
            "data": request.POST,
            "idempotency_key": uuid.uuid4().hex,
            "photos_max": PHOTOS_MAX,
        },
        status=422 if error else 200,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    tickets = visible_tickets(request.user).filter(submitted_by=request.user).order_by("-id")[:100]
    rows = [(t, resident_status(request.user, t)) for t in tickets]
    return render(request, "tickets/mine.html", {"rows": rows})
