"""Money as integer 分 (fen): read from what a person types in 元, shown in 元 with two decimals. Never a float.

A person types "50000", "50,000.00", "５００００" (full width), "1234.5" or "1234.5元"; more than two decimals,
a sign, letters or an amount beyond ``MAX_YUAN`` are refused naming the field.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.identifiers import half_width

MAX_YUAN = 100_000_000  # one hundred million 元: far above any street's round
MAX_FEN = MAX_YUAN * 100


def parse_yuan(raw: Any, *, field: str, label: str, required: bool = True) -> int | None:
    """The amount in 分 of a typed 元 amount; blank is None unless ``required``."""
    text = half_width(str(raw if raw is not None else "")).strip().replace(",", "").replace(" ", "")
    text = text.removesuffix("元")
    if not text:
        if required:
            raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
        return None
    if not all(c.isascii() and (c.isdigit() or c == ".") for c in text) or text.count(".") > 1 or text == ".":
        raise InvalidInput(_("%(label)s应为金额(元),如 12345.67") % {"label": label}, field=field)
    _whole, _dot, cents = text.partition(".")
    if len(cents) > 2:
        raise InvalidInput(_("%(label)s最多精确到分(两位小数)") % {"label": label}, field=field)
    try:
        fen = int(Decimal(text) * 100)
    except InvalidOperation:
        raise InvalidInput(_("%(label)s应为金额(元),如 12345.67") % {"label": label}, field=field) from None
    return check_fen(fen, field=field, label=label)


def check_fen(fen: Any, *, field: str, label: str, allow_zero: bool = False) -> int:
    """An amount in 分 as the API sends it: a whole number, above zero (or zero when allowed), within bounds."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise InvalidInput(_("%(label)s应为以分计的整数") % {"label": label}, field=field)
    if fen < 0 or (fen == 0 and not allow_zero):
        raise InvalidInput(_("%(label)s应大于零") % {"label": label}, field=field)
    if fen > MAX_FEN:
        raise InvalidInput(_("%(label)s不能超过 %(max)s 元") % {"label": label, "max": f"{MAX_YUAN:,}"}, field=field)
    return fen


def yuan(fen: int | None) -> str:
    """``1234567`` → ``"12,345.67"`` (元 with two decimals); None → ``""``."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def yuan_plain(fen: int | None) -> str:
    """``1234567`` → ``"12345.67"``: for a form field and the API (no thousands separator)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def wan(fen: int | None) -> str:
    """``123456789`` → ``"123.46"`` (万元, two decimals, rounded half up), for the headline figures."""
    if fen is None:
        return ""
    amount = (Decimal(int(fen)) / Decimal(1_000_000)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    return f"{amount:,.2f}"
