"""Party-life pieces shown on other apps' pages (the place tree), scoped by the party org tree."""

from __future__ import annotations

from typing import Any

from django import template

from linli.partylife.selectors import duties_at_place

register = template.Library()


@register.inclusion_tag("partylife/_duty_areas.html", takes_context=True)
def duty_areas(context: Any, place: Any) -> dict[str, Any]:
    """党员中心户 and the households of their 责任区 under ``place``; nothing for anyone who may not
    see party data (a grid worker, a resident), so the section does not appear at all."""
    user = context["request"].user
    return {"areas": duties_at_place(user, place.path), "place": place}
