"""Account state changes: logins, lockout, one-time codes, API tokens.

Every login attempt, success or failure, is an audit event; lockout is computed from those
events (no separate counter to drift).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from linli.accounts.models import ApiToken, OneTimeCode, User
from linli.accounts.selectors import live_token
from linli.audit.models import AuditEvent
from linli.audit.services import audit_record, client_ip
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import half_width, normalise_phone
from linli.core.ratelimit import address_of, rate_limit
from linli.notify.sms import send_sms

LOGIN_FAILED = "login.failed"
LOGIN_OK = "login.success"
LOGIN_LOCKED = "login.locked"
LOGIN_PASSWORD_OK = "login.password_ok"  # noqa: S105 - an audit action name
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


def address_failures(ip: str | None) -> int:
    """Failed logins from one address within the lockout window (a success does not reset them:
    an attacker could otherwise reset the count by logging into their own account)."""
    if not ip:
        return 0
    since = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return AuditEvent.objects.filter(action=LOGIN_FAILED, ip=ip, at__gte=since).count()


def is_address_locked_out(ip: str | None) -> bool:
    limit = getattr(settings, "LOGIN_LOCKOUT_FAILURES_PER_ADDRESS", settings.LOGIN_LOCKOUT_FAILURES)
    return address_failures(ip) >= limit


def _refuse_if_locked(label: str, *, request: HttpRequest | None, channel: str) -> None:
    ip = client_ip(request)
    by_account = is_locked_out(label)
    if by_account or is_address_locked_out(ip):
        audit_record(
            action=LOGIN_LOCKED,
            actor_label=label,
            success=False,
            request=request,
            channel=channel,
            scope="account" if by_account else "address",
        )
        raise Forbidden(
            gettext("连续登录失败次数过多,请 %(minutes)s 分钟后再试") % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
        )


def login_with_password(*, username: str, password: str, request: HttpRequest | None, channel: str = "web") -> User:
    """Check a username + password. Raises ``Forbidden`` with a message fit for the login page."""
    username = (username or "").strip()
    _refuse_if_locked(username, request=request, channel=channel)
    user = authenticate(request, username=username, password=password)
    if user is None:
        audit_record(action=LOGIN_FAILED, actor_label=username, success=False, request=request, channel=channel)
        raise Forbidden(gettext("用户名或密码错误"))
    if needs_two_factor(user):
        # Not a completed login yet: the second factor records login.success (and only that resets
        # the failure count, so a known password does not buy unlimited guesses at the code).
        audit_record(action=LOGIN_PASSWORD_OK, actor=user, request=request, channel=channel, method="password")
    else:
        audit_record(action=LOGIN_OK, actor=user, request=request, channel=channel, method="password")
    return user  # type: ignore[return-value]


def _phone_hash(phone_e164: str) -> str:
    return crypto.keyed_hash("phone", phone_e164)


def otp_request(*, phone: str, request: HttpRequest | None) -> None:
    """Send a login code to a phone that belongs to an account. Says nothing about unknown phones."""
    e164 = normalise_phone(phone)
    digest_of_phone = _phone_hash(e164)
    rate_limit(purpose="otp.address", key=address_of(request), request=request)
    rate_limit(
        purpose="otp.phone",
        key=digest_of_phone,
        request=request,
        message=gettext("该手机号验证码发送过于频繁,请稍后再试"),
    )
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


def login_with_code(*, phone: str, code: str, request: HttpRequest | None) -> User:
    """Log in with a one-time code. A wrong code is counted and audited even though we refuse."""
    e164 = normalise_phone(phone)
    digest_of_phone = _phone_hash(e164)
    label = f"phone:{e164[-4:]}:{digest_of_phone[:8]}"
    _refuse_if_locked(label, request=request, channel="web")
    with transaction.atomic():
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
        if code_ok and user is not None:
            assert otp is not None
            otp.used_at = timezone.now()
            otp.save(update_fields=["used_at"])
            audit_record(action=LOGIN_OK, actor=user, request=request, method="otp")
            return user
        if otp is not None:
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
        audit_record(action=LOGIN_FAILED, actor_label=label, success=False, request=request, method="otp")
    raise Forbidden(gettext("验证码错误或已过期"))


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
    token = live_token(crypto.token_digest(key))  # with the user and the person (names, positions for scope)
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise Forbidden(gettext("只能撤销自己的令牌"))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(action="token.revoked", actor=actor, target=token)


def set_resident_phone(*, user: User, phone: str, request: HttpRequest | None = None) -> None:
    """Link a phone to an account for code login (pages ask for re-authentication first)."""
    e164 = normalise_phone(phone)
    with transaction.atomic():
        if User.objects.filter(phone_hash=_phone_hash(e164)).exclude(pk=user.pk).exists():
            raise InvalidInput(gettext("该手机号已绑定其他账号"), field="phone")
        user.phone_hash = _phone_hash(e164)
        user.save(update_fields=["phone_hash"])
        audit_record(action="account.phone_changed", actor=user, target=user, request=request, last4=e164[-4:])


# --- Passwords: policy, history, expiry ---------------------------------------------------------


def password_change(*, user: User, new_password: str, request: HttpRequest | None = None) -> None:
    """Set a new password after the policy (``AUTH_PASSWORD_VALIDATORS``, incl. history) accepts it.

    Keeps a hash of the new password in the history (the last ``PASSWORD_HISTORY`` are refused)
    and restarts the expiry clock. Raises ``InvalidInput(field="new_password")`` with every reason.
    """
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from linli.accounts.models import PasswordHistory, PasswordState

    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(";".join(str(m) for m in exc.messages), field="new_password") from None
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one change at a time per user
        user.set_password(new_password)
        user.save(update_fields=["password"])
        PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
        keep = int(getattr(settings, "PASSWORD_HISTORY", 5))
        stale = list(
            PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id")[keep:].values_list("pk", flat=True)
        )
        PasswordHistory.objects.filter(pk__in=stale).delete()
        PasswordState.objects.update_or_create(user=user, defaults={"changed_at": now})
        audit_record(action="password.changed", actor=user, target=user, request=request)


def password_age_days(user: User) -> int | None:
    """Days since the password was last changed through Linli; ``None`` if never (then: since joining)."""
    from linli.accounts.models import PasswordState

    state = PasswordState.objects.filter(user=user).values_list("changed_at", flat=True).first()
    since = state or user.date_joined
    return (timezone.now() - since).days if since else None


def password_expired(user: User) -> bool:
    """True when the password is older than ``PASSWORD_MAX_AGE_DAYS`` (0 switches the reminder off)."""
    max_age = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS", 90))
    age = password_age_days(user)
    return bool(max_age) and age is not None and age >= max_age


# --- Sessions -----------------------------------------------------------------------------------


def session_register(*, user: User, session_key: str, request: HttpRequest | None) -> None:
    """Remember a new web session (after login) so its owner and administrators can see and end it."""
    from linli.accounts.models import UserSession

    now = timezone.now()
    agent = (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300]
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": agent,
            "created_at": now,
            "last_seen_at": now,
            "ended_at": None,
            "end_reason": "",
        },
    )


def session_touch(*, session_key: str) -> None:
    from linli.accounts.models import UserSession

    UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(last_seen_at=timezone.now())


def _end(rows: Any, reason: str) -> int:
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string

    engine: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    keys = list(rows.filter(ended_at__isnull=True).values_list("session_key", flat=True))
    for key in keys:
        engine(session_key=key).delete()
    return int(rows.filter(session_key__in=keys).update(ended_at=timezone.now(), end_reason=reason))


def session_ended(*, session_key: str, reason: str) -> None:
    """The session ended by itself (logout, idle or absolute timeout)."""
    from linli.accounts.models import UserSession

    UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason
    )


def session_revoke(*, actor: User, session_id: int, request: HttpRequest | None = None) -> None:
    """End one of your own sessions (another's is not found). The cookie stops working at once."""
    from linli.accounts.models import UserSession

    with transaction.atomic():
        row = UserSession.objects.select_for_update().filter(pk=session_id, user=actor).first()
        if row is None:
            raise NotFound(gettext("未找到该会话"))
        if _end(UserSession.objects.filter(pk=row.pk), "revoked"):
            audit_record(action="session.revoked", actor=actor, target=row, request=request)


def sessions_end_for_user(*, actor: User, user_id: int, request: HttpRequest | None = None) -> int:
    """An administrator ends every session of a user (e.g. a lost phone, a leaver). Returns how many."""
    from linli.accounts.models import UserSession
    from linli.core.scoping import scope_for

    if not scope_for(actor).everything:
        raise Forbidden(gettext("只有系统管理员可以结束他人的会话"))
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise NotFound(gettext("未找到该用户"))
    with transaction.atomic():
        ended = _end(UserSession.objects.filter(user=target), "ended_by_admin")
        ApiToken.objects.filter(user=target, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(action="session.ended_by_admin", actor=actor, target=target, request=request, sessions=ended)
    return ended


# --- Two-factor (TOTP) --------------------------------------------------------------------------

RECOVERY_CODES = 10
TOTP_DIGITS = 6
TOTP_PERIOD = 30


def needs_two_factor(user: Any) -> bool:
    """Staff who can reveal personal data (or administer everything) must use a second factor."""
    from linli.core.scoping import active_positions
    from linli.people.positions import POSITION_KINDS

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    for kind, _path in active_positions(user):
        spec = POSITION_KINDS.get(kind)
        if spec is not None and spec.capabilities & {"reveal", "admin"}:
            return True
    return False


def two_factor_enrolled(user: User) -> bool:
    from linli.accounts.models import TwoFactor

    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def totp_begin(*, user: User) -> str:
    """Start (or restart) enrolment: a new secret, encrypted at rest, not active until confirmed."""
    import pyotp

    from linli.accounts.models import TwoFactor

    if two_factor_enrolled(user):
        raise Conflict(gettext("已启用两步验证;如需更换,请先停用"))
    secret = pyotp.random_base32()
    TwoFactor.objects.update_or_create(
        user=user, defaults={"secret_enc": crypto.encrypt(secret), "created_at": timezone.now(), "confirmed_at": None}
    )
    return secret


def totp_secret(user: User) -> str:
    from linli.accounts.models import TwoFactor

    row = TwoFactor.objects.filter(user=user).first()
    if row is None:
        raise NotFound(gettext("尚未开始设置两步验证"))
    return crypto.decrypt(row.secret_enc)


def totp_uri(*, user: User, secret: str) -> str:
    import pyotp

    issuer = str(getattr(settings, "TWO_FACTOR_ISSUER", "Linli"))
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=issuer)


def _totp_step_ok(row: Any, code: str) -> int | None:
    """The time step a valid, not yet used code belongs to (±1 step of clock drift), else None."""
    import pyotp

    # full-width digits (an IME in full-width mode) are the code; "①" or "²" pass isdigit() but not isascii(), and
    # compare_digest would raise on them (a 500)
    code = half_width(code or "").strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == TOTP_DIGITS):
        return None
    totp = pyotp.TOTP(crypto.decrypt(row.secret_enc))
    now = int(timezone.now().timestamp())
    for drift in (0, -1, 1):
        step = now // TOTP_PERIOD + drift
        if step > row.last_step and secrets.compare_digest(totp.at(step * TOTP_PERIOD), code):
            return step
    return None


def _recovery_digest(user: User, code: str) -> str:
    return crypto.token_digest(f"recovery:{user.pk}:{code.strip().replace('-', '').lower()}")


def recovery_codes_issue(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Ten new one-use codes (the old ones stop working); shown once, stored only as digests."""
    from linli.accounts.models import RecoveryCode

    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    now = timezone.now()
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, digest=_recovery_digest(user, c), created_at=now) for c in codes]
        )
        audit_record(action="2fa.recovery_codes_issued", actor=user, target=user, request=request)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def totp_confirm(
    *, user: User, code: str, request: HttpRequest | None = None, completes_login: bool = False
) -> list[str]:
    """Finish enrolment with a code from the app; returns the first recovery codes."""
    from linli.accounts.models import TwoFactor

    with transaction.atomic():
        row = TwoFactor.objects.select_for_update().filter(user=user).first()
        if row is None:
            raise NotFound(gettext("尚未开始设置两步验证"))
        if row.confirmed_at is not None:
            raise Conflict(gettext("已启用两步验证"))
        step = _totp_step_ok(row, code)
        if step is None:
            raise InvalidInput(gettext("验证码不正确,请核对手机时间后输入应用中当前的 6 位数字"), field="code")
        row.confirmed_at = timezone.now()
        row.last_step = step
        row.save(update_fields=["confirmed_at", "last_step"])
        audit_record(action="2fa.enabled", actor=user, target=user, request=request)
        if completes_login:
            audit_record(action=LOGIN_OK, actor=user, request=request, method="totp_enrolment")
    return recovery_codes_issue(user=user, request=request)


def two_factor_verify(*, user: User, code: str, request: HttpRequest | None = None) -> str:
    """Check a login's second factor: a TOTP code (each accepted once) or an unused recovery code.

    Returns the method used ("totp" or "recovery"). Failures are audited and count towards the
    account's lockout like wrong passwords do.
    """
    from linli.accounts.models import RecoveryCode, TwoFactor

    _refuse_if_locked(user.get_username(), request=request, channel="2fa")
    with transaction.atomic():
        row = TwoFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if row is None:
            raise Conflict(gettext("尚未启用两步验证"))
        step = _totp_step_ok(row, code)
        if step is not None:
            TwoFactor.objects.filter(pk=row.pk).update(last_step=step)
            audit_record(action=LOGIN_OK, actor=user, request=request, method="totp")
            return "totp"
        used = RecoveryCode.objects.filter(
            user=user, digest=_recovery_digest(user, code or ""), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            audit_record(action=LOGIN_OK, actor=user, request=request, method="recovery", left=left)
            return "recovery"
    audit_record(action=LOGIN_FAILED, actor_label=user.get_username(), success=False, request=request, method="2fa")
    raise InvalidInput(gettext("验证码不正确或已使用"), field="code")


def two_factor_disable(*, actor: User, user_id: int, request: HttpRequest | None = None) -> None:
    """Remove a user's second factor: themselves (pages ask for re-authentication), or an administrator
    resetting a lost phone. Users who must use 2FA are sent to enrol again at their next request."""
    from linli.accounts.models import RecoveryCode, TwoFactor
    from linli.core.scoping import scope_for

    if actor.pk != user_id and not scope_for(actor).everything:
        raise NotFound(gettext("未找到该用户"))
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise NotFound(gettext("未找到该用户"))
    with transaction.atomic():
        TwoFactor.objects.filter(user=target).delete()
        RecoveryCode.objects.filter(user=target).delete()
        audit_record(action="2fa.disabled", actor=actor, target=target, request=request)


def reauthenticate(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    """Confirm the password again before a sensitive change; failures count towards lockout."""
    from django.contrib.auth.hashers import check_password

    _refuse_if_locked(user.get_username(), request=request, channel="reauth")
    if not check_password(password or "", user.password):
        audit_record(
            action=LOGIN_FAILED, actor_label=user.get_username(), success=False, request=request, method="reauth"
        )
        raise InvalidInput(gettext("密码不正确"), field="password")
    audit_record(action="reauth.success", actor=user, request=request)
