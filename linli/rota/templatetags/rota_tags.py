"""``{% load rota_tags %}{% rota_today place_path %}``: the "今日值班" cards of the desks serving a place (its
community's, its street's) for any page — a resident's home, a compound's page. One query for the desks and one for
their shifts."""

from __future__ import annotations

from typing import Any

from django import template

from linli.rota.board import today_cards
from linli.rota.selectors import desks_serving

register = template.Library()


@register.inclusion_tag("rota/_today_list.html")
def rota_today(place_path: str) -> dict[str, Any]:
    return {"cards": today_cards(desks_serving(place_path or ""))}


@register.filter
def state_on(shift: Any, today: Any) -> str:
    """planned, checked_in or missed (computed from the day)."""
    return str(shift.state_on(today))
