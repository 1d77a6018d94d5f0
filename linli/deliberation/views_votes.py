"""Vote pages: list, create, one vote (cast, paper entry, roster, result with its arithmetic, close)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.dates import require_moment
from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.deliberation.models import Choice, Electorate, VoteRule
from linli.deliberation.selectors import (
    access_proxy_registration,
    access_topic,
    access_vote,
    access_voter,
    visible_votes,
    vote_view,
)
from linli.deliberation.services_votes import (
    VOTE_PLACE_KINDS,
    ballot_cast,
    ballot_enter_paper,
    own_voter,
    proxy_register,
    proxy_withdraw,
    vote_close,
    vote_create,
    vote_open,
)
from linli.deliberation.views_common import int_or_none, managed_places, place_from_post
from linli.people.selectors import access_person_by_id_number


@login_required
def vote_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        visible_votes(request.user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    may_create = bool(managed_places(request.user, VOTE_PLACE_KINDS, limit=1))
    return render(request, "deliberation/votes.html", {"page": page, "may_create": may_create})


@login_required
def vote_new(request: HttpRequest) -> HttpResponse:
    places = managed_places(request.user, VOTE_PLACE_KINDS)
    if not places:
        raise NotFound(_("您的岗位不能发起表决"))
    error: InvalidInput | None = None
    data: Any = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            topic_id = int_or_none(data.get("topic_id"), "topic_id")
            vote = vote_create(
                actor=request.user,
                place=place_from_post(places, data.get("place_id")),
                title=data.get("title", ""),
                question=data.get("question", ""),
                electorate=data.get("electorate", ""),
                rule=data.get("rule", ""),
                secret=data.get("secret") == "on",
                closes_at=require_moment(data.get("closes_at"), "closes_at"),
                topic=access_topic(request.user, topic_id) if topic_id else None,
            )
        except InvalidInput as exc:
            error = exc
        else:
            return redirect("deliberation:vote", vote.pk)
    context = {
        "places": places,
        "electorates": Electorate.choices,
        "rules": VoteRule.choices,
        "error": error,
        "data": data,
        "topic_id": request.GET.get("topic", ""),
    }
    return render(request, "deliberation/vote_new.html", context, status=422 if error else 200)


@login_required
def vote_detail(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = access_vote(request.user, vote_id)
    view = vote_view(request.user, vote)
    open_now = vote.status == "open" and timezone.now() < vote.closes_at
    mine = own_voter(request.user, vote) if open_now else None
    waiting = [v for v in view.voters if v.pk not in view.ballots]
    registered = {r.voter_id for r in view.proxies}
    context = {
        "vote": vote,
        "view": view,
        "result": view.result,
        "open_now": open_now,
        "may_cast": mine is not None and not view.voted,
        "choices": Choice.choices,
        "waiting": waiting,
        "unregistered": [v for v in waiting if v.pk not in registered],
        "early": vote.status == "open" and timezone.now() < vote.closes_at,
    }
    return render(request, "deliberation/vote_detail.html", context)


def _act(request: HttpRequest, vote_id: int, action: Any, ok: str) -> HttpResponse:
    try:
        action()
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("deliberation:vote", vote_id)


@login_required
@require_POST
def vote_open_view(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = access_vote(request.user, vote_id)
    return _act(
        request, vote_id, lambda: vote_open(actor=request.user, vote=vote), _("表决已开始,投票人名册已按台账生成")
    )


@login_required
@require_POST
def vote_cast_view(request: HttpRequest, vote_id: int) -> HttpResponse:
    """The resident's own ballot, or (``for_voter_id``) the ballot of a voter staff registered them proxy for."""
    vote = access_vote(request.user, vote_id)
    choice = request.POST.get("choice", "")
    for_voter = access_voter(vote, request.POST.get("for_voter_id")) if request.POST.get("for_voter_id") else None
    return _act(
        request,
        vote_id,
        lambda: ballot_cast(actor=request.user, vote=vote, choice=choice, for_voter=for_voter),
        _("已代 %(label)s 投票,选票不可更改") % {"label": for_voter.label} if for_voter else _("投票成功,选票不可更改"),
    )


@login_required
@require_POST
def proxy_register_view(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = access_vote(request.user, vote_id)
    post = request.POST

    def register() -> None:
        voter = access_voter(vote, post.get("voter_id"))
        try:  # a mistyped number is a message on the form, not a 404 page
            proxy = access_person_by_id_number(request.user, post.get("proxy_id_number", ""), field="proxy_id_number")
        except NotFound as exc:
            raise InvalidInput(exc.message, field=exc.field) from None
        proxy_register(actor=request.user, vote=vote, voter=voter, proxy=proxy, document=post.get("document", ""))

    return _act(request, vote_id, register, _("已登记代理委托"))


@login_required
@require_POST
def proxy_withdraw_view(request: HttpRequest, vote_id: int, registration_id: int) -> HttpResponse:
    vote = access_vote(request.user, vote_id)
    registration = access_proxy_registration(vote, registration_id)
    return _act(
        request, vote_id, lambda: proxy_withdraw(actor=request.user, registration=registration), _("已撤销代理委托")
    )


@login_required
@require_POST
def vote_paper_view(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = access_vote(request.user, vote_id)
    voter = access_voter(vote, request.POST.get("voter_id"))
    post = request.POST
    return _act(
        request,
        vote_id,
        lambda: ballot_enter_paper(
            actor=request.user,
            vote=vote,
            voter=voter,
            choice=post.get("choice", ""),
            paper_number=post.get("paper_number", ""),
        ),
        _("已录入纸质票 %(number)s") % {"number": post.get("paper_number", "").strip()},
    )


@login_required
@require_POST
def vote_close_view(request: HttpRequest, vote_id: int) -> HttpResponse:
    vote = access_vote(request.user, vote_id)
    try:
        days = int(request.POST.get("publish_days", "7"))
    except ValueError:
        days = 0
    reason = request.POST.get("reason", "")
    return _act(
        request,
        vote_id,
        lambda: vote_close(actor=request.user, vote=vote, publish_days=days, reason=reason),
        _("表决已结束,结果已公示"),
    )
