"""Party branch life (组织生活): members, 三会一课 meetings, study, secretaries and recognitions.

Party data is scoped by the party organisation tree, not the place tree: every row carries
``org_path``, a copy of its branch's (or other org's) materialised path, and
``PartyQuerySet.visible_to`` filters it under the orgs where the user is an officer
(see ``linli.partylife.scoping``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from linli.accounts.models import User


class PartyQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: User) -> PartyQuerySet:
        from linli.partylife.scoping import party_scope

        return self.filter(party_scope(user).q("org_path"))


class PartyScoped(models.Model):
    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    objects = PartyQuerySet.as_manager()

    class Meta:
        abstract = True


# ---------------------------------------------------------------- branches


class BranchProfile(models.Model):
    """What the org tree does not record about a branch: when it was founded (成立日期)."""

    org = models.OneToOneField("orgs.PartyOrg", on_delete=models.CASCADE, related_name="life_profile")
    founded_on = models.DateField()


# ---------------------------------------------------------------- members


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class Employment(models.TextChoices):
    IN_SERVICE = "in_service", _("在职")
    RETIRED = "retired", _("离退休")
    OTHER = "other", _("其他")


class MembershipEnd(models.TextChoices):
    TRANSFERRED_OUT = "transferred_out", _("转出")
    DECEASED = "deceased", _("去世")
    OTHER = "other", _("其他")


class Membership(PartyScoped):
    """A party member's membership of a branch, from joining (or transfer in) until leaving."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="party_memberships")
    branch = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="memberships")
    group = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.SET_NULL, null=True, blank=True, related_name="group_memberships"
    )
    status = models.CharField(max_length=16, choices=MemberStatus.choices, default=MemberStatus.FULL)
    employment = models.CharField(max_length=16, choices=Employment.choices, default=Employment.RETIRED)
    is_mobile = models.BooleanField(default=False, help_text="流动党员")
    is_elderly_or_infirm = models.BooleanField(default=False, help_text="年老体弱,需送学上门")
    joined_party_on = models.DateField(null=True, blank=True, help_text="入党时间")
    joined_on = models.DateField(help_text="转入/加入本支部日期")
    transferred_in_from = models.CharField(max_length=120, blank=True)
    left_on = models.DateField(null=True, blank=True)
    left_reason = models.CharField(max_length=16, choices=MembershipEnd.choices, blank=True)
    transferred_out_to = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(left_on__isnull=True), name="partylife_one_active_membership"
            )
        ]
        indexes = [models.Index(fields=["org_path", "id"]), models.Index(fields=["branch", "left_on"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.branch}"


class CenterHouseholdDuty(PartyScoped):
    """A 党员中心户 (or member) looking after households: the 党员服务责任区."""

    center = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="duty_households")
    member = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="party_duties")
    household = models.ForeignKey("places.Household", on_delete=models.CASCADE, related_name="party_duties")
    since = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["center", "household"], name="partylife_duty_unique")]


# ---------------------------------------------------------------- meetings (三会一课 …)


class MeetingKind(models.TextChoices):
    GENERAL = "general", _("支部党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    EVALUATION = "evaluation", _("民主评议党员")
    WORK = "work", _("工作碰头会")  # 一会三清 (seed 001): 学政策、议任务、捋思路、定措施


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    HALF = "half", _("每半年")
    YEAR = "year", _("每年")


class MeetingRule(models.Model):
    """How many meetings of a kind a branch must hold per period. ``branch`` null = the default."""

    branch = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.CASCADE, null=True, blank=True, related_name="meeting_rules"
    )
    kind = models.CharField(max_length=16, choices=MeetingKind.choices)
    period = models.CharField(max_length=8, choices=Period.choices)
    times = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "kind"], name="partylife_rule_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(branch__isnull=True), name="partylife_rule_default_unique"
            ),
        ]


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class Meeting(PartyScoped):
    branch = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=16, choices=MeetingKind.choices)
    title = models.CharField(max_length=120)
    date = models.DateField()
    location = models.CharField(max_length=120, blank=True)
    agenda = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    # 一会三清 — a work meeting (工作碰头会) is recorded with its three answers, one per 弄清 (seed 001)
    clear_directives = models.TextField(blank=True, default="", help_text="弄清上级指示和工作要点是什么")
    clear_causes = models.TextField(blank=True, default="", help_text="弄清当前情况和问题原因是什么")
    clear_tasks = models.TextField(blank=True, default="", help_text="弄清当前任务和方法路径是什么")
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    planned_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["branch", "date"]), models.Index(fields=["org_path", "date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return str(MeetingKind(self.kind).label)


class MeetingPhoto(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="partylife/meetings/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="party_attendance")
    status = models.CharField(max_length=8, choices=AttendanceStatus.choices)
    reason = models.CharField(max_length=200, blank=True)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="partylife_attendance_once")]


# ---------------------------------------------------------------- study


class StudyMaterial(PartyScoped):
    """Assigned to every member of ``org`` (a branch or above), or only to ``assignees`` if any."""

    org = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="study_materials")
    title = models.CharField(max_length=160)
    body = models.TextField(blank=True)
    link = models.URLField(blank=True)
    file = models.FileField(upload_to="partylife/study/%Y/", blank=True)
    due_date = models.DateField(null=True, blank=True)
    assignees = models.ManyToManyField("people.Person", blank=True, related_name="+")
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class StudyMethod(models.TextChoices):
    SELF = "self", _("自学")
    ONLINE = "online", _("线上学习")
    MEETING = "meeting", _("集中学习")
    DELIVERED = "delivered", _("送学上门")


class StudyCompletion(models.Model):
    material = models.ForeignKey(StudyMaterial, on_delete=models.CASCADE, related_name="completions")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="study_completions")
    method = models.CharField(max_length=12, choices=StudyMethod.choices)
    delivered_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="study_deliveries"
    )
    note = models.CharField(max_length=300, blank=True)
    completed_on = models.DateField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["material", "person"], name="partylife_study_once")]


# ---------------------------------------------------------------- secretaries and their development


class SecretaryRecord(PartyScoped):
    """备案: a branch secretary filed with the community, with qualifications and term."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="secretary_records")
    branch = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="secretary_records")
    filed_on = models.DateField()
    filed_with = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="+")
    qualifications = models.TextField(blank=True, help_text="学历、经历、“四有”评定等")
    term_start = models.DateField()
    term_end = models.DateField()
    in_community_committee = models.BooleanField(default=False, help_text="进入社区“两委”")
    created_at = models.DateTimeField(auto_now_add=True)


class MentoringPair(PartyScoped):
    """导师帮带: an experienced secretary mentoring a newer one."""

    mentor = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="mentees")
    mentee = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="mentors")
    org = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="mentoring_pairs")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)


class MentoringSession(models.Model):
    pair = models.ForeignKey(MentoringPair, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField()
    topic = models.CharField(max_length=160)
    notes = models.TextField(blank=True)


class RecognitionKind(models.TextChoices):
    MEMBER = "member", _("优秀共产党员")
    WORKER = "worker", _("优秀党务工作者")
    ORG = "org", _("先进基层党组织")


class RecognitionLevel(models.TextChoices):
    STREET = "street", _("街道级")
    DISTRICT = "district", _("区级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("全国")


class Recognition(PartyScoped):
    """两优一先: a person (member/worker) or an org recognised in a year at a level."""

    kind = models.CharField(max_length=8, choices=RecognitionKind.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="recognitions"
    )
    org = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="recognitions")
    year = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=10, choices=RecognitionLevel.choices)
    citation = models.CharField(max_length=200, blank=True)
