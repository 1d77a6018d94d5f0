"""小区治理团队 "1+1+2N+X" and the compound's 事项清单 (seed 000). Data only; writes go through
``services`` (standards and team members) and ``services_items`` (the duty list).

- A **standard** (配备标准) says which posts a compound's team has and how many people each needs: a fixed
  number, plus a number per building of the compound (the seed's N). The platform default (no place) is
  seeded by migration 0002 as 小区党组织书记 1, 网格长 1, 网格员/楼栋长 2 per building, and three X posts
  (志愿者, 物业代表, 业委会代表: any number, none required). A district, street or community may keep its
  own copy; a compound follows the nearest one above it.
- A **team member** is a person (``people.Person``: staff, residents and volunteers alike) holding one of
  those posts in one compound, from a day until a day. Posts are named by their code, so a compound moved
  to another community is measured against that community's standard without rewriting its rows.
- A **duty item** (事项) belongs to a community (the community's template) or a compound (its own list,
  often copied from the template and then refined), and is assigned to a post (任务到岗) and, in a
  compound, optionally to one current member holding that post (责任到人).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet

CODE_MAX = 32


class TeamStandard(ScopedModel):
    """The posts of a compound governance team under ``place`` (none: the platform default)."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区治理团队配备标准")
        constraints = [
            # One standard a place; the default's path is "" (one default).
            models.UniqueConstraint(fields=["place_path"], name="team_standard_once_per_place"),
        ]

    def __str__(self) -> str:
        return self.place.name if self.place_id and self.place else "default"

    @property
    def is_default(self) -> bool:
        return self.place_id is None


class TeamPost(models.Model):
    """A post (岗位) of a standard: ``fixed`` people plus ``per_building`` for each building of the compound.
    Both zero: an X post (any number, none required). Switched off rather than deleted (members held it)."""

    standard = models.ForeignKey(TeamStandard, on_delete=models.CASCADE, related_name="posts")
    code = models.CharField(max_length=CODE_MAX)
    name = models.CharField(max_length=32)
    fixed = models.PositiveSmallIntegerField(default=0)
    per_building = models.PositiveSmallIntegerField(default=0)
    sort = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="team_post_code_once_per_standard"),
            models.UniqueConstraint(
                fields=["standard", "name"], condition=Q(active=True), name="team_post_name_once_per_standard"
            ),
            models.CheckConstraint(condition=Q(fixed__lte=50) & Q(per_building__lte=10), name="team_post_sane_counts"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def optional(self) -> bool:
        return self.fixed == 0 and self.per_building == 0

    def required_for(self, buildings: int) -> int:
        return self.fixed + self.per_building * buildings


class TeamMember(ScopedModel):
    """A person holding ``post`` (a post code of the compound's standard) in ``compound``'s team."""

    compound = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    post = models.CharField(max_length=CODE_MAX)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=64, blank=True, help_text="如“社区两委委员”“物业项目经理”")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区治理团队成员")
        indexes = [models.Index(fields=["compound", "post"])]
        constraints = [
            # A double submit (or two colleagues at once) seats a person on a post once.
            models.UniqueConstraint(
                fields=["compound", "post", "person"],
                condition=Q(ended_on__isnull=True),
                name="team_member_once_per_post",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="team_member_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.post}"

    @property
    def current(self) -> bool:
        return self.ended_on is None


class DutyCategory(models.TextChoices):
    PARTY = "party", _("党建")
    GOVERNANCE = "governance", _("治理")
    SERVICE = "service", _("服务")


class DutyFrequency(models.TextChoices):
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    AS_NEEDED = "as_needed", _("按需")


class DutyItem(ScopedModel):
    """One item of a 事项清单: a community's template (``place`` a community) or a compound's own list."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=16, choices=DutyCategory.choices)
    title = models.CharField(max_length=100)
    detail = models.TextField(blank=True)
    frequency = models.CharField(max_length=16, choices=DutyFrequency.choices)
    post = models.CharField(max_length=CODE_MAX, blank=True)  # 任务到岗: a post code; blank = not yet assigned
    member = models.ForeignKey(
        TeamMember, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )  # 责任到人: a current member holding ``post`` (compound lists only)
    source = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("事项清单")
        constraints = [
            models.UniqueConstraint(fields=["place", "title"], name="duty_item_title_once_per_place"),
            # A template item is copied into a compound once, however often "copy" is pressed.
            models.UniqueConstraint(
                fields=["place", "source"], condition=Q(source__isnull=False), name="duty_item_copied_once"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="duty_item_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def category_label(self) -> str:
        return str(DutyCategory(self.category).label)

    @property
    def frequency_label(self) -> str:
        return str(DutyFrequency(self.frequency).label)
