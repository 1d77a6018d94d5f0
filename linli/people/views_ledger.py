"""Staff pages of the resident ledger: search, person (masked; reveal with a reason), household,
export, "everything we hold" export, correction queue. Reads via selectors, writes via services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput, LinliError, RetryLater
from linli.core.scoping import scope_for
from linli.people.exporting import ledger_export, subject_access_export
from linli.people.models import CorrectionStatus, ResidenceType
from linli.people.selectors import (
    LedgerFilter,
    access_correction,
    access_household,
    access_person,
    buildings_for_filter,
    correction_queue,
    household_detail,
    person_detail,
    search_ledger,
    visible_care_tags,
)
from linli.people.services import Revealed, correction_resolve, person_reveal


def _int(value: str | None, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(_("参数应为数字"), field=field) from None


def _filters(request: HttpRequest) -> LedgerFilter:
    return LedgerFilter(
        q=request.GET.get("q", "").strip()[:100],
        tag=_int(request.GET.get("tag"), "tag"),
        building=_int(request.GET.get("building"), "building"),
        residence_type=request.GET.get("residence_type", ""),
        include_moved_out=request.GET.get("moved_out") == "1",
    )


@login_required
def ledger_list(request: HttpRequest) -> HttpResponse:
    if scope_for(request.user, "ledger").empty:
        return redirect("people:my_record")
    filters = _filters(request)
    page = search_ledger(request.user, filters, cursor=request.GET.get("cursor"), limit=50)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "people/ledger_list.html",
        {
            "people": page.items,
            "next": page.next,
            "filters": filters,
            "query": query.urlencode(),
            "tags": visible_care_tags(request.user),
            "buildings": buildings_for_filter(request.user),
            "residence_types": ResidenceType.choices,
            "may_import": not scope_for(request.user, "manage").empty,
        },
    )


def _detail_page(
    request: HttpRequest, person: Any, *, revealed: Revealed | None = None, error: LinliError | None = None
) -> HttpResponse:
    detail = person_detail(request.user, person)
    response = render(
        request,
        "people/person_detail.html",
        {"d": detail, "person": person, "revealed": revealed, "reveal_error": error.message if error else ""},
        status=error.status if error else 200,
    )
    if isinstance(error, RetryLater):  # the reveal budget is spent: say when it comes back
        response["Retry-After"] = str(error.retry_after)
    return response


@login_required
def person_page(request: HttpRequest, person_id: int) -> HttpResponse:
    return _detail_page(request, access_person(request.user, person_id))


@login_required
@require_POST
def person_reveal_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person(request.user, person_id)
    try:
        revealed = person_reveal(
            actor=request.user, person=person, reason=request.POST.get("reason", ""), request=request
        )
    except (InvalidInput, RetryLater) as exc:  # no reason given, or the hour's reveals are spent: said on the page
        return _detail_page(request, person, error=exc)
    return _detail_page(request, person, revealed=revealed)


@login_required
@require_POST
def person_subject_export(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person(request.user, person_id)
    try:
        data = subject_access_export(
            actor=request.user, person=person, reason=request.POST.get("reason", ""), request=request
        )
    except (InvalidInput, RetryLater) as exc:
        return _detail_page(request, person, error=exc)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def household_page(request: HttpRequest, household_id: int) -> HttpResponse:
    from linli.visits.selectors import visits_for_household

    household = access_household(request.user, household_id)
    return render(
        request,
        "people/household.html",
        {
            "d": household_detail(request.user, household),
            "hv": visits_for_household(user=request.user, household=household),
        },
    )


@login_required
def ledger_export_view(request: HttpRequest) -> FileResponse:
    if scope_for(request.user, "ledger").empty:
        raise InvalidInput(_("您没有可导出的台账"), field=None)
    target, _count = ledger_export(actor=request.user, filters=_filters(request), request=request)
    response = FileResponse(target, as_attachment=True, filename="居民台账.xlsx")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def corrections_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CorrectionStatus.OPEN)
    if status not in CorrectionStatus.values:
        status = CorrectionStatus.OPEN
    return render(
        request,
        "people/corrections.html",
        {
            "corrections": list(correction_queue(request.user, status=status)[:200]),
            "status": status,
            "statuses": CorrectionStatus.choices,
        },
    )


@login_required
@require_POST
def correction_resolve_view(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = access_correction(request.user, correction_id)
    accept = request.POST.get("decision") == "accept"
    correction_resolve(actor=request.user, correction=correction, accept=accept, note=request.POST.get("note", ""))
    messages.success(request, _("已处理更正申请"))
    return redirect("people:corrections")
