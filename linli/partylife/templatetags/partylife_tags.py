"""Party-life pieces shown on other apps' pages (the place tree, a person's ledger page), scoped by the
party org tree."""

from __future__ import annotations

from typing import Any

from django import template

from linli.partylife.selectors import DUTIES_SHOWN, duties_at_place, visible_duties

register = template.Library()


@register.inclusion_tag("partylife/_duty_areas.html", takes_context=True)
def duty_areas(context: Any, place: Any) -> dict[str, Any]:
    """党员中心户 and the households of their 责任区 under ``place``; nothing for anyone who may not
    see party data (a grid worker, a resident), so the section does not appear at all."""
    user = context["request"].user
    return {"areas": duties_at_place(user, place.path), "place": place}


@register.inclusion_tag("partylife/_member_duties.html", takes_context=True)
def member_duties(context: Any, person: Any) -> dict[str, Any]:
    """The households a party member looks after (党员服务责任区), on their ledger page; nothing for
    anyone who may not see party data."""
    user = context["request"].user
    duties = list(
        visible_duties(user)
        .filter(member_id=person.pk)
        .order_by("center__path", "household__place_path", "household__room", "id")[:DUTIES_SHOWN]
    )
    return {"duties": duties}
