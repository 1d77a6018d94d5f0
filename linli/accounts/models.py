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


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords (Django's hasher), so the last N cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class PasswordState(models.Model):
    """When the password was last set (for the expiry reminder); one row per user, made on first change."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="password_state")
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} {self.changed_at:%Y-%m-%d}"


class UserSession(models.Model):
    """A web session as its owner and administrators see it: where from, since when, last seen.

    Keyed by Django's session key; ending one deletes the session from the session store, so the
    cookie stops working at once, and records who ended it.
    """

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="web_sessions")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"])]
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def device(self) -> str:
        """A short description of the browser, e.g. "Chrome · Android", for the session lists."""
        return device_of(self.user_agent)


# (marker in the user agent, name), first match wins: Edge, Opera and WeChat also say "Chrome" and
# "Safari", Chrome on iOS says "Safari", so the specific ones come first.
BROWSERS = [
    ("MicroMessenger", "WeChat"),
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]
DEVICE_MAX = 40


def device_of(user_agent: str) -> str:
    """The browser and system named in a User-Agent header; an agent not recognised (a script, an
    app's HTTP library) is shown shortened, and an empty one as an empty string."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    agent = user_agent.strip()
    return agent if len(agent) <= DEVICE_MAX else agent[: DEVICE_MAX - 1] + "…"


class TwoFactor(models.Model):
    """A user's TOTP secret (encrypted at rest), confirmed once the user typed a valid code."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret_enc = models.TextField()
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The time step of the last accepted code: a code is accepted once (no replay within its window).
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user} 2FA"


class RecoveryCode(models.Model):
    """A one-use recovery code; only its digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} recovery code"


class RateCounter(models.Model):
    """One fixed window of a rate limit (``linli.core.ratelimit``): purpose + keyed hash + window start.

    Kept in the database, not a per-process cache, so every app server counts the same calls.
    """

    purpose = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purpose", "key", "window_start"], name="accounts_ratecounter_window")
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.purpose} {self.window_start:%H:%M} {self.count}"
