"""Huey hooks: the deadline sweep runs from ``linli.notify``'s periodic task; each request event's
notifications are sent by the worker (``ticket_event_notify``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from linli.notify.sweeps import register_sweep
from linli.tickets.models import TicketEvent
from linli.tickets.notifications import after_event
from linli.tickets.sweep import sweep_deadlines


@db_task()
def ticket_event_notify(event_id: int) -> None:
    """Tell reporters, handlers and the community's robot about one request event."""
    # The handling unit comes with it: handlers() reads its path (one query fewer per event).
    event = TicketEvent.objects.select_related("ticket__handling_place").filter(pk=event_id).first()
    if event is not None:
        after_event(event.ticket, event)


@register_sweep
def ticket_deadline_sweep() -> None:
    sweep_deadlines()
