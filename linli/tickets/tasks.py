"""Huey hooks: the deadline sweep runs from ``linli.notify``'s periodic task."""

from __future__ import annotations

from linli.notify.sweeps import register_sweep
from linli.tickets.sweep import sweep_deadlines


@register_sweep
def ticket_deadline_sweep() -> None:
    sweep_deadlines()
