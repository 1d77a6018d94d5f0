"""Account state changes: logins, lockout, one-time codes, API tokens.

Every login attempt, success or failure, is an audit event; lockout is computed from those
events (no separate counter to drift).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from linli.accounts.models import ApiToken, OneTimeCode, User
from linli.audit.models import AuditEvent
from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Forbidden, InvalidInput
from linli.core.identifiers import normalise_phone
from linli.notify.sms import send_sms

LOGIN_FAILED = "login.failed"
LOGIN_OK = "login.success"
LOGIN_LOCKED = "login.locked"
OTP_MAX_PER_HOUR = 5
OTP_MAX_ATTEMPTS = 5


def _recent_failures(label: str) -> int:
    """Failures since the last success, within the lockout window."""
    since = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    last_ok = (
        AuditEvent.objects.filter(action=LOGIN_OK, actor_label=label, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = AuditEvent.objects.filter(action=LOGIN_FAILED, actor_label=label, at__gte=last_ok or since)
    return failures.count()


def is_locked_out(label: str) -> bool:
    return _recent_failures(label) >= settings.LOGIN_LOCKOUT_FAILURES


def login_with_password(*, username: str, password: str, request: HttpRequest | None, channel: str = "web") -> User:
    """Check a username + password. Raises ``Forbidden`` with a message fit for the login page."""
    username = (username or "").strip()
    if is_locked_out(username):
        audit_record(action=LOGIN_LOCKED, actor_label=username, success=False, request=request, channel=channel)
        raise Forbidden(f"连续登录失败次数过多,请 {settings.LOGIN_LOCKOUT_MINUTES} 分钟后再试")
    user = authenticate(request, username=username, password=password)
    if user is None:
        audit_record(action=LOGIN_FAILED, actor_label=username, success=False, request=request, channel=channel)
        raise Forbidden("用户名或密码错误")
    audit_record(action=LOGIN_OK, actor=user, request=request, channel=channel, method="password")
    return user  # type: ignore[return-value]


def _phone_hash(phone_e164: str) -> str:
    return crypto.keyed_hash("phone", phone_e164)


def otp_request(*, phone: str, request: HttpRequest | None) -> None:
    """Send a login code to a phone that belongs to an account. Says nothing about unknown phones."""
    e164 = normalise_phone(phone)
    digest_of_phone = _phone_hash(e164)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if OneTimeCode.objects.filter(phone_hash=digest_of_phone, created_at__gte=hour_ago).count() >= OTP_MAX_PER_HOUR:
        raise Forbidden("验证码发送过于频繁,请稍后再试")
    user = User.objects.filter(phone_hash=digest_of_phone, is_active=True).first()
    audit_record(action="otp.requested", actor=user, actor_label=e164[-4:], request=request, known=user is not None)
    if user is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    OneTimeCode.objects.create(
        phone_hash=digest_of_phone,
        digest=crypto.token_digest(code),
        expires_at=timezone.now() + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
    )
    send_sms(phone=e164, text=f"【邻里】您的登录验证码为 {code},{settings.OTP_TTL_SECONDS // 60} 分钟内有效。")


@transaction.atomic
def login_with_code(*, phone: str, code: str, request: HttpRequest | None) -> User:
    e164 = normalise_phone(phone)
    digest_of_phone = _phone_hash(e164)
    label = f"phone:{e164[-4:]}:{digest_of_phone[:8]}"
    if is_locked_out(label):
        raise Forbidden(f"连续登录失败次数过多,请 {settings.LOGIN_LOCKOUT_MINUTES} 分钟后再试")
    otp = (
        OneTimeCode.objects.select_for_update()
        .filter(phone_hash=digest_of_phone, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    user = User.objects.filter(phone_hash=digest_of_phone, is_active=True).first()
    code_ok = (
        otp is not None
        and otp.attempts < OTP_MAX_ATTEMPTS
        and secrets.compare_digest(otp.digest, crypto.token_digest((code or "").strip()))
    )
    if not code_ok or user is None:
        if otp is not None:
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
        audit_record(action=LOGIN_FAILED, actor_label=label, success=False, request=request, method="otp")
        raise Forbidden("验证码错误或已过期")
    assert otp is not None
    otp.used_at = timezone.now()
    otp.save(update_fields=["used_at"])
    audit_record(action=LOGIN_OK, actor=user, request=request, method="otp")
    return user


def token_issue(*, user: User, name: str = "", days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a bearer token; returns the row and the clear key, which is never stored."""
    key = "lnl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:64],
        prefix=key[4:12],
        digest=crypto.token_digest(key),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit_record(action="token.issued", actor=user, target=token)
    return token, key


def token_authenticate(key: str) -> User | None:
    if not key.startswith("lnl_"):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=crypto.token_digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise Forbidden("只能撤销自己的令牌")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(action="token.revoked", actor=actor, target=token)


def set_resident_phone(*, user: User, phone: str) -> None:
    """Link a phone to an account for code login."""
    e164 = normalise_phone(phone)
    if User.objects.filter(phone_hash=_phone_hash(e164)).exclude(pk=user.pk).exists():
        raise InvalidInput("该手机号已绑定其他账号", field="phone")
    user.phone_hash = _phone_hash(e164)
    user.save(update_fields=["phone_hash"])
