"""Huey hooks: overdue care visits and hazard inspections are reminded from ``linli.notify``'s sweep."""

from __future__ import annotations

from linli.notify.sweeps import register_sweep
from linli.visits.sweep import sweep_visit_reminders


@register_sweep
def visit_reminder_sweep() -> None:
    sweep_visit_reminders()
