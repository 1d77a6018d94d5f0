"""街道职责清单, 行政事务准入事项 and the 准入审查 of tasks pushed down to a street (seed 003). Data only; writes
go through ``services`` (offices and the two lists), ``services_tasks`` (pushed-down tasks) and ``importing``.

- An **office** (内设机构) belongs to a street: the usual "五办三中心", renamed, added to or retired by the street
  (never deleted while a duty names it).
- A **category** (职责类别) is platform data (党的建设, 经济发展, 民生服务 …), seeded by migration 0002.
- A **listed duty** (职责清单事项) says what the street is answerable for, under which office, as the lead or in
  support, on which basis. Cancelled (已取消) with the reason and date, never deleted.
- An **entry item** (准入事项) is a matter a department may hand down to the street or its communities.
- A **pushed task** (下派事项) is a task a department hands down; the street reviews it: 准入 (on the list),
  特批准入 (approved by the 党工委 with a reference), or 退回. Its ``place_path`` is where it lands (the street or
  one of its communities), so the staff of a community see the tasks that reached it. Each change of state
  writes a ``PushedTaskEvent``: the timeline, and the source of the figures.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet


class OfficeKind(models.TextChoices):
    OFFICE = "office", _("办公室")
    CENTER = "center", _("中心")


class StreetOffice(ScopedModel):
    """An internal office (内设机构) of a street; ``place_path`` is the street's."""

    street = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=OfficeKind.choices, default=OfficeKind.OFFICE)
    sort = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)
    retired_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("街道内设机构")
        ordering: ClassVar[list[str]] = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"], condition=Q(active=True), name="street_office_name_once_while_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DutyCategory(models.Model):
    """A 职责类别 (platform data: the same choices for every street)."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=16, unique=True)
    sort = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("职责类别")
        ordering: ClassVar[list[str]] = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class Responsibility(models.TextChoices):
    LEAD = "lead", _("主体责任")
    SUPPORT = "support", _("配合责任")


class ListStatus(models.TextChoices):
    IN_FORCE = "in_force", _("在册")
    CANCELLED = "cancelled", _("已取消")


class ListedDuty(ScopedModel):
    """One item of a street's 职责清单; ``place_path`` is the street's."""

    street = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(DutyCategory, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    content = models.TextField(blank=True)
    basis = models.TextField(blank=True)
    office = models.ForeignKey(StreetOffice, on_delete=models.PROTECT, related_name="duties")
    responsibility = models.CharField(max_length=8, choices=Responsibility.choices, default=Responsibility.LEAD)
    partners = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=ListStatus.choices, default=ListStatus.IN_FORCE)
    cancelled_on = models.DateField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("街道职责清单事项")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "title"], condition=Q(status="in_force"), name="listed_duty_title_once_in_force"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="listed_duty_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskLevel(models.TextChoices):
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


class EntryItem(ScopedModel):
    """One 行政事务准入事项 of a street; ``place_path`` is the street's."""

    street = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    department_name = models.CharField(max_length=100)
    department = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    basis = models.TextField(blank=True)
    level = models.CharField(max_length=12, choices=TaskLevel.choices, default=TaskLevel.STREET)
    funded = models.BooleanField(default=False)  # 经费随事转
    status = models.CharField(max_length=12, choices=ListStatus.choices, default=ListStatus.IN_FORCE)
    cancelled_on = models.DateField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政事务准入事项")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "title"], condition=Q(status="in_force"), name="entry_item_title_once_in_force"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="entry_item_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    REGISTERED = "registered", _("待审查")
    ACCEPTED = "accepted", _("准入")
    APPROVED = "approved", _("特批准入")
    RETURNED = "returned", _("退回")


class PushedTask(ScopedModel):
    """A task a department hands down to the street or one of its communities (``target``); ``place_path`` is
    the target's, so the staff of that community see it."""

    street = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    content = models.TextField(blank=True)
    department_name = models.CharField(max_length=100)
    department = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    entry = models.ForeignKey(EntryItem, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks")
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.REGISTERED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approval_ref = models.CharField(max_length=100, blank=True)  # 党工委特批文号/会议纪要
    decision_note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("下派事项")
        indexes = [
            models.Index(fields=["street", "created_at"]),
            models.Index(fields=["street", "decided_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="pushed_task_idempotency_per_creator",
            ),
            models.CheckConstraint(
                condition=Q(status="registered") | Q(decided_at__isnull=False), name="pushed_task_decided_when_decided"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def decided(self) -> bool:
        return self.status != TaskStatus.REGISTERED


class PushedTaskEvent(models.Model):
    """One change of a task's state (append-only): the timeline and the audit trail in the task's own terms."""

    task = models.ForeignKey(PushedTask, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("下派事项记录")
        ordering: ClassVar[list[str]] = ["at", "id"]


# ----------------------------------------------------------------------------- 部门评议 (the street's say)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class DepartmentRating(models.Model):
    """One rater's year-end rating of a department serving the street (街道党工委对派驻机构和职能部门的评议,
    seed 003's "四项权力"): street leaders and staff, and community secretaries and staff, one rating each per
    department and year, changeable while the rating is open. Shown to others only in sums and unsigned
    comments."""

    street = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rater_place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=12, choices=Rating.choices)
    comment = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("部门评议")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "year", "department", "rater"], name="department_rating_once_a_year"
            )
        ]
        indexes = [models.Index(fields=["street", "year"])]
