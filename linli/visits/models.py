"""Home visits (走访): visit records with checklists, findings, photos; quota rules; care plans;
the risk and hazard register (查风险/查灾情).

Data only. Every write goes through ``linli.visits.services``; every read starts from
``visible_to`` (``linli.visits.selectors``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet, scope_for_any

if TYPE_CHECKING:
    from linli.accounts.models import User

# Who sees visits under a node: those who record them, dispatch, or lead there.
STAFF_CAPABILITIES = ("handle", "manage", "lead")
NOTES_MAX = 2000
FINDING_MAX = 1000
PHOTOS_MAX = 9


class StaffScopedQuerySet(ScopedQuerySet[Any]):
    def visible_to(self, user: User) -> StaffScopedQuerySet:  # type: ignore[override]
        """Staff see rows under nodes where they handle, manage or lead; a visitor sees their own."""
        scope = scope_for_any(user, STAFF_CAPABILITIES)
        if scope.everything:
            return self.all()
        condition = scope.q(self.model.SCOPE_PATH_FIELD)
        own = getattr(self.model, "own_q", None)
        if own is not None and getattr(user, "is_authenticated", False):
            condition |= own(user)
        return self.filter(condition)


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("日常走访")
    KEY_HOUSEHOLD = "key_household", _("重点户走访")
    HARDSHIP = "hardship", _("困难户走访")
    PETITIONER = "petitioner", _("信访户走访")
    MILITARY = "military", _("军烈属走访")
    STUDENT = "student", _("学生家庭走访")
    DISASTER = "disaster", _("灾情排查")
    HAZARD = "hazard", _("隐患点巡查")


class ChecklistTemplate(models.Model):
    """A configurable checklist (六查, 三看 …). ``items`` is a list of ``{"key", "label"}``."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    items = models.JSONField(default=list)
    requires_answer = models.BooleanField(default=True, help_text="至少填写一项检查结果")
    active = models.BooleanField(default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class HazardLevel(models.TextChoices):
    LOW = "low", _("一般")
    MEDIUM = "medium", _("较大")
    HIGH = "high", _("重大")
    CRITICAL = "critical", _("特别重大")


class HazardPoint(ScopedModel):
    """A risk or hazard point (隐患点) with its inspection schedule and response plan."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    level = models.CharField(max_length=12, choices=HazardLevel.choices, default=HazardLevel.LOW)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    responsible = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    inspect_every_days = models.PositiveSmallIntegerField(default=7)
    warning_plan = models.TextField(blank=True, help_text="预警措施")
    response_plan = models.TextField(blank=True, help_text="应急处置预案")
    active = models.BooleanField(default=True)
    last_inspected_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def next_due(self) -> Any:
        import datetime as dt

        base = self.last_inspected_at or self.created_at
        return base + dt.timedelta(days=self.inspect_every_days) if base else None

    def overdue_at(self, now: Any) -> bool:
        due = self.next_due
        return bool(self.active and due and due < now)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_at(timezone.now())


class Visit(ScopedModel):
    """One visit: to a household (with the persons met) or an inspection of a hazard point."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    hazard = models.ForeignKey(HazardPoint, on_delete=models.PROTECT, null=True, blank=True, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits_made")
    visitor_person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="visits_made"
    )
    visited_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=16, choices=VisitKind.choices, default=VisitKind.ROUTINE)
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True, help_text="{item key: 检查结果}")
    notes = models.TextField(blank=True)
    persons = models.ManyToManyField("people.Person", blank=True, related_name="visits_received")
    people_served = models.PositiveSmallIntegerField(default=0)
    feedback_superior = models.BooleanField(default=False, help_text="已向上级反馈")
    feedback_party = models.BooleanField(default=False, help_text="已向当事人反馈")
    feedback_resident = models.BooleanField(default=False, help_text="已向群众反馈")
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["place_path", "visited_at"]),
            models.Index(fields=["household", "visited_at"]),
            models.Index(fields=["visitor", "visited_at"]),
            # A visitor's own list ("my visits", newest first by id): without it a user with few or no visits
            # walked the whole table backwards by primary key (2M visits, 650 ms on the scale database).
            models.Index(fields=["visitor", "id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="visit_idempotency_per_visitor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_at:%Y-%m-%d}"

    @classmethod
    def own_q(cls, user: User) -> Q:
        return Q(visitor=user)


def visit_photo_path(instance: Any, filename: str) -> str:
    now = timezone.now()
    return f"visits/{now:%Y/%m}/{instance.visit_id}-{filename}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=visit_photo_path, max_length=200)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Finding(ScopedModel):
    """A problem found on a visit; solved on the spot, or turned into a request (linked both ways)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    text = models.CharField(max_length=FINDING_MAX)
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="visit_finding"
    )
    solved_on_spot = models.BooleanField(default=False)
    solved_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["place_path", "created_at"])]

    def __str__(self) -> str:
        return self.text[:40]


class QuotaPeriod(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")


class QuotaMode(models.TextChoices):
    COUNT = "count", _("至少走访 N 户")
    COVER = "cover", _("走遍辖区所有住户")
    COVER_KEY = "cover_key", _("走遍辖区所有重点户")


class QuotaRule(models.Model):
    """A visiting rule for holders of one position kind (e.g. 社区书记 ≥10户/周; 网格员 每季度全覆盖)."""

    position_kind = models.CharField(max_length=32)
    period = models.CharField(max_length=8, choices=QuotaPeriod.choices)
    mode = models.CharField(max_length=12, choices=QuotaMode.choices)
    target = models.PositiveIntegerField(default=0, help_text="“至少 N 户”时的 N")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position_kind", "id"]

    def __str__(self) -> str:
        return f"{self.position_kind} {self.period} {self.mode} {self.target}"


class CarePlan(ScopedModel):
    """A care plan for a household with care tags: visit every N days, by a responsible person."""

    household = models.OneToOneField("places.Household", on_delete=models.PROTECT, related_name="care_plan")
    responsible = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    frequency_days = models.PositiveSmallIntegerField(default=30)
    note = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=True)
    reminded_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "active"])]


class QuotaReminder(models.Model):
    """One row per person reminded on a day that they are behind their visiting quota (once a day)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    behind = models.PositiveSmallIntegerField(default=0, help_text="落后的走访要求条数")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "sent_on"], name="visits_quota_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.sent_on}"
