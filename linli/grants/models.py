"""公益创投与社会救助服务项目 (seed 000: "2024年累计申报立项并实施“乐融烟墩”“爱心壹佰”等各类公益创投、社会救助服务项目
28个"). Data only; writes go through ``services`` (rounds), ``services_apply`` (applications), ``services_review``
(scores and decisions) and ``services_delivery`` (reports, payments, the end of a project).

- A **round** (``GrantRound``) is a funding round a street or a district runs: its kind, year, budget, application
  window, the service fields it funds, and its state draft → open (申报中) → reviewing (评审中) → closed (已结束).
  ``granted_fen`` is the sum of the granted amounts of its projects, kept under the round's row lock and held to
  the budget by a check constraint as well.
- A **project** (``GrantProject``) is one application carried through its life on one row: registered (待评审) →
  approved (已立项, with the granted amount) or rejected (不予立项, with the reason); an approved project is carried
  out (progress reports, payments in tranches) and ends completed (已结项, with its evaluation grade) or terminated
  (已终止, with the reason). Its ``place_path`` is its round's node; the communities it serves are
  ``ProjectCommunity`` rows with their own paths, so a community's staff see the projects serving it.
- Reviewers' **scores** (``ReviewScore``): one per reviewer and project, changeable until the project is decided.
- **Progress reports**, **disbursements** (拨付) and the project's **events** are append-only (database triggers,
  migration 0002): a mistaken payment is answered by the records, never rewritten. ``paid_fen``,
  ``served_total`` and ``activities_total`` on the project are maintained totals (``F()``), checked against the
  sums by the tests.

Money is integer 分 (``*_fen``), never a float; pages show 元 with two decimals.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet


class RoundKind(models.TextChoices):
    VENTURE = "venture", _("公益创投")
    ASSISTANCE = "assistance", _("社会救助服务项目")
    PURCHASE = "purchase", _("其他购买服务")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("申报中")
    REVIEWING = "reviewing", _("评审中")
    CLOSED = "closed", _("已结束")


class ServiceField(models.TextChoices):
    ELDERLY = "elderly", _("助老")
    DISABLED = "disabled", _("助残")
    YOUTH = "youth", _("青少年")
    ASSISTANCE = "assistance", _("社会救助")
    CULTURE = "culture", _("文化体育")
    ENVIRONMENT = "environment", _("环境")
    MEDIATION = "mediation", _("矛盾调解")
    OTHER = "other", _("其他")


class GrantRound(ScopedModel):
    """A funding round of a street or a district (``node``); ``place_path`` is the node's."""

    node = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=RoundKind.choices, default=RoundKind.VENTURE)
    title = models.CharField(max_length=100)
    year = models.PositiveSmallIntegerField()
    budget_fen = models.BigIntegerField()
    granted_fen = models.BigIntegerField(default=0)  # Σ granted_fen of its projects, kept under the row lock
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    service_fields = models.JSONField(default=list)  # ServiceField codes the round funds
    description = models.TextField(blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("资助轮次")
        ordering: ClassVar[list[str]] = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["node", "title"], name="grant_round_title_once_per_node"),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="grant_round_idempotency_per_creator",
            ),
            models.CheckConstraint(condition=Q(budget_fen__gte=0), name="grant_round_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(granted_fen__gte=0) & Q(granted_fen__lte=F("budget_fen")),
                name="grant_round_granted_within_budget",
            ),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="grant_round_window_in_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.granted_fen


class ProjectStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待评审")
    APPROVED = "approved", _("已立项")
    REJECTED = "rejected", _("不予立项")
    COMPLETED = "completed", _("已结项")
    TERMINATED = "terminated", _("已终止")
    WITHDRAWN = "withdrawn", _("已撤回")  # the organisation withdrew it before a decision (services_apply)


APPROVED_STATES = (ProjectStatus.APPROVED, ProjectStatus.COMPLETED, ProjectStatus.TERMINATED)


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Tranche(models.TextChoices):
    FIRST = "first", _("首期")
    MIDDLE = "middle", _("中期")
    FINAL = "final", _("尾款")


class GrantProject(ScopedModel):
    """One application (申报) carried through its life; ``place_path`` is its round's node."""

    round = models.ForeignKey(GrantRound, on_delete=models.PROTECT, related_name="projects")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    service_field = models.CharField(max_length=16, choices=ServiceField.choices)
    communities = models.ManyToManyField(
        "places.Place", through="ProjectCommunity", related_name="+", through_fields=("project", "place")
    )
    requested_fen = models.BigIntegerField()
    planned_beneficiaries = models.PositiveIntegerField()  # 计划服务人次
    summary = models.TextField()
    contact_name = models.CharField(max_length=64)
    phone_enc = models.TextField(blank=True)  # the contact's phone, encrypted (core.crypto)
    phone_hash = models.CharField(max_length=64, blank=True)  # keyed hash beside it (exact match only)
    status = models.CharField(max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.SUBMITTED)
    granted_fen = models.BigIntegerField(null=True, blank=True)  # set when approved (立项金额)
    paid_fen = models.BigIntegerField(default=0)  # Σ disbursements, kept under the row lock
    served_total = models.PositiveIntegerField(default=0)  # Σ beneficiaries of its reports (人次)
    activities_total = models.PositiveIntegerField(default=0)  # Σ activities of its reports
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)  # 立项意见 or 不予立项理由
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    grade = models.CharField(max_length=12, choices=Grade.choices, blank=True)  # 结项评估等级
    end_note = models.TextField(blank=True)  # 结项评估意见 or 终止原因
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公益创投与社会救助服务项目")
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["phone_hash"], name="grant_project_phone_hash"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation", "title"],
                condition=~Q(status="withdrawn"),
                name="grant_project_title_once_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="grant_project_idempotency_per_creator",
            ),
            models.CheckConstraint(condition=Q(requested_fen__gt=0), name="grant_project_requested_positive"),
            models.CheckConstraint(
                condition=Q(granted_fen__isnull=True) | (Q(granted_fen__gt=0) & Q(granted_fen__lte=F("requested_fen"))),
                name="grant_project_granted_within_requested",
            ),
            models.CheckConstraint(
                condition=Q(paid_fen=0) | (Q(paid_fen__gt=0) & Q(paid_fen__lte=F("granted_fen"))),
                name="grant_project_paid_within_granted",
            ),
            models.CheckConstraint(
                condition=Q(granted_fen__isnull=True, status__in=["submitted", "rejected", "withdrawn"])
                | Q(granted_fen__isnull=False, status__in=["approved", "completed", "terminated"]),
                name="grant_project_granted_when_approved",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(decided_at__isnull=False), name="grant_project_decided_when_decided"
            ),
            models.CheckConstraint(condition=Q(grade="") | Q(status="completed"), name="grant_project_grade_at_end"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def approved(self) -> bool:
        return self.granted_fen is not None

    @property
    def unpaid_fen(self) -> int:
        return (self.granted_fen or 0) - self.paid_fen


class ProjectCommunity(ScopedModel):
    """A community a project serves (服务社区); ``place_path`` is the community's."""

    project = models.ForeignKey(GrantProject, on_delete=models.CASCADE, related_name="served")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目服务社区")
        constraints = [models.UniqueConstraint(fields=["project", "place"], name="grant_project_community_once")]


class ReviewScore(models.Model):
    """A reviewer's score (0–100) and comment on an application; one per reviewer, changeable until decided."""

    project = models.ForeignKey(GrantProject, on_delete=models.CASCADE, related_name="scores")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评审评分")
        constraints = [
            models.UniqueConstraint(fields=["project", "reviewer"], name="grant_score_once_per_reviewer"),
            models.CheckConstraint(condition=Q(score__lte=100), name="grant_score_at_most_100"),
        ]


class ProgressReport(models.Model):
    """One progress report of an approved project (append-only)."""

    project = models.ForeignKey(GrantProject, on_delete=models.PROTECT, related_name="reports")
    on_date = models.DateField()
    text = models.TextField()
    beneficiaries = models.PositiveIntegerField()  # 本次服务人次
    activities = models.PositiveSmallIntegerField(default=0)  # 本次开展活动次数
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("项目进展报告")
        ordering: ClassVar[list[str]] = ["on_date", "id"]
        indexes = [models.Index(fields=["project", "on_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="grant_report_idempotency_per_recorder",
            ),
        ]


class Disbursement(models.Model):
    """One payment (拨付) to an approved project (append-only); a project's payments never exceed its grant."""

    project = models.ForeignKey(GrantProject, on_delete=models.PROTECT, related_name="payments")
    tranche = models.CharField(max_length=8, choices=Tranche.choices)
    amount_fen = models.BigIntegerField()
    paid_on = models.DateField()
    voucher = models.CharField(max_length=64, blank=True)  # 凭证号
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("项目资金拨付")
        ordering: ClassVar[list[str]] = ["paid_on", "id"]
        indexes = [models.Index(fields=["project", "paid_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="grant_payment_positive"),
            models.UniqueConstraint(fields=["project"], condition=Q(tranche="first"), name="grant_first_tranche_once"),
            models.UniqueConstraint(fields=["project"], condition=Q(tranche="final"), name="grant_final_tranche_once"),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="grant_payment_idempotency_per_recorder",
            ),
        ]


class ProjectEvent(models.Model):
    """One change of a project's state (append-only): registered, approved, rejected, completed, terminated."""

    project = models.ForeignKey(GrantProject, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("项目状态记录")
        ordering: ClassVar[list[str]] = ["at", "id"]
