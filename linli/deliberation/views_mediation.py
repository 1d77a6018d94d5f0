"""Mediation pages: cases, sessions, outcome, and the success rate per node and period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.dates import parse_day
from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.deliberation.models import MediationOutcome
from linli.deliberation.selectors import access_case, mediation_rates, visible_cases
from linli.deliberation.selectors_legal import active_venues_for
from linli.deliberation.services_mediation import mediation_close, mediation_open, mediation_session_add
from linli.deliberation.services_topics import TOPIC_PLACE_KINDS
from linli.deliberation.views_common import int_or_none, managed_places, place_from_post
from linli.people.models import Person
from linli.places.models import PlaceKind

RATE_KINDS = {PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID}


def _date(raw: Any, field: str) -> dt.date:
    value = parse_date(raw or "") if isinstance(raw, str) else None
    if value is None:
        raise InvalidInput(_("日期格式不正确"), field=field)
    return value


def mediator_from_post(user: Any, raw: Any) -> Person:
    """The mediator a form named (a person the user sees), else the user themself."""
    pk = int_or_none(raw, "mediator_id")
    mediator = Person.objects.visible_to(user).filter(pk=pk).first() if pk else None
    mediator = mediator or getattr(user, "person", None)
    if mediator is None:
        raise InvalidInput(_("请选择调解员"), field="mediator_id")
    return mediator


def parties_from_post(raw: Any) -> list[str]:
    """当事人 typed in one box, separated by commas (either width)."""
    return (raw or "").replace(",", ",").split(",")


def node_and_period(request: HttpRequest, refusal: str) -> tuple[list[Any], Any, dt.date, dt.date]:
    """The nodes a figures page offers, the one asked for (``?node=``, else the first) and its period (``start`` /
    ``end``, default this year to today); none offered is the 404 ``refusal``."""
    nodes = managed_places(request.user, RATE_KINDS, capability=None, limit=200)
    if not nodes:
        raise NotFound(refusal)
    today = timezone.localdate()
    node_id = int_or_none(request.GET.get("node"), "node")
    node = next((n for n in nodes if n.pk == node_id), nodes[0])
    start = parse_day(request.GET.get("start"), "start") or today.replace(month=1, day=1)
    end = parse_day(request.GET.get("end"), "end") or today
    return nodes, node, start, end


def _case_places(user: Any, *, limit: int = 500) -> list[Any]:
    found = {
        p.pk: p
        for cap in ("handle", "manage")
        for p in managed_places(user, TOPIC_PLACE_KINDS, capability=cap, limit=limit)
    }
    return sorted(found.values(), key=lambda p: p.path)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        visible_cases(request.user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    may_create = bool(_case_places(request.user, limit=1))
    return render(request, "deliberation/cases.html", {"page": page, "may_create": may_create})


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    places = _case_places(request.user)
    if not places:
        raise NotFound(_("您的岗位不能受理调解"))
    venues = active_venues_for(request.user)
    data: Any = request.POST if request.method == "POST" else {}
    error: InvalidInput | None = None
    if request.method == "POST":
        try:
            mediator = mediator_from_post(request.user, data.get("mediator_id"))
            venue_id = int_or_none(data.get("venue_id"), "venue_id")
            venue = next((v for v in venues if v.pk == venue_id), None)
            if venue_id is not None and venue is None:
                raise InvalidInput(_("请选择说事点"), field="venue_id")
            case = mediation_open(
                actor=request.user,
                place=place_from_post(places, data.get("place_id")),
                venue=venue,
                title=data.get("title", ""),
                dispute=data.get("dispute", ""),
                parties=parties_from_post(data.get("parties")),
                mediator=mediator,
                opened_on=_date(data.get("opened_on"), "opened_on"),
            )
        except InvalidInput as exc:
            error = exc
        else:
            return redirect("deliberation:case", case.pk)
    context = {"places": places, "venues": venues, "data": data, "error": error, "today": timezone.localdate()}
    return render(request, "deliberation/case_new.html", context, status=422 if error else 200)


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    context = {
        "case": case,
        "sessions": list(case.sessions.all()),
        "outcomes": [c for c in MediationOutcome.choices if c[0]],
        "today": timezone.localdate(),
    }
    return render(request, "deliberation/case_detail.html", context)


@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    case = access_case(request.user, case_id)
    post = request.POST
    try:
        if action == "session":
            mediation_session_add(
                actor=request.user, case=case, held_on=_date(post.get("held_on"), "held_on"), note=post.get("note", "")
            )
        elif action == "close":
            mediation_close(
                actor=request.user,
                case=case,
                outcome=post.get("outcome", ""),
                closed_on=_date(post.get("closed_on"), "closed_on"),
                agreement=post.get("agreement", ""),
            )
        else:
            raise NotFound(_("未知操作"))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return redirect("deliberation:case", case.pk)


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    """Success rate per node and period; defaults to this year at the highest node in scope."""
    nodes, node, start, end = node_and_period(request, _("您的岗位无权查看调解统计"))
    rows = mediation_rates(request.user, node=node, start=start, end=end)
    context = {"nodes": nodes, "node": node, "start": start, "end": end, "rows": rows}
    return render(request, "deliberation/rates.html", context)
