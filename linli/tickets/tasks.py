"""Huey hooks: the deadline sweep runs from ``linli.notify``'s periodic task; each request event's
notifications are sent by the worker (``ticket_event_notify``)."""

from __future__ import annotations

from typing import Any

from huey.contrib.djhuey import db_task

from linli.notify.sweeps import register_sweep
from linli.tickets.models import TicketEvent
from linli.tickets.notifications import after_event, from_notice
from linli.tickets.sweep import sweep_deadlines


@db_task()
def ticket_event_notify(event_id: int, notice: dict[str, Any] | None = None) -> None:
    """Tell reporters, handlers and the community's robot about one request event: as ``notice``
    describes it when the web process sent one (``notifications.notice_of``), else read back."""
    if notice is not None:
        after_event(*from_notice(notice))
        return
    # The handling unit comes with it: handlers() reads its path (one query fewer per event).
    event = TicketEvent.objects.select_related("ticket__handling_place").filter(pk=event_id).first()
    if event is not None:
        after_event(event.ticket, event)


@register_sweep
def ticket_deadline_sweep() -> None:
    sweep_deadlines()
