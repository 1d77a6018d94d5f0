"""七天不打烊: the rest-day duty rota of a community's (or a street's) 党群服务中心, and the compensatory days off
(调休) its workers earn (seed 000, 烟墩街道: "实行“周末值班+周中调休”制度"). Data only; writes go through
``services_desks``, ``services_shifts``, ``services_schedule`` and ``services_comp``.

- A **duty desk** (值班台) is the place that keeps the centre open: one per community or street, with its public
  office phone (值班电话), where it is (党群服务中心一楼), its usual hours, how many people a rest day needs and
  within how many days a compensatory day must be taken.
- A **shift** (值班) is one person on duty at a desk on one day. ``rest_day`` says whether the official calendar
  (``linli.workdays``) made that day a rest day when the shift was planned. A shift is planned, then checked in
  (签到) by the person themself on the day; a planned shift whose day has passed is shown as missed (未签到) —
  computed, never stored. A checked-in rest-day shift earns one compensatory day, to be taken by ``comp_until``.
- A **swap** (换班) is an offer of one's shift to a named colleague, who accepts (the shift changes hands) or
  declines; the offerer may withdraw it.
- A **schedule run** (自动排班) is one applied auto-schedule: the shifts it created and the key of the form or
  API call that applied it, so a double submit applies once.
- A **compensatory day** (调休) is a workday off requested against one earning shift, approved or rejected by
  the desk's lead or manager (never the requester), or cancelled by the requester before the day.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet


class DutyDesk(ScopedModel):
    """The duty desk of one community or street; ``place_path`` is that place's."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=64)
    phone = models.CharField(max_length=32)  # 值班电话: an office line, public
    location = models.CharField(max_length=100)
    opens_at = models.TimeField(default=dt.time(9, 0))
    closes_at = models.TimeField(default=dt.time(17, 0))
    required_people = models.PositiveSmallIntegerField(default=1)
    comp_window_days = models.PositiveSmallIntegerField(default=30)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("值班台")
        constraints = [models.UniqueConstraint(fields=["place"], name="rota_desk_one_per_place")]

    def __str__(self) -> str:
        return self.name


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", _("待值班")
    CHECKED_IN = "checked_in", _("已签到")


class ScheduleRun(models.Model):
    """One applied auto-schedule of a desk (自动排班)."""

    desk = models.ForeignKey(DutyDesk, on_delete=models.CASCADE, related_name="runs")
    since = models.DateField()
    until = models.DateField()
    plan = models.CharField(max_length=64)  # the hash of the plan that was previewed and applied
    shifts_created = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("自动排班记录")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="rota_run_idempotency_per_creator",
            ),
        ]


class DutyShift(ScopedModel):
    """One person on duty at a desk on one day; ``place_path`` is the desk's."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"

    desk = models.ForeignKey(DutyDesk, on_delete=models.PROTECT, related_name="shifts")
    day = models.DateField()
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    rest_day = models.BooleanField()
    status = models.CharField(max_length=12, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    comp_until = models.DateField(null=True, blank=True)  # set at check-in of a rest-day shift
    reminded_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(ScheduleRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="shifts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("值班")
        constraints = [
            models.UniqueConstraint(fields=["desk", "day", "person"], name="rota_shift_one_per_person_day_desk"),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(checked_in_at__isnull=False), name="rota_shift_checked_in_at"
            ),
        ]
        indexes = [models.Index(fields=["desk", "day"]), models.Index(fields=["person", "day"])]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.desk_id}"

    def missed_on(self, today: dt.date) -> bool:
        """未签到: still planned after its day."""
        return self.status == ShiftStatus.PLANNED and self.day < today

    def state_on(self, today: dt.date) -> str:
        """planned, checked_in or missed (the last computed from the day)."""
        return "missed" if self.missed_on(today) else self.status


class SwapStatus(models.TextChoices):
    OFFERED = "offered", _("待对方接受")
    ACCEPTED = "accepted", _("已换班")
    DECLINED = "declined", _("对方已谢绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class ShiftSwap(models.Model):
    """An offer of a shift to a named colleague (换班)."""

    shift = models.ForeignKey(DutyShift, on_delete=models.CASCADE, related_name="swaps")
    from_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=SwapStatus.choices, default=SwapStatus.OFFERED)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("换班")
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status="offered"), name="rota_swap_one_open_per_shift"
            )
        ]
        indexes = [models.Index(fields=["to_person", "status"]), models.Index(fields=["from_person", "status"])]


class CompStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已撤销")


ACTIVE_COMP = (CompStatus.PENDING, CompStatus.APPROVED)


class CompDay(ScopedModel):
    """A compensatory day off (调休) taken against one checked-in rest-day shift; ``place_path`` is the desk's."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"

    shift = models.ForeignKey(DutyShift, on_delete=models.PROTECT, related_name="comp_days")
    desk = models.ForeignKey(DutyDesk, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    status = models.CharField(max_length=12, choices=CompStatus.choices, default=CompStatus.PENDING)
    note = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("调休")
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status__in=["pending", "approved"]), name="rota_comp_one_per_shift"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="rota_comp_idempotency_per_creator",
            ),
        ]
        indexes = [models.Index(fields=["person", "day"]), models.Index(fields=["desk", "status"])]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.person_id}"
