"""Masks for personal identifiers, applied on every page, list, export and API response."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """``110101199003071234`` → ``110101********1234``."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` or ``+8613812345678`` → ``138****5678``."""
    if not value:
        return ""
    digits = value[3:] if value.startswith("+86") else value
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """``张三丰`` → ``张*丰``; ``李四`` → ``李*`` (for public pages)."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
