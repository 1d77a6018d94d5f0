"""Pages of the register of compound rules (小区规章制度): the list with the figures under a node, recording a
charter (with its document), one charter with its versions and the repeal form, and its document.

A charter or node the user may not read is the 404 of a missing id; a refused form comes back with the message
on its field and what was typed (422)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.cobuilding import selectors_charters as sel
from linli.cobuilding import services_charters as svc
from linli.cobuilding.models import CharterAdoption, CharterKind, CharterStatus, CompoundCharter
from linli.cobuilding.views_common import managed_places
from linli.core import uploads
from linli.core.dates import parse_day, require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.forms import pick
from linli.core.identifiers import parse_id
from linli.core.scoping import may_manage_at
from linli.places.models import Place, PlaceKind

PAGE_SIZE = 30
NEW_FIELDS = ("compound_id", "kind", "title", "adopted_on", "adopted_how", "party_leadership", "summary", "document")
REPEAL_FIELDS = ("reason", "repealed_on")


def _choice(raw: str, choices: Any) -> str:
    """A filter from the query string: one of the choices, or none (an unknown value lists everything)."""
    return raw if raw in choices.values else ""


@login_required
def charters(request: HttpRequest) -> HttpResponse:
    """The charters the user reads under a node (``?node=``, default the outermost one they work at), filtered by
    kind, status and compound, with the node's figures for staff."""
    user = request.user
    q = request.GET
    raw_node = q.get("node", "").strip()
    node = sel.figures_node(user, parse_id(raw_node)) if raw_node else sel.default_node(user)
    kind, status = _choice(q.get("kind", ""), CharterKind), _choice(q.get("status", ""), CharterStatus)
    compound_id = parse_id(q.get("compound"))
    filters: dict[str, Any] = {"kind": kind, "status": status, "compound_id": compound_id, "node": node}
    error = None
    try:
        page = sel.charter_page(user, **filters, cursor=q.get("cursor") or None, limit=PAGE_SIZE)
    except InvalidInput as exc:
        error, page = exc, sel.charter_page(user, **filters, limit=PAGE_SIZE)
    compounds: list[Place] = []
    if node is not None:
        compounds = list(Place.objects.filter(path__under=node.path, kind=PlaceKind.COMPOUND).order_by("path")[:500])
    query = {"node": node.pk if node and raw_node else "", "kind": kind, "status": status, "compound": compound_id}
    return render(
        request,
        "cobuilding/charters.html",
        {
            "node": node,
            "figures": sel.charter_figures(node) if node is not None else None,
            "rows": page.items,
            "next": page.next,
            "query": {k: v for k, v in query.items() if v},
            "kind": kind,
            "status": status,
            "compound_id": compound_id,
            "compounds": compounds,
            "kinds": CharterKind.choices,
            "statuses": CharterStatus.choices,
            "can_record": bool(managed_places(user, [PlaceKind.COMPOUND], limit=1)),
            "error": error,
        },
    )


def _new_values(request: HttpRequest) -> dict[str, Any]:
    if request.method == "POST":
        p = request.POST
        values: dict[str, Any] = {k: p.get(k, "") for k in NEW_FIELDS if k != "document"}
        values["compound_id"] = parse_id(p.get("compound_id"))
        return values
    kind = request.GET.get("kind", "")
    return {
        "compound_id": parse_id(request.GET.get("compound")),
        "kind": kind if kind in CharterKind.values else CharterKind.MANAGEMENT_COVENANT,
        "adopted_how": CharterAdoption.OWNERS_ASSEMBLY,
    }


def _leadership(raw: str) -> bool | None:
    return {"1": True, "0": False}.get(raw)


@login_required
def charter_new(request: HttpRequest) -> HttpResponse:
    """登记: staff who manage a compound record one of its rules documents, a PDF or a photo of it attached."""
    compounds = managed_places(request.user, [PlaceKind.COMPOUND])
    if not compounds:
        raise Forbidden(_("只有管理小区的社区工作人员可以登记小区规章制度"))
    values = _new_values(request)
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            compound = pick(compounds, p.get("compound_id"), "compound_id", _("小区"))
            charter, created = svc.charter_record(
                actor=request.user, compound_id=compound.pk, kind=p.get("kind", ""), title=p.get("title", ""),
                adopted_on=require_day(p.get("adopted_on"), "adopted_on"), adopted_how=p.get("adopted_how", ""),
                party_leadership=_leadership(p.get("party_leadership", "")),  # type: ignore[arg-type]
                summary=p.get("summary", ""), document=request.FILES.get("document"),
            )  # fmt: skip
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("规章制度已登记") if created else _("该规章制度已登记过,未重复登记"))
            return redirect(reverse("cobuilding:charter", args=[charter.pk]))
    return render(
        request,
        "cobuilding/charters_new.html",
        {
            "compounds": compounds,
            "kinds": CharterKind.choices,
            "adoptions": CharterAdoption.choices,
            "values": values,
            "error": error,
            "field_error": error is not None and error.field in NEW_FIELDS,
            "today": timezone.localdate(),
        },
        status=422 if error is not None else 200,
    )


def _detail(
    request: HttpRequest, charter: CompoundCharter, *, error: Any = None, values: dict[str, Any] | None = None
) -> HttpResponse:
    can_list = sel.may_read_at(request.user, charter.place_path)  # staff; residents read the one in force only
    return render(
        request,
        "cobuilding/charters_detail.html",
        {
            "c": charter,
            "versions": sel.versions_of(charter) if can_list else [],
            "can_manage": may_manage_at(request.user, charter.place_path),
            "can_list": can_list,
            "error": error,
            "field_error": error is not None and error.field in REPEAL_FIELDS,
            "values": values or {"repealed_on": timezone.localdate().isoformat()},
        },
        status=422 if error is not None else 200,
    )


@login_required
def charter_detail(request: HttpRequest, charter_id: int) -> HttpResponse:
    return _detail(request, sel.access_charter(request.user, charter_id))


@login_required
@require_POST
def charter_repeal(request: HttpRequest, charter_id: int) -> HttpResponse:
    """废止 from the charter's page; a refusal shows the page again with the message on its field (422)."""
    charter = sel.access_charter(request.user, charter_id)
    p = request.POST
    try:
        svc.charter_repeal(
            actor=request.user,
            charter_id=charter.pk,
            reason=p.get("reason", ""),
            repealed_on=parse_day(p.get("repealed_on"), "repealed_on"),
        )
    except (InvalidInput, Conflict) as exc:
        values = {k: p.get(k, "") for k in REPEAL_FIELDS}
        return _detail(request, charter, error=exc, values=values)
    messages.success(request, _("规章制度已废止"))
    return redirect(reverse("cobuilding:charter", args=[charter.pk]))


@login_required
def charter_document(request: HttpRequest, charter_id: int) -> FileResponse:
    """The charter's document, to those who read the charter (not audited: like request, visit and wish photos,
    a rules document holds no personal data)."""
    charter = sel.charter_document(request.user, charter_id)
    name = charter.document.name
    return uploads.serve_upload(
        charter.document,
        content_type=uploads.content_type_of(name),
        download_name=f"charter-{charter.pk}.{name.rsplit('.', 1)[-1]}",
    )
