"""Writes of the shared-income ledger: the routine threshold, recording an entry, reversing one.

Each function is one transaction with its audit event, and locks the compound's ledger row first
(``select_for_update``), so two payments at once queue and the second sees the first: the balance is checked
under the lock, moved with ``F()`` and held at zero or above by a CHECK. Entries are never changed or deleted
(a trigger refuses UPDATE); a correction is a reversing entry of the same kind and amount, at most one per entry.

Spending and distribution are the owners' decision (民法典第278条): each must name a closed owners' vote under
art. 278 (一般事项 or 第六至八项) at the compound or above that passed, as ``linli.deliberation.tally.count_vote``
counts it. A routine maintenance expense up to the compound's threshold (管理规约) may instead carry the owners'
committee's written approval. A double submission under the same idempotency key records once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.commons.models import CATEGORIES_OF, DECIDED, Category, Entry, EntryKind, Ledger, Notice
from linli.commons.periods import quarter_of
from linli.commons.permissions import may_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text
from linli.grants.money import check_fen, yuan
from linli.places.models import Place, PlaceKind

SUMMARY_MAX = 200
COUNTERPARTY_MAX = 100
RECEIPT_MAX = 40
EVIDENCE_MAX = 500
NOTE_MAX = 500
REASON_MAX = 200
BASIS_MAX = 200
PAYER_KINDS = ("property_company", "partner_unit", "social_org", "department", "owners_committee")
APPROVING_RULES = ("art278_ordinary", "art278_special")

TOTAL_OF: dict[str, str] = {
    EntryKind.INCOME: "income_fen",
    EntryKind.COST: "cost_fen",
    EntryKind.SPENDING: "spent_fen",
    EntryKind.DISTRIBUTION: "distributed_fen",
}


@dataclass(frozen=True)
class EntryFields:
    """What an entry form or the API sends; every value is checked by ``entry_record``. ``amount_fen`` is whole
    分 (pages read 元 with ``linli.grants.money.parse_yuan`` first); ``payer`` an ``orgs.Organisation``; ``vote``
    a ``deliberation.Vote``."""

    kind: Any
    category: Any
    amount_fen: Any
    occurred_on: Any
    summary: Any
    period_start: Any = None
    period_end: Any = None
    payer: Any = None
    counterparty: Any = ""
    receipt_no: Any = ""
    evidence: Any = ""
    vote: Any = None
    approval_note: Any = ""


def require_compound(place: Place, field: str = "compound_id") -> None:
    if place.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("公共收益台账按小区建立,请选择一个小区"), field=field)


def _require_recorder(actor: Any, compound: Place) -> None:
    if not may_record(actor, compound.path):
        raise Forbidden(_("您的岗位无权记录“%(place)s”的公共收益台账") % {"place": compound.name})


def locked_ledger(*, actor: Any, compound: Place) -> Ledger:
    """The compound's ledger row, locked for the transaction (set up on first use)."""
    ledger = Ledger.objects.filter(compound=compound).first()
    if ledger is None:
        try:
            with transaction.atomic():
                ledger = Ledger.objects.create(compound=compound, place_path=compound.path, created_by=actor)
        except IntegrityError:  # set up at the same instant by someone else: theirs is the ledger
            ledger = Ledger.objects.get(compound=compound)
        else:
            audit_record(action="commons.ledger_opened", actor=actor, target=ledger, place=compound.pk)
    return Ledger.objects.select_for_update().get(pk=ledger.pk)


def _published(ledger: Ledger, day: dt.date) -> bool:
    year, quarter = quarter_of(day)
    return Notice.objects.filter(ledger=ledger, year=year, quarter=quarter).exists()


def _check_day(ledger: Ledger, day: Any, *, field: str = "occurred_on") -> dt.date:
    if not isinstance(day, dt.date):
        raise InvalidInput(_("请填写入账日期"), field=field)
    if day > timezone.localdate():
        raise InvalidInput(_("入账日期不能晚于今天"), field=field)
    if _published(ledger, day):
        year, quarter = quarter_of(day)
        raise InvalidInput(
            _("%(year)d年第%(quarter)d季度已公示,账目已冻结;更正请以本期日期记冲正")
            % {"year": year, "quarter": quarter},
            field=field,
        )
    return day


def _check_payer(compound: Place, payer: Any) -> Any:
    """A payer is a property company, unit or committee registered at, above or below the compound, or serving it."""
    if payer is None:
        return None
    if payer.kind not in PAYER_KINDS:
        raise InvalidInput(_("缴款单位须是物业服务企业、共建单位、社会组织、职能部门或业委会"), field="payer_id")
    home = payer.place_path
    if compound.path.startswith(home) or home.startswith(compound.path):
        return payer
    ancestors = [compound.path[:i] for i in range(4, len(compound.path) + 1, 4)]
    if payer.serves.filter(path__in=ancestors).exists():
        return payer
    raise InvalidInput(_("“%(org)s”不在本小区登记或服务本小区") % {"org": payer.name}, field="payer_id")


def check_vote(compound: Place, vote: Any, occurred_on: dt.date) -> Any:
    """A closed owners' vote under 民法典第278条 at the compound or above that passed (counted by deliberation)."""
    from linli.deliberation.models import Vote, VoteStatus
    from linli.deliberation.tally import count_vote

    vote = Vote.objects.get(pk=vote.pk)  # as it stands now (a vote closed since the caller read it)
    if not compound.path.startswith(vote.place_path):  # named by id only: a vote elsewhere is not described
        raise InvalidInput(_("未找到该业主表决,或它不是本小区(或其上级)的表决"), field="vote_id")
    if vote.rule not in APPROVING_RULES:
        raise InvalidInput(_("须是按民法典第278条规则(双过半或双四分之三)进行的业主表决"), field="vote_id")
    if vote.status != VoteStatus.CLOSED:
        raise InvalidInput(_("表决“%(title)s”尚未结束") % {"title": vote.title}, field="vote_id")
    if not count_vote(vote).approved:
        raise InvalidInput(_("表决“%(title)s”未获通过") % {"title": vote.title}, field="vote_id")
    if vote.closed_at is not None and timezone.localdate(vote.closed_at) > occurred_on:
        raise InvalidInput(_("入账日期早于表决通过的日期"), field="occurred_on")
    return vote


def _clean(ledger: Ledger, compound: Place, fields: EntryFields) -> dict[str, Any]:
    kind = str(fields.kind or "")
    if kind not in EntryKind.values:
        raise InvalidInput(_("请选择记录类别(收入、成本、支出或分配)"), field="kind")
    category = str(fields.category or "")
    if category not in CATEGORIES_OF[kind]:
        labels = "、".join(str(Category(c).label) for c in CATEGORIES_OF[kind])
        raise InvalidInput(_("请选择明细类别:%(labels)s") % {"labels": labels}, field="category")
    amount = check_fen(fields.amount_fen, field="amount_fen", label=_("金额"))
    day = _check_day(ledger, fields.occurred_on)
    start, end = fields.period_start, fields.period_end
    for value, name in ((start, "period_start"), (end, "period_end")):
        if value is not None and not isinstance(value, dt.date):
            raise InvalidInput(_("请填写日期(YYYY-MM-DD)"), field=name)
    if kind == EntryKind.INCOME and (start is None or end is None):
        raise InvalidInput(_("请填写收入所属期间(起止日期)"), field="period_start" if start is None else "period_end")
    if (start is None) != (end is None):
        raise InvalidInput(_("所属期间须同时填写起止日期"), field="period_end" if end is None else "period_start")
    if start is not None and end is not None and end < start:
        raise InvalidInput(_("所属期间的结束日期不能早于开始日期"), field="period_end")
    values: dict[str, Any] = {
        "kind": kind,
        "category": category,
        "amount_fen": amount,
        "occurred_on": day,
        "period_start": start,
        "period_end": end,
        "summary": clean_text(fields.summary, field="summary", label=_("摘要"), max_length=SUMMARY_MAX),
        "counterparty": clean_text(
            fields.counterparty, field="counterparty", label=_("收款方"), max_length=COUNTERPARTY_MAX, required=False
        ),
        "receipt_no": clean_text(
            fields.receipt_no,
            field="receipt_no",
            label=_("票据号"),
            max_length=RECEIPT_MAX,
            required=kind == EntryKind.INCOME,
        ),
        "evidence": clean_text(
            fields.evidence,
            field="evidence",
            label=_("成本依据(合同、发票等)"),
            max_length=EVIDENCE_MAX,
            required=kind == EntryKind.COST,
        ),
        "payer": _check_payer(compound, fields.payer) if kind == EntryKind.INCOME else None,
        "vote": None,
        "approval_note": "",
    }
    if kind != EntryKind.INCOME and fields.payer is not None:
        raise InvalidInput(_("只有收入记录填写缴款单位"), field="payer_id")
    if kind in DECIDED:
        note = clean_text(
            fields.approval_note, field="approval_note", label=_("业委会书面同意"), max_length=NOTE_MAX, required=False
        )
        if fields.vote is not None:
            values["vote"] = check_vote(compound, fields.vote, day)
        elif kind == EntryKind.SPENDING and note and amount <= ledger.routine_limit_fen:
            values["approval_note"] = note
        elif kind == EntryKind.SPENDING and note:
            raise InvalidInput(
                _("超过日常小额支出限额(%(limit)s 元)须经业主表决通过,请选择表决")
                % {"limit": yuan(ledger.routine_limit_fen)},
                field="vote_id",
            )
        else:
            raise InvalidInput(
                _("公共收益的使用和分配须经业主共同决定(民法典第278条):请选择已通过的业主表决"), field="vote_id"
            )
    return values


def _move(ledger: Ledger, *, kind: str, effect: int, field: str) -> int:
    """Move the locked ledger's totals by one entry's effect; the balance after it (refused below zero)."""
    after = ledger.balance_fen + effect
    if after < 0:
        raise InvalidInput(
            _("公共收益余额不足:当前余额 %(balance)s 元") % {"balance": yuan(ledger.balance_fen)}, field=field
        )
    signed = effect if kind == EntryKind.INCOME else -effect
    Ledger.objects.filter(pk=ledger.pk).update(
        balance_fen=F("balance_fen") + effect,
        entries_count=F("entries_count") + 1,
        **{TOTAL_OF[kind]: F(TOTAL_OF[kind]) + signed},
    )
    return after


def _receipt_taken(ledger: Ledger, values: dict[str, Any]) -> bool:
    if not values["receipt_no"]:
        return False
    taken = Entry.objects.filter(ledger=ledger, kind=values["kind"], receipt_no=values["receipt_no"])
    return taken.filter(reverses__isnull=True).exists()


def _receipt_conflict(values: dict[str, Any]) -> Conflict:
    return Conflict(_("票据号“%(no)s”已入账") % {"no": values["receipt_no"]}, field="receipt_no")


@transaction.atomic
def entry_record(*, actor: Any, compound: Place, fields: EntryFields, idempotency_key: str = "") -> tuple[Entry, bool]:
    """Record one entry in the compound's ledger: ``(entry, created)``."""
    require_compound(compound)
    _require_recorder(actor, compound)
    key = clean_key(idempotency_key)
    ledger = locked_ledger(actor=actor, compound=compound)
    values = _clean(ledger, compound, fields)

    def create() -> Entry:
        effect = values["amount_fen"] if values["kind"] == EntryKind.INCOME else -values["amount_fen"]
        after = _move(ledger, kind=values["kind"], effect=effect, field="amount_fen")
        try:
            with transaction.atomic():
                return Entry.objects.create(
                    ledger=ledger,
                    place_path=ledger.place_path,
                    recorded_by=actor,
                    idempotency_key=key,
                    balance_after=after,
                    **values,
                )
        except IntegrityError:
            if _receipt_taken(ledger, values):
                raise _receipt_conflict(values) from None
            raise

    retry = bool(key) and Entry.objects.filter(recorded_by=actor, idempotency_key=key).exists()
    if not retry and _receipt_taken(ledger, values):
        raise _receipt_conflict(values)
    entry, created = create_once(
        earlier=Entry.objects.filter(recorded_by=actor),
        key=key,
        create=create,
        same=lambda e: (
            e.ledger_id == ledger.pk
            and e.kind == values["kind"]
            and e.amount_fen == values["amount_fen"]
            and e.reverses_id is None
        ),
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一条记录“%(summary)s”") % {"summary": e.summary},
    )
    if created:
        audit_record(
            action="commons.entry_recorded",
            actor=actor,
            target=entry,
            compound=compound.pk,
            kind=entry.kind,
            category=entry.category,
            amount_fen=entry.amount_fen,
            vote=entry.vote_id,
            routine=bool(entry.approval_note),
            balance_after=entry.balance_after,
        )
    return entry, created


@transaction.atomic
def entry_reverse(
    *, actor: Any, entry: Entry, reason: Any, occurred_on: dt.date | None = None, idempotency_key: str = ""
) -> tuple[Entry, bool]:
    """Reverse (冲正) an entry with a reason: a new entry of the same kind and amount that undoes it, dated
    ``occurred_on`` (default today, in a quarter not yet published). ``(reversal, created)``."""
    compound = Place.objects.get(pk=entry.ledger.compound_id)
    _require_recorder(actor, compound)
    key = clean_key(idempotency_key)
    ledger = locked_ledger(actor=actor, compound=compound)
    text = clean_text(reason, field="reason", label=_("冲正原因"), max_length=REASON_MAX)

    def create() -> Entry:
        if entry.reverses_id is not None:
            raise Conflict(_("冲正记录不能再冲正"), field="entry_id")
        if Entry.objects.filter(reverses=entry).exists():
            raise Conflict(_("这条记录已经冲正过"), field="entry_id")
        day = _check_day(ledger, occurred_on or timezone.localdate())
        if day < entry.occurred_on:
            raise InvalidInput(_("冲正日期不能早于原记录的入账日期"), field="occurred_on")
        effect = -entry.effect_fen
        after = _move(ledger, kind=entry.kind, effect=effect, field="entry_id")
        try:
            return Entry.objects.create(
                ledger=ledger,
                place_path=ledger.place_path,
                kind=entry.kind,
                category=entry.category,
                amount_fen=entry.amount_fen,
                occurred_on=day,
                period_start=entry.period_start,
                period_end=entry.period_end,
                summary=(_("冲正:%(summary)s") % {"summary": entry.summary})[:SUMMARY_MAX],
                payer_id=entry.payer_id,
                receipt_no=entry.receipt_no,
                reverses=entry,
                reason=text,
                balance_after=after,
                recorded_by=actor,
                idempotency_key=key,
            )
        except IntegrityError:
            raise Conflict(_("这条记录已经冲正过"), field="entry_id") from None

    reversal, created = create_once(
        earlier=Entry.objects.filter(recorded_by=actor),
        key=key,
        create=create,
        same=lambda e: e.reverses_id == entry.pk,
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一条记录“%(summary)s”") % {"summary": e.summary},
    )
    if created:
        audit_record(
            action="commons.entry_reversed",
            actor=actor,
            target=reversal,
            reverses=entry.pk,
            kind=entry.kind,
            amount_fen=entry.amount_fen,
            reason=text,
            balance_after=reversal.balance_after,
        )
    return reversal, created


@transaction.atomic
def ledger_settings(*, actor: Any, compound: Place, routine_limit_fen: Any, routine_basis: Any) -> Ledger:
    """Set the compound's routine-expense threshold and its basis in the 管理规约 (0: every expense needs a vote)."""
    require_compound(compound)
    _require_recorder(actor, compound)
    limit = check_fen(routine_limit_fen, field="routine_limit_fen", label=_("日常小额支出限额"), allow_zero=True)
    basis = clean_text(routine_basis, field="routine_basis", label=_("依据(管理规约条款)"), max_length=BASIS_MAX)
    ledger = locked_ledger(actor=actor, compound=compound)
    if ledger.routine_limit_fen == limit and ledger.routine_basis == basis:
        return ledger
    before = ledger.routine_limit_fen
    ledger.routine_limit_fen, ledger.routine_basis = limit, basis
    ledger.save(update_fields=["routine_limit_fen", "routine_basis", "updated_at"])
    audit_record(
        action="commons.ledger_settings_changed",
        actor=actor,
        target=ledger,
        routine_limit_fen=limit,
        previous_limit_fen=before,
        routine_basis=basis,
    )
    return ledger
