"""The shared-income pages (公共收益): the staff's overview under a street or community with its figures, a
compound's ledger (its readers: staff, leaders, the branch secretary, the owners' committee), recording an entry,
an entry with its reversal, the export, and the owners' 公示 (a mobile page for the compound's owners and
residents: the quarter so far and the published quarters, without personal data). A compound or entry the user
may not read is the 404 of a missing id; a refused form comes back with what was typed and the error (422)."""

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

from linli.commons import export
from linli.commons import selectors as sel
from linli.commons import services as cs
from linli.commons.models import CATEGORIES_OF, Category, EntryKind, Notice
from linli.commons.periods import previous_quarter, quarter_bounds
from linli.commons.permissions import sees_ledger
from linli.commons.services_notices import notice_publish
from linli.commons.views_common import PageError, form_error, period, whole
from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.forms import pick
from linli.grants.money import parse_yuan, yuan_plain
from linli.people.sheets import XLSX_CONTENT_TYPE
from linli.places.models import Place

ENTRIES_SHOWN = 200


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Staff: the compounds under a street or community (``?node=``) with the period's figures. Owners and
    residents: the compounds whose 公示 they read."""
    user = request.user
    node: Place | None = None
    raw = request.GET.get("node", "")
    if raw.strip():
        node = sel.figure_node(raw)
    node = node or sel.default_node(user)
    figures, since, until, period_error = None, None, None, None
    if node is not None and sel.may_see_figures(user, node):
        since, until, period_error = period(request)
        figures = sel.figures(user, node, since, until)
    elif node is not None and raw.strip():
        raise sel._not_found()
    return render(
        request,
        "commons/index.html",
        {
            "node": node,
            "figures": figures,
            "since": since,
            "until": until,
            "period_error": period_error,
            "homes": sel.home_compounds(user),
        },
        status=422 if period_error else 200,
    )


def _quarters_to_publish(compound: Place, notices: list[Notice]) -> list[tuple[int, int]]:
    """The last four ended quarters not yet published (the publish form's choices)."""
    done = {(n.year, n.quarter) for n in notices}
    year, quarter = previous_quarter()
    out = []
    for _n in range(4):
        if (year, quarter) not in done:
            out.append((year, quarter))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return out


def _ledger_page(
    request: HttpRequest, compound: Place, *, error: PageError | None = None, form: str = "", status: int = 200
) -> HttpResponse:
    user = request.user
    ledger = sel.ledger_of(compound)
    entries = list(sel.entries_of(compound)[: ENTRIES_SHOWN + 1])
    notices = list(sel.notices_of(compound))
    may_record = sel.may_record_at(user, compound)
    return render(
        request,
        "commons/ledger.html",
        {
            "compound": compound,
            "ledger": ledger,
            "entries": entries[:ENTRIES_SHOWN],
            "truncated": len(entries) > ENTRIES_SHOWN,
            "reversed": sel.reversed_ids(entries),
            "notices": notices,
            "may_record": may_record,
            "to_publish": _quarters_to_publish(compound, notices) if may_record else [],
            "limit_yuan": yuan_plain(ledger.routine_limit_fen if ledger else 200_000),
            "data": request.POST if error else {},
            **form_error(form, error),
        },
        status=status,
    )


@login_required
def ledger(request: HttpRequest, compound_id: int) -> HttpResponse:
    compound = sel.compound_for_ledger(request.user, compound_id)
    return _ledger_page(request, compound)


def _recorder_compound(request: HttpRequest, compound_id: int) -> Place:
    compound = sel.compound_for_ledger(request.user, compound_id)
    if not sel.may_record_at(request.user, compound):
        raise Forbidden(_("您的岗位无权记录这个小区的公共收益台账"))
    return compound


@login_required
@require_POST
def settings(request: HttpRequest, compound_id: int) -> HttpResponse:
    compound = _recorder_compound(request, compound_id)
    data = request.POST
    try:
        limit = parse_yuan(
            data.get("routine_limit"), field="routine_limit_fen", label=_("日常小额支出限额"), required=False
        )
        cs.ledger_settings(
            actor=request.user, compound=compound, routine_limit_fen=limit or 0, routine_basis=data.get("routine_basis")
        )
    except InvalidInput as exc:
        return _ledger_page(request, compound, error=exc, form="settings", status=422)
    messages.success(request, _("已保存日常小额支出限额。"))
    return redirect("commons:ledger", compound.pk)


@login_required
@require_POST
def publish(request: HttpRequest, compound_id: int) -> HttpResponse:
    compound = _recorder_compound(request, compound_id)
    data = request.POST
    try:
        year_text, _sep, quarter_text = str(data.get("quarter", "")).partition("-")
        notice = notice_publish(
            actor=request.user,
            compound=compound,
            year=whole(year_text, field="quarter", label=_("季度")),
            quarter=whole(quarter_text, field="quarter", label=_("季度")),
            note=data.get("note", ""),
        )
    except (InvalidInput, Conflict) as exc:
        return _ledger_page(request, compound, error=exc, form="publish", status=exc.status)
    messages.success(request, _("已发布%(label)s公共收益公示。") % {"label": notice.label})
    return redirect("commons:notice", notice.pk)


def _fields(data: Any, compound: Place, payers: list[Any], votes: list[Any]) -> cs.EntryFields:
    kind = data.get("kind", "")
    return cs.EntryFields(
        kind=kind,
        category=data.get("category", ""),
        amount_fen=parse_yuan(data.get("amount"), field="amount_fen", label=_("金额")),
        occurred_on=parse_day(data.get("occurred_on"), "occurred_on"),
        summary=data.get("summary", ""),
        period_start=parse_day(data.get("period_start"), "period_start"),
        period_end=parse_day(data.get("period_end"), "period_end"),
        payer=pick(payers, data.get("payer_id"), "payer_id", _("缴款单位"), required=False)
        if kind == EntryKind.INCOME
        else None,
        counterparty=data.get("counterparty", ""),
        receipt_no=data.get("receipt_no", ""),
        evidence=data.get("evidence", ""),
        vote=pick(votes, data.get("vote_id"), "vote_id", _("业主表决"), required=False),
        approval_note=data.get("approval_note", ""),
    )


@login_required
def record(request: HttpRequest, compound_id: int) -> HttpResponse:
    """Record an entry (``?kind=`` chooses the form's kind)."""
    compound = _recorder_compound(request, compound_id)
    payers = sel.payer_choices(compound)
    votes = sel.approving_votes(compound)
    error: PageError | None = None
    if request.method == "POST":
        data = request.POST
        try:
            entry, _created = cs.entry_record(
                actor=request.user,
                compound=compound,
                fields=_fields(data, compound, payers, votes),
                idempotency_key=data.get("idempotency_key", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已入账:%(summary)s") % {"summary": entry.summary})
            return redirect("commons:ledger", compound.pk)
    kind = (request.POST if error else request.GET).get("kind", EntryKind.INCOME)
    kind = kind if kind in EntryKind.values else EntryKind.INCOME
    ledger = sel.ledger_of(compound)
    return render(
        request,
        "commons/record.html",
        {
            "compound": compound,
            "ledger": ledger,
            "kind": kind,
            "kinds": EntryKind.choices,
            "categories": [(c, Category(c).label) for c in CATEGORIES_OF[kind]],
            "payers": payers,
            "votes": votes,
            "today": timezone.localdate(),
            "limit_yuan": yuan_plain(ledger.routine_limit_fen if ledger else 200_000),
            "data": request.POST if error else {},
            "idempotency_key": request.POST.get("idempotency_key") if error else uuid.uuid4().hex,
            **form_error("entry", error),
        },
        status=(error.status if error else 200),
    )


def _entry_page(request: HttpRequest, entry: Any, *, error: PageError | None = None, status: int = 200) -> HttpResponse:
    compound = entry.ledger.compound
    reversal = entry.reversed_by if hasattr(entry, "reversed_by") else None
    return render(
        request,
        "commons/entry.html",
        {
            "entry": entry,
            "compound": compound,
            "reversal": reversal,
            "may_record": sel.may_record_at(request.user, compound),
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,
            **form_error("reverse", error),
        },
        status=status,
    )


@login_required
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _entry_page(request, sel.access_entry(request.user, entry_id))


@login_required
@require_POST
def reverse(request: HttpRequest, entry_id: int) -> HttpResponse:
    item = sel.access_entry(request.user, entry_id)
    if not sel.may_record_at(request.user, item.ledger.compound):
        raise Forbidden(_("您的岗位无权冲正这条记录"))
    data = request.POST
    try:
        made, _created = cs.entry_reverse(
            actor=request.user,
            entry=item,
            reason=data.get("reason", ""),
            occurred_on=parse_day(data.get("occurred_on"), "occurred_on"),
            idempotency_key=data.get("idempotency_key", ""),
        )
    except (InvalidInput, Conflict) as exc:
        return _entry_page(request, item, error=exc, status=exc.status)
    messages.success(request, _("已冲正,余额已相应调整。"))
    return redirect("commons:entry", made.pk)


@login_required
def export_xlsx(request: HttpRequest, compound_id: int) -> HttpResponse:
    compound = sel.compound_for_ledger(request.user, compound_id)
    body = export.ledger_export(actor=request.user, compound=compound, request=request)
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''commons-{compound.pk}.xlsx"
    return response


@login_required
def public(request: HttpRequest, compound_id: int) -> HttpResponse:
    """公示: the quarter so far (live) and the published quarters, for the compound's owners and residents."""
    compound = sel.compound_for_notices(request.user, compound_id)
    ledger = sel.ledger_of(compound)
    return render(
        request,
        "commons/public.html",
        {
            "compound": compound,
            "ledger": ledger,
            "live": sel.live_summary(compound),
            "notices": list(sel.notices_of(compound)),
            "sees_ledger": sees_ledger(request.user, compound.path),
        },
    )


@login_required
def notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    item = sel.access_notice(request.user, notice_id)
    compound = item.ledger.compound
    first, last = quarter_bounds(item.year, item.quarter)
    return render(
        request,
        "commons/notice.html",
        {"notice": item, "compound": compound, "summary": sel.notice_summary(item), "first": first, "last": last},
    )
