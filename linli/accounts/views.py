"""Login pages: password for staff (and residents who set one), phone + code for residents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.forms import CodeLoginForm, CodeRequestForm, PasswordLoginForm
from linli.accounts.models import User
from linli.accounts.services import login_with_code, login_with_password, otp_request
from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import LinliError
from linli.core.identifiers import normalise_phone


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


def login_page(request: HttpRequest) -> HttpResponse:
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_with_password(
                username=_username_for(form.cleaned_data["username"]),
                password=form.cleaned_data["password"],
                request=request,
            )
        except LinliError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "code_form": CodeRequestForm(), "next": _next_url(request)},
    )


def code_page(request: HttpRequest) -> HttpResponse:
    """Step 1 sends a code (POST phone); step 2 logs in (POST phone + code)."""
    if request.method == "POST" and "code" in request.POST:
        form = CodeLoginForm(request.POST)
        if form.is_valid():
            try:
                user = login_with_code(
                    phone=form.cleaned_data["phone"], code=form.cleaned_data["code"], request=request
                )
            except LinliError as exc:
                form.add_error("code", exc.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(_next_url(request))
        return render(request, "accounts/code.html", {"form": form, "sent": True})
    request_form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and request_form.is_valid():
        try:
            otp_request(phone=request_form.cleaned_data["phone"], request=request)
        except LinliError as exc:
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
    logout(request)
    return redirect("accounts:login")
