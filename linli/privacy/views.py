"""Privacy pages: a resident's own requests (and the form), the staff queue with the workflow,
and the register of personal-information categories. Reads via selectors, writes via services."""

from __future__ import annotations

import json
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import Conflict, InvalidInput
from linli.core.pagination import keyset_page
from linli.core.scoping import scope_for
from linli.people.models import CorrectionField, Person
from linli.people.selectors import access_person
from linli.privacy import selectors, services
from linli.privacy.models import LegalBasis, RequestKind, RequestStatus


def _is_staff(user: object) -> bool:
    return not scope_for(user, "manage").empty or services.is_privacy_admin(user)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.subject_request_submit(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                details=request.POST.get("details", ""),
                correction_field=request.POST.get("correction_field", ""),
                requested_value=request.POST.get("requested_value", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
            return render(request, "privacy/home.html", _home_context(request), status=exc.status)
        messages.success(request, _("申请已受理,我们将在15个工作日内答复"))
        return redirect("privacy:home")
    return render(request, "privacy/home.html", _home_context(request))


def _home_context(request: HttpRequest) -> dict[str, object]:
    return {
        "requests": list(selectors.own_requests(request.user)[:50]),
        "kinds": RequestKind.choices,
        "fields": CorrectionField.choices,
        "categories": list(selectors.categories()),
        "is_staff": _is_staff(request.user),
        "data": request.POST if request.method == "POST" else {},
        "has_record": bool(getattr(request.user, "person_id", None)),
        "idempotency_key": secrets.token_hex(16),  # a double submit of the same form files once
    }


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not _is_staff(request.user):
        return redirect("privacy:home")
    status = request.GET.get("status", "open")
    page = keyset_page(
        selectors.request_queue(request.user, status=status),
        key="id",
        cursor=request.GET.get("cursor"),
        limit=50,
        descending=True,
    )
    return render(
        request,
        "privacy/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": RequestStatus.choices,
            "kinds": RequestKind.choices,
            "idempotency_key": secrets.token_hex(16),
        },
    )


@login_required
@require_POST
def submit_on_behalf(request: HttpRequest) -> HttpResponse:
    try:
        person: Person = access_person(request.user, request.POST.get("person_id"))
        created = services.subject_request_submit(
            actor=request.user,
            person=person,
            kind=request.POST.get("kind", ""),
            details=request.POST.get("details", ""),
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        return redirect("privacy:queue")
    messages.success(request, _("已代为提交"))
    return redirect("privacy:request", created.pk)


@login_required
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    item = selectors.access_request(request.user, request_id)
    return render(
        request,
        "privacy/detail.html",
        {
            "item": item,
            "events": list(item.events.select_related("actor")),
            "is_staff": _is_staff(request.user) and item.person_id != getattr(request.user, "person_id", None),
            "citations": services.REFUSAL_CITATIONS.items(),
        },
    )


@login_required
@require_POST
def act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    try:
        if action == "review":
            services.subject_request_review(actor=request.user, request_id=request_id)
        elif action == "complete":
            services.subject_request_complete(
                actor=request.user, request_id=request_id, outcome=request.POST.get("outcome", "")
            )
        elif action == "refuse":
            services.subject_request_refuse(
                actor=request.user,
                request_id=request_id,
                citation=request.POST.get("citation", ""),
                reason=request.POST.get("reason", ""),
            )
        elif action == "copy":
            data = services.subject_request_copy(actor=request.user, request_id=request_id)
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="subject-access-{request_id}.json"'
            return response
        else:
            raise InvalidInput(_("未知操作"), field="action")
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    return redirect("privacy:request", request_id)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.data_category_update(
                actor=request.user,
                category_id=int(request.POST.get("category_id") or 0),
                purpose=request.POST.get("purpose", ""),
                legal_basis=request.POST.get("legal_basis", ""),
                retention=request.POST.get("retention", ""),
                legal_reference=request.POST.get("legal_reference", ""),
            )
            messages.success(request, _("已保存"))
        except (InvalidInput, Conflict) as exc:
            messages.error(request, exc.message)
        return redirect("privacy:register")
    return render(
        request,
        "privacy/register.html",
        {
            "categories": list(selectors.categories()),
            "bases": LegalBasis.choices,
            "may_edit": services.is_privacy_admin(request.user),
        },
    )
