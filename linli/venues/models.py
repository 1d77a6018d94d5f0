"""场地预约与“双向开放” (seed 003: 党群服务中心, 楼院党支部活动室, 驻社区单位场所双向开放). Data only; writes go
through ``services`` (venues) and ``services_bookings`` (bookings and their states).

- A **venue** (``Venue``) is a room or hall of a type (``VenueType``: 党群服务中心, 党支部活动室 …) at a place (a
  street, a community or a compound): the community's own (``organisation`` empty) or opened to residents by a
  partner unit, a social organisation or a department (``organisation`` set: 双向开放). It carries its weekly
  opening hours (one window per weekday), whether it opens on statutory holidays, and its booking rules (slot,
  longest booking, how far ahead, approval, a per-person cap).
- A **booking** (``Booking``) asks for one venue on one day from a start to an end. Pending and approved bookings
  hold their time; rejected and cancelled ones release it. Each change of state writes a ``BookingEvent`` (the
  timeline and the source of the figures).
- A **booking slot** (``BookingSlot``) is one 30-minute unit of a venue's time held by a pending or approved
  booking, under a unique constraint on (venue, start): the database itself refuses a second booking of the same
  half hour, whatever path a row is written by. The service also locks the venue row and checks overlaps first,
  so a person is told which time is taken; the constraint is the guard behind it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet

SLOT_UNIT_MINUTES = 30  # the guard's unit: every opening time and booking time lies on a half hour


class Purpose(models.TextChoices):
    EDUCATION = "education", _("宣传教育")
    DELIBERATION = "deliberation", _("议事协商")
    CULTURE = "culture", _("文体娱乐")
    SERVICE = "service", _("便民服务")
    PARTY = "party", _("党组织活动")
    TRAINING = "training", _("培训")
    OTHER = "other", _("其他")


class VenueType(models.TextChoices):
    """场地类型 (seed 003: 高标准规划建设党群服务中心4个,楼院党支部活动室38个; 将小区活动室纳入公共建筑规划;
    seed 004: 党群议事厅). 百姓评理说事点 are not venues to book: they are ``deliberation.MediationVenue``; 红色驿站
    and 微岗亭 are ``volunteering.Station``."""

    PARTY_CENTRE = "party_centre", _("党群服务中心")
    BRANCH_ROOM = "branch_room", _("党支部活动室")
    COMPOUND_ROOM = "compound_room", _("小区活动室")
    CIVILISATION_STATION = "civilisation_station", _("新时代文明实践站")
    DELIBERATION_HALL = "deliberation_hall", _("党群议事厅")
    OTHER = "other", _("其他")


class VenueStatus(models.TextChoices):
    ACTIVE = "active", _("开放")
    SUSPENDED = "suspended", _("暂停开放")


class Venue(ScopedModel):
    """A bookable room or hall; ``place_path`` is its place's (a street, community or compound).

    ``weekly_hours`` holds seven entries, Monday first: ``["08:30", "17:30"]`` or ``None`` (closed that day).
    ``purposes`` holds the allowed purpose codes between commas (``",education,party,"``), so "venues that take
    this purpose" is one portable ``LIKE`` on SQLite and PostgreSQL alike."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=24, choices=VenueType.choices, default=VenueType.OTHER)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="venues"
    )
    address = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField()
    facilities = models.JSONField(default=list, blank=True)
    purposes = models.CharField(max_length=200)
    weekly_hours = models.JSONField(default=list)
    open_on_holidays = models.BooleanField(default=False)
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    max_hours = models.PositiveSmallIntegerField(default=4)
    days_ahead = models.PositiveSmallIntegerField(default=14)
    requires_approval = models.BooleanField(default=True)
    max_per_person = models.PositiveSmallIntegerField(default=3)
    public = models.BooleanField(default=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    notice = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=VenueStatus.choices, default=VenueStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约场地")
        indexes = [models.Index(fields=["place_path", "status"], name="venues_venue_path_status")]
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="venues_venue_name_per_place"),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="venues_venue_idempotency_per_creator",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="venues_venue_capacity_positive"),
            models.CheckConstraint(condition=Q(kind__in=VenueType.values), name="venues_venue_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def purpose_list(self) -> list[str]:
        return [code for code in self.purposes.split(",") if code]

    @property
    def purpose_labels(self) -> list[str]:
        return [str(Purpose(code).label) for code in self.purpose_list if code in Purpose.values]

    @property
    def kind_label(self) -> str:
        return str(VenueType(self.kind).label) if self.kind in VenueType.values else self.kind

    @property
    def partner_owned(self) -> bool:
        return self.organisation_id is not None

    @property
    def active(self) -> bool:
        return self.status == VenueStatus.ACTIVE

    @property
    def owner_name(self) -> str:
        owner: Any = self.organisation if self.organisation_id else self.place
        return str(owner.name)


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("未到场")
    EXPIRED = "expired", _("逾期未审核")  # a request nobody decided before it began lapses (``expire_unanswered``)


HOLDING = (BookingStatus.PENDING, BookingStatus.APPROVED)  # the states that hold their time


class Booking(ScopedModel):
    """One request for a venue on ``day`` from ``starts_at`` to ``ends_at`` (same day, Beijing time);
    ``place_path`` is the venue's. ``minutes`` is the length (kept for the figures' sums)."""

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="bookings")
    booker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organiser = models.CharField(max_length=60, blank=True)  # 申请单位 / 以…名义 (a branch, a team)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    title = models.CharField(max_length=60)
    attendees = models.PositiveSmallIntegerField()
    public = models.BooleanField(default=False)  # the title shows on the public calendar once approved
    day = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    reason = models.CharField(max_length=200, blank=True)  # why it was rejected or cancelled
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("场地预约")
        indexes = [
            models.Index(fields=["venue", "day"], name="venues_booking_venue_day"),
            models.Index(fields=["booker", "starts_at"], name="venues_booking_booker_start"),
            models.Index(fields=["status", "day"], name="venues_booking_status_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="venues_booking_ends_after_start"),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="venues_booking_attendees_positive"),
            models.UniqueConstraint(
                fields=["booker", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="venues_booking_idempotency_per_booker",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDING

    @property
    def status_label(self) -> str:
        return str(BookingStatus(self.status).label)

    @property
    def purpose_label(self) -> str:
        return str(Purpose(self.purpose).label)


class BookingSlot(models.Model):
    """A half hour of a venue held by a pending or approved booking: the database-level guard against double
    booking (the unique constraint), written and released by the booking services only."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="slots")

    class Meta:
        verbose_name = _("场地预约时段")
        constraints = [models.UniqueConstraint(fields=["venue", "starts_at"], name="venues_slot_held_once")]


class BookingEvent(models.Model):
    """One change of a booking's state (append-only): the timeline, in the booking's own terms."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("场地预约记录")
        ordering: ClassVar[list[str]] = ["at", "id"]
