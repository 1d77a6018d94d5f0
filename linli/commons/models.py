"""小区公共收益台账与公示 (seed 002: 业主首次收到了停车费、场所租赁等公共收益“分红”). Data only; writes go through
``services`` (ledger settings, entries, reversals) and ``services_notices`` (publishing a quarter's 公示).

Civil Code art. 282: income that the developer, the property company or another manager earns from the owners'
common parts (parking on common ground, venue rental, lift advertising …) belongs to the owners after reasonable
costs. Art. 278: how that money is used or shared out is the owners' joint decision.

- A **ledger** (``Ledger``) is one compound's header row: the row every change locks, its maintained totals
  (income, costs, spending, distribution) and the balance, held by CHECKs to ``balance = income − costs −
  spending − distributed`` and ``balance ≥ 0``: two payments at once queue on the lock, and the database refuses a
  balance below zero whatever path writes it. It also carries the 管理规约's threshold under which a routine
  maintenance expense may go ahead on the owners' committee's written approval instead of an owners' vote.
- An **entry** (``Entry``) is one line of the ledger: income, a cost deduction (合理成本, with its evidence), a
  spending or a distribution (分红). Entries are append-only: a database trigger refuses UPDATE (migration 0002);
  a correction is a **reversing entry** (``reverses``) of the same kind and amount, at most one per entry.
- A **notice** (``Notice``) is a quarter's 公示 as published: its figures, month by month, and its entries without
  personal data, frozen in the row. Once a quarter is published no entry may be dated in it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet


class EntryKind(models.TextChoices):
    INCOME = "income", _("收入")
    COST = "cost", _("合理成本扣除")
    SPENDING = "spending", _("支出")
    DISTRIBUTION = "distribution", _("分配(分红)")


OUTFLOWS = (EntryKind.COST, EntryKind.SPENDING, EntryKind.DISTRIBUTION)
DECIDED = (EntryKind.SPENDING, EntryKind.DISTRIBUTION)  # an owners' decision (民法典第278条) is needed


class Category(models.TextChoices):
    PARKING = "parking", _("停车费")
    VENUE_RENT = "venue_rent", _("场地租赁")
    ADVERTISING = "advertising", _("广告收益")
    INCOME_OTHER = "income_other", _("其他收入")
    MANAGEMENT_COST = "management_cost", _("管理服务成本")
    TAX = "tax", _("税费")
    COST_OTHER = "cost_other", _("其他成本")
    MAINTENANCE = "maintenance", _("维修养护")
    REPAIR_FUND = "repair_fund", _("补充专项维修资金")
    PUBLIC_WELFARE = "public_welfare", _("公益活动")
    SPENDING_OTHER = "spending_other", _("其他支出")
    DIVIDEND = "dividend", _("业主分红")


CATEGORIES_OF: dict[str, tuple[str, ...]] = {
    EntryKind.INCOME: (Category.PARKING, Category.VENUE_RENT, Category.ADVERTISING, Category.INCOME_OTHER),
    EntryKind.COST: (Category.MANAGEMENT_COST, Category.TAX, Category.COST_OTHER),
    EntryKind.SPENDING: (Category.MAINTENANCE, Category.REPAIR_FUND, Category.PUBLIC_WELFARE, Category.SPENDING_OTHER),
    EntryKind.DISTRIBUTION: (Category.DIVIDEND,),
}


class Ledger(ScopedModel):
    """One compound's shared-income ledger: the row locked for every entry, and its maintained totals (分)."""

    compound = models.OneToOneField("places.Place", on_delete=models.PROTECT, related_name="+")
    income_fen = models.BigIntegerField(default=0)
    cost_fen = models.BigIntegerField(default=0)
    spent_fen = models.BigIntegerField(default=0)
    distributed_fen = models.BigIntegerField(default=0)
    balance_fen = models.BigIntegerField(default=0)
    routine_limit_fen = models.BigIntegerField(default=200_000)  # 2000 元 unless the 管理规约 says otherwise
    routine_basis = models.CharField(max_length=200, blank=True)  # e.g. 《管理规约》第十二条
    entries_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公共收益台账")
        indexes = [models.Index(fields=["place_path", "id"], name="commons_ledger_path_id")]
        constraints = [
            models.CheckConstraint(condition=Q(balance_fen__gte=0), name="commons_ledger_balance_never_negative"),
            models.CheckConstraint(
                condition=Q(balance_fen=F("income_fen") - F("cost_fen") - F("spent_fen") - F("distributed_fen")),
                name="commons_ledger_balance_is_the_totals",
            ),
            models.CheckConstraint(condition=Q(routine_limit_fen__gte=0), name="commons_ledger_routine_limit_positive"),
        ]

    def __str__(self) -> str:
        return str(self.compound.name) if self.compound_id else ""


class Entry(ScopedModel):
    """One line of a compound's ledger (append-only). ``amount_fen`` is always above zero; what it does to the
    balance follows from ``kind`` (income adds, the others take away) and is turned round for a reversal."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    amount_fen = models.BigIntegerField()
    occurred_on = models.DateField()  # 入账日期: the quarter the entry is counted in
    period_start = models.DateField(null=True, blank=True)  # the period the income or cost covers
    period_end = models.DateField(null=True, blank=True)
    summary = models.CharField(max_length=200)  # 摘要, published to the owners
    payer = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # who paid the income in (the property company, a tenant unit)
    counterparty = models.CharField(max_length=100, blank=True)  # who was paid (a contractor); staff only
    receipt_no = models.CharField(max_length=40, blank=True)
    evidence = models.CharField(max_length=500, blank=True)  # 合理成本 的依据 (contract, invoice)
    vote = models.ForeignKey("deliberation.Vote", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approval_note = models.CharField(max_length=500, blank=True)  # 业委会书面同意 for a routine expense
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    reason = models.CharField(max_length=200, blank=True)  # why it was reversed (on the reversing entry)
    balance_after = models.BigIntegerField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公共收益台账记录")
        indexes = [
            models.Index(fields=["ledger", "occurred_on"], name="commons_entry_ledger_day"),
            models.Index(fields=["place_path", "occurred_on"], name="commons_entry_path_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="commons_entry_amount_positive"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="commons_entry_balance_after_positive"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="commons_entry_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[EntryKind.SPENDING, EntryKind.DISTRIBUTION])
                | Q(reverses__isnull=False)
                | Q(vote__isnull=False)
                | (Q(kind=EntryKind.SPENDING) & ~Q(approval_note="")),
                name="commons_entry_outflow_decided",
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="commons_entry_idempotency_per_recorder",
            ),
            models.UniqueConstraint(
                fields=["ledger", "kind", "receipt_no"],
                condition=~Q(receipt_no="") & Q(reverses__isnull=True),
                name="commons_entry_receipt_once",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def inflow(self) -> bool:
        """Whether the entry adds to the balance (income, or the reversal of an outflow)."""
        return (self.kind == EntryKind.INCOME) != self.is_reversal

    @property
    def effect_fen(self) -> int:
        return self.amount_fen if self.inflow else -self.amount_fen

    @property
    def kind_label(self) -> str:
        return str(EntryKind(self.kind).label)

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


class Notice(ScopedModel):
    """A quarter's 公示 as published (frozen): the figures, month by month, and the entries without personal data."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="notices")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    opening_fen = models.BigIntegerField()
    income_fen = models.BigIntegerField()
    cost_fen = models.BigIntegerField()
    spent_fen = models.BigIntegerField()
    distributed_fen = models.BigIntegerField()
    closing_fen = models.BigIntegerField()
    months = models.JSONField(default=list)  # [{"month": "2026-07", "income_fen": …}, …]
    lines = models.JSONField(default=list)  # the quarter's entries, published fields only
    note = models.CharField(max_length=500, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公共收益公示")
        ordering: ClassVar[list[str]] = ["-year", "-quarter"]
        indexes = [models.Index(fields=["place_path", "published_at"], name="commons_notice_path_published")]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "year", "quarter"], name="commons_notice_quarter_once"),
            models.CheckConstraint(condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="commons_notice_quarter"),
            models.CheckConstraint(condition=Q(closing_fen__gte=0), name="commons_notice_closing_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        return str(_("%(year)d年第%(quarter)d季度") % {"year": self.year, "quarter": self.quarter})
