"""Red property 红色物业 and co-building 共建 (seeds 002 and 003). Data only; writes go through
``services_property``, ``services_rating``, ``services_partners`` and ``services_funds``.

- Property: service contracts per compound, owners' committee / supervisory board members with
  their party membership and cross-appointments, the annual star rating with weighted raters
  (resident survey of a household sample, the branch, the owners' committee), red/black list
  decisions. Companies, committees and partner units are ``orgs.Organisation`` rows.
- Co-building: resources partners offer, needs, matching, micro-projects (民生微项目), funds.

Fund entries are a ledger: a database trigger refuses UPDATE (migration 0002); the balance is
always the sum of the entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet

if TYPE_CHECKING:
    from linli.accounts.models import User


def residents_q(user: User) -> Q | None:
    """Rows whose place contains the user's home (residents of a compound see its public rows)."""
    person = getattr(user, "person", None)
    if person is None or not person.place_path:
        return None
    path = person.place_path
    return Q(place_path__in=[path[:i] for i in range(4, len(path) + 1, 4)])


# ----------------------------------------------------------------------------- property


class PropertyContract(ScopedModel):
    """A property company's service contract for one compound (no two overlap in time)."""

    company = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    fee_grade = models.CharField(max_length=16, help_text="物业服务等级, 如 一级")
    fee_per_m2 = models.DecimalField(max_digits=6, decimal_places=2, help_text="元/平方米·月")
    project_manager = models.CharField(max_length=64)
    instructor = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="党建指导员"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="contract_period_ordered")
        ]


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("主任")
    VICE_CHAIR = "vice_chair", _("副主任")
    MEMBER = "member", _("委员")


class CommitteeMember(ScopedModel):
    """A member of an owners' committee 业委会 or supervisory board 业主监事会 for one term."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER)
    term_starts = models.DateField()
    term_ends = models.DateField()
    cross_residents_committee = models.BooleanField(default=False, help_text="兼任居委会成员")
    cross_branch = models.BooleanField(default=False, help_text="兼任党支部委员")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "person", "term_starts"], name="committee_member_once"),
            models.CheckConstraint(condition=Q(term_ends__gte=models.F("term_starts")), name="committee_term_ordered"),
        ]


class GridStaffRole(models.TextChoices):
    """一长四员 (seed 003: 实行“一长四员”联动进网格). The seed names no roles; Linli reads the 长 as the company's
    project manager and the four 员 as the trades a property service runs on (docs/metrics.md)."""

    MANAGER = "manager", _("物业项目经理")
    ORDER = "order", _("秩序维护员")
    CLEANING = "cleaning", _("保洁员")
    GREENING = "greening", _("绿化员")
    REPAIR = "repair", _("维修员")


class PropertyGridStaff(ScopedModel):
    """A property company's staff member put into a grid (物业服务企业融入网格化管理, seed 003), with their place among
    the 一长四员, from ``start_date`` until ``end_date`` (inclusive; open while serving). Rows are history: ending one
    sets ``end_date``, nothing is deleted. ``place_path`` is the grid's path; writes go through
    ``services_grid_staff``."""

    company = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=GridStaffRole.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "grid", "person"], condition=Q(end_date__isnull=True), name="grid_staff_once_open"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="grid_staff_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in GridStaffRole]), name="grid_staff_role_known"
            ),
        ]


# ----------------------------------------------------------------------------- star rating


class RatingTemplate(models.Model):
    """An evaluation template: weighted criteria and the weight of each rater (percent, sum 100)."""

    name = models.CharField(max_length=100)
    year = models.PositiveSmallIntegerField()
    survey_weight = models.PositiveSmallIntegerField(default=50)
    branch_weight = models.PositiveSmallIntegerField(default=25)
    committee_weight = models.PositiveSmallIntegerField(default=25)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(survey_weight__lte=100) & Q(branch_weight__lte=100) & Q(committee_weight__lte=100),
                name="rating_template_weights_percent",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RatingCriterion(models.Model):
    template = models.ForeignKey(RatingTemplate, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class RaterKind(models.TextChoices):
    SURVEY = "survey", _("居民满意度调查")
    BRANCH = "branch", _("小区党支部")
    COMMITTEE = "committee", _("业委会")


class RatingStatus(models.TextChoices):
    OPEN = "open", _("评价中")
    CLOSED = "closed", _("已出结果")


class Rating(ScopedModel):
    """One company's annual rating at one compound; the survey link carries ``token``."""

    template = models.ForeignKey(RatingTemplate, on_delete=models.PROTECT, related_name="ratings")
    company = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=RatingStatus.choices, default=RatingStatus.OPEN)
    token = models.CharField(max_length=32, unique=True)
    survey_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    branch_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    committee_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    stars = models.PositiveSmallIntegerField(null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]
        constraints = [
            models.UniqueConstraint(fields=["company", "compound", "year"], name="rating_once_a_year"),
            models.CheckConstraint(condition=Q(stars__isnull=True) | Q(stars__range=(1, 5)), name="rating_stars_1_5"),
        ]


class SurveySample(models.Model):
    """A household drawn for the resident survey of a rating."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="sample")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rating", "household"], name="survey_sample_once")]


class RatingResponse(models.Model):
    """One rater's scores (1–5 per criterion). A household answers once; the branch and the
    committee each once (constraints, so a double submit or a race cannot count twice)."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="responses")
    rater = models.CharField(max_length=12, choices=RaterKind.choices)
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scores = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.CharField(max_length=500, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rating", "household"],
                condition=Q(household__isnull=False),
                name="rating_one_answer_per_household",
            ),
            models.UniqueConstraint(
                fields=["rating", "rater"], condition=~Q(rater="survey"), name="rating_one_answer_per_body"
            ),
            models.CheckConstraint(
                condition=Q(rater="survey", household__isnull=False) | (~Q(rater="survey") & Q(household__isnull=True)),
                name="rating_survey_answer_has_household",
            ),
        ]


class ListKind(models.TextChoices):
    RED = "red", _("红榜")
    BLACK = "black", _("黑榜")


class ListEntry(ScopedModel):
    """A red/black list decision about a property company: reason, evidence, validity."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ListKind.choices)
    reason = models.TextField()
    evidence = models.TextField(blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField()
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, null=True, blank=True, related_name="list_entries")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="list_validity_ordered"),
            models.CheckConstraint(condition=~Q(reason=""), name="list_entry_has_reason"),
        ]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return residents_q(user)


# ----------------------------------------------------------------------------- partners, lists


class PartnerProfile(ScopedModel):
    """A partner unit's co-building details (seed 003: 成立街道“大工委”、4个社区“大党委”): member of the 大工委 of the
    street it is registered in (``street_big_committee``) and/or of one community's 大党委 (``big_committee`` with
    ``big_committee_community``: the community it is registered in, or — registered at the street or above — the
    community staff name), and its party leader serving as a part-time member (兼职委员).

    ``big_committee_community`` is empty only on a 大党委 member recorded before the community was (a unit registered
    at the street: the migration could not tell which), listed as 未指定社区 until staff name it."""

    organisation = models.OneToOneField("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    big_committee = models.BooleanField(default=False, help_text="社区大党委成员单位")
    big_committee_community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="所在社区大党委"
    )
    street_big_committee = models.BooleanField(default=False, help_text="街道大工委成员单位")
    party_leader_name = models.CharField(max_length=64, blank=True, help_text="党组织负责人(兼职委员)")
    joined_on = models.DateField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(big_committee=True) | Q(big_committee_community__isnull=True),
                name="partner_community_only_for_big_committee",
            )
        ]


class ResourceCategory(models.TextChoices):
    VENUE = "venue", _("场地")
    VOLUNTEERS = "volunteers", _("志愿服务")
    FUNDS = "funds", _("资金")
    EXPERTISE = "expertise", _("专业技能")
    GOODS = "goods", _("物资")


class Resource(ScopedModel):
    """What a partner offers (资源清单), available to the places under ``place``."""

    partner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=12, choices=ResourceCategory.choices)
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "category"])]


class NeedSource(models.TextChoices):
    RESIDENT = "resident", _("居民提出")
    REQUEST = "request", _("来自诉求")
    VISIT = "visit", _("来自走访")
    STAFF = "staff", _("工作人员录入")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待对接")
    MATCHED = "matched", _("已对接资源")
    CLOSED = "closed", _("已解决")


class Need(ScopedModel):
    """A need-list entry (需求清单). Closed with evidence, directly or by a micro-project's acceptance."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=12, choices=ResourceCategory.choices)
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=12, choices=NeedSource.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=8, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="needs")
    evidence = models.TextField(blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return Q(raised_by=user)


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("已提议")
    APPROVED = "approved", _("会议通过")
    EXECUTING = "executing", _("实施中")
    ACCEPTED = "accepted", _("已验收")
    REJECTED = "rejected", _("未通过")


class Project(ScopedModel):
    """A micro-project 民生微项目 (项目清单): proposal → approval at a meeting → execution → acceptance."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    need = models.ForeignKey(Need, on_delete=models.PROTECT, null=True, blank=True, related_name="projects")
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    partners = models.ManyToManyField("orgs.Organisation", related_name="+", blank=True)
    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, null=True, blank=True, related_name="projects")
    meeting = models.ForeignKey(
        "deliberation.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED)
    beneficiaries = models.PositiveIntegerField(default=0, help_text="受益人数")
    beneficiaries_note = models.CharField(max_length=200, blank=True)
    acceptance_note = models.TextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]
        constraints = [models.CheckConstraint(condition=Q(budget__gte=0), name="project_budget_not_negative")]


class ProjectEvent(models.Model):
    """Each lifecycle transition: the project's timeline and audit trail."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class ProjectPhoto(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="cobuilding/projects/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


# ----------------------------------------------------------------------------- funds


class FundHolder(models.TextChoices):
    BRANCH = "branch", _("党支部")
    STATION = "station", _("党群服务站")


class Fund(ScopedModel):
    """Money held by a party branch or a service station; the balance is the sum of its entries."""

    name = models.CharField(max_length=100)
    holder = models.CharField(max_length=8, choices=FundHolder.choices)
    party_org = models.OneToOneField("orgs.PartyOrg", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["place"], condition=Q(holder="station"), name="fund_one_station_per_place"),
            models.CheckConstraint(
                condition=Q(holder="station") | Q(party_org__isnull=False), name="fund_branch_has_party_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundEntryKind(models.TextChoices):
    STARTUP = "startup", _("启动经费")
    ANNUAL = "annual", _("年度工作经费")
    OTHER_GRANT = "grant", _("其他拨款")
    SPEND = "spend", _("支出")


GRANT_KINDS = {FundEntryKind.STARTUP, FundEntryKind.ANNUAL, FundEntryKind.OTHER_GRANT}


class FundEntry(models.Model):
    """One ledger row. Grants are positive, spending negative; never updated (trigger)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=8, choices=FundEntryKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    on_date = models.DateField()
    note = models.CharField(max_length=200)
    receipt_number = models.CharField(max_length=64, blank=True, help_text="票据号")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="spending")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["fund", "on_date"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="spend") & Q(amount__lt=0)) | (~Q(kind="spend") & Q(amount__gt=0)),
                name="fund_entry_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="spend") | (~Q(receipt_number="") & Q(approver__isnull=False)),
                name="fund_spend_has_receipt_and_approver",
            ),
        ]


# ----------------------------------------------------------------------------- compound rules


class CharterKind(models.TextChoices):
    MANAGEMENT_COVENANT = "management_covenant", _("管理规约")
    CIVILITY_PACT = "civility_pact", _("文明公约")
    ASSEMBLY_RULES = "assembly_rules", _("业主大会议事规则")
    COMMITTEE_RULES = "committee_rules", _("业委会工作规则")
    OTHER = "other", _("其他")


# Kinds of which a compound has at most one in force: a new one supersedes the old. "Other" documents
# (停车管理办法, 装修管理规定 …) stand side by side, so they are not in this set.
SINGLE_KINDS = (
    CharterKind.MANAGEMENT_COVENANT,
    CharterKind.CIVILITY_PACT,
    CharterKind.ASSEMBLY_RULES,
    CharterKind.COMMITTEE_RULES,
)


class CharterAdoption(models.TextChoices):
    OWNERS_ASSEMBLY = "owners_assembly", _("业主大会表决")
    RESIDENTS_MEETING = "residents_meeting", _("居民(代表)会议")
    COMMITTEE = "committee", _("业委会决定")
    OTHER = "other", _("其他")


class CharterStatus(models.TextChoices):
    IN_FORCE = "in_force", _("现行")
    SUPERSEDED = "superseded", _("已被新版取代")
    REPEALED = "repealed", _("已废止")


class CompoundCharter(ScopedModel):
    """A compound's rules document (小区规章制度: 管理规约, 文明公约 …) on the register, with whether it writes in
    the party's leadership (seed 002: 把加强党的领导写入“小区管理规约”“小区文明公约”). Never deleted: a new version
    supersedes it (``superseded_by``), or it is repealed with a reason, a date and who. Writes go through
    ``services_charters``; ``place_path`` is the compound's path."""

    compound = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=CharterKind.choices)
    title = models.CharField(max_length=100)
    adopted_on = models.DateField(help_text="通过日期")
    adopted_how = models.CharField(max_length=24, choices=CharterAdoption.choices)
    party_leadership = models.BooleanField(default=False, help_text="写入党的领导")
    summary = models.TextField(blank=True, max_length=2000)
    document = models.FileField(upload_to="cobuilding/charters/%Y/%m/", blank=True)
    status = models.CharField(max_length=12, choices=CharterStatus.choices, default=CharterStatus.IN_FORCE)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    repealed_on = models.DateField(null=True, blank=True)
    repeal_reason = models.CharField(max_length=200, blank=True)
    repealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区规章制度")
        indexes = [
            models.Index(fields=["place_path", "id"]),
            models.Index(fields=["compound", "kind", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "kind"],
                condition=Q(status="in_force") & ~Q(kind="other"),
                name="charter_one_in_force_per_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in CharterKind]), name="charter_kind_known"),
            models.CheckConstraint(
                condition=Q(adopted_how__in=[k.value for k in CharterAdoption]), name="charter_adoption_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[k.value for k in CharterStatus]), name="charter_status_known"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="charter_has_title"),
            models.CheckConstraint(
                condition=(
                    Q(status="repealed") & Q(repealed_on__isnull=False) & ~Q(repeal_reason="")
                    | ~Q(status="repealed") & Q(repealed_on__isnull=True) & Q(repeal_reason="")
                ),
                name="charter_repealed_with_reason_and_date",
            ),
            models.CheckConstraint(
                condition=Q(repealed_on__isnull=True) | Q(repealed_on__gte=models.F("adopted_on")),
                name="charter_repealed_after_adoption",
            ),
            # The link to the new version is written just after the new row exists (the old row leaves "in
            # force" first, or the new one could not be inserted): a link means superseded, not the reverse.
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(status="superseded"),
                name="charter_superseded_by_only_when_superseded",
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | ~Q(superseded_by=models.F("id")),
                name="charter_not_superseded_by_itself",
            ),
        ]

    def __str__(self) -> str:
        return self.title
