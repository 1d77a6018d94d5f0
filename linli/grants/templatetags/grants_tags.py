"""Template filters of the grant pages: money in 元 and 万元, a score, a rate."""

from __future__ import annotations

from typing import Any

from django import template

from linli.grants import money

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """分 → "12,345.67" (元, two decimals); None → "—"."""
    return "—" if fen is None or fen == "" else money.yuan(int(fen))


@register.filter
def wan(fen: Any) -> str:
    """分 → "12.35" (万元, two decimals)."""
    return "—" if fen is None or fen == "" else money.wan(int(fen))


@register.filter
def score(value: Any) -> str:
    """An average score with one decimal; None (no score yet) → "—"."""
    return "—" if value is None else f"{float(value):.1f}"


@register.filter
def rate(value: Any) -> str:
    """0.9234 → "92.3%"; None (no denominator) → "—"."""
    return "—" if value is None else f"{float(value) * 100:.1f}%"


@register.filter
def has(values: Any, value: Any) -> bool:
    """Whether a posted list (checkboxes) holds ``value`` (compared as text)."""
    if not values:
        return False
    return str(value) in {str(v) for v in values}


@register.filter
def field_values(data: Any, name: str) -> list[Any]:
    """Every value a form carries under ``name``: a posted form's list, or a list kept in a dict."""
    if not data:
        return []
    if hasattr(data, "getlist"):
        return list(data.getlist(name))
    value = data.get(name) if hasattr(data, "get") else None
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
