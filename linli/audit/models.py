"""Append-only audit events: who, when, what, on what, success or failure.

Rows are never updated: a database trigger (see the migration) refuses UPDATE on both SQLite
and PostgreSQL. Old rows leave only through ``manage.py purge_audit`` after the retention
period (at least 180 days, 等保 2.0).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="username at the time")
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    success = models.BooleanField(default=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["action", "at"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["ip", "at"]),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class AuditSeal(models.Model):
    """One link of the hash chain over audit events (tamper evidence).

    ``hash = SHA-256(prev_hash | canonical fields of the event)``; ``seq`` counts links with no
    gaps. Seals are written after the event's transaction commits (see ``audit_seal_pending``), in a
    short transaction that holds the chain head's row lock, so a long business transaction never
    holds the chain. Like events, seals are never updated (a trigger refuses UPDATE).
    """

    seq = models.PositiveBigIntegerField(unique=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="seal")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AuditChainHead(models.Model):
    """The single row (pk=1) holding the newest link; locked with SELECT … FOR UPDATE while sealing.

    ``anchor_seq`` / ``anchor_hash`` name the last link removed by the retention purge, so the
    chain still verifies from the first remaining link; the purge also records them in a
    (chained) ``audit.purged`` event, which ``verify_audit`` cross-checks.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    anchor_seq = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
