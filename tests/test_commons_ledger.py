"""The shared-income ledger's rules (民法典第282条 and 第278条): income, reasonable costs with their evidence,
spending and distribution only on an owners' vote that passed (or the committee's written approval for a routine
expense within the compound's threshold), a balance that never goes below zero, corrections only as reversing
entries, and quarters frozen once published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.db.models import Sum
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.commons import selectors as sel
from linli.commons import services as cs
from linli.commons.models import Entry, Ledger, Notice
from linli.commons.services_notices import notice_publish
from linli.core.errors import Conflict, Forbidden, InvalidInput
from tests.commons_support import income, last_quarter, outflow, owners_vote

pytestmark = pytest.mark.django_db


def _sum_of_effects(compound: Any) -> int:
    return sum(e.effect_fen for e in Entry.objects.filter(ledger__compound=compound))


def test_income_adds_to_the_balance_and_the_ledger_header_keeps_the_totals(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    outflow(users["community"], compound, "cost", 300_000)
    ledger = Ledger.objects.get(compound=compound)
    assert (ledger.income_fen, ledger.cost_fen, ledger.balance_fen) == (3_000_000, 300_000, 2_700_000)
    assert ledger.balance_fen == _sum_of_effects(compound) and ledger.entries_count == 2
    assert Entry.objects.filter(ledger=ledger).order_by("id").last().balance_after == 2_700_000
    assert AuditEvent.objects.filter(action="commons.entry_recorded").count() == 2
    assert AuditEvent.objects.filter(action="commons.ledger_opened", target_id=str(ledger.pk)).count() == 1


def test_an_outflow_beyond_the_balance_is_refused_naming_the_amount(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 100_000)
    with pytest.raises(InvalidInput) as refused:
        outflow(users["community"], compound, "cost", 100_001)
    assert refused.value.field == "amount_fen" and "余额不足" in refused.value.message
    assert Ledger.objects.get(compound=compound).balance_fen == 100_000


def test_the_database_refuses_a_negative_balance_whatever_writes_it(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 100_000)
    with pytest.raises(DatabaseError), transaction.atomic():
        Ledger.objects.filter(compound=compound).update(balance_fen=-1, income_fen=-1)


def test_spending_without_an_owners_vote_is_refused_on_the_vote_field(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    for kind in ("spending", "distribution"):
        with pytest.raises(InvalidInput) as refused:
            outflow(users["community"], compound, kind, 500_000)
        assert refused.value.field == "vote_id" and "第278条" in refused.value.message


def test_a_distribution_approved_by_a_passed_art278_vote_is_recorded_with_the_vote(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    vote = owners_vote(users["community"], compound, yes=4)
    entry = outflow(users["community"], compound, "distribution", 1_000_000, vote=vote)
    assert entry.vote == vote and Ledger.objects.get(compound=compound).distributed_fen == 1_000_000


def test_a_vote_at_the_community_above_the_compound_counts(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    vote = owners_vote(users["community"], places.communities[0], rule="art278_special", yes=4)
    assert outflow(users["community"], compound, "spending", 2_000_000, vote=vote).vote == vote


@pytest.mark.parametrize(
    ("case", "message"),
    [("failed", "未获通过"), ("open", "尚未结束"), ("simple", "第278条"), ("elsewhere", "不是本小区")],
)
def test_a_vote_that_did_not_approve_this_compounds_spending_is_refused(
    users: Any, places: Any, case: str, message: str
) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    if case == "failed":
        vote = owners_vote(users["community"], compound, yes=1, no=3)
    elif case == "open":
        vote = owners_vote(users["community"], compound, close=False)
    elif case == "simple":
        vote = owners_vote(users["community"], compound, rule="simple")
    else:
        vote = owners_vote(users["street"], places.compounds[-1], yes=4)
    with pytest.raises(InvalidInput) as refused:
        outflow(users["community"], compound, "spending", 500_000, vote=vote)
    assert refused.value.field == "vote_id" and message in refused.value.message
    if case == "elsewhere":
        assert vote.title not in refused.value.message  # a vote of another compound is not described


def test_a_routine_repair_within_the_threshold_needs_only_the_committees_written_approval(
    users: Any, places: Any
) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    cs.ledger_settings(
        actor=users["community"], compound=compound, routine_limit_fen=200_000, routine_basis="管理规约第十二条"
    )
    note = "业委会2026年3月2日书面同意"
    assert outflow(users["community"], compound, "spending", 200_000, approval_note=note).approval_note == note
    with pytest.raises(InvalidInput) as refused:
        outflow(users["community"], compound, "spending", 200_001, approval_note=note)
    assert refused.value.field == "vote_id" and "2,000.00" in refused.value.message
    with pytest.raises(InvalidInput):  # a distribution always needs the owners' vote
        outflow(users["community"], compound, "distribution", 1000, approval_note=note)
    assert AuditEvent.objects.filter(action="commons.ledger_settings_changed").exists()


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("income", {"receipt_no": ""}, "receipt_no"),
        ("income", {"period_start": None}, "period_start"),
        ("income", {"amount_fen": 0}, "amount_fen"),
        ("income", {"amount_fen": -5}, "amount_fen"),
        ("income", {"category": "dividend"}, "category"),
        ("income", {"kind": "gift"}, "kind"),
        ("income", {"summary": " "}, "summary"),
        ("income", {"occurred_on": "tomorrow"}, "occurred_on"),
        ("cost", {"evidence": ""}, "evidence"),
    ],
)
def test_bad_input_is_refused_naming_the_field(users: Any, places: Any, kind: str, change: dict, field: str) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    today = timezone.localdate()
    values: dict[str, Any] = {
        "kind": kind,
        "category": "parking" if kind == "income" else "management_cost",
        "amount_fen": 1000,
        "occurred_on": today,
        "summary": "测试",
        "period_start": today.replace(day=1),
        "period_end": today,
        "receipt_no": "R-1",
        "evidence": "合同",
    }
    values.update(change)
    if values["occurred_on"] == "tomorrow":
        values["occurred_on"] = today + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        cs.entry_record(actor=users["community"], compound=compound, fields=cs.EntryFields(**values))
    assert refused.value.field == field


def test_a_receipt_is_entered_once(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 100_000, receipt_no="TC-0001")
    with pytest.raises(Conflict) as refused:
        income(users["street"], compound, 100_000, receipt_no="TC-0001")
    assert refused.value.field == "receipt_no"


def test_a_double_submitted_entry_is_recorded_once(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    first = income(users["community"], compound, 100_000, receipt_no="TC-7")
    fields = cs.EntryFields(
        kind="income", category="parking", amount_fen=100_000, occurred_on=first.occurred_on, summary="x",
        period_start=first.period_start, period_end=first.period_end, receipt_no="TC-7",
    )  # fmt: skip
    again, created = cs.entry_record(actor=users["community"], compound=compound, fields=fields, idempotency_key="TC-7")
    assert again == first and not created and Ledger.objects.get(compound=compound).balance_fen == 100_000


def test_a_reversal_undoes_an_entry_once_and_leaves_the_original_untouched(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    cost = outflow(users["community"], compound, "cost", 500_000)
    reversal, created = cs.entry_reverse(actor=users["community"], entry=cost, reason="成本计算有误")
    ledger = Ledger.objects.get(compound=compound)
    assert created and reversal.reverses == cost and reversal.effect_fen == 500_000
    assert (ledger.cost_fen, ledger.balance_fen) == (0, 3_000_000) == (0, _sum_of_effects(compound))
    assert Entry.objects.get(pk=cost.pk).amount_fen == 500_000  # the original stays as it was
    with pytest.raises(Conflict):
        cs.entry_reverse(actor=users["street"], entry=cost, reason="再冲一次")
    with pytest.raises(Conflict):
        cs.entry_reverse(actor=users["community"], entry=reversal, reason="冲正的冲正")
    with pytest.raises(InvalidInput) as refused:
        cs.entry_reverse(actor=users["community"], entry=income(users["community"], compound, 1000), reason=" ")
    assert refused.value.field == "reason"
    assert AuditEvent.objects.filter(action="commons.entry_reversed", target_id=str(reversal.pk)).exists()


def test_reversing_income_already_spent_is_refused(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    paid = income(users["community"], compound, 1_000_000)
    outflow(users["community"], compound, "cost", 900_000)
    with pytest.raises(InvalidInput) as refused:
        cs.entry_reverse(actor=users["community"], entry=paid, reason="退款")
    assert "余额不足" in refused.value.message
    assert Ledger.objects.get(compound=compound).balance_fen == 100_000


def test_entries_cannot_be_changed_at_the_database(users: Any, places: Any) -> None:
    entry = income(users["community"], places.compounds[0], 100_000)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(amount_fen=1)
    assert Entry.objects.get(pk=entry.pk).amount_fen == 100_000


def test_only_those_who_manage_the_compound_record(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    for who in ("grid", "resident", "volunteer"):
        with pytest.raises(Forbidden):
            income(users[who], compound, 1000)
    with pytest.raises(Forbidden):  # community staff of the first community, a compound of the other one
        income(users["community"], places.compounds[-1], 1000)
    assert not Entry.objects.exists()


def test_publishing_a_quarter_freezes_its_figures_and_its_dates(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    year, quarter, first, last = last_quarter()
    income(users["community"], compound, 2_000_000, occurred_on=last, period_start=first, period_end=last)
    outflow(users["community"], compound, "cost", 200_000, occurred_on=last)
    notice = notice_publish(actor=users["community"], compound=compound, year=year, quarter=quarter, note="请业主监督")
    assert (notice.opening_fen, notice.income_fen, notice.cost_fen, notice.closing_fen) == (
        0,
        2_000_000,
        200_000,
        1_800_000,
    )
    assert len(notice.lines) == 2 and all("recorded_by" not in line for line in notice.lines)
    with pytest.raises(InvalidInput) as refused:
        income(users["community"], compound, 1000, occurred_on=last, period_start=first, period_end=last)
    assert refused.value.field == "occurred_on" and "已公示" in refused.value.message
    income(users["community"], compound, 5_000_000)  # this quarter: the published figures do not move
    frozen = Notice.objects.get(pk=notice.pk)
    assert frozen.closing_fen == 1_800_000 and sel.notice_summary(frozen).totals.income_fen == 2_000_000
    with pytest.raises(Conflict):
        notice_publish(actor=users["street"], compound=compound, year=year, quarter=quarter)
    assert AuditEvent.objects.filter(action="commons.notice_published", target_id=str(notice.pk)).exists()


def test_a_quarter_still_running_cannot_be_published(users: Any, places: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as refused:
        notice_publish(
            actor=users["community"], compound=places.compounds[0], year=today.year, quarter=(today.month - 1) // 3 + 1
        )
    assert refused.value.field == "quarter"


def test_the_next_quarter_opens_with_the_last_ones_closing_balance(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    _year, _quarter, first, last = last_quarter()
    income(users["community"], compound, 2_000_000, occurred_on=first, period_start=first, period_end=last)
    income(users["community"], compound, 700_000)
    live = sel.live_summary(compound)
    assert live.opening_fen == 2_000_000 and live.totals.income_fen == 700_000 and live.closing_fen == 2_700_000
    assert sum(m.totals.income_fen for m in live.months) == 700_000


def test_the_ledgers_maintained_balance_always_equals_the_sum_of_its_entries(users: Any, places: Any) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 1_234_567)
    cost = outflow(users["community"], compound, "cost", 34_567)
    cs.entry_reverse(actor=users["community"], entry=cost, reason="重复扣除")
    vote = owners_vote(users["community"], compound)
    outflow(users["community"], compound, "distribution", 1_000_000, vote=vote)
    ledger = Ledger.objects.get(compound=compound)
    assert ledger.balance_fen == _sum_of_effects(compound) == 234_567
    incomes = Entry.objects.filter(ledger=ledger, kind="income").aggregate(s=Sum("amount_fen"))["s"]
    assert ledger.income_fen == incomes
