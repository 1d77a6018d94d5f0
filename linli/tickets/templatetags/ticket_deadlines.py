"""``{{ ticket|due_text }}`` and ``{{ ticket|deadline_warning }}`` for request lists and pages."""

from __future__ import annotations

from typing import Any

from django import template

from linli.tickets import deadlines

register = template.Library()


@register.filter
def due_text(ticket: Any) -> str:
    return deadlines.due_text(ticket)


@register.filter
def deadline_warning(ticket: Any) -> str:
    return deadlines.deadline_warning(ticket) or ""
