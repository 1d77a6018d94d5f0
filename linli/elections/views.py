"""The election pages everyone uses: the list (and, for staff who manage or lead a place, its figures), one
election's page (its 筹备组, candidates, timeline; for those who run it the forms of each step), the owner's ballot
and the result. A refused form comes back with what was typed and the error naming the field (422)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import parse_moment
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.forms import pick
from linli.core.identifiers import parse_id
from linli.elections import selectors as sel
from linli.elections import services as es
from linli.elections import services_ballots as eb
from linli.elections.models import (
    Affiliation,
    Election,
    ElectionBallot,
    ElectionStatus,
    PrepMember,
    PrepRole,
)
from linli.elections.permissions import may_check, may_manage
from linli.elections.views_common import candidate_choices, figures_context, form_error

LIST_SHOWN = 200


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Elections the user may see, newest first; the figures of the place they manage or lead."""
    user = request.user
    elections = list(sel.visible_elections(user).select_related("place").order_by("-id")[: LIST_SHOWN + 1])
    context = figures_context(request)
    return render(
        request,
        "elections/index.html",
        {
            "elections": elections[:LIST_SHOWN],
            "truncated": len(elections) > LIST_SHOWN,
            "may_create": bool(sel.managed_compounds(user, limit=1)),
            **context,
        },
        status=422 if context.get("period_error") else 200,
    )


ACTIONS = {
    "prep_add",
    "prep_remove",
    "candidate_add",
    "candidate_remove",
    "check",
    "publish",
    "open",
    "close",
    "certify",
    "seat",
}


@login_required
def election(request: HttpRequest, election_id: int) -> HttpResponse:
    user = request.user
    item = sel.access_election(user, election_id)
    manager = may_manage(user, item.place_path)
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in ACTIONS else ""
        try:
            done = _act(request, item, form, manager)
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect("elections:election", item.pk)
        item = sel.access_election(user, election_id)
    share = es.party_share(item)
    tally = sel.result(item)
    voted, roll = sel.turnout(item) if item.status != ElectionStatus.DRAFT else (0, 0)
    return render(
        request,
        "elections/election.html",
        {
            "election": item,
            "manager": manager,
            "checker": may_check(user, item.place_path),
            "prep_members": sel.prep_members(item),
            "candidates": sel.candidates(item),
            "share": share,
            "warning": es.party_warning(share),
            "events": sel.events(item),
            "tally": tally,
            "seats": sel.seats(item),
            "voted": voted,
            "roll": roll,
            "owners": candidate_choices(item) if manager and item.status == ElectionStatus.DRAFT else [],
            "roles": PrepRole.choices,
            "affiliations": Affiliation.choices,
            "my_voter": eb.own_voter(user, item) if item.status == ElectionStatus.VOTING else None,
            "default_close": (timezone.localtime() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "data": request.POST if error else {},
            **form_error(form, error),
        },
        status=422 if error else 200,
    )


def _act(request: HttpRequest, item: Election, form: str, manager: bool) -> str:
    user, data = request.user, request.POST
    if form == "check":
        es.candidates_check(actor=user, election=item, note=data.get("note", ""))
        return _("已记录党支部审核意见。")
    if not manager:
        raise Forbidden(_("您的岗位无权办理这场选举"))
    if form == "prep_add":
        es.prep_member_add(
            actor=user,
            election=item,
            role=data.get("role", ""),
            affiliation=data.get("affiliation", ""),
            name=data.get("name", ""),
        )
        return _("已加入筹备组。")
    if form == "prep_remove":
        member = pick(list(PrepMember.objects.filter(election=item)), data.get("member_id"), "member_id", _("成员"))
        es.prep_member_remove(actor=user, member=member)
        return _("已移出筹备组。")
    if form == "candidate_add":
        person = pick(candidate_choices(item), data.get("person_id"), "person_id", _("候选人"))
        cross = {"yes": True, "no": False}.get(data.get("cross_branch", ""))
        es.candidate_add(
            actor=user, election=item, person=person, cross_branch=cross, statement=data.get("statement", "")
        )
        return _("已提名候选人。")
    if form == "candidate_remove":
        candidate = pick(sel.candidates(item), data.get("candidate_id"), "candidate_id", _("候选人"))
        es.candidate_remove(actor=user, candidate=candidate)
        return _("已撤下候选人。")
    if form == "publish":
        es.election_publish(actor=user, election=item)
        return _("候选人名单已公示。")
    if form == "open":
        closes = parse_moment(data.get("closes_at"), "closes_at")
        if closes is None:
            raise InvalidInput(_("请填写投票截止时间"), field="closes_at")
        es.election_open_voting(actor=user, election=item, closes_at=closes)
        return _("已开始投票,业主名册已按台账冻结。")
    if form == "close":
        es.election_close(actor=user, election=item, reason=data.get("reason", ""))
        return _("投票已结束并完成计票。")
    if form == "certify":
        ids = [parse_id(x) for x in data.getlist("runoff")]
        runoff = [c for c in sel.candidates(item) if c.pk in ids]
        es.election_certify(
            actor=user, election=item, runoff=runoff, note=data.get("note", ""), vacate_tied=bool(data.get("vacate"))
        )
        return _("选举结果已确认。")
    if form == "seat":
        chair = None
        if data.get("chair_id"):
            chair = pick(sel.candidates(item), data.get("chair_id"), "chair_id", _("主任"))
        es.election_seat(actor=user, election=item, chair=chair)
        return _("当选成员已就任。")
    raise InvalidInput(_("请使用页面上的表单提交"))


@login_required
def vote(request: HttpRequest, election_id: int) -> HttpResponse:
    """The owner's ballot: tick up to ``seats`` candidates."""
    user = request.user
    item = sel.access_election(user, election_id)
    voter = eb.own_voter(user, item)
    error: InvalidInput | Conflict | None = None
    chosen: list[int] = []
    if request.method == "POST":
        chosen = [pk for pk in (parse_id(x) for x in request.POST.getlist("candidate")) if pk]
        try:
            eb.ballot_cast(actor=user, election=item, candidate_ids=request.POST.getlist("candidate"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("投票成功,感谢您参与小区自治。"))
            return redirect("elections:result", item.pk)
    voted = voter is not None and ElectionBallot.objects.filter(election=item, voter=voter).exists()
    return render(
        request,
        "elections/vote.html",
        {
            "election": item,
            "voter": voter,
            "voted": voted,
            "open": item.status == ElectionStatus.VOTING
            and (item.voting_closes_at is None or timezone.now() < item.voting_closes_at),
            "candidates": sel.candidates(item),
            "chosen": chosen,
            **form_error("vote", error),
        },
        status=422 if error else 200,
    )


@login_required
def result(request: HttpRequest, election_id: int) -> HttpResponse:
    """The result for the compound's owners: participation, each candidate's counts and the seats. Never who voted
    how (ballots carry no choice)."""
    item = sel.access_election(request.user, election_id)
    return render(
        request,
        "elections/result.html",
        {"election": item, "tally": sel.result(item), "seats": sel.seats(item), "candidates": sel.candidates(item)},
    )
