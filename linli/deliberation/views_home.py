"""The deliberation start page: publications (公示) in their period, open votes, topics, meetings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from linli.deliberation.selectors import (
    access_publication,
    current_publications,
    visible_meetings,
    visible_topics,
    visible_votes,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "publications": list(current_publications(request.user, at=now).order_by("-starts_at")[:20]),
        "votes": list(visible_votes(request.user).filter(status="open", closes_at__gt=now).order_by("closes_at")[:10]),
        "topics": list(visible_topics(request.user).exclude(status="closed").order_by("-id")[:10]),
        "meetings": list(visible_meetings(request.user).filter(starts_at__gte=now).order_by("starts_at")[:10]),
    }
    return render(request, "deliberation/home.html", context)


@login_required
def publication(request: HttpRequest, publication_id: int) -> HttpResponse:
    item = access_publication(request.user, publication_id)
    return render(request, "deliberation/publication.html", {"item": item, "now": timezone.now()})
