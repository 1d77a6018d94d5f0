"""业委会/业主监事会选举与换届 (seed 002: the compound's party branch leads the formation and re-election of the
owners' committee and the supervisory board; 党员比例一般不低于50%, 交叉任职). Data only; writes go through
``services`` (the election, its preparatory group and candidates, its lifecycle) and ``services_ballots`` (the
electorate, ballots and proxies). The count is ``tally`` (Civil Code art. 278).

- An **election** (``Election``) fills ``seats`` of one body (业委会 or 监事会) of one compound for a term: a first
  formation (首次成立), a re-election (换届) or a by-election (补选). Its states: draft → candidates published (公示)
  → voting → closed → result certified → members seated. Every change writes an ``ElectionEvent``.
- The **preparatory group** (``PrepMember``, 筹备组) is chaired by the branch or the community.
- **Candidates** (``Candidate``) are owners of the compound; their party membership is read from the ledger's
  political status when nominated, and whether they stand for 交叉任职 (sit on the branch committee) is recorded.
- The **electorate** (``ElectionVoter``) is frozen when voting opens, by deliberation's owner rule (one head per
  exclusive part, areas × shares summed): ``linli.deliberation.services_votes.owner_voters`` builds it.
- A **ballot** (``ElectionBallot``) says only *that* a voter took part (one per voter, database-enforced); the
  candidates it approves go into ``ElectionMark`` rows with a random key, no time and no link to the voter or
  ballot, so nobody (staff included) can learn who approved whom. Voters, ballots and marks are refused UPDATE
  by database triggers (migration 0002): the result is always recounted from them.
- **Seats** (``ElectedSeat``) are written when the result is certified and point at the ``cobuilding``
  ``CommitteeMember`` row once the member is seated.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet

SEATS_MAX = 21
PARTY_SHARE_TARGET = 0.5  # seed 002: 党员比例一般不低于50% — a warning below it, never a block


class ElectionKind(models.TextChoices):
    FOUNDING = "founding", _("首次成立")
    RENEWAL = "renewal", _("换届选举")
    BY_ELECTION = "by_election", _("补选")


class Body(models.TextChoices):
    """The body elected; the values are ``orgs.OrganisationKind``'s."""

    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    SUPERVISORY_BOARD = "supervisory_board", _("业主监事会")


class ElectionStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    PUBLISHED = "published", _("候选人公示中")
    VOTING = "voting", _("投票中")
    CLOSED = "closed", _("投票已结束")
    CERTIFIED = "certified", _("结果已确认")
    SEATED = "seated", _("已就任")


class Outcome(models.TextChoices):
    PENDING = "", _("未计票")
    VALID = "valid", _("选举有效")
    FAILED = "failed", _("参与不足,选举无效")


class Election(ScopedModel):
    """One election of a compound's owners' committee or supervisory board; ``place_path`` is the compound's."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=ElectionKind.choices)
    body = models.CharField(max_length=24, choices=Body.choices)
    committee = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # the body re-elected or completed; for a first formation it is registered when members are seated
    seats = models.PositiveSmallIntegerField()
    term_starts = models.DateField()
    term_ends = models.DateField()
    publicity_days = models.PositiveSmallIntegerField(default=7)
    status = models.CharField(max_length=12, choices=ElectionStatus.choices, default=ElectionStatus.DRAFT)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True, default="")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the party branch's check of the candidate list (支部把关)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publicity_ends_at = models.DateTimeField(null=True, blank=True)
    voting_opened_at = models.DateTimeField(null=True, blank=True)
    voting_closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    certified_at = models.DateTimeField(null=True, blank=True)
    runoff_note = models.CharField(max_length=300, blank=True)
    seated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("业委会选举")
        indexes = [
            models.Index(fields=["place_path", "id"], name="elections_election_path_id"),
            models.Index(fields=["status", "closed_at"], name="elections_election_closed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1) & Q(seats__lte=SEATS_MAX), name="elections_seats_range"),
            models.CheckConstraint(condition=Q(term_ends__gt=F("term_starts")), name="elections_term_ordered"),
            models.CheckConstraint(
                condition=Q(publicity_days__gte=1) & Q(publicity_days__lte=30), name="elections_publicity_range"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="elections_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status_label(self) -> str:
        return str(ElectionStatus(self.status).label)

    @property
    def kind_label(self) -> str:
        return str(ElectionKind(self.kind).label)

    @property
    def body_label(self) -> str:
        return str(Body(self.body).label)

    @property
    def outcome_label(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def counted(self) -> bool:
        return self.status in (ElectionStatus.CLOSED, ElectionStatus.CERTIFIED, ElectionStatus.SEATED)


class PrepRole(models.TextChoices):
    CHAIR = "chair", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")


class Affiliation(models.TextChoices):
    BRANCH = "branch", _("小区党支部")
    COMMUNITY = "community", _("社区居委会")
    STREET = "street", _("街道")
    OWNER = "owner", _("业主代表")
    OTHER = "other", _("其他(物业、派出所等)")


CHAIR_AFFILIATIONS = (Affiliation.BRANCH, Affiliation.COMMUNITY)  # 筹备组由小区党支部或社区牵头


class PrepMember(models.Model):
    """A member of the election's preparatory group (筹备组): a person from the ledger, or a named outsider."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="prep_members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=64)
    role = models.CharField(max_length=8, choices=PrepRole.choices, default=PrepRole.MEMBER)
    affiliation = models.CharField(max_length=12, choices=Affiliation.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("选举筹备组成员")
        constraints = [
            models.UniqueConstraint(fields=["election"], condition=Q(role="chair"), name="elections_prep_one_chair"),
            models.UniqueConstraint(
                fields=["election", "person"], condition=Q(person__isnull=False), name="elections_prep_person_once"
            ),
            models.CheckConstraint(
                condition=~Q(role="chair") | Q(affiliation__in=["branch", "community"]),
                name="elections_prep_chair_led_by_branch_or_community",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def role_label(self) -> str:
        return str(PrepRole(self.role).label)

    @property
    def affiliation_label(self) -> str:
        return str(Affiliation(self.affiliation).label)


class Candidate(models.Model):
    """An owner standing. ``party_member`` is read from the ledger when nominated (中共党员 or 预备党员);
    ``cross_branch`` records that they sit on the branch committee and stand for 交叉任职."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=64)
    party_member = models.BooleanField(default=False)
    cross_branch = models.BooleanField(default=False)
    statement = models.CharField(max_length=300, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    nominated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("业委会选举候选人")
        ordering: ClassVar[list[str]] = ["id"]
        constraints = [models.UniqueConstraint(fields=["election", "person"], name="elections_candidate_once")]

    def __str__(self) -> str:
        return self.name


class ElectionVoter(models.Model):
    """The electorate, frozen when voting opens (deliberation's owner rule). Append-only."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="voters")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    label = models.CharField(max_length=120)
    area_m2 = models.DecimalField(max_digits=12, decimal_places=4)

    class Meta:
        verbose_name = _("业委会选举投票人")
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="elections_voter_person_once"),
            models.UniqueConstraint(fields=["election", "household"], name="elections_voter_household_once"),
            models.CheckConstraint(condition=Q(area_m2__gte=0), name="elections_voter_area_not_negative"),
        ]


class Channel(models.TextChoices):
    ONLINE = "online", _("网上投票")
    PAPER = "paper", _("纸质票(工作人员录入)")


class ElectionBallot(models.Model):
    """That a voter took part: one per voter (database-enforced), never which candidates. Append-only."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(ElectionVoter, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    paper_number = models.CharField(max_length=32, blank=True)
    proxy = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    proxy_authorisation = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("业委会选举选票")
        constraints = [
            models.UniqueConstraint(fields=["election", "voter"], name="elections_ballot_one_per_voter"),
            models.UniqueConstraint(
                fields=["election", "paper_number"],
                condition=~Q(paper_number=""),
                name="elections_ballot_paper_number_once",
            ),
            models.CheckConstraint(
                condition=Q(proxy__isnull=True) | ~Q(proxy_authorisation=""), name="elections_ballot_proxy_authorised"
            ),
            models.CheckConstraint(
                condition=~Q(channel="paper") | ~Q(paper_number=""), name="elections_ballot_paper_numbered"
            ),
        ]


class ElectionMark(models.Model):
    """One approval of one candidate on one ballot, deliberately unlinked from any voter or ballot (random key,
    no timestamp). ``area_m2`` is the voter's, so the area test needs no link back. Append-only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    area_m2 = models.DecimalField(max_digits=12, decimal_places=4)

    class Meta:
        verbose_name = _("业委会选举赞成票")
        indexes = [models.Index(fields=["election", "candidate"], name="elections_mark_candidate")]


class ElectionProxy(models.Model):
    """A voter's written authorisation (委托书) for one person, registered by staff who saw it (deliberation's
    approach): that person casts the voter's ballot online, nobody else may as a proxy."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="proxies")
    voter = models.ForeignKey(ElectionVoter, on_delete=models.PROTECT, related_name="+")
    proxy = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    document = models.CharField(max_length=200)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("业委会选举代理委托")
        constraints = [models.UniqueConstraint(fields=["election", "voter"], name="elections_proxy_one_per_voter")]
        indexes = [models.Index(fields=["election", "proxy"], name="elections_proxy_by_proxy")]


class ElectedSeat(models.Model):
    """A candidate elected, written when the result is certified; ``member`` once seated (cobuilding)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="seats_won")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()
    by_runoff = models.BooleanField(default=False)
    member = models.ForeignKey(
        "cobuilding.CommitteeMember", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("当选席位")
        ordering: ClassVar[list[str]] = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "candidate"], name="elections_seat_once")]


class ElectionEvent(models.Model):
    """One change of an election's state (append-only): the timeline."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("业委会选举记录")
        ordering: ClassVar[list[str]] = ["at", "id"]
