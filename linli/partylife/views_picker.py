"""The resident picker on party-life forms: type part of a name, pick a masked row (htmx).

POST, so the typed name never lands in a URL or an access log line; audited like a ledger search
(who searched, how many rows came back and which ids, never the typed text)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput
from linli.partylife.selectors import PICKER_FIELDS, picker_search


@login_required
@require_POST
def people_search(request: HttpRequest) -> HttpResponse:
    field = request.POST.get("field", "person_id")
    if field not in PICKER_FIELDS:
        field = "person_id"
    try:
        found = picker_search(request.user, request.POST.get("picker_q", ""))
    except InvalidInput as exc:
        return render(request, "partylife/_picker_results.html", {"error": exc.message, "field": field})
    audit_record(
        action="resident.search",
        actor=request.user,
        request=request,
        via="partylife.picker",
        rows=len(found),
        ids=[p.id for p in found],
    )
    return render(request, "partylife/_picker_results.html", {"found": found, "field": field})
