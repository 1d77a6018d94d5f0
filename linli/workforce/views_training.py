"""Training pages: the sessions one may see, recording a session (the street's keepers), a session's page with its
attendees and the attendance form (tick those present; submitting twice records each once)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.pagination import keyset_page
from linli.workforce import selectors as sel
from linli.workforce import services_training as st
from linli.workforce.models import Topic, Training
from linli.workforce.permissions import keeps_anything, may_keep_training, sees_register
from linli.workforce.views_common import form_error, nothing_here, pick

PAGE_SIZE = 50


@login_required
def trainings(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not sees_register(user) and sel.own_worker(user) is None:
        raise nothing_here()
    error: InvalidInput | None = None
    rows: list[Training] = []
    next_cursor = None
    try:
        page = keyset_page(
            sel.training_list(user), key="id", cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE,
            descending=True,
        )  # fmt: skip
        rows, next_cursor = page.items, page.next
    except InvalidInput as exc:
        error = exc
    return render(
        request,
        "workforce/trainings.html",
        {"rows": rows, "next_cursor": next_cursor, "error": error, "keeps": keeps_anything(user)},
        status=422 if error else 200,
    )


@login_required
def training_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not keeps_anything(user):
        raise nothing_here()
    places = sel.keeper_places(user)
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        data = request.POST
        try:
            place = pick(places, data.get("place_id"), "place_id", _("举办单位"))
            item, _created = st.training_create(
                actor=user,
                place=place,
                fields=st.TrainingFields(
                    title=data.get("title", ""), topic=data.get("topic", ""), held_on=data.get("held_on"),
                    hours=data.get("hours", ""), organiser=data.get("organiser", ""), location=data.get("location", ""),
                ),
                idempotency_key=data.get("idempotency_key", ""),
            )  # fmt: skip
        except (InvalidInput, Conflict) as exc:
            error = exc
        except Forbidden as exc:
            error = InvalidInput(exc.message, field="place_id")
        else:
            messages.success(request, _("已登记培训“%(title)s”。") % {"title": item.title})
            return redirect("workforce:training", item.pk)
    return render(
        request,
        "workforce/training_form.html",
        {
            "places": places,
            "topics": Topic.choices,
            "data": request.POST if error else {"topic": Topic.GENERALIST},
            "idempotency_key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
            "today": timezone.localdate(),
            **form_error("training", error),
        },
        status=422 if error else 200,
    )


@login_required
def training(request: HttpRequest, training_id: int) -> HttpResponse:
    user = request.user
    item = sel.access_training(user, training_id)
    keeps = may_keep_training(user, item)
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        if not keeps:
            raise Forbidden(_("您的岗位无权登记这场培训的签到"))
        try:
            recorded = st.attendance_record(actor=user, training=item, worker_ids=request.POST.getlist("worker_ids"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已登记 %(n)d 人签到。") % {"n": recorded})
            return redirect("workforce:training", item.pk)
    return render(
        request,
        "workforce/training.html",
        {
            "training": item,
            "attendees": sel.attendees(user, item),
            "total": item.attendances.count(),
            "keeps": keeps,
            "eligible": sel.eligible_workers(item) if keeps else [],
            **form_error("attendance", error),
        },
        status=422 if error else 200,
    )
