"""PIPL duties: the register of what personal data we hold and why, and data-subject requests.

- ``DataCategory``: one row per category of personal information (ledger identity, contact, care
  tags …) with its purpose, legal basis (PIPL Art. 13), sensitivity (Art. 28), retention and the
  command that enforces it. Seeded by a data migration; administrators edit purpose/basis/retention.
- ``SubjectRequest``: a resident's request to see/copy (Art. 45), correct (Art. 46), erase (Art. 47)
  or withdraw consent (Art. 15) — filed by the resident or by staff on their behalf — with a workflow
  received → in review → done / refused (a refusal cites the law that requires keeping the data) and
  a deadline of 15 working days. Every transition writes a ``SubjectRequestEvent``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("个人同意(第十三条第一款第一项)")
    CONTRACT = "contract", _("订立、履行合同所必需(第十三条第一款第二项)")
    LEGAL_DUTY = "legal_duty", _("履行法定职责或者法定义务所必需(第十三条第一款第三项)")
    EMERGENCY = "emergency", _("应对突发公共卫生事件或紧急情况(第十三条第一款第四项)")
    PUBLIC_INTEREST = "public_interest", _("为公共利益实施新闻报道、舆论监督(第十三条第一款第五项)")
    PUBLISHED = "published", _("处理已合法公开的个人信息(第十三条第一款第六项)")


class DataCategory(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=64)
    fields = models.CharField(max_length=300, help_text="包含哪些信息")
    purpose = models.TextField()
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    legal_reference = models.CharField(max_length=300, blank=True, help_text="依据的法律法规条款")
    sensitive = models.BooleanField(default=False, help_text="敏感个人信息(个保法第二十八条)")
    retention = models.CharField(max_length=200)
    retention_command = models.CharField(max_length=64, blank=True, help_text="执行保存期限的命令")
    erasable = models.BooleanField(default=False, help_text="居民可申请删除(无法定保存义务)")
    sort = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class RequestKind(models.TextChoices):
    ACCESS = "access", _("查阅、复制我的信息")
    CORRECTION = "correction", _("更正、补充")
    ERASURE = "erasure", _("删除")
    WITHDRAWAL = "withdrawal", _("撤回同意")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    IN_REVIEW = "in_review", _("审核中")
    DONE = "done", _("已办结")
    REFUSED = "refused", _("不予办理")


OPEN_REQUEST_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.IN_REVIEW})


class SubjectRequest(ScopedModel):
    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="subject_requests")
    kind = models.CharField(max_length=12, choices=RequestKind.choices)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    details = models.TextField(blank=True)
    categories = models.ManyToManyField(DataCategory, blank=True, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    on_behalf = models.BooleanField(default=False, help_text="工作人员代居民提交")
    correction = models.ForeignKey(
        "people.CorrectionRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField()
    outcome = models.TextField(blank=True)
    refusal_citation = models.CharField(max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "place_path"]), models.Index(fields=["due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="privacy_request_idempotency_per_submitter",
            )
        ]

    @classmethod
    def own_q(cls, user: Any) -> Q | None:
        person_id = getattr(user, "person_id", None)
        return Q(person_id=person_id) if person_id else Q(submitted_by=user)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class SubjectRequestEvent(models.Model):
    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
