from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PasswordLoginForm(forms.Form):
    username = forms.CharField(label=_("用户名或手机号"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, max_length=128)


class CodeRequestForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20)


class CodeLoginForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20)
    code = forms.CharField(label=_("验证码"), max_length=6, min_length=6)
