"""社区工作者队伍管理 (seed 003: 招聘专职社区工作者52名, 开展“全科社工”专题培训7场次, 专职社区工作者薪酬办法).
Data only; writes go through ``services`` (the register) and ``services_training`` (sessions and attendance).

- A **worker** (``Worker``) is one spell of employment of a person (``people.Person``: the name and ID number stay
  in the ledger, encrypted) at a community or at the street itself: post (岗位), pay grade (三岗十八级: 1–18),
  employment kind, hire date and, once they leave, the leave date and reason. A person holds at most one open spell
  (a unique constraint); a leaver's row is kept, the history matters. The social-work qualification (助理社会工作师 /
  社会工作师 / 高级社会工作师) and its certificate number (encrypted, like the ledger's numbers) are on the row.
- A **worker event** (``WorkerEvent``) is append-only: hired, post or grade changed, moved to another community,
  left. Each carries the post, grade and place from its effective date on, so "who held which grade on date X" is
  the latest event on or before X of each spell active on X.
- A **training** (``Training``) is one session (培训) at a street or community; an **attendance** (``Attendance``)
  records one worker at one session, once (a unique constraint: a double submit records one row). A worker is
  全科社工-trained when they attended a session whose topic is 全科社工.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.core.scoping import ScopedModel, ScopedQuerySet

GRADE_MIN, GRADE_MAX = 1, 18


class Post(models.TextChoices):
    SECRETARY = "secretary", _("社区党组织书记")
    DIRECTOR = "director", _("居委会主任")
    DEPUTY_SECRETARY = "deputy_secretary", _("社区党组织副书记")
    DEPUTY_DIRECTOR = "deputy_director", _("居委会副主任")
    MEMBER = "member", _("“两委”委员")
    OTHER = "other", _("其他专职社区工作者")


class Tier(models.TextChoices):
    """三岗: the post's band in the pay system."""

    PRINCIPAL = "principal", _("正职")
    DEPUTY = "deputy", _("副职")
    OTHER = "other", _("其他")


POST_TIER = {
    Post.SECRETARY: Tier.PRINCIPAL,
    Post.DIRECTOR: Tier.PRINCIPAL,
    Post.DEPUTY_SECRETARY: Tier.DEPUTY,
    Post.DEPUTY_DIRECTOR: Tier.DEPUTY,
    Post.MEMBER: Tier.OTHER,
    Post.OTHER: Tier.OTHER,
}


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专职社区工作者")
    PUBLIC_WELFARE = "public_welfare", _("公益性岗位")
    PART_TIME = "part_time", _("兼职")


class Education(models.TextChoices):
    UNKNOWN = "", _("未填")
    JUNIOR = "junior", _("初中及以下")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class Qualification(models.TextChoices):
    NONE = "", _("无")
    ASSISTANT = "assistant", _("助理社会工作师")
    SOCIAL_WORKER = "social_worker", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", _("辞职")
    DISMISSED = "dismissed", _("解聘")
    CONTRACT_ENDED = "contract_ended", _("合同期满不续聘")
    RETIRED = "retired", _("退休")
    TRANSFERRED = "transferred", _("调离")
    OTHER = "other", _("其他")


class Worker(ScopedModel):
    """One spell of a person's employment as a community worker; ``place_path`` is the community's (or the
    street's). ``post``, ``grade`` and ``place`` are the current ones; ``WorkerEvent`` holds their history."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    post = models.CharField(max_length=20, choices=Post.choices)
    grade = models.PositiveSmallIntegerField()
    employment = models.CharField(max_length=16, choices=Employment.choices, default=Employment.FULL_TIME)
    hired_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    leave_reason = models.CharField(max_length=16, choices=LeaveReason.choices, blank=True)
    leave_note = models.CharField(max_length=200, blank=True)
    education = models.CharField(max_length=16, choices=Education.choices, blank=True)
    qualification = models.CharField(max_length=16, choices=Qualification.choices, blank=True)
    certificate_enc = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区工作者")
        indexes = [models.Index(fields=["place_path", "id"], name="workforce_worker_path_id")]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=GRADE_MIN, grade__lte=GRADE_MAX), name="workforce_worker_grade_1_18"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("hired_on")),
                name="workforce_worker_leaves_after_hire",
            ),
            models.CheckConstraint(
                condition=(Q(left_on__isnull=True) & Q(leave_reason=""))
                | (Q(left_on__isnull=False) & ~Q(leave_reason="")),
                name="workforce_worker_leave_has_reason",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="workforce_worker_one_open_spell"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="workforce_worker_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return f"社区工作者#{self.pk}"

    @property
    def tier(self) -> str:
        return str(POST_TIER[Post(self.post)])

    @property
    def tier_label(self) -> str:
        return str(Tier(self.tier).label)

    @property
    def post_label(self) -> str:
        return str(Post(self.post).label)

    @property
    def employment_label(self) -> str:
        return str(Employment(self.employment).label)

    @property
    def education_label(self) -> str:
        return str(Education(self.education).label)

    @property
    def qualification_label(self) -> str:
        return str(Qualification(self.qualification).label)

    @property
    def leave_reason_label(self) -> str:
        return str(LeaveReason(self.leave_reason).label) if self.leave_reason else ""

    @property
    def active(self) -> bool:
        return self.left_on is None

    @property
    def certificate_no(self) -> str:
        return crypto.decrypt(self.certificate_enc) if self.certificate_enc else ""

    @property
    def certificate_masked(self) -> str:
        number = self.certificate_no
        if not number:
            return ""
        return number[:2] + "*" * max(len(number) - 4, 2) + number[-2:] if len(number) > 4 else "*" * len(number)


class EventKind(models.TextChoices):
    HIRED = "hired", _("入职")
    CHANGED = "changed", _("岗位/等级调整")
    MOVED = "moved", _("调整所在社区")
    LEFT = "left", _("离职")


class WorkerEvent(models.Model):
    """One dated change of a worker's post, grade or place (append-only). ``post``/``grade``/``place`` are the
    values from ``effective_on`` on (for ``left``: the last ones held)."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    effective_on = models.DateField()
    post = models.CharField(max_length=20, choices=Post.choices)
    grade = models.PositiveSmallIntegerField()
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社区工作者变动记录")
        ordering: ClassVar[list[str]] = ["effective_on", "id"]
        indexes = [models.Index(fields=["worker", "effective_on"], name="workforce_event_worker_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=GRADE_MIN, grade__lte=GRADE_MAX), name="workforce_event_grade_1_18"
            ),
        ]

    @property
    def kind_label(self) -> str:
        return str(EventKind(self.kind).label)

    @property
    def post_label(self) -> str:
        return str(Post(self.post).label)


class Topic(models.TextChoices):
    GENERALIST = "generalist", _("全科社工")
    POLICY = "policy", _("政策法规")
    PARTY = "party", _("党建业务")
    SERVICE = "service", _("服务技能")
    DIGITAL = "digital", _("信息化应用")
    OTHER = "other", _("其他")


class Training(ScopedModel):
    """One training session held at a street or a community; ``place_path`` is that place's."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=80)
    topic = models.CharField(max_length=16, choices=Topic.choices)
    held_on = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=1)
    organiser = models.CharField(max_length=60, blank=True)
    location = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区工作者培训")
        indexes = [models.Index(fields=["place_path", "held_on"], name="workforce_training_path_day")]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="workforce_training_hours_0_24"),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="workforce_training_idempotency_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def topic_label(self) -> str:
        return str(Topic(self.topic).label)


class Attendance(models.Model):
    """One worker at one session (once: the unique constraint)."""

    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="attendances")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="attendances")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训签到")
        constraints = [
            models.UniqueConstraint(fields=["training", "worker"], name="workforce_attendance_once"),
        ]
