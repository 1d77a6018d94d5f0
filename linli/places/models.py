"""The place tree: district → street → community → compound → grid → building → unit.

Households are records under a building or unit. Places use treebeard's materialised path;
tables that are read "everything under node X" copy the path (``place_path``) so the filter
is one indexed prefix match.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from linli.core.scoping import ScopedModel, ScopedQuerySet


class PlaceKind(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    COMPOUND = "compound", _("小区/里巷")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")


# Which kinds may sit directly under which. A compound without grids may hold buildings.
ALLOWED_CHILDREN: dict[str, set[str]] = {
    PlaceKind.DISTRICT: {PlaceKind.STREET},
    PlaceKind.STREET: {PlaceKind.COMMUNITY},
    PlaceKind.COMMUNITY: {PlaceKind.COMPOUND},
    PlaceKind.COMPOUND: {PlaceKind.GRID, PlaceKind.BUILDING},
    PlaceKind.GRID: {PlaceKind.BUILDING},
    PlaceKind.BUILDING: {PlaceKind.UNIT},
    PlaceKind.UNIT: set(),
}
CODED_KINDS = {PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY}


class PlaceQuerySet(MP_NodeQuerySet, ScopedQuerySet["Place"]):
    pass


class PlaceManager(MP_NodeManager):
    def get_queryset(self) -> PlaceQuerySet:
        return PlaceQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user):  # type: ignore[no-untyped-def]
        return self.get_queryset().visible_to(user)


class Place(MP_Node):
    SCOPE_PATH_FIELD: ClassVar[str] = "path"
    SCOPE_CAPABILITY: ClassVar[str | None] = None

    steplen = 4
    node_order_by: ClassVar[list[str]] = []

    kind = models.CharField(max_length=16, choices=PlaceKind.choices)
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=12, blank=True, help_text="12位统计用区划代码(街道、社区)")
    boundary = models.JSONField(null=True, blank=True, help_text="GeoJSON Polygon/MultiPolygon")
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlaceManager()

    class Meta:
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return str(PlaceKind(self.kind).label)


# A street's places all start with its own path: a street sits at depth 2, under its district.
STREET_PATH_LENGTH = 2 * Place.steplen


def street_of(column: str) -> Substr:
    """The street's part of a materialised path column: what the street-led indexes lead with
    (``ticket_open_street_newest``, ``rollup_span_street_day``)."""
    return Substr(column, 1, STREET_PATH_LENGTH)


def in_street(column: str, path: str) -> Exact:
    """``column`` lies in the street of ``path`` (a street's path or anything below it), as an
    equality on ``street_of(column)`` that those indexes can seek."""
    return Exact(street_of(column), Value(path[:STREET_PATH_LENGTH]))


class Household(ScopedModel):
    """A dwelling (户) in a building or unit; residents are attached in the ledger."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="households")
    room = models.CharField(max_length=32, help_text="房号, e.g. 302")
    area_m2 = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "room"], name="household_unique_room")]

    def __str__(self) -> str:
        return f"{self.place.name} {self.room}"


class CompoundType(models.TextChoices):
    """What kind of 小区 a compound is: it decides which grid-size standard applies (seed 001)."""

    COMMERCIAL = "commercial", _("商品房小区")
    WORK_UNIT = "work_unit", _("单位型小区")
    RESETTLEMENT = "resettlement", _("安置小区")
    MIXED = "mixed", _("杂居型(开放式)小区")


class ManagementMode(models.TextChoices):
    """Who manages the compound day to day (seed 001: 无物业管理的老旧小区; 002: 物业服务覆盖)."""

    COMPANY = "company", _("物业服务企业")
    OWNERS = "owners", _("业主自治管理")
    WORK_UNIT = "work_unit", _("原产权单位管理")
    COMMUNITY = "community", _("社区兜底托管")
    NONE = "none", _("无物业管理")


# 老旧小区: built before the end of 2000 (国办发〔2020〕23号《关于全面推进城镇老旧小区改造工作的指导意见》).
OLD_ESTATE_LAST_YEAR = 2000


class CompoundProfile(ScopedModel):
    """A compound's 小区档案: its type, how it is managed, when it was built. One per compound."""

    compound = models.OneToOneField(Place, on_delete=models.CASCADE, related_name="compound_profile")
    compound_type = models.CharField(max_length=16, choices=CompoundType.choices)
    management_mode = models.CharField(max_length=16, choices=ManagementMode.choices)
    built_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="建成年份")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(built_year__isnull=True) | models.Q(built_year__gte=1900, built_year__lte=2100),
                name="compound_profile_built_year_sane",
            )
        ]

    @property
    def is_old_estate(self) -> bool:
        return self.built_year is not None and self.built_year <= OLD_ESTATE_LAST_YEAR


class GridStandard(models.Model):
    """A district's (or street's) standard size of a grid for one type of compound.

    Where none is set the seed's standard applies (``linli.places.sizing.DEFAULT_STANDARDS``): 杂居型 300–400
    households and 900–1,200 people, 物业型(单位型) 500–700 and 1,500–2,100. The nearest ancestor's wins.
    """

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="grid_standards")
    compound_type = models.CharField(max_length=16, choices=CompoundType.choices)
    households_min = models.PositiveIntegerField()
    households_max = models.PositiveIntegerField()
    residents_min = models.PositiveIntegerField()
    residents_max = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["place", "compound_type"], name="grid_standard_one_per_type"),
            models.CheckConstraint(
                condition=models.Q(households_min__lte=models.F("households_max"))
                & models.Q(residents_min__lte=models.F("residents_max")),
                name="grid_standard_min_le_max",
            ),
        ]


class DefenceRing(models.TextChoices):
    """四层防控圈 (seed 001: 对“小区进出口、小区公共活动区域、单元出入区域、小区周界”四层防控圈实行智能管理,
    把无形小区建成闭环小区), in the seed's order, outside in from the gate."""

    ENTRANCE = "entrance", _("小区进出口")
    PUBLIC_AREA = "public_area", _("小区公共活动区域")
    UNIT_ENTRANCE = "unit_entrance", _("单元出入区域")
    PERIMETER = "perimeter", _("小区周界")


class SecurityFacilityKind(models.TextChoices):
    """智能管理设施 (seed 001: 安装智能门禁、人脸识别、安防监控等智能管理设施), and the others a ring is commonly
    closed with."""

    ACCESS_CONTROL = "access_control", _("智能门禁")
    FACE_RECOGNITION = "face_recognition", _("人脸识别")
    CCTV = "cctv", _("安防监控")
    VEHICLE_GATE = "vehicle_gate", _("车辆识别道闸")
    PERIMETER_ALARM = "perimeter_alarm", _("周界报警")
    OTHER = "other", _("其他智能设施")


class SecurityFacility(ScopedModel):
    """A batch of smart facilities of one kind installed in one ring of a compound's 四层防控圈: how many, and the day
    they went in. A batch taken out of service keeps its row with ``retired_on`` (the day it stopped), so the register
    reads as it stood on any day. ``place_path`` is the compound's. Written by ``services_security`` only."""

    compound = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="security_facilities")
    ring = models.CharField(max_length=16, choices=DefenceRing.choices)
    kind = models.CharField(max_length=24, choices=SecurityFacilityKind.choices)
    quantity = models.PositiveIntegerField(help_text="数量(台/套)")
    installed_on = models.DateField(help_text="安装日期")
    retired_on = models.DateField(null=True, blank=True, help_text="停用日期(含当日起不再计入)")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区智能安防设施")
        indexes = [models.Index(fields=["place_path", "ring"], name="places_security_path_ring")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="places_security_quantity_positive"),
            models.CheckConstraint(condition=Q(ring__in=DefenceRing.values), name="places_security_ring_known"),
            models.CheckConstraint(
                condition=Q(kind__in=SecurityFacilityKind.values), name="places_security_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(retired_on__gte=F("installed_on")),
                name="places_security_retired_after_installed",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="places_security_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ring_label} {self.kind_label} ×{self.quantity}"

    @property
    def ring_label(self) -> str:
        return str(DefenceRing(self.ring).label)

    @property
    def kind_label(self) -> str:
        return str(SecurityFacilityKind(self.kind).label)

    def in_service_on(self, day: Any) -> bool:
        return self.installed_on <= day and (self.retired_on is None or self.retired_on > day)
