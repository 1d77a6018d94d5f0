"""People and the positions they hold.

A Person is anyone Linli knows about: a resident in the ledger, a grid worker, a volunteer
who works elsewhere. Identifiers are stored encrypted with a keyed hash beside them; the
clear value never reaches a template except through ``linli.core.masking`` or an audited
reveal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.core.masking import mask_id_number, mask_phone
from linli.core.scoping import ScopedModel, ScopedQuerySet
from linli.people.positions import POSITION_CHOICES, POSITION_KINDS

if TYPE_CHECKING:
    from linli.accounts.models import User


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未知")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍")
    RESIDENT = "resident", _("常住")
    FLOATING = "floating", _("流动")
    NOMINAL = "nominal", _("空挂户")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")
    UNKNOWN = "", _("未填")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    OTHER_PARTY = "other_party", _("民主党派")
    MASSES = "masses", _("群众")
    UNKNOWN = "", _("未填")


PARTY_STATUSES = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)  # 中共党员 and 预备党员


def is_party_status(status: str) -> bool:
    """The ledger's one rule for who is a party member: a 政治面貌 of 中共党员 or 中共预备党员. Whoever writes a
    person's political status (the edit, the import) sets ``Person.is_party_member`` from it, and everything
    that asks "party member?" reads that flag (a row whose status was never filled in keeps its flag)."""
    return status in PARTY_STATUSES


def party_fields(member: bool) -> dict[str, object]:
    """A person's two party fields kept in step, for data builders: a member is 中共党员, anyone else unfilled."""
    return {"is_party_member": member, "political_status": PoliticalStatus.PARTY_MEMBER if member else ""}


class Person(ScopedModel):
    SCOPE_CAPABILITY: ClassVar[str | None] = "ledger"

    place_path = models.CharField(max_length=255, editable=False)  # indexed in Meta
    name = models.CharField(max_length=64)  # searched with `contains` inside a scope: no btree helps
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    id_number_enc = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True)  # indexed in Meta (exact match only)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)  # indexed in Meta (exact match only)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="people", help_text="住址所在最细节点"
    )
    household = models.ForeignKey(
        "places.Household", on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    is_party_member = models.BooleanField(default=False)
    relation_to_head = models.CharField(max_length=16, choices=Relation.choices, blank=True)
    residence_type = models.CharField(
        max_length=16, choices=ResidenceType.choices, default=ResidenceType.RESIDENT
    )  # a filter beside the scope's place_path, never alone: no index of its own
    political_status = models.CharField(max_length=16, choices=PoliticalStatus.choices, blank=True)
    workplace = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    moved_out_on = models.DateField(null=True, blank=True, help_text="最近一次迁出日期;仍在住为空")
    anonymised_at = models.DateTimeField(null=True, blank=True, help_text="保存期满后匿名化的时间")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        # Every index costs each imported row (a 100k import writes all of them). Hashes are matched
        # exactly, so a plain btree: `db_index=True` on a CharField would add a second
        # varchar_pattern_ops copy on PostgreSQL that no query uses. One (place_path, id) index with
        # the pattern operator class on the path serves `under` (LIKE 'prefix%'), equality on the
        # path, and id order within one path; nothing orders people by the path's collation, the only
        # thing the default operator class would add. See docs/ledger.md.
        indexes = [
            models.Index(
                fields=["place_path", "id"], opclasses=["varchar_pattern_ops", "int8_ops"], name="people_person_path_id"
            ),
            models.Index(fields=["id_number_hash"], name="people_person_id_hash"),
            models.Index(fields=["phone_hash"], name="people_person_phone_hash"),
        ]
        constraints = [
            # The flag is the indexable copy of the 政治面貌 (``is_party_status``); unfilled, the flag is the ledger's
            # only word on it. Migration people.0011 brought older rows into step before adding this.
            models.CheckConstraint(
                condition=Q(political_status="")
                | Q(is_party_member=True, political_status__in=PARTY_STATUSES)
                | (Q(is_party_member=False) & ~Q(political_status__in=PARTY_STATUSES)),
                name="people_person_party_flag_follows_status",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return Q(pk=user.person_id) if user.person_id else None

    # Identifiers: clear values only through these accessors, masked by default.
    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Position(ScopedModel):
    """A person holding a position at a node from ``start_date`` until ``end_date`` (inclusive)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="positions")
    kind = models.CharField(max_length=32, choices=POSITION_CHOICES)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="positions")
    party_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.SET_NULL, null=True, blank=True, related_name="positions"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="positions"
    )
    title = models.CharField(max_length=64, blank=True, help_text="如“第一网格网格员”")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["person", "start_date"]), models.Index(fields=["place", "kind"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.kind_label}"

    @property
    def kind_label(self) -> str:
        spec = POSITION_KINDS.get(self.kind)
        return gettext(spec.label) if spec else self.kind


class PersonPhone(models.Model):
    """A secondary phone (家属、单位); encrypted with a keyed hash like the main one."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="extra_phones")
    label = models.CharField(max_length=32, blank=True, help_text="如“女儿”“单位”")
    phone_enc = models.TextField()
    phone_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class CareTag(models.Model):
    """A configurable care tag (重点人群). ``sensitive`` ones need the ``sensitive`` capability."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=32, unique=True)
    sensitive = models.BooleanField(default=False)
    sort = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class PersonTag(models.Model):
    # No single-column indexes: (person, tag) and (tag, person) below lead with each foreign key.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="person_tags", db_index=False)
    tag = models.ForeignKey(CareTag, on_delete=models.PROTECT, related_name="person_tags", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_unique")]
        indexes = [models.Index(fields=["tag", "person"])]


class Residence(ScopedModel):
    """One stay at an address: move-in and move-out. Rows are history and are never deleted."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "ledger"

    # Read only through their person (the person page, the PIPL export), never listed by place: no
    # place_path index, and the (person, moved_in_on) index serves the foreign key. Every index
    # here costs each imported row. See docs/ledger.md.
    place_path = models.CharField(max_length=255, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="residences", db_index=False)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    residence_type = models.CharField(max_length=16, choices=ResidenceType.choices)
    moved_in_on = models.DateField(null=True, blank=True)
    moved_out_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=64, blank=True, help_text="如“导入批次 12”“迁出登记”")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["person", "moved_in_on"])]
        ordering = ["-moved_in_on", "-id"]


class Ownership(ScopedModel):
    """Ownership of a dwelling with its exclusive area (专有部分面积) and share, for owners' votes."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ownerships")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, related_name="ownerships")
    area_m2 = models.DecimalField(max_digits=8, decimal_places=2)
    share = models.DecimalField(max_digits=5, decimal_places=4, default=1, help_text="共有份额,0–1")
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=1), name="ownership_share_range"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="ownership_area_positive"),
        ]


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已更正")
    REJECTED = "rejected", _("未采纳")


class CorrectionField(models.TextChoices):
    NAME = "name", _("姓名")
    ID_NUMBER = "id_number", _("身份证号")
    PHONE = "phone", _("手机号")
    WORKPLACE = "workplace", _("工作单位")
    ADDRESS = "address", _("住址")
    TAGS = "tags", _("标签")
    OTHER = "other", _("其他")


class CorrectionRequest(ScopedModel):
    """A resident asking staff to correct their record (PIPL Art. 46); a task in the staff queue."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="corrections")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    field = models.CharField(max_length=16, choices=CorrectionField.choices)
    requested_value = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN)
    resolved_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "place_path"])]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return Q(requested_by=user)


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("已预检")
    QUEUED = "queued", _("排队导入中")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("导入失败")
    EXPIRED = "expired", _("预检已过期")


class ImportBatch(models.Model):
    """An uploaded sheet: preview and commit are separate requests.

    The upload itself is not kept: preview stores its valid rows, normalised and encrypted, in
    ``staged``; commit writes them and deletes that file.
    """

    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    staged = models.FileField(upload_to="imports/%Y/%m/", blank=True, help_text="预检通过的行,分块加密;导入后删除")
    original_name = models.CharField(max_length=200)
    file_kind = models.CharField(max_length=8)
    encoding = models.CharField(max_length=16, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    new_rows = models.PositiveIntegerField(default=0)
    update_rows = models.PositiveIntegerField(default=0)
    party_dropped = models.PositiveIntegerField(default=0, help_text="将由党员改为非党员的人数(表中政治面貌不是党员)")
    errors = models.JSONField(default=list, blank=True, help_text="[[行, 列, 原因], …]")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.original_name} #{self.pk}"
