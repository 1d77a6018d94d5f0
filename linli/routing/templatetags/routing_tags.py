"""``{% routing_panel ticket user %}``: the dispatch suggestion and similar open requests on a request's page."""

from __future__ import annotations

from typing import Any

from django import template

from linli.routing.engine import suggest
from linli.routing.models import Suggestion
from linli.routing.selectors import similar_to_ticket
from linli.tickets.models import Category

register = template.Library()


@register.inclusion_tag("routing/_ticket_panel.html")
def routing_panel(ticket: Any, user: Any) -> dict[str, Any]:
    recorded = Suggestion.objects.filter(ticket=ticket).first()
    recorded_rows = []
    if recorded is not None:
        cats = Category.objects.select_related("parent__parent").in_bulk(
            [c["category_id"] for c in recorded.candidates]
        )
        recorded_rows = [(cats[c["category_id"]], c["score"]) for c in recorded.candidates if c["category_id"] in cats]
    prediction = suggest(title=ticket.title, description=ticket.description) if ticket.is_open else None
    return {
        "ticket": ticket,
        "recorded": recorded,
        "recorded_rows": recorded_rows,
        "prediction": prediction,
        "similar": similar_to_ticket(user, ticket) if ticket.is_open else [],
    }
