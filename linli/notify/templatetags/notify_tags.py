"""The unread badge in the top navigation: one capped COUNT per page."""

from __future__ import annotations

from typing import Any

from django import template

from linli.notify.selectors import BADGE_CAP, unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context: Any) -> str:
    """Empty when nothing is unread, else the number ("99+" beyond the cap)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    cache = getattr(request, "_linli_unread", None)
    if cache is None:
        n = unread_count(user)
        cache = "" if n == 0 else (f"{BADGE_CAP}+" if n > BADGE_CAP else str(n))
        request._linli_unread = cache
    return str(cache)


@register.simple_tag(takes_context=True)
def may_manage_robots(context: Any) -> bool:
    """Whether to show the group-robot settings link (positions are cached on the user per request)."""
    from linli.core.scoping import scope_for

    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and not scope_for(user, "manage").empty)
