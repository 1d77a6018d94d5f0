"""Password rules beyond Django's: three of four character classes, and none of the last N passwords.

Both are listed in ``AUTH_PASSWORD_VALIDATORS`` next to Django's minimum length and common-password
list (等保 2.0 身份鉴别: complexity and periodic change; reuse refused).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of: lower-case letters, upper-case letters, digits, other characters."""
    return sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("至少包含小写字母、大写字母、数字、符号中的 %(n)d 类") % {"n": self.min_classes}


class PasswordHistoryValidator:
    """Refuse the current password and the last ``PASSWORD_HISTORY`` ones (compared by hash)."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        from linli.accounts.models import PasswordHistory

        keep = int(getattr(settings, "PASSWORD_HISTORY", 5))
        if keep <= 0:
            return
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-created_at", "-id")
            .values_list("password", flat=True)[:keep]
        )
        if user.password:
            hashes.append(user.password)
        if any(check_password(password, h) for h in hashes):
            raise ValidationError(_("不能与最近 %(n)d 次使用过的密码相同") % {"n": keep}, code="password_reused")

    def get_help_text(self) -> str:
        return _("不能与最近几次使用过的密码相同")
