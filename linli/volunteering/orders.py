"""Points for the order board (居民点单 → 党组织下单 → 党员接单): a request claimed by a volunteer and
resolved by that same person earns them points once. Read from request events by the sweep."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from linli.people.models import Person
from linli.tickets.models import TicketEvent
from linli.volunteering.models import EntryReason, PointEntry, PointKind
from linli.volunteering.points import points_credit
from linli.volunteering.selectors_reporting import party_rule_at

ORDER_POINTS = 5  # 志愿积分; the 党员积分 an order earns is the 双报到积分管理办法's (selectors_reporting)
LOOK_BACK = dt.timedelta(days=30)
BATCH = 500


def award_order_points(*, now: dt.datetime | None = None) -> int:
    """Award every resolved order (claimed and resolved by the same person) not yet awarded."""
    now = now or timezone.now()
    events = (
        TicketEvent.objects.filter(action="resolve", at__gte=now - LOOK_BACK, actor__isnull=False)
        .filter(ticket__claimed_by=F("actor"), actor__person__isnull=False)
        .values_list("ticket_id", "ticket__number", "ticket__place_path", "actor__person_id")
        .order_by("id")
    )
    awarded = 0
    rules: dict[str, int] = {}
    done = set(
        PointEntry.objects.filter(
            reason=EntryReason.ORDER, account__kind=PointKind.VOLUNTEER, at__gte=now - LOOK_BACK
        ).values_list("source_key", flat=True)
    )
    for ticket_id, number, place_path, person_id in events[:BATCH]:
        key = f"ticket:{ticket_id}"
        if key in done:
            continue
        person = Person.objects.get(pk=person_id)
        note = f"接单办结 {number}"
        entry = points_credit(
            person=person,
            kind=PointKind.VOLUNTEER,
            amount=ORDER_POINTS,
            reason=EntryReason.ORDER,
            source_key=key,
            note=note,
        )
        if person.is_party_member and place_path not in rules:  # one rule read per place in the sweep
            rules[place_path] = party_rule_at(place_path).points_per_order
        party = rules[place_path] if person.is_party_member else 0
        if party:
            points_credit(
                person=person,
                kind=PointKind.PARTY,
                amount=party,
                reason=EntryReason.ORDER,
                source_key=key,
                note=note,
            )
        done.add(key)
        awarded += entry is not None
    return awarded
