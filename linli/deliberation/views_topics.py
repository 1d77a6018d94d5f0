"""Topic pages: list, raise (also from a request), discussion with moderation, escalation."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import Conflict, InvalidInput
from linli.core.pagination import keyset_page
from linli.deliberation.permissions import may
from linli.deliberation.selectors import access_comment, access_topic, topic_comments, visible_topics
from linli.deliberation.services_topics import (
    TOPIC_PLACE_KINDS,
    comment_hide,
    topic_close,
    topic_comment,
    topic_escalate,
    topic_raise,
)
from linli.deliberation.views_common import home_places, int_or_none, managed_places, place_from_post
from linli.tickets.selectors import access_ticket


@login_required
def topic_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        visible_topics(request.user), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    return render(request, "deliberation/topics.html", {"page": page})


def _topic_places(user: Any) -> list[Any]:
    seen: dict[int, Any] = {p.pk: p for p in home_places(user, TOPIC_PLACE_KINDS)}
    for p in managed_places(user, TOPIC_PLACE_KINDS, capability="handle"):
        seen.setdefault(p.pk, p)
    return sorted(seen.values(), key=lambda p: p.path)


@login_required
def topic_new(request: HttpRequest) -> HttpResponse:
    places = _topic_places(request.user)
    data: Any = request.POST if request.method == "POST" else {}
    ticket_id = int_or_none(request.GET.get("ticket") or data.get("ticket_id"), "ticket_id")
    ticket = access_ticket(request.user, ticket_id) if ticket_id else None
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        try:
            topic = topic_raise(
                actor=request.user,
                place=place_from_post(places, data.get("place_id")),
                title=data.get("title", ""),
                body=data.get("body", ""),
                ticket=ticket,
                idempotency_key=data.get("idempotency_key", ""),  # a double submit raises one topic
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("deliberation:topic", topic.pk)
    if ticket is not None and not data:
        data = {"title": ticket.title[:100], "body": ticket.description}
    context = {
        "places": places,
        "data": data,
        "error": error,
        "ticket": ticket,
        "idempotency_key": uuid.uuid4().hex,  # each form shown is one topic; a refused one gets a new key
    }
    return render(request, "deliberation/topic_new.html", context, status=422 if error else 200)


@login_required
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = access_topic(request.user, topic_id)
    context = {
        "topic": topic,
        "comments": topic_comments(request.user, topic),
        "may_manage": may(request.user, topic.place_path, "manage"),
        "agenda": list(topic.agenda_items.select_related("meeting")),
        "decisions": list(topic.decisions.all()),
        "votes": list(topic.votes.all()),
    }
    return render(request, "deliberation/topic_detail.html", context)


def _act(request: HttpRequest, topic_id: int, action: Any, ok: str) -> HttpResponse:
    try:
        action()
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("deliberation:topic", topic_id)


@login_required
@require_POST
def topic_comment_view(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = access_topic(request.user, topic_id)
    body = request.POST.get("body", "")
    return _act(request, topic_id, lambda: topic_comment(actor=request.user, topic=topic, body=body), _("已发言"))


@login_required
@require_POST
def comment_hide_view(request: HttpRequest, topic_id: int, comment_id: int) -> HttpResponse:
    topic = access_topic(request.user, topic_id)
    comment = access_comment(request.user, topic, comment_id)
    reason = request.POST.get("reason", "")
    return _act(
        request, topic_id, lambda: comment_hide(actor=request.user, comment=comment, reason=reason), _("已隐藏")
    )


@login_required
@require_POST
def topic_escalate_view(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = access_topic(request.user, topic_id)
    return _act(request, topic_id, lambda: topic_escalate(actor=request.user, topic=topic), _("议题已提级"))


@login_required
@require_POST
def topic_close_view(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = access_topic(request.user, topic_id)
    return _act(request, topic_id, lambda: topic_close(actor=request.user, topic=topic), _("议题已关闭"))
