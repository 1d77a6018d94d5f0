"""The shared-income ledger under /api/v1/commons/: ledgers and their entries, recording and reversing an entry,
the routine threshold, publishing a quarter's 公示 and reading the published ones, and the figures.

A compound's ledger is read by those who record it (``manage``), lead above it, its party branch secretary and
its owners' committee; its published 公示 also by its owners and residents; anyone else gets the 404 of a missing
id. Amounts are whole 分. Rules broken are 422 naming the field in Chinese; a receipt already entered, an entry
already reversed or a quarter already published is 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.commons import selectors as sel
from linli.commons import services as cs
from linli.commons.models import Category, Entry, EntryKind, Ledger, Notice
from linli.commons.services_notices import notice_publish
from linli.core.errors import InvalidInput
from linli.core.pagination import cursor_key, keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.places.models import Place

router = Router(tags=["commons"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
KINDS = ", ".join(f"{v} ({label})" for v, label in EntryKind.choices)
CATEGORIES = ", ".join(f"{v} ({label})" for v, label in Category.choices)


class CommonsLedgerOut(Schema):
    compound_id: int
    compound_name: str
    opened: bool = Field(description="false: nothing recorded yet (every figure 0)")
    income_fen: int = Field(description="income recorded, net of reversals (分)")
    cost_fen: int = Field(description="reasonable costs deducted (合理成本, 民法典第282条)")
    spent_fen: int
    distributed_fen: int = Field(description="shared out to the owners (分红)")
    balance_fen: int = Field(description="income − costs − spending − distributed; never below 0")
    routine_limit_fen: int = Field(
        description="a maintenance expense up to this may go ahead on the owners' committee's written approval"
    )
    routine_basis: str
    entries_count: int
    may_record: bool


class CommonsLedgerListOut(Schema):
    items: list[CommonsLedgerOut]
    next: str | None


class CommonsLedgerListQuery(PageQuery):
    place_id: int | None = Field(None, description="ledgers of the compounds under this place")


class CommonsEntryOut(Schema):
    id: int
    compound_id: int
    kind: str = Field(description=KINDS)
    category: str = Field(description=CATEGORIES)
    amount_fen: int = Field(description="always above 0")
    effect_fen: int = Field(description="what the entry did to the balance (negative for an outflow)")
    balance_after_fen: int
    occurred_on: dt.date
    period_start: dt.date | None
    period_end: dt.date | None
    summary: str
    payer_id: int | None
    payer_name: str
    counterparty: str
    receipt_no: str
    evidence: str
    vote_id: int | None
    vote_title: str
    approval_note: str
    reverses_id: int | None = Field(description="the entry this one reverses (冲正)")
    reversed: bool = Field(description="a later entry reverses this one")
    reason: str
    recorded_by: str
    recorded_at: dt.datetime


class CommonsEntryListOut(Schema):
    items: list[CommonsEntryOut]
    next: str | None


class CommonsEntryListQuery(PageQuery):
    kind: str | None = Field(None, description=KINDS)


class CommonsEntryIn(Schema):
    kind: str = Field(description=KINDS)
    category: str = Field(description=CATEGORIES)
    amount_fen: int = Field(description="whole 分, above 0")
    occurred_on: Day = Field(description="入账日期, not in the future nor in a published quarter")
    summary: str = Field(description="摘要, up to 200 characters; shown to the owners")
    period_start: Day | None = Field(None, description="the period the income or cost covers (income: required)")
    period_end: Day | None = None
    payer_id: int | None = Field(None, description="income: the paying organisation (the property company …)")
    counterparty: str = Field("", description="who was paid (staff only), up to 100 characters")
    receipt_no: str = Field("", description="票据号 (income: required; unique per ledger and kind)")
    evidence: str = Field("", description="cost: the contract, invoice … behind it (required)")
    vote_id: int | None = Field(None, description="spending, distribution: the owners' vote that approved it")
    approval_note: str = Field(
        "", description="a routine expense within the threshold: the committee's written approval"
    )


class CommonsReverseIn(Schema):
    reason: str = Field(description="冲正原因, up to 200 characters")
    occurred_on: Day | None = Field(None, description="default today")


class CommonsSettingsIn(Schema):
    routine_limit_fen: int = Field(description="0: every expense needs an owners' vote")
    routine_basis: str = Field(description="the 管理规约 clause, up to 200 characters")


class CommonsMonthOut(Schema):
    month: str
    income_fen: int
    cost_fen: int
    spent_fen: int
    distributed_fen: int


class CommonsLineOut(Schema):
    day: str
    kind: str
    category: str
    amount_fen: int = Field(description="what it did to the balance")
    summary: str
    payer: str
    receipt_no: str
    vote: str
    routine: bool
    reversal: bool


class CommonsNoticeOut(Schema):
    id: int
    compound_id: int
    compound_name: str
    year: int
    quarter: int
    opening_fen: int
    income_fen: int
    cost_fen: int
    spent_fen: int
    distributed_fen: int
    closing_fen: int
    months: list[CommonsMonthOut]
    lines: list[CommonsLineOut] = Field(description="the quarter's entries without personal data, as published")
    note: str
    published_at: dt.datetime


class CommonsNoticeListOut(Schema):
    items: list[CommonsNoticeOut]
    next: str | None


class CommonsNoticeIn(Schema):
    year: int
    quarter: int = Field(description="1–4, a quarter that has ended")
    note: str = Field("", description="公示说明, up to 500 characters")


class CommonsCompoundFiguresOut(Schema):
    compound_id: int
    name: str
    income_fen: int
    cost_fen: int
    spent_fen: int
    distributed_fen: int
    balance_fen: int
    published_this_quarter: bool


class CommonsFiguresOut(Schema):
    place_id: int
    since: dt.date
    until: dt.date
    income_fen: int = Field(description="income in the period, net of reversals, under the place")
    cost_fen: int
    spent_fen: int
    distributed_fen: int
    balance_fen: int = Field(description="balances at the end of the period, summed")
    compounds: int = Field(description="compounds under the place")
    with_income: int = Field(description="compounds with shared income recorded in the period")
    published_this_quarter: int = Field(description="compounds that published a 公示 this quarter")
    rows: list[CommonsCompoundFiguresOut]


class CommonsFiguresQuery(Schema):
    place_id: int = Field(description="a place you manage or lead")
    since: Day | None = Field(None, description="default 1 January this year")
    until: Day | None = Field(None, description="default today")


def _check_cursor(qs: Any, cursor: str | None) -> None:
    if cursor:
        cursor_key(qs, key="id", cursor=cursor)


def ledger_out(request: HttpRequest, compound: Place, ledger: Ledger | None) -> CommonsLedgerOut:
    return CommonsLedgerOut(
        compound_id=compound.pk,
        compound_name=compound.name,
        opened=ledger is not None,
        income_fen=ledger.income_fen if ledger else 0,
        cost_fen=ledger.cost_fen if ledger else 0,
        spent_fen=ledger.spent_fen if ledger else 0,
        distributed_fen=ledger.distributed_fen if ledger else 0,
        balance_fen=ledger.balance_fen if ledger else 0,
        routine_limit_fen=ledger.routine_limit_fen if ledger else Ledger._meta.get_field("routine_limit_fen").default,
        routine_basis=ledger.routine_basis if ledger else "",
        entries_count=ledger.entries_count if ledger else 0,
        may_record=sel.may_record_at(request.user, compound),
    )


def entry_out(e: Entry, reversed_ids: set[int], compound_id: int) -> CommonsEntryOut:
    person = getattr(e.recorded_by, "person", None)
    return CommonsEntryOut(
        id=e.pk,
        compound_id=compound_id,
        kind=e.kind,
        category=e.category,
        amount_fen=e.amount_fen,
        effect_fen=e.effect_fen,
        balance_after_fen=e.balance_after,
        occurred_on=e.occurred_on,
        period_start=e.period_start,
        period_end=e.period_end,
        summary=e.summary,
        payer_id=e.payer_id,
        payer_name=e.payer.name if e.payer is not None else "",
        counterparty=e.counterparty,
        receipt_no=e.receipt_no,
        evidence=e.evidence,
        vote_id=e.vote_id,
        vote_title=e.vote.title if e.vote is not None else "",
        approval_note=e.approval_note,
        reverses_id=e.reverses_id,
        reversed=e.pk in reversed_ids,
        reason=e.reason,
        recorded_by=str(person.name) if person is not None else e.recorded_by.get_username(),
        recorded_at=e.recorded_at,
    )


def notice_out(n: Notice, compound: Place) -> CommonsNoticeOut:
    summary = sel.notice_summary(n)
    return CommonsNoticeOut(
        id=n.pk,
        compound_id=compound.pk,
        compound_name=compound.name,
        year=n.year,
        quarter=n.quarter,
        opening_fen=n.opening_fen,
        income_fen=n.income_fen,
        cost_fen=n.cost_fen,
        spent_fen=n.spent_fen,
        distributed_fen=n.distributed_fen,
        closing_fen=n.closing_fen,
        months=[CommonsMonthOut(**m.as_json()) for m in summary.months],
        lines=[CommonsLineOut(**line.as_json()) for line in summary.lines],
        note=n.note,
        published_at=n.published_at,
    )


@router.get(
    "/ledgers",
    response={200: CommonsLedgerListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="commons_ledgers_list",
    summary="Shared-income ledgers you read in full (under a place), by id (keyset pages)",
)
def commons_ledgers_list(request: HttpRequest, filters: Query[CommonsLedgerListQuery]) -> CommonsLedgerListOut:
    qs = sel.visible_ledgers(request.user)
    _check_cursor(qs, filters.cursor)
    if filters.place_id is not None:
        node = sel.figure_node(filters.place_id, field="place_id")
        qs = qs.filter(place_path__under=node.path)
    page = keyset_page(qs.select_related("compound"), key="id", cursor=filters.cursor, limit=filters.limit)
    return CommonsLedgerListOut(items=[ledger_out(request, g.compound, g) for g in page.items], next=page.next)


@router.get(
    "/ledgers/{compound_id}",
    response={200: CommonsLedgerOut, 404: ErrorOut},
    operation_id="commons_ledger_read",
    summary="A compound's ledger: totals, balance and the routine threshold",
)
def commons_ledger_read(request: HttpRequest, compound_id: int) -> CommonsLedgerOut:
    compound = sel.compound_for_ledger(request.user, compound_id)
    return ledger_out(request, compound, sel.ledger_of(compound))


@router.put(
    "/ledgers/{compound_id}/settings",
    response={200: CommonsLedgerOut, **ERRORS},
    operation_id="commons_ledger_settings",
    summary="Set the routine-expense threshold and its basis in the 管理规约 (audited)",
)
def commons_ledger_settings(request: HttpRequest, compound_id: int, payload: CommonsSettingsIn) -> CommonsLedgerOut:
    compound = sel.compound_for_ledger(request.user, compound_id)
    ledger = cs.ledger_settings(
        actor=request.user,
        compound=compound,
        routine_limit_fen=payload.routine_limit_fen,
        routine_basis=payload.routine_basis,
    )
    return ledger_out(request, compound, ledger)


@router.get(
    "/ledgers/{compound_id}/entries",
    response={200: CommonsEntryListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="commons_entries_list",
    summary="A compound's entries, newest first (keyset pages)",
)
def commons_entries_list(
    request: HttpRequest, compound_id: int, filters: Query[CommonsEntryListQuery]
) -> CommonsEntryListOut:
    _check_cursor(Entry.objects.all(), filters.cursor)
    compound = sel.compound_for_ledger(request.user, compound_id)
    qs = sel.entries_of(compound)
    if filters.kind:
        if filters.kind not in EntryKind.values:
            raise InvalidInput(_("请选择记录类别"), field="kind")
        qs = qs.filter(kind=filters.kind)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    done = sel.reversed_ids(page.items)
    return CommonsEntryListOut(items=[entry_out(e, done, compound.pk) for e in page.items], next=page.next)


def _fields(payload: CommonsEntryIn) -> cs.EntryFields:
    from linli.deliberation.models import Vote
    from linli.orgs.models import Organisation

    payer = vote = None
    if payload.payer_id is not None:
        payer = Organisation.objects.filter(pk=payload.payer_id).first()
        if payer is None:
            raise InvalidInput(_("请选择缴款单位"), field="payer_id")
    if payload.vote_id is not None:
        vote = Vote.objects.filter(pk=payload.vote_id).first()
        if vote is None:
            raise InvalidInput(_("未找到该业主表决,或它不是本小区(或其上级)的表决"), field="vote_id")
    return cs.EntryFields(
        kind=payload.kind,
        category=payload.category,
        amount_fen=payload.amount_fen,
        occurred_on=payload.occurred_on,
        summary=payload.summary,
        period_start=payload.period_start,
        period_end=payload.period_end,
        payer=payer,
        counterparty=payload.counterparty,
        receipt_no=payload.receipt_no,
        evidence=payload.evidence,
        vote=vote,
        approval_note=payload.approval_note,
    )


@router.post(
    "/ledgers/{compound_id}/entries",
    response={200: CommonsEntryOut, 201: CommonsEntryOut, **ERRORS},
    operation_id="commons_entries_record",
    summary="Record income, a cost, a spending or a distribution (201); an Idempotency-Key retry answers 200",
)
def commons_entries_record(request: HttpRequest, compound_id: int, payload: CommonsEntryIn) -> Status[CommonsEntryOut]:
    compound = sel.compound_for_ledger(request.user, compound_id)
    entry, created = cs.entry_record(
        actor=request.user,
        compound=compound,
        fields=_fields(payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    item = sel.access_entry(request.user, entry.pk)
    return Status(201 if created else 200, entry_out(item, sel.reversed_ids([item]), compound.pk))


@router.get(
    "/entries/{entry_id}",
    response={200: CommonsEntryOut, 404: ErrorOut},
    operation_id="commons_entries_read",
    summary="One entry of a ledger you read in full",
)
def commons_entries_read(request: HttpRequest, entry_id: int) -> CommonsEntryOut:
    item = sel.access_entry(request.user, entry_id)
    return entry_out(item, sel.reversed_ids([item]), item.ledger.compound_id)


@router.post(
    "/entries/{entry_id}/reverse",
    response={200: CommonsEntryOut, 201: CommonsEntryOut, **ERRORS},
    operation_id="commons_entries_reverse",
    summary="Reverse (冲正) an entry with a reason: a new entry that undoes it (201); entries are never edited",
)
def commons_entries_reverse(request: HttpRequest, entry_id: int, payload: CommonsReverseIn) -> Status[CommonsEntryOut]:
    item = sel.access_entry(request.user, entry_id)
    reversal, created = cs.entry_reverse(
        actor=request.user,
        entry=item,
        reason=payload.reason,
        occurred_on=payload.occurred_on,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    made = sel.access_entry(request.user, reversal.pk)
    return Status(201 if created else 200, entry_out(made, set(), item.ledger.compound_id))


@router.get(
    "/ledgers/{compound_id}/notices",
    response={200: CommonsNoticeListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="commons_notices_list",
    summary="A compound's published quarterly 公示, newest first (its owners and residents too; no personal data)",
)
def commons_notices_list(request: HttpRequest, compound_id: int, filters: Query[PageQuery]) -> CommonsNoticeListOut:
    _check_cursor(Notice.objects.all(), filters.cursor)
    compound = sel.compound_for_notices(request.user, compound_id)
    page = keyset_page(sel.notices_of(compound), key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return CommonsNoticeListOut(items=[notice_out(n, compound) for n in page.items], next=page.next)


@router.post(
    "/ledgers/{compound_id}/notices",
    response={201: CommonsNoticeOut, **ERRORS},
    operation_id="commons_notices_publish",
    summary="Publish an ended quarter's 公示: its figures and entries frozen from now on (audited)",
)
def commons_notices_publish(
    request: HttpRequest, compound_id: int, payload: CommonsNoticeIn
) -> Status[CommonsNoticeOut]:
    compound = sel.compound_for_ledger(request.user, compound_id)
    notice = notice_publish(
        actor=request.user, compound=compound, year=payload.year, quarter=payload.quarter, note=payload.note
    )
    return Status(201, notice_out(notice, compound))


@router.get(
    "/notices/{notice_id}",
    response={200: CommonsNoticeOut, 404: ErrorOut},
    operation_id="commons_notices_read",
    summary="One published quarterly 公示 as it was frozen",
)
def commons_notices_read(request: HttpRequest, notice_id: int) -> CommonsNoticeOut:
    notice = sel.access_notice(request.user, notice_id)
    return notice_out(notice, notice.ledger.compound)


@router.get(
    "/figures",
    response={200: CommonsFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="commons_figures_read",
    summary="Income, costs, spending, distribution and balances per compound under a place, and who published",
)
def commons_figures_read(request: HttpRequest, filters: Query[CommonsFiguresQuery]) -> CommonsFiguresOut:
    node = sel.figure_node(filters.place_id, field="place_id")
    first, last = sel.default_period()
    f = sel.figures(request.user, node, filters.since or first, filters.until or last)
    return CommonsFiguresOut(
        place_id=node.pk,
        since=f.since,
        until=f.until,
        income_fen=f.totals.income_fen,
        cost_fen=f.totals.cost_fen,
        spent_fen=f.totals.spent_fen,
        distributed_fen=f.totals.distributed_fen,
        balance_fen=f.balance_fen,
        compounds=f.compounds,
        with_income=f.with_income,
        published_this_quarter=f.published_this_quarter,
        rows=[
            CommonsCompoundFiguresOut(
                compound_id=r.compound.pk,
                name=r.compound.name,
                income_fen=r.totals.income_fen,
                cost_fen=r.totals.cost_fen,
                spent_fen=r.totals.spent_fen,
                distributed_fen=r.totals.distributed_fen,
                balance_fen=r.balance_fen,
                published_this_quarter=r.published_this_quarter,
            )
            for r in f.rows
        ],
    )
