"""Smart dispatch (智能派单): trained model versions, per-request suggestions, category keywords, hot spots.

Data only; writes are in ``linli.routing.services``. A request's suggestion row records which model
version made it, so accuracy can be audited later (suggested vs final category).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.scoping import ScopedModel, ScopedQuerySet


class ModelKind(models.TextChoices):
    LEARNED = "learned", _("学习模型")
    KEYWORDS = "keywords", _("分类关键词")


class RoutingModel(models.Model):
    """One trained version. ``blob`` is the joblib dump of the scikit-learn pipeline (written by us only)."""

    version = models.PositiveIntegerField(unique=True)
    kind = models.CharField(max_length=12, choices=ModelKind.choices, default=ModelKind.LEARNED)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_on = models.PositiveIntegerField(default=0, help_text="训练用的已办结诉求条数")
    categories = models.PositiveIntegerField(default=0)
    macro_f1 = models.FloatField(null=True, blank=True, help_text="交叉验证宏平均 F1")
    accuracy = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    blob = models.BinaryField(editable=False)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    trigger = models.CharField(max_length=16, default="manual", help_text="manual / periodic / command")

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class CategoryKeywords(models.Model):
    """Words that point at a category; used while there are too few labelled requests to learn from."""

    category = models.OneToOneField("tickets.Category", on_delete=models.CASCADE, related_name="routing_keywords")
    words = models.TextField(blank=True, help_text="以空格、逗号或顿号分隔")
    updated_at = models.DateTimeField(auto_now=True)

    def word_list(self) -> list[str]:
        import re

        return [w for w in re.split(r"[\s,,、;;]+", self.words) if w]


class Suggestion(ScopedModel):
    """What the model suggested for one request at intake, and whether it was applied by itself."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="routing_suggestion")
    model_version = models.PositiveIntegerField(default=0, help_text="0 = 分类关键词")
    kind = models.CharField(max_length=12, choices=ModelKind.choices)
    candidates = models.JSONField(default=list, help_text="[{category_id, score}], best first")
    top_category = models.ForeignKey(
        "tickets.Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    top_score = models.FloatField(default=0)
    auto_applied = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "created_at"])]


class HotspotStatus(models.TextChoices):
    ALERTED = "alerted", _("已预警")
    CASE_OPENED = "case_opened", _("已立案(未诉先办)")


class Hotspot(ScopedModel):
    """A topic growing fast at one compound (or other node): alerted once per cool-down, may become a case."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("tickets.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=HotspotStatus.choices, default=HotspotStatus.ALERTED)
    recent_count = models.PositiveIntegerField(default=0)
    baseline = models.FloatField(default=0, help_text="此前同样长度时段的平均条数")
    first_alerted_at = models.DateTimeField(default=timezone.now)
    last_alerted_at = models.DateTimeField(default=timezone.now)
    case_ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="routing_hotspot"
    )
    case_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tickets = models.ManyToManyField("tickets.Ticket", through="HotspotTicket", related_name="routing_hotspots")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "category"], name="routing_hotspot_one_per_topic")]
        indexes = [models.Index(fields=["place_path", "last_alerted_at"])]


class HotspotTicket(models.Model):
    hotspot = models.ForeignKey(Hotspot, on_delete=models.CASCADE)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotspot", "ticket"], name="routing_hotspot_ticket_once")]
