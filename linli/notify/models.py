"""Notifications: the in-app inbox every user has, and group robots (WeCom / DingTalk) per node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.core.scoping import ScopedModel, ScopedQuerySet

if TYPE_CHECKING:
    from linli.accounts.models import User


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User) -> NotificationQuerySet:
        """An inbox is private: everyone sees their own messages and nobody else's."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, help_text="e.g. request.assigned, request.overdue, supervision")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="a path inside Linli, e.g. /requests/12/")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notify_inbox_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notify_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


class NodeWebhook(ScopedModel):
    """A group chat's robot attached to a place node ("五长工作群", a community's staff group …).

    The webhook URL carries the robot's key, so it and the DingTalk signing secret are encrypted
    at rest like phone numbers.
    """

    SCOPE_CAPABILITY: ClassVar[str | None] = "manage"

    place = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="webhooks")
    kind = models.CharField(max_length=16, choices=RobotKind.choices)
    name = models.CharField(max_length=100, help_text="the group's name, e.g. 五长工作群")
    url_enc = models.TextField()
    secret_enc = models.TextField(blank=True)
    cascade = models.BooleanField(default=True, help_text="also hear messages about nodes below this one")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    failures = models.PositiveIntegerField(default=0)

    objects: Any = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "active"], name="notify_hook_path_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def url(self) -> str:
        return crypto.decrypt(self.url_enc)

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_enc)

    @property
    def url_masked(self) -> str:
        """Enough to recognise the robot, never enough to post to it."""
        head, sep, query = self.url.partition("?")
        if not sep:
            return f"{head[:32]}…"
        tail = query[-4:] if len(query) >= 20 else ""  # a real key is long; its last 4 identify it
        return f"{head}?…{tail}"


class DeliveryChannel(models.TextChoices):
    SMS = "sms", _("短信")
    ROBOT = "robot", _("群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")  # no usable phone any more, robot removed or switched off


class Delivery(models.Model):
    """One message to one external channel (an SMS to a resident, a post to a group robot): the outbox.

    The row is written in the same transaction as what causes it (the inbox notification, the
    request transition), so a rolled-back change sends nothing and a committed one cannot be lost.
    A worker claims due rows (``pending`` → ``sending`` with a lease), sends with ``key`` as the
    idempotency key, and marks them ``sent``; a row left in ``sending`` by a killed worker goes back
    to ``pending`` when its lease ends and is sent again under the same key, which the gateway
    uses to drop the duplicate. Phone numbers and webhook keys are not copied here: the worker
    reads them (encrypted) from the person or robot at the moment of sending.
    """

    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    person = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    hook = models.ForeignKey(NodeWebhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    text = models.TextField()
    key = models.UUIDField(unique=True, help_text="idempotency key sent to the gateway with every attempt")
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due_idx"),
            models.Index(fields=["status", "lease_until"], name="notify_delivery_lease_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(notification__isnull=False),
                name="notify_delivery_once_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} ({self.get_status_display()})"
