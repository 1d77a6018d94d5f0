"""Accounts: staff log in with username + password, residents with phone + one-time code."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    person = models.OneToOneField(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="user"
    )
    # Keyed hash of the E.164 phone, so residents can log in by phone without a clear copy here.
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)


class ApiToken(models.Model):
    """A revocable bearer token. Only a SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class OneTimeCode(models.Model):
    """A six-digit login code sent by SMS; stored as a digest, single use, short-lived."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
