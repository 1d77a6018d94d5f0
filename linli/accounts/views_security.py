"""Account security pages: two-factor enrolment and verification, recovery codes, re-authentication,
password and phone changes, my sessions, and the administrators' session list.

Sensitive changes (phone, two-factor settings, recovery codes) need a password re-entered within
``REAUTH_MINUTES``; the page sends the user to ``/accounts/reauth/`` and back.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.middleware import MFA, REAUTH_AT, mark_two_factor_passed, recently_reauthenticated
from linli.accounts.models import TwoFactor, User, UserSession
from linli.accounts.services import (
    needs_two_factor,
    password_age_days,
    password_change,
    reauthenticate,
    recovery_codes_issue,
    session_revoke,
    sessions_end_for_user,
    set_resident_phone,
    totp_begin,
    totp_confirm,
    totp_secret,
    totp_uri,
    two_factor_disable,
    two_factor_enrolled,
    two_factor_verify,
)
from linli.accounts.views import _next_url
from linli.core.errors import Forbidden, InvalidInput, LinliError
from linli.core.pagination import keyset_page
from linli.core.scoping import scope_for


def _reauth_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('accounts:reauth')}?next={quote(reverse('accounts:security'))}")


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify the second factor of this login, or enrol first if the user has none yet."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _next_url(request)
    if request.session.get(MFA) == "ok" and request.method == "GET":
        return redirect(next_url)
    if two_factor_enrolled(user):
        error = ""
        if request.method == "POST":
            try:
                two_factor_verify(user=user, code=request.POST.get("code", ""), request=request)
            except LinliError as exc:
                error = exc.message
            else:
                mark_two_factor_passed(request.session)
                return redirect(next_url)
        return render(
            request, "accounts/two_factor_verify.html", {"error": error, "next": next_url}, status=422 if error else 200
        )
    return _enrol(request, user, next_url)


def _enrol(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    import segno

    error = ""
    if request.method == "POST":
        try:
            codes = totp_confirm(
                user=user,
                code=request.POST.get("code", ""),
                request=request,
                completes_login=request.session.get(MFA) != "ok",
            )
        except LinliError as exc:
            error = exc.message
        else:
            mark_two_factor_passed(request.session)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
    pending = TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).exists()
    secret = totp_secret(user) if pending else totp_begin(user=user)
    qr_svg = segno.make(totp_uri(user=user, secret=secret), error="m").svg_inline(scale=4, dark="#000", light="#fff")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "qr_svg": qr_svg,
            "secret": secret,
            "grouped": grouped,
            "error": error,
            "next": next_url,
            "required": needs_two_factor(user),
        },
        status=422 if error else 200,
    )


@login_required
def reauth(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            reauthenticate(user=request.user, password=request.POST.get("password", ""), request=request)  # type: ignore[arg-type]
        except LinliError as exc:
            error = exc.message
        else:
            request.session[REAUTH_AT] = int(time.time())
            return redirect(_next_url(request))
    return render(
        request, "accounts/reauth.html", {"error": error, "next": _next_url(request)}, status=422 if error else 200
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """My account security: password, phone, two-factor, my sessions."""
    user: User = request.user  # type: ignore[assignment]
    sessions = list(UserSession.objects.filter(user=user, ended_at__isnull=True).order_by("-last_seen_at")[:50])
    return render(
        request,
        "accounts/security.html",
        {
            "sessions": sessions,
            "current_key": request.session.session_key,
            "enrolled": two_factor_enrolled(user),
            "required": needs_two_factor(user),
            "password_age": password_age_days(user),
            "reauth_ok": recently_reauthenticated(request),
            "unused_codes": user.recovery_codes.filter(used_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
def password_change_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        reauthenticate(user=user, password=request.POST.get("old_password", ""), request=request)
        if request.POST.get("new_password", "") != request.POST.get("new_password2", ""):
            raise InvalidInput(_("两次输入的新密码不一致"), field="new_password2")
        password_change(user=user, new_password=request.POST.get("new_password", ""), request=request)
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        update_session_auth_hash(request, user)  # keep this session, end none other by surprise
        messages.success(request, _("密码已修改"))
    return redirect("accounts:security")


@login_required
@require_POST
def phone_change(request: HttpRequest) -> HttpResponse:
    if not recently_reauthenticated(request):
        return _reauth_redirect(request)
    try:
        set_resident_phone(user=request.user, phone=request.POST.get("phone", ""), request=request)  # type: ignore[arg-type]
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("登录手机号已更新"))
    return redirect("accounts:security")


@login_required
@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    if not recently_reauthenticated(request):
        return _reauth_redirect(request)
    two_factor_disable(actor=request.user, user_id=request.user.pk, request=request)  # type: ignore[arg-type]
    request.session.pop(MFA, None)  # who must use 2FA enrols again before anything else
    messages.success(request, _("两步验证已停用"))
    return redirect("accounts:security")


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    if not recently_reauthenticated(request):
        return _reauth_redirect(request)
    if not two_factor_enrolled(request.user):  # type: ignore[arg-type]
        messages.error(request, _("请先启用两步验证"))
        return redirect("accounts:security")
    codes = recovery_codes_issue(user=request.user, request=request)  # type: ignore[arg-type]
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})


@login_required
@require_POST
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    session_revoke(actor=request.user, session_id=session_id, request=request)  # type: ignore[arg-type]
    messages.success(request, _("该会话已结束"))
    return redirect("accounts:security")


def _require_admin(request: HttpRequest) -> None:
    if not scope_for(request.user).everything:  # type: ignore[arg-type]
        raise Forbidden(_("只有系统管理员可以管理他人的会话"))


@login_required
def admin_sessions(request: HttpRequest) -> HttpResponse:
    """Active sessions of everyone, newest activity first (keyset by id), filterable by username."""
    _require_admin(request)
    qs = UserSession.objects.filter(ended_at__isnull=True).select_related("user")
    username = request.GET.get("user", "").strip()
    if username:
        qs = qs.filter(user__username=username)
    page = keyset_page(qs, key="id", cursor=request.GET.get("cursor"), limit=50, descending=True)
    return render(
        request, "accounts/admin_sessions.html", {"sessions": page.items, "next": page.next, "username": username}
    )


@login_required
@require_POST
def admin_end_sessions(request: HttpRequest, user_id: int) -> HttpResponse:
    _require_admin(request)
    ended = sessions_end_for_user(actor=request.user, user_id=user_id, request=request)  # type: ignore[arg-type]
    messages.success(request, _("已结束 %(n)d 个会话,并撤销其访问令牌") % {"n": ended})
    return redirect("accounts:admin_sessions")


@login_required
@require_POST
def admin_reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    _require_admin(request)
    two_factor_disable(actor=request.user, user_id=user_id, request=request)  # type: ignore[arg-type]
    sessions_end_for_user(actor=request.user, user_id=user_id, request=request)  # type: ignore[arg-type]
    messages.success(request, _("已重置两步验证;该用户下次登录时重新设置"))
    return redirect("accounts:admin_sessions")
