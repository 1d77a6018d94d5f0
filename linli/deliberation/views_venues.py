"""百姓评理说事点 pages: the residents' list of their community's venues, and the staff's venue records."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.deliberation.models import LegalSession, MediationCase, MediationVenue, VenueKind
from linli.deliberation.permissions import may
from linli.deliberation.selectors_legal import access_venue, public_venues, visible_venues
from linli.deliberation.services_venues import VENUE_PLACE_KINDS, venue_create, venue_retire, venue_update
from linli.deliberation.views_common import int_or_none, managed_places, place_from_post
from linli.people.models import Person


def on_duty_from_post(user: Any, post: Any) -> list[Person]:
    """The on-duty people picked by ledger id (people the user can see; anyone else is refused)."""
    ids = [int_or_none(raw, "on_duty_ids") for raw in post.getlist("on_duty_ids") if str(raw).strip()]
    wanted = list(dict.fromkeys(pk for pk in ids if pk is not None))
    found = list(Person.objects.visible_to(user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise InvalidInput(_("未找到该人员,或您无权查看"), field="on_duty_ids")
    return found


def duty_candidates(user: Any, place_path: str, *, limit: int = 100) -> list[Person]:
    """People holding a position at or under the venue's place, offered as on-duty staff."""
    return list(
        Person.objects.visible_to(user)
        .filter(positions__place__path__startswith=place_path, anonymised_at__isnull=True)
        .distinct()
        .order_by("name", "id")[:limit]
    )


@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        visible_venues(request.user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    context = {
        "page": page,
        "public": public_venues(request.user),
        "may_create": bool(managed_places(request.user, VENUE_PLACE_KINDS, limit=1)),
    }
    return render(request, "deliberation/venues.html", context)


def _form_context(user: Any, data: Any, error: Any, **extra: Any) -> dict[str, Any]:
    return {"data": data, "error": error, "kinds": VenueKind.choices, **extra}


@login_required
def venue_new(request: HttpRequest) -> HttpResponse:
    places = managed_places(request.user, VENUE_PLACE_KINDS)
    if not places:
        raise NotFound(_("您的岗位不能设立百姓评理说事点"))
    data: Any = request.POST if request.method == "POST" else {}
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        try:
            venue = venue_create(
                actor=request.user,
                place=place_from_post(places, data.get("place_id")),
                name=data.get("name", ""),
                kind=data.get("kind", ""),
                address=data.get("address", ""),
                opening_hours=data.get("opening_hours", ""),
                on_duty=on_duty_from_post(request.user, data),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已保存"))
            return redirect("deliberation:venue", venue.pk)
    context = _form_context(request.user, data, error, places=places)
    return render(request, "deliberation/venue_new.html", context, status=422 if error else 200)


@login_required
def venue_detail(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = access_venue(request.user, venue_id)
    manage = may(request.user, venue.place_path, "manage")
    context = {
        "venue": venue,
        "on_duty": list(venue.on_duty.all()),
        "may_manage": manage and venue.active,
        "kinds": VenueKind.choices,
        "candidates": duty_candidates(request.user, venue.place_path) if manage and venue.active else [],
        "cases": list(
            MediationCase.objects.visible_to(request.user)
            .filter(venue=venue)
            .select_related("place")
            .order_by("-id")[:50]
        ),
        "sessions": list(
            LegalSession.objects.visible_to(request.user)
            .filter(venue=venue)
            .select_related("place")
            .order_by("-scheduled_on", "-id")[:50]
        ),
    }
    return render(request, "deliberation/venue_detail.html", context)


@login_required
@require_POST
def venue_action(request: HttpRequest, venue_id: int, action: str) -> HttpResponse:
    venue: MediationVenue = access_venue(request.user, venue_id)
    post = request.POST
    try:
        if action == "edit":
            venue_update(
                actor=request.user,
                venue=venue,
                name=post.get("name", ""),
                kind=post.get("kind", ""),
                address=post.get("address", ""),
                opening_hours=post.get("opening_hours", ""),
                on_duty=on_duty_from_post(request.user, post),
            )
        elif action == "retire":
            venue_retire(actor=request.user, venue=venue)
        else:
            raise NotFound(_("未知操作"))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return redirect("deliberation:venue", venue.pk)
