"""“四员一律”进小区 pages: plan a session, record it held (or cancel it), take cases in, and the figures."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.deliberation.models import LegalRole, LegalSessionStatus, MediationVenue
from linli.deliberation.permissions import may
from linli.deliberation.selectors_legal import (
    access_legal_session,
    active_venues_for,
    legal_figures,
    session_intakes,
    visible_legal_sessions,
)
from linli.deliberation.services_legal import (
    SESSION_PLACE_KINDS,
    Attendee,
    legal_intake_mediation,
    legal_intake_request,
    legal_session_cancel,
    legal_session_hold,
    legal_session_plan,
)
from linli.deliberation.views_common import int_or_none, managed_places, place_from_post
from linli.deliberation.views_mediation import _date, mediator_from_post, node_and_period, parties_from_post

ATTENDEE_ROWS = 6


def _organising_places(user: Any, *, limit: int = 500) -> list[Any]:
    found = {
        p.pk: p
        for cap in ("handle", "manage")
        for p in managed_places(user, SESSION_PLACE_KINDS, capability=cap, limit=limit)
    }
    return sorted(found.values(), key=lambda p: p.path)


def attendees_from_post(post: Any) -> list[Attendee]:
    """The rows of the attendee table; a row without a name is an empty row and is skipped."""
    roles, names, units = post.getlist("attendee_role"), post.getlist("attendee_name"), post.getlist("attendee_unit")
    rows = []
    for i, name in enumerate(names):
        if not name.strip():
            continue
        role = roles[i] if i < len(roles) else ""
        unit = units[i] if i < len(units) else ""
        rows.append(Attendee(role=role, name=name, unit=unit))
    return rows


def _venue_from_post(venues: list[MediationVenue], raw: Any) -> MediationVenue | None:
    pk = int_or_none(raw, "venue_id")
    if pk is None:
        return None
    for venue in venues:
        if venue.pk == pk:
            return venue
    raise InvalidInput(_("请选择说事点"), field="venue_id")


def _blank_rows(filled: list[Any]) -> list[Any]:
    """The attendee table: the given rows, then one empty row per 四员一律 role up to ``ATTENDEE_ROWS``."""
    rows = [{"role": a.role, "name": a.name, "unit": a.unit} for a in filled]
    for code, _label in LegalRole.choices:
        if len(rows) >= max(ATTENDEE_ROWS, len(filled)):
            break
        rows.append({"role": code, "name": "", "unit": ""})
    return rows


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        visible_legal_sessions(request.user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    context = {"page": page, "may_create": bool(_organising_places(request.user, limit=1))}
    return render(request, "deliberation/legal_sessions.html", context)


@login_required
def session_new(request: HttpRequest) -> HttpResponse:
    places = _organising_places(request.user)
    if not places:
        raise NotFound(_("您的岗位不能安排“四员一律”进小区活动"))
    venues = active_venues_for(request.user)
    data: Any = request.POST if request.method == "POST" else {}
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        try:
            session = legal_session_plan(
                actor=request.user,
                place=place_from_post(places, data.get("place_id")),
                venue=_venue_from_post(venues, data.get("venue_id")),
                scheduled_on=_date(data.get("scheduled_on"), "scheduled_on"),
                topics=data.get("topics", ""),
                attendees=attendees_from_post(data),
                idempotency_key=data.get("idempotency_key", ""),  # a double submit plans one session
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已保存"))
            return redirect("deliberation:legal_session", session.pk)
    context = {
        "places": places,
        "venues": venues,
        "data": data,
        "error": error,
        "roles": LegalRole.choices,
        "rows": _blank_rows(attendees_from_post(data) if data else []),
        "today": timezone.localdate(),
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "deliberation/legal_session_new.html", context, status=422 if error else 200)


@login_required
def session_detail(request: HttpRequest, legal_session_id: int) -> HttpResponse:
    session = access_legal_session(request.user, legal_session_id)
    organiser = may(request.user, session.place_path, "handle") or may(request.user, session.place_path, "manage")
    attendees = list(session.attendees.all())
    context = {
        "session": session,
        "attendees": attendees,
        "intakes": session_intakes(session),
        "organiser": organiser,
        "planned": session.status == LegalSessionStatus.PLANNED,
        "held": session.status == LegalSessionStatus.HELD,
        "roles": LegalRole.choices,
        "rows": _blank_rows(attendees),
        "today": timezone.localdate(),
        "idempotency_key": uuid.uuid4().hex,  # one per page load: the two intake forms each submit once
    }
    return render(request, "deliberation/legal_session_detail.html", context)


@login_required
@require_POST
def session_action(request: HttpRequest, legal_session_id: int, action: str) -> HttpResponse:
    session = access_legal_session(request.user, legal_session_id)
    post = request.POST
    try:
        if action == "hold":
            legal_session_hold(
                actor=request.user,
                session=session,
                held_on=_date(post.get("held_on"), "held_on"),
                residents_consulted=_count(post.get("residents_consulted")),
                attendees=attendees_from_post(post),
                summary=post.get("summary", ""),
            )
        elif action == "cancel":
            legal_session_cancel(actor=request.user, session=session, reason=post.get("reason", ""))
        elif action == "mediation":
            mediator = mediator_from_post(request.user, post.get("mediator_id"))
            legal_intake_mediation(
                actor=request.user,
                session=session,
                title=post.get("title", ""),
                dispute=post.get("dispute", ""),
                parties=parties_from_post(post.get("parties")),
                mediator=mediator,
                opened_on=_date(post.get("opened_on"), "opened_on"),
                idempotency_key=post.get("idempotency_key", ""),  # a double submit opens one case
            )
        elif action == "request":
            legal_intake_request(
                actor=request.user,
                session=session,
                title=post.get("title", ""),
                description=post.get("description", ""),
                idempotency_key=post.get("idempotency_key", ""),  # a double submit files one request
            )
        else:
            raise NotFound(_("未知操作"))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return redirect("deliberation:legal_session", session.pk)


def _count(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise InvalidInput(_("咨询群众人次应为 0 到 100000 之间的整数"), field="residents_consulted") from None
    return value


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """Sessions, consultations, cases taken in, venues and mediation by venue; this year at the top node."""
    nodes, node, start, end = node_and_period(request, _("您的岗位无权查看“四员一律”统计"))
    f = legal_figures(request.user, node=node, start=start, end=end)
    return render(request, "deliberation/legal_figures.html", {"nodes": nodes, "node": node, "f": f})
