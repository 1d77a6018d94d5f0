"""Insights: rollups the dashboards read, and stored work reports.

``RequestFact`` is one row per request: the request's contribution to every figure in
docs/metrics.md (flags and seconds), folded from its ``TicketEvent`` rows. ``RequestRollup`` is the
sum of facts per (place bucket, category root, source, day of submission), kept twice: per day and
per month (``span``), so a year's dashboard sums twelve months instead of 365 days. Both are maintained in
the same transaction as each request event (``linli.insights.rollups.on_ticket_event``), so a
dashboard sums a few hundred rollup rows instead of folding every event; ``check_rollups``
compares them with the event rows exactly and ``rebuild_rollups`` recomputes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.lookups import AnyOf, PatternOps
from linli.core.scoping import ScopedModel, ScopedQuerySet
from linli.places.models import STREET_PATH_LENGTH, Place, in_street, street_of

# Rollups are bucketed at grid depth (district 1, street 2, community 3, compound 4, grid 5):
# requests placed at a building or unit count in the grid (or compound) above them.
ROLLUP_DEPTH = 5

COUNTERS = (
    "received",
    "valid",
    "responded",
    "accepted",
    "resolved",
    "rated",
    "satisfied",
    "on_time",
    "grassroots",
    "in_compound",
    "in_street",
)
SECONDS = ("respond_seconds", "resolve_seconds")


PATH_DAY_OPS = ["varchar_pattern_ops", "date_ops"]  # PostgreSQL opclasses; other engines ignore them


class RequestFact(models.Model):
    """One request's contribution to the figures (docs/metrics.md), as of its latest event."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+")
    place_path = models.CharField(max_length=255, db_index=True)
    bucket_path = models.CharField(max_length=255)
    category_root = models.IntegerField(default=0, help_text="一级分类 id; 0 = 未分类")
    source = models.CharField(max_length=12)
    day = models.DateField(help_text="提交日(北京时间)")
    received = models.BooleanField(default=True)
    valid = models.BooleanField(default=False)
    responded = models.BooleanField(default=False)
    accepted = models.BooleanField(default=False)
    resolved = models.BooleanField(default=False)
    rated = models.BooleanField(default=False)
    satisfied = models.BooleanField(default=False)
    on_time = models.BooleanField(default=False)
    grassroots = models.BooleanField(default=False)
    # 小事不出小区 / 大事不出街道 (docs/metrics.md): added by migration 0005 at false; rebuild_rollups fills them.
    in_compound = models.BooleanField(default=False)
    in_street = models.BooleanField(default=False)
    respond_seconds = models.FloatField(default=0)
    resolve_seconds = models.FloatField(default=0)

    class Meta:
        indexes = [
            # Subtrees are `LIKE 'prefix%'` on PostgreSQL: a plain btree on a C.UTF-8 (non-"C")
            # database cannot serve it, so the path columns are indexed with varchar_pattern_ops.
            models.Index(fields=["place_path", "day"], name="fact_path_day", opclasses=PATH_DAY_OPS),
            models.Index(fields=["bucket_path", "day"], name="fact_bucket_day", opclasses=PATH_DAY_OPS),
        ]


class Span(models.TextChoices):
    DAY = "d", _("日")
    MONTH = "m", _("月")


class RequestRollupQuerySet(models.QuerySet["RequestRollup"]):
    def under(self, path: str) -> RequestRollupQuerySet:
        """Rows whose bucket lies under ``path``, with the node's street(s) as equalities on the
        leading expression of ``rollup_span_street_day``, so that a span's day bounds (or, for a move,
        the spans) are a range of the index instead of filters over the street's whole history. A
        street or anything below it has one street; a district has its streets (requests are placed at
        a community or below, so every bucket lies under a street): ``= ANY(ARRAY(SELECT …))``, one
        value list computed before the scan, an index condition on every branch of the plan."""
        if len(path) >= STREET_PATH_LENGTH:
            streets: models.Q = models.Q(in_street("bucket_path", path))
        else:
            below = Place.objects.filter(path__under=path, depth=2).order_by().values("path")
            streets = models.Q(AnyOf(street_of("bucket_path"), below))
        return self.filter(streets, bucket_path__under=path)


class RequestRollup(models.Model):
    """Sum of ``RequestFact`` rows per key; counters only ever move with ``F()``.

    Each fact counts in two rows: its day's (``span`` d) and its month's (``span`` m, ``day`` = the
    1st). Dashboards read whole months from the month rows and the rest from day rows
    (``insights.selectors``): a year is 12 keys per (bucket, category, source), not 365.
    """

    bucket_path = models.CharField(max_length=255)
    category_root = models.IntegerField(default=0)
    source = models.CharField(max_length=12)
    span = models.CharField(max_length=1, choices=Span.choices, default=Span.DAY)
    day = models.DateField(help_text="提交日;月汇总行为当月 1 日")
    received = models.IntegerField(default=0)
    valid = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    grassroots = models.IntegerField(default=0)
    in_compound = models.IntegerField(default=0)
    in_street = models.IntegerField(default=0)
    respond_seconds = models.FloatField(default=0)
    resolve_seconds = models.FloatField(default=0)

    objects = RequestRollupQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket_path", "category_root", "source", "span", "day"], name="insights_rollup_one_row_per_key"
            )
        ]
        # The dashboards read one node's rows for one period. A street's year was a scan of the day
        # index filtering out 90% of the table (286 ms a figure at 1M requests); a range on
        # (span, bucket_path, day) fixed that, but a street is a *range* of buckets, so the day bounds
        # only filtered inside it: a street's month walked the street's whole history (30-day
        # dashboard 99.8 → 175.8 ms from 73 to 730 days of history, docs/scaling.md). Leading with the
        # street (an equality) makes the day bounds a range again: a node reads its period's rows and
        # nothing older. Below a street the bucket is checked inside the index (pattern ops).
        indexes = [
            models.Index(
                "span",
                street_of("bucket_path"),
                "day",
                PatternOps("bucket_path"),
                name="rollup_span_street_day",
            ),
        ]  # no index on the day alone: nothing reads all buckets' rows by day, and it drew the planner off


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月报")
    QUARTER = "quarter", _("季报")
    YEAR = "year", _("年报")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("生成失败")


def report_path(instance: WorkReport, filename: str) -> str:
    return f"reports/{instance.place_path}/{instance.since:%Y%m%d}-{instance.until:%Y%m%d}/{filename}"


class WorkReport(ScopedModel):
    """A work report (工作报告) for one node and period, in three formats, stored for download."""

    SCOPE_CAPABILITY = "manage"

    node = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    since = models.DateField()
    until = models.DateField()
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100")
    error = models.CharField(max_length=500, blank=True)
    figures = models.JSONField(default=dict, blank=True, help_text="报告所用数字,与看板一致")
    pdf = models.FileField(upload_to=report_path, max_length=255, blank=True)
    xlsx = models.FileField(upload_to=report_path, max_length=255, blank=True)
    docx = models.FileField(upload_to=report_path, max_length=255, blank=True)
    scheduled = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "period_kind", "since"], name="insights_one_report_per_period")
        ]
        indexes = [models.Index(fields=["place_path", "since"])]

    def __str__(self) -> str:
        return f"{self.node_id} {self.period_kind} {self.since}"

    @property
    def title(self) -> str:
        if self.period_kind == PeriodKind.MONTH:
            label = f"{self.since.year}年{self.since.month}月"
        elif self.period_kind == PeriodKind.QUARTER:
            label = f"{self.since.year}年第{(self.since.month - 1) // 3 + 1}季度"
        else:
            label = f"{self.since.year}年"
        return f"{label}工作报告"
