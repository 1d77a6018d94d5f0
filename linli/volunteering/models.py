"""Volunteers and party members: teams, 双报到, service posts, activities, the points bank,
rewards (爱心超市), micro-wishes (微心愿) and service stations (红色驿站).

Data only. Every write goes through ``linli.volunteering.services`` (and its siblings). Points are an
append-only ledger (``PointEntry``, UPDATE and DELETE refused by a database trigger); the
per-person ``PointAccount.balance`` is a maintained total, changed only with ``F()`` under a row
lock and checked against the sum of entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet
from linli.tickets.models import Rating

if TYPE_CHECKING:
    from linli.accounts.models import User


def _own_person(user: User, field: str = "person") -> Q | None:
    return Q(**{f"{field}_id": user.person_id}) if user.person_id else None


class TeamKind(models.TextChoices):
    """队伍类型 (seeds 001, 003, 004): who the team is made of."""

    PARTY = "party", _("党员志愿服务队")
    IN_SERVICE = "in_service", _("在职党员志愿服务队")
    RESIDENT = "resident", _("居民志愿服务队")
    UNIT = "unit", _("驻区单位志愿服务队")
    SOCIAL_ORG = "social_org", _("社会组织志愿服务队")
    NEW_EMPLOYMENT = "new_employment", _("新就业群体志愿服务队")
    OTHER = "other", _("其他")


class Team(ScopedModel):
    """A volunteer team (天使, 保亮, 樂貝 …) anchored at a node: its scope. Teams that existed before
    kinds were recorded are 其他 until staff say otherwise (nothing in them tells the kind)."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="volunteer_teams")
    name = models.CharField(max_length=64)
    description = models.TextField(blank=True)
    leader = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=16, choices=TeamKind.choices, default=TeamKind.OTHER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="volunteer_team_unique_name"),
            models.CheckConstraint(condition=Q(kind__in=TeamKind.values), name="volunteer_team_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return Q(members__person_id=user.person_id) | Q(leader_id=user.person_id) if user.person_id else None


class CovenantStatus(models.TextChoices):
    """The stored state. 期满 is not stored: a covenant in force whose term has passed reads as 期满
    (``selectors_covenants.covenant_state``), so no daily job has to write it."""

    ACTIVE = "active", _("生效")
    TERMINATED = "terminated", _("解约")


class TeamCovenant(ScopedModel):
    """盟约 (seed 003, 建立盟规、签订盟约): a volunteer team's signed service covenant with a community — the
    services it promises and the hours over a term. Never deleted: ended early, it is 解约 with a reason."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="covenants")
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    services = models.JSONField(default=list)  # the services promised, one line each: 法律援助, 心理咨询 …
    hours_promised = models.DecimalField(max_digits=7, decimal_places=1)
    starts_on = models.DateField()
    ends_on = models.DateField()
    signed_on = models.DateField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    team_signatory = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team_signatory_name = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=CovenantStatus.choices, default=CovenantStatus.ACTIVE)
    terminated_on = models.DateField(null=True, blank=True)
    termination_reason = models.CharField(max_length=200, blank=True)
    terminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "status", "ends_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="covenant_ends_after_start"),
            models.CheckConstraint(condition=Q(hours_promised__gt=0), name="covenant_hours_positive"),
            models.CheckConstraint(condition=~Q(team_signatory_name=""), name="covenant_team_signatory_named"),
            models.CheckConstraint(
                condition=(Q(status="active", terminated_on__isnull=True))
                | (Q(status="terminated", terminated_on__isnull=False) & ~Q(termination_reason="")),
                name="covenant_termination_complete",
            ),
            models.UniqueConstraint(
                fields=["team", "community", "starts_on"],
                condition=Q(status="active"),
                name="covenant_once_per_team_community_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        """The team leader reads their team's covenants."""
        return Q(team__leader_id=user.person_id) if user.person_id else None


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="volunteer_teams")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "person"], name="volunteer_team_member_once")]


SERVICE_AREA_KINDS = ("community", "compound", "grid")  # 党员服务责任区: a community, a compound or a grid


class TeamServiceArea(ScopedModel):
    """服务区域 (seed 000: 划分党员服务责任区…分类组建…党员志愿服务队): a place a team serves beyond where it is
    registered — a community, a compound (小区/里巷) or a grid. ``place_path`` is the served place's, so "teams
    serving under my node" and "teams serving where I live" are indexed path filters. Added and removed by staff
    who manage the team's node and the served place; each change is audited."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="service_areas")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "place"], name="team_service_area_once")]

    def __str__(self) -> str:
        return f"{self.team_id}→{self.place_id}"


class VolunteerProfile(ScopedModel):
    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"
    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="volunteer_profile")
    skills = models.CharField(max_length=200, blank=True, help_text="如:医疗、维修、法律、教育")
    availability = models.CharField(max_length=200, blank=True, help_text="如:周末上午、工作日晚上")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _own_person(user)


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已报到")
    REJECTED = "rejected", _("未通过")


class WorkplaceRegistration(ScopedModel):
    """双报到: an in-service party member reports to the community where they live."""

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="workplace_registrations")
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    workplace_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.PROTECT, null=True, blank=True, related_name="reported_members"
    )
    workplace_name = models.CharField(max_length=200, help_text="工作单位党组织名称")
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=~Q(status="rejected"), name="volunteer_one_live_registration"
            )
        ]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _own_person(user)


class PostCategory(models.TextChoices):
    PARTY = "party", _("党建工作指导岗")
    CIVILITY = "civility", _("文明创建宣传岗")
    SANITATION = "sanitation", _("环境卫生保洁岗")
    SAFETY = "safety", _("平安巡逻防控岗")
    ELDERLY = "elderly", _("为老助老服务岗")
    YOUTH = "youth", _("青少年关爱岗")
    MEDIATION = "mediation", _("矛盾纠纷调解岗")
    POLICY = "policy", _("政策法规宣讲岗")
    CULTURE = "culture", _("文体活动组织岗")
    GOVERNANCE = "governance", _("社区治理议事岗")


class ServicePost(ScopedModel):
    """A service post (岗位) members claim for a period."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=16, choices=PostCategory.choices)
    title = models.CharField(max_length=100)
    duties = models.TextField()
    start_date = models.DateField()
    end_date = models.DateField()
    slots = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title


class PostClaim(models.Model):
    post = models.ForeignKey(ServicePost, on_delete=models.CASCADE, related_name="claims")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="post_claims")
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "person"], name="volunteer_post_claim_once")]


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    CANCELLED = "cancelled", _("已取消")


class Activity(ScopedModel):
    """A volunteer activity published to a node: people living under it may sign up."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    # 服务地点: the compound, grid or building the activity is held in or serves, when narrower than (or other than)
    # the node it is published to; residents living there see it too (``activities.visible_activities``).
    serves = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    points_per_hour = models.PositiveIntegerField(default=10)
    status = models.CharField(max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    signed_count = models.PositiveIntegerField(default=0)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(signed_count__lte=models.F("capacity")), name="activity_not_overfull"),
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    SIGNED = "signed", _("已报名")
    WAITLIST = "waitlist", _("候补")
    CANCELLED = "cancelled", _("已取消")


class Signup(ScopedModel):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="activity_signups")
    status = models.CharField(max_length=12, choices=SignupStatus.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    hours = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="volunteer_signup_once")]
        indexes = [
            models.Index(fields=["activity", "status", "signed_at"]),
            # The dashboards' hours and 在职党员服务人次 are services confirmed in the period: without it each read
            # every sign-up of every year (392,000 on the scale database: 40 ms for a month, growing with the years).
            models.Index(fields=["confirmed_at"]),
        ]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _own_person(user)


class PointKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿积分")
    PARTY = "party", _("党员积分")


class PointAccount(ScopedModel):
    """One per person and kind: the row locked for every change, and the maintained balance."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="point_accounts")
    kind = models.CharField(max_length=12, choices=PointKind.choices)
    balance = models.IntegerField(default=0)
    earned = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="point_account_per_kind"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="point_balance_never_negative"),
        ]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _own_person(user)


class EntryReason(models.TextChoices):
    HOURS = "hours", _("志愿服务时长")
    ORDER = "order", _("接单办结")
    WISH = "wish", _("微心愿圆梦")
    MANUAL = "manual", _("人工奖励")
    REDEEM = "redeem", _("兑换")
    REFUND = "refund", _("兑换退回")
    EXPIRE = "expire", _("积分过期")


class PointEntry(ScopedModel):
    """Append-only: never updated or deleted. ``source_key`` makes each award happen once."""

    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.IntegerField()
    reason = models.CharField(max_length=12, choices=EntryReason.choices)
    note = models.CharField(max_length=200, blank=True)
    source_key = models.CharField(max_length=64)
    expires_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "source_key"], name="point_entry_once_per_source"),
            models.CheckConstraint(condition=~Q(amount=0), name="point_entry_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "at"]), models.Index(fields=["place_path", "at"])]
        ordering = ["-at", "-id"]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return Q(account__person_id=user.person_id) if user.person_id else None


class PartyPointRule(models.Model):
    """双报到积分管理办法 (seed 003, 出台“双报到”积分管理办法): what a party member earns in 党员积分 for each
    confirmed activity, each order resolved and each wish fulfilled, and the year's target (points and
    services) the year-end assessment (报到考评) reads. Set by a district, street or community; the nearest
    above a node is in force there. Where none is set the defaults (``selectors_reporting.DEFAULT_RULE``)
    apply, which award as the platform always did and set no target. Awards already made are never
    recalculated: the ledger is append-only.

    Each row is one *version*: in force at its node from ``year`` (施行年度) until a later year's version at
    the same node, so a past year is judged by the rule of that year. A ``withdrawn`` version says the node
    sets no rule of its own from ``year`` on (the rule above, or the default, applies there again)."""

    place = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="party_point_rules")
    year = models.PositiveSmallIntegerField()  # 施行年度
    withdrawn = models.BooleanField(default=False)
    title = models.CharField(max_length=100, blank=True)  # the document's name: XX街道“双报到”积分管理办法
    points_per_activity = models.PositiveSmallIntegerField()
    points_per_order = models.PositiveSmallIntegerField()
    points_per_wish = models.PositiveSmallIntegerField()
    annual_points = models.PositiveSmallIntegerField()  # the year's target in 党员积分; 0: no points target
    annual_services = models.PositiveSmallIntegerField()  # confirmed activities a year; 0: no services target
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(points_per_activity__lte=50, points_per_order__lte=50, points_per_wish__lte=50)
                & Q(annual_points__lte=1000, annual_services__lte=100),
                name="party_point_rule_bounds",
            ),
            models.UniqueConstraint(fields=["place", "year"], name="party_point_rule_one_version_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.place_id} ({self.year})"


class Reward(ScopedModel):
    """An item of the 爱心超市 at a node, with stock."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True)
    cost = models.PositiveIntegerField()
    stock = models.IntegerField(default=0)
    kind = models.CharField(max_length=12, choices=PointKind.choices, default=PointKind.VOLUNTEER)
    active = models.BooleanField(default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_never_negative")]

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    ORDERED = "ordered", _("待领取")
    PICKED_UP = "picked_up", _("已领取")
    CANCELLED = "cancelled", _("已取消")


class Redemption(ScopedModel):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="redemptions")
    cost = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=RedemptionStatus.choices, default=RedemptionStatus.ORDERED)
    ordered_at = models.DateTimeField(default=timezone.now)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _own_person(user)


class WishStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    REJECTED = "rejected", _("未通过")
    PUBLISHED = "published", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已圆梦待确认")
    CONFIRMED = "confirmed", _("已确认")


FULFILLED_STATUSES = (WishStatus.FULFILLED, WishStatus.CONFIRMED)


class WishHeart(models.TextChoices):
    """“五心”服务 (seed 001: 孝心服务孤寡老人、爱心服务留守儿童、暖心服务困难群众、安心服务外来人员、贴心服务居民群众):
    the kind of service a wish asks for, named by whom it serves. A wish not yet classified is blank (未分类)."""

    FILIAL = "filial", _("孝心")
    LOVING = "loving", _("爱心")
    WARM = "warm", _("暖心")
    REASSURING = "reassuring", _("安心")
    CARING = "caring", _("贴心")


# Whom each 五心 serves (seed 001), shown beside the category on forms and figures.
HEART_TARGETS = {
    WishHeart.FILIAL: _("孤寡老人"),
    WishHeart.LOVING: _("留守儿童"),
    WishHeart.WARM: _("困难群众"),
    WishHeart.REASSURING: _("外来人员"),
    WishHeart.CARING: _("居民群众"),
}


class WishChannel(models.TextChoices):
    """收集方式 (seed 001: 通过“屋场恳谈会”“大树议事厅”“心愿收集箱”等方式收集居民愿望)."""

    ONLINE = "online", _("线上提交")
    HEART_TO_HEART = "heart_to_heart", _("屋场恳谈会")
    TREE_HALL = "tree_hall", _("大树议事厅")
    WISH_BOX = "wish_box", _("心愿收集箱")
    VISIT = "visit", _("入户走访")
    OTHER = "other", _("其他")


def wish_photo_path(instance: Any, filename: str) -> str:
    now = timezone.now()
    return f"wishes/{now:%Y/%m}/{instance.pk or 'new'}-{filename}"


class Wish(ScopedModel):
    """微心愿: collected when submitted, fulfilled when the claimant delivers it."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    wisher = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="wishes")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    heart = models.CharField(max_length=12, choices=WishHeart.choices, blank=True)  # 五心类别; blank: 未分类
    # Where and how it was collected: the place (a compound where the 屋场恳谈会 met, the grid of the 心愿收集箱, the
    # building visited) and the channel. Wishes recorded before these were kept have neither.
    channel = models.CharField(max_length=16, choices=WishChannel.choices, blank=True)
    collected_at = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=WishStatus.choices, default=WishStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="claimed_wishes"
    )
    claimed_org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="claimed_wishes"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    fulfil_note = models.CharField(max_length=200, blank=True)
    photo = models.FileField(upload_to=wish_photo_path, max_length=200, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The wisher's rating on confirming (seed 001: 微心愿…满意度达95%以上), on the requests' scale.
    rating = models.CharField(max_length=12, blank=True, choices=Rating.choices)
    rating_note = models.CharField(max_length=200, blank=True)
    review_note = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)  # a double submit posts one wish

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "submitted_at"]), models.Index(fields=["status", "place_path"])]
        constraints = [
            models.CheckConstraint(condition=Q(heart="") | Q(heart__in=WishHeart.values), name="wish_heart_known"),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="wish_idempotency_per_submitter",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        if not user.person_id:
            return Q(submitted_by=user)
        return Q(wisher_id=user.person_id) | Q(claimed_by_id=user.person_id) | Q(submitted_by=user)


class StationKind(models.TextChoices):
    """驿站类型: seed 002's 近邻红色驿站 (premises with functions and a rota), seed 001's 微岗亭 set up in a
    报刊亭, 门卫室, 传达室 or 党员商铺 (固定), and the 里巷“小喇叭”、红袖章志愿者 who go round as 流动微岗亭."""

    RED_STATION = "red_station", _("红色驿站")
    FIXED_POST = "fixed_post", _("固定微岗亭")
    MOBILE_POST = "mobile_post", _("流动微岗亭")
    PUBLICITY = "publicity", _("宣传阵地")


class PublicityForm(models.TextChoices):
    """宣传阵地的形式. Seed 004: 打造集学习教育、娱乐、党群议事于一体的红歌广场、崇德亭、党员之家等十大宣传阵地;
    打造“家训亭”“家心岗”“家乐站”等,为每支志愿服务队再添一处阵地. Seed 001: 依托…文体活动小广场(小公园)、
    休闲长廊…建立宣传、议事、活动阵地."""

    SQUARE = "square", _("广场/小公园")
    PAVILION = "pavilion", _("亭/廊")
    HOME = "home", _("党员之家/活动室")
    BOARD = "board", _("宣传栏/文化墙")
    OTHER = "other", _("其他")


class Station(ScopedModel):
    """红色驿站 / 微岗亭 / 宣传阵地: a place with functions, opening hours and a duty roster. A 流动微岗亭 has no
    premises of its own: it is the volunteer team that goes round (``team``, required for that kind); the others may
    name one — for a 宣传阵地, the team that keeps it (seed 004: 为每支志愿服务队再添一处阵地). A 宣传阵地 has a
    form (``publicity_form``: 广场, 亭/廊, 党员之家 …), required for that kind and blank for the others. Stations
    that existed before kinds were recorded are 红色驿站 (the only kind there was)."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=StationKind.choices, default=StationKind.RED_STATION)
    name = models.CharField(max_length=100)
    address = models.CharField(max_length=200, blank=True)
    functions = models.JSONField(default=list)
    opening_hours = models.CharField(max_length=100, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="stations")
    publicity_form = models.CharField(max_length=12, choices=PublicityForm.choices, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StationKind.values), name="station_kind_known"),
            models.CheckConstraint(
                condition=~Q(kind=StationKind.MOBILE_POST) | Q(team__isnull=False), name="mobile_post_has_team"
            ),
            models.CheckConstraint(
                condition=(Q(kind=StationKind.PUBLICITY) & Q(publicity_form__in=PublicityForm.values))
                | (~Q(kind=StationKind.PUBLICITY) & Q(publicity_form="")),
                name="station_publicity_form_for_publicity",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DutyShift(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="shifts")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="duty_shifts")
    day = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["day", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["station", "person", "day", "start_time"], name="duty_shift_once"),
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="duty_shift_ends_after"),
        ]
