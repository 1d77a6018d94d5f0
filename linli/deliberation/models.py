"""Deliberation 议事协商: topics, meetings and decisions, publications 公示, mediation and votes.

Data only; every state change goes through the ``services_*`` modules. Ballots are a ledger:
``Ballot`` and ``SecretChoice`` rows are refused UPDATE by a database trigger (migration 0002),
and a vote's result is always recomputed from them (``linli.deliberation.tally``).

Secret votes: the ``Ballot`` row says *that* a voter took part (so nobody votes twice, enforced by
a unique constraint) and carries no choice; the choice goes in a ``SecretChoice`` row written in the
same transaction, with a random primary key, no timestamp and no link to the voter or ballot.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet

if TYPE_CHECKING:
    from linli.accounts.models import User


def _residents_q(user: User) -> Q | None:
    """Rows whose place contains the place the user lives at (a compound's residents see its votes)."""
    person = getattr(user, "person", None)
    if person is None or not person.place_path:
        return None
    path = person.place_path
    prefixes = [path[:i] for i in range(4, len(path) + 1, 4)]
    return Q(place_path__in=prefixes)


# ----------------------------------------------------------------------------- topics


class TopicSource(models.TextChoices):
    RESIDENT = "resident", _("居民提出")
    REQUEST = "request", _("来自诉求")
    STAFF = "staff", _("工作人员提出")


class TopicLevel(models.TextChoices):
    """The escalation path: online discussion → property meeting → community meeting."""

    ONLINE = "online", _("网上议事")
    PROPERTY = "property", _("物业党群议事")
    COMMUNITY = "community", _("社区党群议事")


TOPIC_LEVEL_ORDER = [TopicLevel.ONLINE, TopicLevel.PROPERTY, TopicLevel.COMMUNITY]


class TopicStatus(models.TextChoices):
    OPEN = "open", _("讨论中")
    SCHEDULED = "scheduled", _("已列入议程")
    DECIDED = "decided", _("已形成决定")
    CLOSED = "closed", _("已关闭")


class Topic(ScopedModel):
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=TopicSource.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    level = models.CharField(max_length=16, choices=TopicLevel.choices, default=TopicLevel.ONLINE)
    status = models.CharField(max_length=16, choices=TopicStatus.choices, default=TopicStatus.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)  # a double submit raises one topic

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["raised_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="topic_idempotency_per_submitter",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _residents_q(user)


class TopicComment(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    author_name = models.CharField(max_length=64)
    body = models.TextField()
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


# ----------------------------------------------------------------------------- meetings


class MeetingKind(models.TextChoices):
    COUNCIL = "council", _("议事会")
    HEART_TO_HEART = "heart_to_heart", _("恳谈会/屋场恳谈会")
    JOINT = "joint", _("联席会议")
    HEARING = "hearing", _("听证会")
    BRANCH_FIRST = "branch_first", _("支部先议")
    MEDIATION = "mediation", _("调解会")
    OWNERS_COMMITTEE = "owners_committee", _("业委会会议")  # held at a compound; its branch secretary 列席
    # 居委会、业委会、物业公司、法律顾问 (seed 001); which of them came: MeetingPartyPresence
    FOUR_IN_ONE = "four_in_one", _("四位一体联席会议")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    HELD = "held", _("已召开")


class Meeting(ScopedModel):
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=MeetingKind.choices)
    title = models.CharField(max_length=100)
    location = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    minutes = models.TextField(blank=True)
    checkin_token = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _residents_q(user)


class MeetingParticipant(models.Model):
    """Invited: a person, or an organisation (业委会, 物业, 共建单位, 职能部门 …)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organisation__isnull=False), name="participant_has_party"
            ),
            models.UniqueConstraint(fields=["meeting", "person"], name="participant_person_once"),
            models.UniqueConstraint(fields=["meeting", "organisation"], name="participant_org_once"),
        ]


class MeetingSignIn(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="sign_ins")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    via_qr = models.BooleanField(default=True)
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="sign_in_once")]


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "topic"], name="agenda_topic_once")]


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    PUBLISHED = "published", _("已公开,落实中")
    DONE = "done", _("已落实")


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    text = models.TextField()
    responsible_org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsible_person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField()
    status = models.CharField(max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    @property
    def overdue(self) -> bool:
        return self.status != DecisionStatus.DONE and self.deadline < timezone.localdate()

    @property
    def responsible_label(self) -> str:
        return str(self.responsible_org or self.responsible_person or "")


class DecisionEvaluation(models.Model):
    """ "两评": how a decision was carried out, rated 1–5 by residents or by the meeting."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="evaluations")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="evaluation_score_range"),
            models.UniqueConstraint(fields=["decision", "evaluator"], name="evaluation_once"),
        ]


# ----------------------------------------------------------------------------- publication


class PublicationKind(models.TextChoices):
    AGENDA = "agenda", _("议程公开")
    RESULT = "result", _("结果公开")
    VOTE_RESULT = "vote_result", _("表决结果公示")


class Publication(ScopedModel):
    """公示: visible to the residents of ``place`` from ``starts_at`` until ``ends_at``."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=PublicationKind.choices)
    title = models.CharField(max_length=120)
    body = models.TextField()
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="publications")
    vote = models.ForeignKey("Vote", on_delete=models.PROTECT, null=True, blank=True, related_name="publications")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="publication_period")
        ]

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _residents_q(user)


# ----------------------------------------------------------------------------- mediation


class MediationOutcome(models.TextChoices):
    PENDING = "", _("调解中")
    SUCCESS = "success", _("调解成功")
    FAILURE = "failure", _("调解不成功")


class MediationCase(ScopedModel):
    """Seen by any position at or above its place (mediators, grid workers, community and street)."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=100)
    dispute = models.TextField()
    parties = models.JSONField(default=list, help_text="当事人姓名列表")
    mediator = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    outcome = models.CharField(max_length=8, choices=MediationOutcome.choices, blank=True)
    agreement = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # the 百姓评理说事点 where it is mediated (optional); PROTECT: a venue cases name is retired, never deleted
    venue = models.ForeignKey("MediationVenue", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "closed_on"])]


class MediationSession(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField()
    note = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["held_on", "id"]


# ----------------------------------------------------------------------------- venues and 四员一律


class VenueKind(models.TextChoices):
    SAFETY_POST = "safety_post", _("平安驿站")
    MEDIATION_ROOM = "mediation_room", _("调解工作室")
    MEMBER_ROOM = "member_room", _("委员工作室")
    OTHER = "other", _("其他")


class MediationVenue(ScopedModel):
    """百姓评理说事点: a place where residents bring a dispute (平安驿站, 调解工作室, 政协委员工作室 …).

    Staff at or above its place manage it; residents see the active venues of their community through
    ``selectors_venues.public_venues`` (public fields only). Retired, never deleted (cases name it)."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=VenueKind.choices)
    address = models.CharField(max_length=200, blank=True)
    opening_hours = models.CharField(max_length=100, blank=True)
    on_duty = models.ManyToManyField("people.Person", blank=True, related_name="+")
    active = models.BooleanField(default=True)
    retired_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "active"])]
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="venue_name_per_place")]

    def __str__(self) -> str:
        return self.name


class LegalRole(models.TextChoices):
    """四员一律: the four officers and the lawyer who come to a compound."""

    POLICE = "police", _("民警")
    JUDGE = "judge", _("法官")
    PROSECUTOR = "prosecutor", _("检察官")
    JUDICIAL = "judicial", _("司法所工作人员")
    LAWYER = "lawyer", _("律师")


class LegalSessionStatus(models.TextChoices):
    PLANNED = "planned", _("已安排")
    HELD = "held", _("已开展")
    CANCELLED = "cancelled", _("已取消")


class LegalSession(ScopedModel):
    """A “四员一律”进小区 session: planned → held (recorded afterwards with its counts) or cancelled."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    venue = models.ForeignKey(
        MediationVenue, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_sessions"
    )
    scheduled_on = models.DateField()
    topics = models.TextField()
    status = models.CharField(max_length=16, choices=LegalSessionStatus.choices, default=LegalSessionStatus.PLANNED)
    held_on = models.DateField(null=True, blank=True)
    residents_consulted = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)  # a double submit plans one session

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "scheduled_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="legal_session_idempotency_per_submitter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheduled_on:%Y-%m-%d}"


class LegalSessionAttendee(models.Model):
    """An officer or lawyer who came (free text: outsiders, not people of the ledger)."""

    session = models.ForeignKey(LegalSession, on_delete=models.CASCADE, related_name="attendees")
    role = models.CharField(max_length=16, choices=LegalRole.choices)
    name = models.CharField(max_length=32)
    unit = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]


class AdviserKind(models.TextChoices):
    PERSON = "person", _("律师(个人)")
    FIRM = "firm", _("律师事务所(机构)")


class LegalAdviser(ScopedModel):
    """社区法律顾问 (seed 001: 推行社区居委会、业主委员会、物业公司、法律顾问“四位一体”社区治理联动议事决策机制):
    a lawyer or a law firm engaged by a community from ``starts_on`` to ``ends_on`` (blank: open-ended). Outsiders,
    not people of the ledger: a name, their practice (for a lawyer) and a public office phone. Never deleted; an
    engagement is ended by setting its last day. Residents of the community see who their adviser is (``own_q``)."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=AdviserKind.choices)
    name = models.CharField(max_length=64)
    firm = models.CharField(max_length=100, blank=True)  # 执业机构, for a lawyer
    phone = models.CharField(max_length=32, blank=True)  # 公开的办公电话
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)  # a double submit records one engagement

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdviserKind.values), name="legal_adviser_kind_known"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="legal_adviser_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["appointed_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="legal_adviser_idempotency_per_submitter",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day: Any) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return _residents_q(user)


class FourParty(models.TextChoices):
    """The four parties of a 四位一体 meeting (seed 001)."""

    RESIDENTS_COMMITTEE = "residents_committee", _("社区居委会")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    PROPERTY_COMPANY = "property_company", _("物业公司")
    LEGAL_ADVISER = "legal_adviser", _("法律顾问")


class MeetingPartyPresence(models.Model):
    """One of the four parties was present at a 四位一体 meeting: the organisation (居委会, 业委会, 物业服务企业) or the
    community's legal adviser in force that day, and who came for it. Once per party and meeting; staff who manage
    the meeting record it, and may take a mistaken record back (both audited)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="parties_present")
    party = models.CharField(max_length=24, choices=FourParty.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adviser = models.ForeignKey(LegalAdviser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attendee = models.CharField(max_length=64)  # who came for the party
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "party"], name="meeting_party_once"),
            models.CheckConstraint(
                condition=(Q(party="legal_adviser") & Q(adviser__isnull=False) & Q(organisation__isnull=True))
                | (
                    Q(party__in=["residents_committee", "owners_committee", "property_company"])
                    & Q(organisation__isnull=False)
                    & Q(adviser__isnull=True)
                ),
                name="meeting_party_names_its_party",
            ),
        ]


class IntakeKind(models.TextChoices):
    MEDIATION = "mediation", _("转调解")
    REQUEST = "request", _("转诉求")


class LegalIntake(models.Model):
    """A consultation at a session taken in as a mediation case or as a request (诉求)."""

    session = models.ForeignKey(LegalSession, on_delete=models.PROTECT, related_name="intakes")
    kind = models.CharField(max_length=16, choices=IntakeKind.choices)
    case = models.OneToOneField(
        MediationCase, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_intake"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)  # a double submit takes the matter in once

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="legal_intake_idempotency_per_creator",
            )
        ]


# ----------------------------------------------------------------------------- votes


class Electorate(models.TextChoices):
    OWNERS = "owners", _("业主(按专有部分面积和人数)")
    HOUSEHOLDS = "households", _("每户一票")
    ADULTS = "adults", _("成年居民")


class VoteRule(models.TextChoices):
    SIMPLE = "simple", _("简单多数:赞成票过参与表决人数半数")
    ORDINARY = "art278_ordinary", _("民法典第278条 一般事项:双过半")
    SPECIAL = "art278_special", _("民法典第278条 第(六)至(八)项:双四分之三以上")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")


class Choice(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class Vote(ScopedModel):
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    question = models.TextField()
    electorate = models.CharField(max_length=16, choices=Electorate.choices)
    rule = models.CharField(max_length=16, choices=VoteRule.choices)
    secret = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=VoteStatus.choices, default=VoteStatus.DRAFT)
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="votes")
    closes_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        condition = _residents_q(user)
        return None if condition is None else condition & ~Q(status=VoteStatus.DRAFT)


class Voter(models.Model):
    """The electorate, frozen when the vote opens, so the result is reproducible from rows.

    An owner's ``area_m2`` is the sum of area × share over their dwellings in scope; a household
    voter has ``household`` set and any adult member may cast its ballot.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="voters")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    label = models.CharField(max_length=120)
    area_m2 = models.DecimalField(max_digits=12, decimal_places=4, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "person"], name="voter_person_once"),
            models.UniqueConstraint(fields=["vote", "household"], name="voter_household_once"),
        ]


class Channel(models.TextChoices):
    ONLINE = "online", _("网上投票")
    PAPER = "paper", _("纸质票(工作人员录入)")


class Ballot(models.Model):
    """One per voter (database-enforced). Append-only. ``choice`` is empty for secret votes."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    choice = models.CharField(max_length=8, choices=Choice.choices, blank=True)
    paper_number = models.CharField(max_length=32, blank=True)
    proxy = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    proxy_authorisation = models.CharField(max_length=200, blank=True, help_text="授权委托书编号或说明")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="ballot_one_per_voter"),
            models.UniqueConstraint(
                fields=["vote", "paper_number"], condition=~Q(paper_number=""), name="ballot_paper_number_once"
            ),
            models.CheckConstraint(
                condition=Q(proxy__isnull=True) | ~Q(proxy_authorisation=""), name="ballot_proxy_authorised"
            ),
        ]


class ProxyRegistration(models.Model):
    """A voter's written authorisation (委托书) for one person to cast their ballot, seen by staff.

    One per voter a vote (database-enforced). The registered person casts that ballot online without the
    online proxy cap, and nobody else may cast it as a proxy. Withdrawn (deleted, audited) only while the
    voter has not voted.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="proxies")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="+")
    proxy = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    document = models.CharField(max_length=200, help_text="委托书编号或说明")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "voter"], name="proxy_one_per_voter")]
        indexes = [models.Index(fields=["vote", "proxy"], name="proxy_vote_proxy")]


class SecretChoice(models.Model):
    """A secret vote's choice, deliberately unlinked from any voter or ballot. Append-only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="secret_choices")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    area_m2 = models.DecimalField(max_digits=12, decimal_places=4, default=0)
