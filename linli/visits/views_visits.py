"""Visit pages on a phone: my visits, pick a household, record a visit, one visit with its
findings (solve on the spot / turn into a request) and feedback steps."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import is_staff_like
from linli.core.dates import parse_moment
from linli.core.errors import Forbidden, InvalidInput, LinliError
from linli.core.identifiers import parse_id
from linli.core.pagination import keyset_page
from linli.people.models import Person
from linli.visits import selectors as s
from linli.visits.models import PHOTOS_MAX, VisitKind
from linli.visits.services import (
    VisitInput,
    finding_add,
    finding_solve_on_spot,
    finding_to_request,
    hazard_for_visit,
    household_for_visit,
    visit_feedback_set,
    visit_record,
)

PAGE_SIZE = 30


def require_staff(user: Any) -> None:
    if not is_staff_like(user):
        raise Forbidden(_("该页面仅供工作人员使用"))


def _int(raw: Any, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("选择无效"), field=field) from None


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    g = request.GET
    mine = g.get("all") != "1"
    f = s.VisitFilters(mine=mine, kind=g.get("kind") or None)
    qs = s.filter_visits(s.visit_list_qs(request.user), request.user, f)
    page = keyset_page(qs, key="id", cursor=g.get("cursor") or None, limit=PAGE_SIZE, descending=True)
    return render(
        request, "visits/list.html", {"page": page, "mine": mine, "kinds": VisitKind.choices, "kind": f.kind or ""}
    )


def _post_input(request: HttpRequest) -> VisitInput:
    post = request.POST
    visited_at = parse_moment(post.get("visited_at"), "visited_at")
    answers = {k[len("answer_") :]: v for k, v in post.items() if k.startswith("answer_")}
    served = post.get("people_served", "").strip()
    return VisitInput(
        household_id=_int(post.get("household_id"), "household_id"),
        hazard_id=_int(post.get("hazard_id"), "hazard_id"),
        visited_at=visited_at,
        kind=post.get("kind") or VisitKind.ROUTINE,
        template_id=_int(post.get("template_id"), "template_id"),
        answers=answers,
        notes=post.get("notes", ""),
        person_ids=[n for p in post.getlist("person_ids") if (n := parse_id(p))],
        people_served=_int(served, "people_served") if served else None,
        findings=[line for line in post.get("findings", "").splitlines() if line.strip()],
        feedback_superior=post.get("feedback_superior") == "on",
        feedback_party=post.get("feedback_party") == "on",
        feedback_resident=post.get("feedback_resident") == "on",
        idempotency_key=post.get("idempotency_key", ""),
    )


def _checklists(templates: list[Any], post: Any) -> list[dict[str, Any]]:
    """Each checklist with its items; a refused form's answers to the chosen one are filled in again."""
    chosen = post.get("template_id", "")
    return [
        {
            "template": t,
            "items": [
                {**item, "value": post.get(f"answer_{item['key']}", "") if str(t.pk) == chosen else ""}
                for item in t.items
            ],
        }
        for t in templates
    ]


@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    """Building → household → form; ``?household=`` or ``?hazard=`` goes straight to the form."""
    require_staff(request.user)
    source = request.POST if request.method == "POST" else request.GET
    household_id = source.get("household_id") or source.get("household")
    hazard_id = source.get("hazard_id") or source.get("hazard")
    if not household_id and not hazard_id:
        building = request.GET.get("building")
        return render(
            request,
            "visits/pick.html",
            {
                "buildings": s.buildings_for_visit(request.user)[:500],
                "building_id": building or "",
                "households": s.households_in_building(request.user, building) if building else [],
            },
        )
    household = household_for_visit(request.user, household_id) if household_id else None
    hazard = hazard_for_visit(request.user, hazard_id) if hazard_id and not household else None
    error = None
    if request.method == "POST":
        photos = request.FILES.getlist("photos")
        try:
            if len(photos) > PHOTOS_MAX:
                raise InvalidInput(_("每次走访最多 %(max)d 张照片") % {"max": PHOTOS_MAX}, field="photos")
            visit, created = visit_record(actor=request.user, data=_post_input(request), photos=photos)
        except LinliError as exc:
            if exc.status == 404:
                raise
            error = exc
        else:
            if not created:
                messages.info(request, _("这次走访已经记录过了。"))
            else:
                messages.success(request, _("走访已记录。"))
            return redirect("visits:detail", visit_id=visit.pk)
    members = []
    if household is not None:
        members = list(Person.objects.filter(household=household, moved_out_on__isnull=True).order_by("id"))
    default_kind = VisitKind.HAZARD if hazard else VisitKind.ROUTINE
    templates = s.active_templates()
    return render(
        request,
        "visits/new.html",
        {
            "household": household,
            "hazard": hazard,
            "members": members,
            "people_seen": request.POST.getlist("person_ids"),  # kept ticked when the form comes back
            "kinds": VisitKind.choices,
            "templates": templates,
            "checklists": _checklists(templates, request.POST),
            "data": request.POST if request.method == "POST" else {"kind": default_kind},
            "error": error,
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "photos_max": PHOTOS_MAX,
        },
    )


@login_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = s.access_visit(request.user, visit_id)
    return render(
        request,
        "visits/detail.html",
        {"visit": visit, "checklist": s.checklist_rows(visit), "may_act": is_staff_like(request.user)},
    )


@login_required
@require_POST
def visit_act(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The detail page's buttons: feedback steps, add a finding, solve on the spot, to a request."""
    post = request.POST
    action = post.get("action", "")
    target = reverse("visits:detail", args=[visit_id])
    try:
        if action == "feedback":
            visit_feedback_set(
                actor=request.user, visit_id=visit_id, step=post.get("step", ""), done=post.get("done") == "1"
            )
        elif action == "add_finding":
            finding_add(actor=request.user, visit_id=visit_id, text=post.get("text", ""))
        elif action in ("solve", "to_request"):
            finding_id = _int(post.get("finding_id"), "finding_id")
            finding = s.access_visit(request.user, visit_id).findings.filter(pk=finding_id).first()
            if finding is None:
                raise InvalidInput(_("未找到该问题"), field="finding_id")
            if action == "solve":
                finding_solve_on_spot(actor=request.user, finding_id=finding.pk, note=post.get("note", ""))
            else:
                ticket = finding_to_request(actor=request.user, finding_id=finding.pk)
                messages.success(request, _("已转为诉求 %(number)s") % {"number": ticket.number})
        else:
            raise InvalidInput(_("未知操作"), field="action")
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect(target)


@login_required
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    p = s.photo_for(request.user, photo_id)
    response = FileResponse(p.image.open("rb"), content_type=p.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
