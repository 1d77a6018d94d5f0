"""社区服务清单 / 办事指南 (seed 001: 列出责任清单、任务清单、工作流程、公示方式; "易事即办、实事快办、难事联办";
seed 003: 40多项"订单式"服务, 从"单一办理"到"综合受理"). Data only; writes go through ``services`` (items and the
list's publication) and ``importing`` (Excel).

- A **service item** (``ServiceItem``) is one thing a resident can get from their community: who may apply, what to
  bring, how (窗口/上门/线上), where and when, the promised time limit in working days (0 = 即办), the fee, the
  responsible post and the basis, the mode (即办/快办/联办) and whether it is delivered on order (订单式). It starts as
  a **draft**, becomes **published** when the community publishes its list, and may be **withdrawn** (停办) with a
  reason; it is never deleted once published. Any desk worker takes any item (全科社工, 综合受理): the item names
  the post that answers for it, not a desk.
- An **item event** (``ServiceItemEvent``) is one change of an item (created, published, revised with the names of
  the fields that changed, withdrawn): append-only, the item's timeline and the source of "items changed".
- A **publication** (``ListPublication``) is one numbered version of a community's list (公示): who published it,
  when, how many items, and the items as they read then (frozen in the row), so "what did the list say on date X"
  is the version in force that day.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet

TIME_LIMIT_MAX = 60  # working days: longer than three months is no promise
DEFAULT_FEE = "免费"  # stored in Chinese, like every seeded word


class Category(models.TextChoices):
    PARTY = "party", _("党群服务")
    CIVIL = "civil", _("民政救助")
    SECURITY = "security", _("社会保障")
    HEALTH = "health", _("卫生健康")
    LEGAL = "legal", _("法律服务")
    CERTIFICATE = "certificate", _("证明开具")
    CONVENIENCE = "convenience", _("便民服务")
    VOLUNTEER = "volunteer", _("志愿服务")
    OTHER = "other", _("其他")


class Mode(models.TextChoices):
    """Seed 001: 易事即办、实事快办、难事联办."""

    INSTANT = "instant", _("即办")
    QUICK = "quick", _("快办")
    JOINT = "joint", _("联办")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口办理")
    HOME = "home", _("上门服务")
    ONLINE = "online", _("线上办理")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")
    WITHDRAWN = "withdrawn", _("已停办")


class ServiceItem(ScopedModel):
    """One item of a community's service list; ``place_path`` is the community's."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=60)
    category = models.CharField(max_length=16, choices=Category.choices)
    audience = models.CharField(max_length=200)  # 服务对象: who may apply
    materials = models.JSONField(default=list, blank=True)  # 所需材料: one line each
    channels = models.JSONField(default=list)  # Channel codes, in the order of Channel
    location = models.CharField(max_length=200)  # 办理地点
    hours = models.CharField(max_length=100)  # 办理时间
    time_limit_days = models.PositiveSmallIntegerField(default=0)  # 承诺时限 (working days); 0 = 即办
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.INSTANT)
    on_order = models.BooleanField(default=False)  # 订单式: delivered on order by volunteers or partner units
    fee = models.CharField(max_length=100, default=DEFAULT_FEE)
    responsible_post = models.CharField(max_length=60)  # 责任岗位
    basis = models.CharField(max_length=500, blank=True)  # 办理依据
    notes = models.CharField(max_length=500, blank=True)  # 温馨提示
    sort = models.PositiveIntegerField(default=0)  # order within the category
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)  # first published
    revised_at = models.DateTimeField(null=True, blank=True)  # last changed while published (更新于)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区服务事项")
        indexes = [
            models.Index(fields=["community", "status", "category", "sort"], name="guide_item_list_order"),
            models.Index(fields=["place_path", "status"], name="guide_item_path_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], condition=~Q(status="withdrawn"), name="guide_item_name_once_in_use"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="guide_item_idempotency_per_creator",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_days__lte=TIME_LIMIT_MAX), name="guide_item_time_limit_at_most_60"
            ),
            # 即办 is done on the spot (0 working days); 快办 and 联办 promise a date.
            models.CheckConstraint(
                condition=(Q(mode="instant") & Q(time_limit_days=0)) | (~Q(mode="instant") & Q(time_limit_days__gte=1)),
                name="guide_item_instant_means_zero_days",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | (~Q(withdraw_reason="") & Q(withdrawn_at__isnull=False)),
                name="guide_item_withdrawn_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False) | Q(status="withdrawn"),
                name="guide_item_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category in Category.values else self.category

    @property
    def mode_label(self) -> str:
        return str(Mode(self.mode).label)

    @property
    def status_label(self) -> str:
        return str(ItemStatus(self.status).label)

    @property
    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]

    @property
    def is_public(self) -> bool:
        """Published, or withdrawn after having been published (the public sees its 停办 and the reason)."""
        return self.status == ItemStatus.PUBLISHED or (
            self.status == ItemStatus.WITHDRAWN and self.published_at is not None
        )


FIELD_LABELS = {  # an item's fields as a revision names them
    "name": _("事项名称"),
    "category": _("服务类别"),
    "audience": _("服务对象"),
    "materials": _("所需材料"),
    "channels": _("办理方式"),
    "location": _("办理地点"),
    "hours": _("办理时间"),
    "time_limit_days": _("承诺时限"),
    "mode": _("办理模式"),
    "on_order": _("订单式"),
    "fee": _("收费标准"),
    "responsible_post": _("责任岗位"),
    "basis": _("办理依据"),
    "notes": _("温馨提示"),
}


class EventKind(models.TextChoices):
    CREATED = "created", _("新建")
    PUBLISHED = "published", _("公布")
    REVISED = "revised", _("修改")
    WITHDRAWN = "withdrawn", _("停办")


class ServiceItemEvent(ScopedModel):
    """One change of an item (append-only); ``changed`` names the fields a revision changed."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    changed = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)
    while_published = models.BooleanField(default=False)  # the change reached the public list at once
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区服务事项记录")
        ordering: ClassVar[list[str]] = ["at", "id"]
        indexes = [models.Index(fields=["place_path", "kind", "at"], name="guide_event_path_kind_at")]

    @property
    def kind_label(self) -> str:
        return str(EventKind(self.kind).label)

    @property
    def changed_labels(self) -> list[str]:
        return [str(FIELD_LABELS.get(name, name)) for name in self.changed]


class ListPublication(ScopedModel):
    """One numbered version (版本号) of a community's list as published (公示), frozen: ``lines`` holds each
    published item's public fields as they read then, in the list's order."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    item_count = models.PositiveIntegerField()
    lines = models.JSONField(default=list)
    note = models.CharField(max_length=200, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区服务清单公示")
        ordering: ClassVar[list[str]] = ["-number"]
        indexes = [models.Index(fields=["place_path", "published_at"], name="guide_pub_path_published")]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="guide_publication_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="guide_publication_number_positive"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"
