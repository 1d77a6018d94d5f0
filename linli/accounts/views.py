"""Login pages: password for staff (and residents who set one), phone + code for residents."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.forms import CodeLoginForm, CodeRequestForm, PasswordLoginForm
from linli.accounts.middleware import MFA, PASSWORD_EXPIRED, SEEN_DB, TRACKED, start_session_clock
from linli.accounts.models import User
from linli.accounts.services import (
    login_with_code,
    login_with_password,
    needs_two_factor,
    otp_request,
    password_expired,
    session_ended,
    session_register,
)
from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import LinliError
from linli.core.identifiers import normalise_phone
from linli.core.ratelimit import RateLimited, address_of, rate_limit


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def _username_for(identifier: str) -> str:
    """Residents may type their phone number in the username box."""
    text = identifier.strip()
    if text.isdigit() or text.startswith("+"):
        try:
            phone_hash = crypto.keyed_hash("phone", normalise_phone(text))
        except LinliError:
            return text
        user = User.objects.filter(phone_hash=phone_hash).only("username").first()
        if user is not None:
            return user.username
    return text


def start_login(request: HttpRequest, user: User, *, method: str) -> None:
    """Log in (new session key), start the absolute clock, track the session, note an old password.

    The second factor is still owed when the user needs it: the session middleware holds it at the
    2FA pages until ``mark_two_factor_passed``."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    start_session_clock(request.session)
    request.session.save()
    session_register(user=user, session_key=request.session.session_key or "", request=request)
    request.session[TRACKED] = True
    request.session[SEEN_DB] = int(time.time())
    request.session[PASSWORD_EXPIRED] = password_expired(user)
    if request.session[PASSWORD_EXPIRED]:
        messages.warning(
            request, _("您的密码已超过 %(d)d 天未更换,请尽快修改。") % {"d": settings.PASSWORD_MAX_AGE_DAYS}
        )


def _note_rate_limit(request: HttpRequest, exc: LinliError) -> None:
    if isinstance(exc, RateLimited):
        request._linli_retry_after = exc.retry_after  # type: ignore[attr-defined]


def _rate_limit_status(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """The form shows the message; the status says 429 and when to retry."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        response = view(request)
        retry = getattr(request, "_linli_retry_after", None)
        if retry is not None:
            response.status_code = 429
            response["Retry-After"] = str(retry)
        return response

    return wrapped


@_rate_limit_status
def login_page(request: HttpRequest) -> HttpResponse:
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit(purpose="login.address", key=address_of(request), request=request)
            user = login_with_password(
                username=_username_for(form.cleaned_data["username"]),
                password=form.cleaned_data["password"],
                request=request,
            )
        except LinliError as exc:
            _note_rate_limit(request, exc)
            form.add_error(None, exc.message)
        else:
            start_login(request, user, method="password")
            if request.session.get(MFA) != "ok" and needs_two_factor(user):
                return redirect(f"{reverse('accounts:two_factor')}?next={quote(_next_url(request))}")
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "code_form": CodeRequestForm(), "next": _next_url(request)},
    )


@_rate_limit_status
def code_page(request: HttpRequest) -> HttpResponse:
    """Step 1 sends a code (POST phone); step 2 logs in (POST phone + code)."""
    if request.method == "POST" and "code" in request.POST:
        form = CodeLoginForm(request.POST)
        if form.is_valid():
            try:
                rate_limit(purpose="login.address", key=address_of(request), request=request)
                user = login_with_code(
                    phone=form.cleaned_data["phone"], code=form.cleaned_data["code"], request=request
                )
            except LinliError as exc:
                _note_rate_limit(request, exc)
                form.add_error("code", exc.message)
            else:
                start_login(request, user, method="otp")
                return redirect(_next_url(request))
        return render(request, "accounts/code.html", {"form": form, "sent": True})
    request_form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and request_form.is_valid():
        try:
            otp_request(phone=request_form.cleaned_data["phone"], request=request)
        except LinliError as exc:
            _note_rate_limit(request, exc)
            request_form.add_error("phone", exc.message)
        else:
            messages.info(request, _("如果该手机号已注册,验证码已发送。"))
            form = CodeLoginForm(initial={"phone": request_form.cleaned_data["phone"]})
            return render(request, "accounts/code.html", {"form": form, "sent": True})
    return render(request, "accounts/code.html", {"form": request_form, "sent": False})


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(action="logout", actor=request.user, request=request)
        if request.session.session_key:
            session_ended(session_key=request.session.session_key, reason="logout")
    logout(request)
    return redirect("accounts:login")
