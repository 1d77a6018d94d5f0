"""Masks for personal identifiers, applied on every page, list, export and API response."""

from __future__ import annotations

import re

# In free text a resident wrote (a request's description, a note): mobile numbers with or without +86 and
# with spaces or dashes, landlines with an area code, 18-digit ID numbers. Not inside a longer run of
# digits or letters (an order number, a hash).
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3})[ -]?(\d{3,4})(\d{4})(?![0-9A-Za-z])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


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


def mask_numbers_in_text(text: str) -> str:
    """Mask phone and ID numbers inside free text, as the fields are masked: ``我电话13912345678`` →
    ``我电话139****5678``; ``0551-62345678`` → ``0551-****5678``; an ID number → ``340104********1234``.
    For text published beyond the staff who may see it (the Open311 feed)."""
    text = _ID_NUMBER.sub(lambda m: f"{m[1]}********{m[2]}", text)
    text = _MOBILE.sub(lambda m: f"{m[1]}****{m[3]}", text)
    return _LANDLINE.sub(lambda m: f"{m[1]}-{'*' * len(m[2])}{m[3]}", text)
