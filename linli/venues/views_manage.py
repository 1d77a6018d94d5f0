"""The venue pages of those who run them: set up and edit a venue, its week with the bookers, the approvals queue.

A venue the user does not manage is the 404 of a missing id; the queue and the set-up form are refused (403) to
someone who manages no place and is no unit's liaison."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.venues import selectors as sel
from linli.venues import services as vs
from linli.venues import services_bookings as sb
from linli.venues.models import Purpose, Venue, VenueStatus, VenueType
from linli.venues.opening import WEEKDAYS, half_hours, hm, weekly_windows
from linli.venues.permissions import manages_anything, may_manage_place
from linli.venues.views_common import form_error, pick

QUEUE_SHOWN = 200


def _fields(data: Any, organisation: Any) -> vs.VenueFields:
    facilities = [*data.getlist("facilities"), data.get("facilities_other", "")]
    return vs.VenueFields(
        name=data.get("name", ""),
        capacity=data.get("capacity", ""),
        purposes=data.getlist("purposes"),
        hours=[(data.get(f"opens_{n}", ""), data.get(f"closes_{n}", "")) for n in range(7)],
        organisation=organisation,
        address=data.get("address", ""),
        facilities=facilities,
        open_on_holidays=bool(data.get("open_on_holidays")),
        slot_minutes=data.get("slot_minutes", ""),
        max_hours=data.get("max_hours", ""),
        days_ahead=data.get("days_ahead", ""),
        requires_approval=bool(data.get("requires_approval")),
        max_per_person=data.get("max_per_person", ""),
        public=bool(data.get("public")),
        contact_phone=data.get("contact_phone", ""),
        notice=data.get("notice", ""),
        kind=data.get("kind", ""),
    )


def _initial(item: Venue | None) -> dict[str, Any]:
    """What the form shows: the venue as it is, or the usual community office hours for a new one."""
    if item is None:
        hours = [("08:30", "17:30")] * 5 + [("09:00", "12:00"), ("", "")]
        return {
            "hours": hours, "purposes": list(Purpose.values), "facilities": [], "facilities_other": "",
            "slot_minutes": 30, "max_hours": 4, "days_ahead": 14, "max_per_person": 3,
            "requires_approval": True, "public": True, "open_on_holidays": False, "kind": VenueType.OTHER,
        }  # fmt: skip
    windows = weekly_windows(item.weekly_hours)
    common = set(vs.FACILITIES)
    return {
        "hours": [(hm(w.opens), hm(w.closes)) if w else ("", "") for w in windows],
        "purposes": item.purpose_list,
        "facilities": [f for f in item.facilities if f in common],
        "facilities_other": "、".join(f for f in item.facilities if f not in common),
        "slot_minutes": item.slot_minutes,
        "max_hours": item.max_hours,
        "days_ahead": item.days_ahead,
        "max_per_person": item.max_per_person,
        "requires_approval": item.requires_approval,
        "public": item.public,
        "open_on_holidays": item.open_on_holidays,
        "kind": item.kind,
    }


def _posted(data: Any) -> dict[str, Any]:
    return {
        "hours": [(data.get(f"opens_{n}", ""), data.get(f"closes_{n}", "")) for n in range(7)],
        "purposes": data.getlist("purposes"),
        "facilities": data.getlist("facilities"),
        "facilities_other": data.get("facilities_other", ""),
        "slot_minutes": data.get("slot_minutes", ""),
        "max_hours": data.get("max_hours", ""),
        "days_ahead": data.get("days_ahead", ""),
        "max_per_person": data.get("max_per_person", ""),
        "requires_approval": bool(data.get("requires_approval")),
        "public": bool(data.get("public")),
        "open_on_holidays": bool(data.get("open_on_holidays")),
        "kind": data.get("kind", ""),
    }


def _form_context(initial: dict[str, Any]) -> dict[str, Any]:
    return {
        "week": [(n, _(WEEKDAYS[n]), *initial["hours"][n]) for n in range(7)],
        "times": half_hours(0, 24 * 60),
        "purpose_choices": Purpose.choices,
        "type_choices": VenueType.choices,
        "facility_choices": [(f, _(f)) for f in vs.FACILITIES],
        "initial": initial,
    }


@login_required
def venue_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    places = sel.managed_places(user)
    if not places:
        raise Forbidden(_("您的岗位不能设立预约场地"))
    owners = sel.owner_choices(user)
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        data = request.POST
        try:
            place = pick(places, data.get("place_id"), "place_id", _("所在地点"))
            owner = pick(owners, data.get("organisation_id"), "organisation_id", _("开放单位"), required=False)
            item, _created = vs.venue_create(
                actor=user, place=place, fields=_fields(data, owner), idempotency_key=data.get("idempotency_key", "")
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已设立场地“%(name)s”。") % {"name": item.name})
            return redirect("venues:venue", item.pk)
    chosen = request.POST.get("place_id") if error else request.GET.get("place", "")
    return render(
        request,
        "venues/venue_form.html",
        {
            "venue": None,
            "places": places,
            "chosen_place": str(chosen or ""),
            "owners": owners,
            "may_change_owner": True,
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,
            **_form_context(_posted(request.POST) if error else _initial(None)),
            **form_error("venue", error),
        },
        status=422 if error else 200,
    )


@login_required
def venue_edit(request: HttpRequest, venue_id: int) -> HttpResponse:
    user = request.user
    item = sel.access_managed_venue(user, venue_id)
    may_change_owner = may_manage_place(user, item.place_path)
    owners = sel.owner_choices(user) if may_change_owner else []
    if item.organisation is not None and item.organisation not in owners:
        owners = [item.organisation, *owners]
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        data = request.POST
        try:
            owner = (
                pick(owners, data.get("organisation_id"), "organisation_id", _("开放单位"), required=False)
                if may_change_owner
                else item.organisation
            )
            saved = vs.venue_update(actor=user, venue=item, fields=_fields(data, owner), status=data.get("status"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已保存场地“%(name)s”。") % {"name": saved.name})
            return redirect("venues:venue", saved.pk)
    return render(
        request,
        "venues/venue_form.html",
        {
            "venue": item,
            "places": [item.place],
            "chosen_place": str(item.place_id),
            "owners": owners,
            "may_change_owner": may_change_owner,
            "statuses": VenueStatus.choices,
            "data": request.POST if error else {},
            **_form_context(_posted(request.POST) if error else _initial(item)),
            **form_error("venue", error),
        },
        status=422 if error else 200,
    )


@login_required
def week(request: HttpRequest, venue_id: int) -> HttpResponse:
    """A venue's week (``?week=`` any day of it; default this week): every booking with its booker's name and
    masked phone, for the venue's managers."""
    item = sel.access_managed_venue(request.user, venue_id)
    try:
        day = parse_day(request.GET.get("week"), "week") or timezone.localdate()
    except InvalidInput:
        day = timezone.localdate()
    if not dt.date(1900, 1, 8) <= day <= dt.date(2999, 12, 24):
        day = timezone.localdate()
    monday = sel.week_start(day)
    days = sel.week(item, monday)
    rows = [
        (d, [(b, sel.booker_name(b), sel.booker_phone_masked(b)) for b in d.bookings]) for d in days
    ]  # names and masked phones: the managers' view
    return render(
        request,
        "venues/week.html",
        {
            "venue": item,
            "monday": monday,
            "sunday": monday + dt.timedelta(days=6),
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "rows": rows,
        },
    )


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not manages_anything(user):
        raise Forbidden(_("您没有需要审核的场地"))
    rows = list(sel.pending_queue(user)[: QUEUE_SHOWN + 1])
    return render(
        request,
        "venues/approvals.html",
        {
            "rows": [(b, sel.booker_name(b), sel.booker_phone_masked(b), sb.when(b)) for b in rows[:QUEUE_SHOWN]],
            "truncated": len(rows) > QUEUE_SHOWN,
        },
    )
