"""The party organisation tree and the other organisations that serve places.

Party orgs (党工委 → 党委/党总支 → 党支部 → 党小组 → 党员中心户) form their own treebeard
tree, each anchored to a place. Other organisations (居委会, 业委会, 物业 …) are typed
records attached to the places they serve.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from linli.core.scoping import ScopedModel, ScopedQuerySet


class PartyOrgKind(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("党工委")
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")
    CENTER_HOUSEHOLD = "center_household", _("党员中心户")


PARTY_ORG_CHILDREN: dict[str, set[str]] = {
    PartyOrgKind.WORKING_COMMITTEE: {PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH},
    PartyOrgKind.COMMITTEE: {PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH},
    PartyOrgKind.GENERAL_BRANCH: {PartyOrgKind.BRANCH},
    PartyOrgKind.BRANCH: {PartyOrgKind.GROUP, PartyOrgKind.CENTER_HOUSEHOLD},
    PartyOrgKind.GROUP: {PartyOrgKind.CENTER_HOUSEHOLD},
    PartyOrgKind.CENTER_HOUSEHOLD: set(),
}


class PartyOrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DISSOLVED = "dissolved", _("已撤销")


class PartyOrgQuerySet(MP_NodeQuerySet, ScopedQuerySet["PartyOrg"]):
    def active(self) -> PartyOrgQuerySet:
        """Orgs that exist now: not 已撤销. Pickers, the tree and "as of now" figures start here; history
        (memberships, meetings, records of a dissolved org) joins the plain manager, which keeps them."""
        return self.filter(status=PartyOrgStatus.ACTIVE)

    def dissolved(self) -> PartyOrgQuerySet:
        return self.filter(status=PartyOrgStatus.DISSOLVED)


class PartyOrgManager(MP_NodeManager):
    def get_queryset(self) -> PartyOrgQuerySet:
        return PartyOrgQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user):  # type: ignore[no-untyped-def]
        return self.get_queryset().visible_to(user)

    def active(self) -> PartyOrgQuerySet:
        return self.get_queryset().active()

    def dissolved(self) -> PartyOrgQuerySet:
        return self.get_queryset().dissolved()


class PartyOrg(MP_Node, ScopedModel):
    steplen = 4
    node_order_by: ClassVar[list[str]] = []

    kind = models.CharField(max_length=24, choices=PartyOrgKind.choices)
    name = models.CharField(max_length=100)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="party_orgs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    idempotency_key = models.CharField(max_length=64, blank=True)  # a double submit sets up one org
    # 撤销 of an org with a history keeps its row (members' past membership, meetings, records point at
    # it); the columns are added with ALTER TABLE (migration 0004), never a table rebuild.
    status = models.CharField(max_length=12, choices=PartyOrgStatus.choices, default=PartyOrgStatus.ACTIVE)
    dissolved_at = models.DateField(null=True, blank=True)
    dissolved_reason = models.CharField(max_length=200, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from")
    # 单位党组织: the property company, partner unit or social organisation the org is formed in (seed 003: 物业服务企业
    # 党的工作全面覆盖; seed 004: 社区党总支—物业公司党支部—网格党支部). Null for a branch of residents.
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="party_orgs"
    )

    objects = PartyOrgManager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="party_org_idempotency_per_creator",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return str(PartyOrgKind(self.kind).label)

    @property
    def is_dissolved(self) -> bool:
        return self.status == PartyOrgStatus.DISSOLVED

    @property
    def status_label(self) -> str:
        return str(PartyOrgStatus(self.status).label)


class OrganisationKind(models.TextChoices):
    RESIDENTS_COMMITTEE = "residents_committee", _("居委会")
    OWNERS_COMMITTEE = "owners_committee", _("业委会")
    SUPERVISORY_BOARD = "supervisory_board", _("业主监事会")
    PROPERTY_COMPANY = "property_company", _("物业服务企业")
    PARTNER_UNIT = "partner_unit", _("共建单位")
    SOCIAL_ORG = "social_org", _("社会组织")
    DEPARTMENT = "department", _("职能部门")


class Organisation(ScopedModel):
    """An organisation registered at ``home`` and serving the places in ``serves``."""

    kind = models.CharField(max_length=24, choices=OrganisationKind.choices)
    name = models.CharField(max_length=120)
    uscc = models.CharField(max_length=18, blank=True, help_text="统一社会信用代码")
    contact_name = models.CharField(max_length=64, blank=True)
    contact_phone = models.CharField(max_length=32, blank=True, help_text="公开的办公电话")
    home = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="registered_orgs")
    serves = models.ManyToManyField("places.Place", related_name="served_by", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    idempotency_key = models.CharField(max_length=64, blank=True)  # a double submit registers one org

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            # A credit code names one legal entity: registered once per kind (two concurrent
            # registrations cannot both pass the service's check). Blank codes are not compared.
            models.UniqueConstraint(
                fields=["kind", "uscc"], condition=~Q(uscc=""), name="organisation_unique_uscc_per_kind"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="organisation_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return str(OrganisationKind(self.kind).label)
