"""The place tree: district → street → community → compound → grid → building → unit.

Households are records under a building or unit. Places use treebeard's materialised path;
tables that are read "everything under node X" copy the path (``place_path``) so the filter
is one indexed prefix match.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Value
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
