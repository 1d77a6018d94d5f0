"""The pages of those who run an election: set one up, and enter paper ballots under their printed numbers."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.forms import pick
from linli.core.identifiers import parse_id
from linli.core.scoping import get_or_not_found
from linli.elections import selectors as sel
from linli.elections import services as es
from linli.elections import services_ballots as eb
from linli.elections.models import Body, ElectionKind, ElectionProxy, ElectionStatus
from linli.elections.views_common import form_error
from linli.orgs.models import Organisation
from linli.people.models import Person

VOTERS_SHOWN = 2000


def _committees(compounds: list[Any]) -> list[Organisation]:
    paths = [c.path for c in compounds]
    return list(Organisation.objects.filter(kind__in=Body.values, place_path__in=paths).order_by("place_path", "kind"))


@login_required
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    compounds = sel.managed_compounds(user)
    if not compounds:
        raise Forbidden(_("您的岗位无权组织业委会选举"))
    committees = _committees(compounds)
    error: InvalidInput | Conflict | None = None
    data: Any = request.GET
    if request.method == "POST":
        data = request.POST
        try:
            place = pick(compounds, data.get("place_id"), "place_id", _("小区"))
            committee = pick(committees, data.get("committee_id"), "committee_id", _("现任机构"), required=False)
            election, _created = es.election_create(
                actor=user,
                place=place,
                fields=es.ElectionFields(
                    kind=data.get("kind", ""),
                    body=data.get("body", ""),
                    seats=data.get("seats", ""),
                    term_starts=parse_day(data.get("term_starts"), "term_starts"),
                    term_ends=parse_day(data.get("term_ends"), "term_ends"),
                    title=data.get("title", ""),
                    publicity_days=data.get("publicity_days", ""),
                    committee=committee,
                ),
                idempotency_key=data.get("idempotency_key", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已建立选举,请组建筹备组并提名候选人。"))
            return redirect("elections:election", election.pk)
    return render(
        request,
        "elections/new.html",
        {
            "compounds": compounds,
            "committees": committees,
            "kinds": ElectionKind.choices,
            "bodies": Body.choices,
            "data": data,
            "place_id": parse_id(data.get("place") or data.get("place_id")),
            "idempotency_key": data.get("idempotency_key") or uuid.uuid4().hex,
            **form_error("new", error),
        },
        status=422 if error else 200,
    )


@login_required
def paper(request: HttpRequest, election_id: int) -> HttpResponse:
    """Staff enter paper ballots: the voter, the printed number, the candidates marked."""
    user = request.user
    item = sel.access_managed_election(user, election_id)
    error: InvalidInput | Conflict | None = None
    data: Any = {}
    form = request.POST.get("form", "paper") if request.method == "POST" else ""
    if form in ("proxy", "proxy_withdraw"):
        return _proxy(request, item, form)
    if request.method == "POST":
        data = request.POST
        try:
            voter = pick(
                list(sel.voters(item).filter(pk=parse_id(data.get("voter_id")) or 0)),
                data.get("voter_id"),
                "voter_id",
                _("投票人"),
            )
            eb.ballot_enter_paper(
                actor=user,
                election=item,
                voter=voter,
                candidate_ids=data.getlist("candidate"),
                paper_number=data.get("paper_number", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已录入纸质票 %(n)s。") % {"n": data.get("paper_number", "").strip()})
            return redirect("elections:paper", item.pk)
    return _paper_page(request, item, data, error, "paper")


def _paper_page(request: HttpRequest, item: Any, data: Any, error: Any, form: str) -> HttpResponse:
    waiting = list(sel.voters(item).filter(voted=False).order_by("label", "id")[:VOTERS_SHOWN])
    voted, roll = sel.turnout(item)
    proxies = list(
        ElectionProxy.objects.filter(election=item).select_related("voter", "proxy").order_by("voter__label", "id")
    )
    return render(
        request,
        "elections/paper.html",
        {
            "proxies": proxies,
            "election": item,
            "open": item.status == ElectionStatus.VOTING,
            "waiting": waiting,
            "voted": voted,
            "roll": roll,
            "candidates": sel.candidates(item),
            "data": data,
            "chosen": [parse_id(x) for x in data.getlist("candidate")] if data and form == "paper" else [],
            **form_error(form, error),
        },
        status=422 if error else 200,
    )


def _proxy(request: HttpRequest, item: Any, form: str) -> HttpResponse:
    """登记 or 撤销 a written authorisation (委托书) the staff have seen, on the paper-ballot page."""
    data = request.POST
    try:
        if form == "proxy":
            voter = pick(
                list(sel.voters(item).filter(pk=parse_id(data.get("voter_id")) or 0)),
                data.get("voter_id"),
                "voter_id",
                _("投票人"),
            )
            proxy = get_or_not_found(
                Person.objects.visible_to(request.user),
                parse_id(data.get("proxy_person_id")),
                message=_("台账中未找到该受托人"),
                field="proxy_person_id",
            )
            eb.proxy_register(
                actor=request.user, election=item, voter=voter, proxy=proxy, document=data.get("document", "")
            )
            messages.success(request, _("已登记代理委托。"))
        else:
            registration = get_or_not_found(
                ElectionProxy.objects.filter(election=item).select_related("election"),
                parse_id(data.get("proxy_id")),
                field="proxy_id",
            )
            eb.proxy_withdraw(actor=request.user, registration=registration)
            messages.success(request, _("已撤销代理委托。"))
    except (InvalidInput, Conflict, NotFound) as exc:
        return _paper_page(request, item, data, exc, form)
    return redirect("elections:paper", item.pk)
