from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """0.9234 → "92.3%"; None (no denominator) → "—"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def hours(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f}"
