"""The readable name of an audit action code (``{{ e.action|action_label }}``)."""

from __future__ import annotations

from django import template

from linli.audit.actions import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """The translated label, or the code itself when it has none."""
    return _action_label(code)
