"""Requests (诉求/工单): categories, the request itself, its photos and its event timeline.

Data only. Every state change goes through ``linli.tickets.services`` / ``linli.tickets.workflow``,
and each one writes a ``TicketEvent`` row: those rows are the timeline, the audit trail and the
source of the metrics (``linli.tickets.metrics``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.core.masking import mask_phone
from linli.core.scoping import ScopedModel, ScopedQuerySet, liaison_organisations, scope_for_any
from linli.places.models import street_of

if TYPE_CHECKING:
    from linli.accounts.models import User

DESCRIPTION_MAX = 5000
TITLE_MAX = 100
PHOTOS_MAX = 9
# Positions that may see requests under their node (``department`` liaisons see only what is
# sent to their organisation, volunteers only the order board and what they claimed).
STAFF_CAPABILITIES = ("handle", "manage", "lead")


class Priority(models.TextChoices):
    LOW = "low", _("一般")
    NORMAL = "normal", _("较急")
    HIGH = "high", _("紧急")
    URGENT = "urgent", _("特急")


class UnitType(models.TextChoices):
    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DEPARTMENT = "department", _("职能部门")
    PROPERTY = "property_company", _("物业服务企业")


class Category(models.Model):
    """One node of the three-level category tree (一级/二级/三级分类)."""

    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    level = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=64)
    default_unit_type = models.CharField(max_length=24, choices=UnitType.choices, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.LOW)
    response_hours = models.PositiveIntegerField(default=24, help_text="响应时限(小时)")
    resolve_workdays = models.PositiveIntegerField(default=5, help_text="办理时限(工作日)")
    active = models.BooleanField(default=True)
    # Moves with every change (``save``; bulk updates set it too): smart dispatch keeps the categories in
    # memory and reads them again when the newest stamp or the count changes (``routing.engine``).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_under_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="category_unique_top_level_name"
            ),
        ]
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        names = [self.name]
        node = self.parent
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class Source(models.TextChoices):
    APP = "app", _("居民随手拍")
    PHONE = "phone", _("电话")
    DOOR = "door", _("上门反映")
    PATROL = "patrol", _("网格巡查")
    VISIT = "visit", _("入户走访")
    MEETING = "meeting", _("会议收集")
    API = "api", _("接口/小程序")
    PROACTIVE = "proactive", _("主动发现(未诉先办)")


class Kind(models.TextChoices):
    """诉求类型, as 12345 hotlines and 接诉即办 classify what a resident asks for (seed 002: 在线求助、投诉建议)."""

    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    CONSULT = "consult", _("咨询")
    REPORT = "report", _("举报")
    PRAISE = "praise", _("表扬")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    DECLINED = "declined", _("不予受理")
    ASSIGNED = "assigned", _("已派单")
    PUBLISHED = "published", _("待认领")
    CLAIMED = "claimed", _("已认领")
    IN_PROGRESS = "in_progress", _("办理中")
    ESCALATED = "escalated", _("吹哨待报到")
    WAITING_INFO = "waiting_info", _("待补充材料")
    RESOLVED = "resolved", _("已办结待评价")
    RATED = "rated", _("已评价")
    CLOSED = "closed", _("已关闭")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.PUBLISHED,
        Status.CLAIMED,
        Status.IN_PROGRESS,
        Status.ESCALATED,
        Status.WAITING_INFO,
    }
)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


# 满意率's numerator, for requests and for wishes (微心愿满意度) alike: 满意 + 基本满意 over everything rated.
SATISFIED_RATINGS = frozenset({Rating.SATISFIED.value, Rating.BASIC.value})


class TicketQuerySet(ScopedQuerySet["Ticket"]):
    def visible_to(self, user: User, *, own: Q | None = None) -> TicketQuerySet:  # type: ignore[override]
        """Staff see requests under nodes where they handle, manage or lead; everyone sees their own
        (``own``: ``Ticket.own_q(user)`` when the caller has read it already)."""
        scope = scope_for_any(user, STAFF_CAPABILITIES)
        if scope.everything:
            return self.all()
        condition = scope.q("place_path")
        if getattr(user, "is_authenticated", False):
            condition |= own if own is not None else Ticket.own_q(user)
        return self.filter(condition)


class Ticket(ScopedModel):
    number = models.CharField(max_length=16, unique=True)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="tickets")
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    public = models.BooleanField(default=True)
    anonymous = models.BooleanField(default=False)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)  # indexed in Meta (exact match only)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.APP)
    # Blank for requests from before the field (未标注); every new request has one (default 求助).
    kind = models.CharField(max_length=12, choices=Kind.choices, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)  # see Meta
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.LOW)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="submitted_tickets"
    )
    reporter_name = models.CharField(max_length=64, blank=True, help_text="工作人员代录时的反映人")
    idempotency_key = models.CharField(max_length=64, blank=True)

    # Who holds it now, and who answers for it from the first acceptance on (首接负责).
    handling_place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="handled_tickets"
    )
    handling_org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="handled_tickets"
    )
    first_unit = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="first_accepted_tickets"
    )
    first_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="claimed_tickets"
    )

    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    response_due = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField(null=True, blank=True)  # (status, resolve_due) in Meta
    ack_due = models.DateTimeField(null=True, blank=True, help_text="吹哨报到时限")
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_from = models.CharField(max_length=16, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)

    resolution = models.TextField(blank=True)
    # 现场即办: resolved in one step by the worker who recorded it (``ticket_resolve_on_the_spot``); cleared on reopen.
    resolved_on_spot = models.BooleanField(default=False)
    rating = models.CharField(max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)
    rating_disputed = models.BooleanField(default=False)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates")
    supervision_count = models.PositiveIntegerField(default=0)
    supervised_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by the database on every UPDATE of the row, whatever wrote it (a trigger, migration 0009):
    # a rendered list page is kept under the versions of its rows (tickets.list_cache).
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        # Every index is paid by each intake (docs/scaling.md). Queues read open requests only —
        # about 4% of the table at 1M — so two partial indexes over them: newest first (a street's
        # queue stops after its first page) and by subtree (a grid's few open requests).
        indexes = [
            models.Index(fields=["place_path", "id"]),
            # 接单解决 (insights.modules.orders_resolved) starts from the few requests held from the order board
            models.Index(fields=["place_path"], condition=Q(claimed_by__isnull=False), name="ticket_claimed"),
            models.Index(fields=["status", "resolve_due"]),
            models.Index(fields=["place", "submitted_at"]),
            models.Index(fields=["phone_hash"], name="ticket_phone_hash"),
            models.Index(fields=["id"], condition=Q(status__in=sorted(OPEN_STATUSES)), name="ticket_open_newest"),
            # Newest first within one street: a street's queue walks only its own open requests, however
            # many newer ones other streets have (tickets.selectors.ticket_page_keys; docs/scaling.md). It
            # carries the columns the visibility and "mine" filters test, so the walk reads no table rows
            # and stops at the page's end: 0.08 ms for a street's first page at 1M, where PostgreSQL —
            # misjudging the ORed filters at one row — read all 4,183 open rows and sorted them (5.2 ms).
            models.Index(
                street_of("place_path"),
                F("id").desc(),
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="ticket_open_street_newest",
                include=["place_path", "submitted_by", "claimed_by", "first_accepted_by", "handling_place"],
            ),
            models.Index(
                fields=["place_path"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="ticket_open_path",
                opclasses=["varchar_pattern_ops"],  # LIKE 'prefix%' (PostgreSQL; ignored elsewhere)
                # The dashboards' "open now / overdue now" count reads only these: an index-only scan
                # (0.9 ms for a street's 4,183 open requests at 1M, against 11.6 ms warm and 315 ms
                # cold walking the open requests newest first; docs/scaling.md, session 7).
                include=["resolve_due", "paused_at", "id"],
            ),
            # 现场即办 counted under a node for the period's cohort (tickets.selectors.resolved_on_spot_count):
            # a few percent of requests, and an intake, never resolved on the spot when inserted, writes no entry.
            models.Index(
                fields=["place_path", "submitted_at"],
                condition=Q(resolved_on_spot=True),
                name="ticket_on_spot",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="ticket_idempotency_per_submitter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def own_q(cls, user: User) -> Q:
        """What a person always sees: what they reported, claimed, or what was sent to their organisation,
        and the master of any duplicate they reported (so they follow its progress)."""
        # The two lookups are read first (each a few rows at most) and put in as literal lists: as
        # subqueries inside the OR they stop PostgreSQL from combining indexes, and a grid worker's
        # queue became a backward scan of the whole table (808 ms at 200k requests; docs/scaling.md).
        own = Q(submitted_by=user) | Q(claimed_by=user)
        masters = list(
            Ticket.objects.filter(submitted_by=user, merged_into__isnull=False).values_list("merged_into", flat=True)
        )
        if masters:
            own |= Q(pk__in=masters)
        orgs = liaison_organisations(user)
        if orgs:
            own |= Q(handling_org__in=sorted(orgs))
        return own

    @property
    def contact_phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.resolve_due and self.paused_at is None and self.resolve_due < timezone.now())

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


class TicketCounter(models.Model):
    """The last number handed out per year; incremented in the database (UPDATE … RETURNING), which
    holds the row lock until the submitting transaction commits."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class TicketEvent(ScopedModel):
    """Append-only: one row per transition. Never updated, never deleted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "at"]),
            models.Index(fields=["place_path", "action", "at"]),
            # 吹哨报到情况 reads a period's whistles (insights.whistles): about 2% of events, so a small index
            # that other events never write to.
            models.Index(fields=["at"], condition=Q(action="escalate"), name="ticket_event_escalate_at"),
        ]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.from_status}->{self.to_status}"


def photo_path(instance: Any, filename: str) -> str:
    now = timezone.now()
    return f"tickets/{now:%Y/%m}/{instance.ticket_id}-{filename}"


class PhotoKind(models.TextChoices):
    REPORT = "report", _("反映照片")
    RESULT = "result", _("办结照片")


class TicketPhoto(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=8, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    image = models.FileField(upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("未销号")
    SIGNED_OFF = "signed_off", _("已销号")


class ProblemItem(ScopedModel):
    """An item on a community's problem list (问题清单): someone answers for it until it is signed off."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="problem_items")
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="problem_item")
    title = models.CharField(max_length=200)
    responsible = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="problem_items")
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "status"])]

    def __str__(self) -> str:
        return self.title


class ListGeneration(models.Model):
    """Moves whenever the names a request list shows beside its rows may have changed: a place's or
    an organisation's name or kind, any category, the holiday calendar's published years. Raised by
    database triggers (migration 0009), so every write path moves it, the admin and bulk updates
    included. Only ``tickets.list_cache`` reads it."""

    name = models.CharField(max_length=16, primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
