"""Interoperability data: Open311 API keys and request extras, outgoing webhooks, hotline hand-overs.

Data only. Writes go through ``linli.interop.keys`` (Open311 keys), ``linli.interop.open311_intake``
(requests created over Open311), ``linli.interop.webhooks`` (subscribers and deliveries) and
``linli.interop.handover`` (requests handed over by an external hotline).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.core.scoping import ScopedModel, ScopedQuerySet

DEFAULT_RATE_PER_MINUTE = 60


class Open311Key(models.Model):
    """An Open311 ``api_key``. Only a SHA-256 digest is stored; the key is shown once.

    Each key acts through its own service account (``user``), so requests it creates show up in
    the staff workbench as submitted by that client, and idempotency is per client. ``jurisdiction``
    (a street) limits where it may create requests; empty means every street (district-wide).
    """

    name = models.CharField(max_length=64)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open311_key")
    jurisdiction = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="open311_keys"
    )
    rate_per_minute = models.PositiveIntegerField(default=DEFAULT_RATE_PER_MINUTE)
    # The fixed one-minute window the counter belongs to; both updated with F() in one UPDATE.
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Open311Request(models.Model):
    """What an Open311 client sent that a request (``Ticket``) has no column for."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="open311")
    key = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(max_length=40, unique=True)
    service_code = models.CharField(max_length=32)
    address_string = models.CharField(max_length=500, blank=True)
    email_enc = models.TextField(blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=1000, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"open311 {self.token}"

    @property
    def email(self) -> str:
        return crypto.decrypt(self.email_enc)


class AttributeType(models.TextChoices):
    STRING = "string", _("短文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


class ServiceAttribute(models.Model):
    """An extra question a category asks Open311 clients (``services/{code}`` attributes)."""

    category = models.ForeignKey("tickets.Category", on_delete=models.CASCADE, related_name="open311_attributes")
    code = models.SlugField(max_length=50)
    datatype = models.CharField(max_length=16, choices=AttributeType.choices, default=AttributeType.STRING)
    required = models.BooleanField(default=False)
    description = models.CharField(max_length=200)
    datatype_description = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=1)
    values = models.JSONField(default=list, blank=True, help_text='[{"key": "a", "name": "…"}] for value lists')

    class Meta:
        ordering = ["category", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="interop_attribute_code_unique")]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.code}"


# --- outgoing webhooks -----------------------------------------------------------------------------


class WebhookEvent(models.TextChoices):
    CREATED = "created", _("新诉求")
    STATUS_CHANGED = "status_changed", _("状态变化")
    RATED = "rated", _("居民评价")


class WebhookSubscriber(ScopedModel):
    """An outside system that hears about requests under one place subtree.

    The signing secret is needed in clear to sign, so it is encrypted at rest (not digested).
    """

    SCOPE_CAPABILITY: ClassVar[str | None] = "admin"

    name = models.CharField(max_length=100)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="webhook_subscribers")
    url_enc = models.TextField()
    secret_enc = models.TextField()
    events = models.JSONField(default=list, help_text="subset of created, status_changed, rated")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: Any = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return crypto.decrypt(self.url_enc)

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_enc)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("重试中")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败")


class WebhookDelivery(models.Model):
    """One event for one subscriber. The payload is fixed when the row is written, so a replay
    sends exactly what the first attempt sent (with a fresh timestamp and signature)."""

    subscriber = models.ForeignKey(WebhookSubscriber, on_delete=models.CASCADE, related_name="deliveries")
    ticket_event_id = models.BigIntegerField(null=True, blank=True)
    event = models.CharField(max_length=24, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscriber", "-id"]), models.Index(fields=["status", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "ticket_event_id", "event"], name="interop_delivery_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.event} {self.status}"


class EventCursor(models.Model):
    """The last ``TicketEvent`` id a scanner has turned into deliveries (one row per scanner)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)


# --- incoming hand-over --------------------------------------------------------------------------


class Handover(models.Model):
    """A request handed over by an external hotline (12345), keyed by that system's ticket id."""

    system = models.CharField(max_length=32)
    external_id = models.CharField(max_length=64)
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="handover")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "external_id"], name="interop_handover_once")]

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"
