"""The register pages: the list (those who manage a street or community), a worker's record with its dated history
and training, hiring, editing (a change of post, grade or community is dated), a leave, revealing a certificate
number, the export and the figures. A worker sees their own record; anyone else without a position that manages
gets the 404 of a missing page. A refused form comes back with what was typed and the error naming the field
(422)."""

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

from linli.core.dates import period_or_default
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.people.models import Person, Position
from linli.people.sheets import xlsx_response
from linli.workforce import selectors as sel
from linli.workforce import services as ws
from linli.workforce.exporting import register_workbook
from linli.workforce.models import Education, Employment, LeaveReason, Post, Qualification, Worker
from linli.workforce.permissions import (
    keeper_streets_q,
    keeps_anything,
    may_keep,
    may_see_figures,
    sees_grade,
    sees_register,
)
from linli.workforce.views_common import chosen_node, form_error, nothing_here, pick

PAGE_SIZE = 50
CANDIDATES_SHOWN = 300


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not sees_register(user):
        if sel.own_worker(user) is not None:
            return redirect("workforce:mine")
        raise nothing_here()
    nodes = sel.nodes_for(user)
    node = chosen_node(request, nodes)
    status = request.GET.get("status") or "active"
    employment = request.GET.get("employment") or ""
    error: InvalidInput | None = None
    rows: list[Worker] = []
    next_cursor = None
    try:
        qs = sel.register(user, node=node, status=status, employment=employment)
        page = keyset_page(qs, key="id", cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
        rows, next_cursor = page.items, page.next
    except InvalidInput as exc:
        error = exc
    return render(
        request,
        "workforce/index.html",
        {
            "nodes": nodes,
            "node": node,
            "status": status if status in sel.STATUSES else "active",
            "employment": employment if employment in Employment.values else "",
            "employments": Employment.choices,
            "rows": [(w, sees_grade(user, w)) for w in rows],
            "next_cursor": next_cursor,
            "error": error,
            "keeps": keeps_anything(user),
            "figures_ok": node is not None and may_see_figures(user, node),
        },
        status=422 if error else 200,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    own = sel.own_worker(request.user)
    if own is None:
        raise nothing_here()
    return redirect("workforce:worker", own.pk)


def _detail_context(user: Any, item: Worker) -> dict[str, Any]:
    return {
        "worker": item,
        "shown": sees_grade(user, item),
        "keeps": may_keep(user, item),
        "events": sel.history(item),
        "trainings": sel.trainings_attended(item),
        "years": sel.hours_by_year(item),
        "reasons": LeaveReason.choices,
        "today": timezone.localdate(),
    }


@login_required
def worker(request: HttpRequest, worker_id: int) -> HttpResponse:
    item = sel.access_worker(request.user, worker_id)
    return render(request, "workforce/worker.html", _detail_context(request.user, item))


@login_required
@require_POST
def certificate(request: HttpRequest, worker_id: int) -> HttpResponse:
    """Reveal the full certificate number (the street's keepers and the worker): audited."""
    item = sel.access_worker(request.user, worker_id)
    number = ws.certificate_reveal(actor=request.user, worker=item, request=request)
    return render(request, "workforce/worker.html", {**_detail_context(request.user, item), "revealed": number})


@login_required
@require_POST
def leave(request: HttpRequest, worker_id: int) -> HttpResponse:
    user = request.user
    item = sel.access_kept_worker(user, worker_id)
    data = request.POST
    try:
        ws.worker_leave(
            actor=user, worker=item, left_on=data.get("left_on"), reason=data.get("leave_reason"),
            note=data.get("leave_note", ""),
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return render(
            request,
            "workforce/worker.html",
            {**_detail_context(user, item), "data": data, **form_error("leave", exc)},
            status=422,
        )
    messages.success(request, _("已登记离职,台账记录保留。"))
    return redirect("workforce:worker", item.pk)


def _choices() -> dict[str, Any]:
    return {
        "posts": Post.choices,
        "employments": Employment.choices,
        "educations": [c for c in Education.choices if c[0]],
        "qualifications": [c for c in Qualification.choices if c[0]],
        "grades": range(1, 19),
    }


def _details(data: Any, places: list[Any]) -> ws.WorkerDetails:
    return ws.WorkerDetails(
        place=pick(places, data.get("place_id"), "place_id", _("所在社区")),
        post=data.get("post", ""),
        grade=data.get("grade", ""),
        employment=data.get("employment", ""),
        education=data.get("education", ""),
        qualification=data.get("qualification", ""),
        certificate_no=data.get("certificate_no", ""),
    )


def candidates(user: Any) -> list[Person]:
    """People holding a staff or grid position in the streets the user keeps, with no open spell: the hire form's
    list (a recruit from the ledger is found by ID number instead)."""
    taken = Worker.objects.filter(left_on__isnull=True).values("person_id")
    kinds = ["street_staff", "community_secretary", "community_staff", "grid_chief", "grid_worker"]
    people = (
        Position.objects.filter(keeper_streets_q(user), kind__in=kinds, end_date__isnull=True)
        .exclude(person_id__in=taken)
        .values_list("person_id", flat=True)
    )
    return list(
        Person.objects.filter(pk__in=people, anonymised_at__isnull=True).order_by("name", "pk")[:CANDIDATES_SHOWN]
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not keeps_anything(user):
        raise nothing_here()
    places = sel.keeper_places(user)
    people = candidates(user)
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        data = request.POST
        key = data.get("idempotency_key", "").strip()
        earlier = Worker.objects.filter(created_by=user, idempotency_key=key).first() if key else None
        if earlier is not None:  # the same form sent again (a double tap): the first hire is the answer
            return redirect("workforce:worker", earlier.pk)
        try:
            id_number = data.get("id_number", "").strip()
            if id_number:
                from linli.people.selectors import access_person_by_id_number

                person = access_person_by_id_number(user, id_number, field="id_number")
            else:
                person = pick(people, data.get("person_id"), "person_id", _("人员"))
            item, _created = ws.worker_hire(
                actor=user,
                person=person,
                details=_details(data, places),
                hired_on=data.get("hired_on"),
                idempotency_key=data.get("idempotency_key", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        except Forbidden as exc:
            error = InvalidInput(exc.message, field="place_id")
        except NotFound as exc:  # no one with that ID number in the actor's ledger
            error = InvalidInput(exc.message, field="id_number")
        else:
            messages.success(request, _("已登记入职。"))
            return redirect("workforce:worker", item.pk)
    return render(
        request,
        "workforce/worker_form.html",
        {
            "worker": None,
            "places": places,
            "people": people,
            "data": request.POST if error else {"employment": "full_time"},
            "idempotency_key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
            **_choices(),
            **form_error("worker", error),
        },
        status=422 if error else 200,
    )


@login_required
def edit(request: HttpRequest, worker_id: int) -> HttpResponse:
    user = request.user
    item = sel.access_kept_worker(user, worker_id)
    places = sel.keeper_places(user)
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        data = request.POST
        try:
            ws.worker_update(
                actor=user, worker=item, details=_details(data, places), effective_on=data.get("effective_on") or None,
                note=data.get("note", ""),
            )  # fmt: skip
        except (InvalidInput, Conflict) as exc:
            error = exc
        except Forbidden as exc:
            error = InvalidInput(exc.message, field="place_id")
        else:
            messages.success(request, _("已保存。"))
            return redirect("workforce:worker", item.pk)
    initial = {
        "place_id": str(item.place_id), "post": item.post, "grade": str(item.grade), "employment": item.employment,
        "education": item.education, "qualification": item.qualification, "certificate_no": item.certificate_no,
    }  # fmt: skip
    return render(
        request,
        "workforce/worker_form.html",
        {
            "worker": item,
            "places": places,
            "data": request.POST if error else initial,
            "today": timezone.localdate(),
            **_choices(),
            **form_error("worker", error),
        },
        status=422 if error else 200,
    )


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    user = request.user
    nodes = [n for n in sel.nodes_for(user) if may_see_figures(user, n)]
    if not nodes:
        raise nothing_here()
    node = chosen_node(request, nodes) or nodes[0]
    first, last = sel.default_period()
    since, until, period_error = period_or_default(request.GET, (first, last))
    result = sel.figures(user, node, on=min(until, last), since=since, until=until)
    return render(
        request,
        "workforce/figures.html",
        {"nodes": nodes, "node": node, "f": result, "since": since, "until": until, "period_error": period_error},
        status=422 if period_error else 200,
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    nodes = [n for n in sel.nodes_for(user) if may_see_figures(user, n)]
    if not nodes:
        raise nothing_here()
    node = chosen_node(request, nodes) or nodes[0]
    status = request.GET.get("status") or "active"
    if status not in sel.STATUSES:
        status = "active"
    body = register_workbook(actor=user, node=node, status=status, request=request)
    return xlsx_response(body, f"workforce-{node.pk}-{timezone.localdate():%Y%m%d}.xlsx")
