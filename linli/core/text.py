"""Free text typed into a form or sent to the API (a title, a note, a reason): one cleaner for every service.

Lengths are counted in characters, as a resident counts them: "问题描述" is four, not twelve bytes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.identifiers import half_width


def clean_text(
    value: Any, *, field: str, label: str, max_length: int, required: bool = True, show_length: bool = False
) -> str:
    """``value`` without surrounding whitespace, or ``InvalidInput`` naming ``field``.

    ``None`` is an empty value; anything else that is not text is taken as its ``str()`` (``0`` is ``"0"``).
    Leading and trailing whitespace (full-width spaces and newlines too) is dropped; newlines inside are kept.
    Empty is refused when ``required`` ("请填写<label>"); longer than ``max_length`` characters is refused
    ("<label>不能超过 N 字", or with ``show_length`` "<label>最多 N 个字,当前 M 个字" for long text a resident
    pastes in and has to shorten). ``label`` is shown as given: pass it translated (``_("标题")``).
    """
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
    if len(text) > max_length:
        if show_length:
            message = _("%(label)s最多 %(limit)d 个字,当前 %(length)d 个字") % {
                "label": label,
                "limit": max_length,
                "length": len(text),
            }
        else:
            message = _("%(label)s不能超过 %(max_length)d 字") % {"label": label, "max_length": max_length}
        raise InvalidInput(message, field=field)
    return text


DIGITS_MAX = 18  # longer than any bound a count has here, and far short of int()'s 4,300-digit limit


def whole_number(raw: Any, *, field: str, label: str, low: int, high: int, default: int | None = None) -> int:
    """A count typed into a form or sent to the API: a whole number from ``low`` to ``high``, or ``InvalidInput``
    naming the field. Full-width digits (１２, from a Chinese input method) read as digits; a sign, a decimal, a
    boolean or words are refused, never truncated or guessed. Blank is ``default`` when one is given. A run of
    digits longer than any bound is refused before ``int()``, which raises ``ValueError`` past 4,300 digits."""
    if isinstance(raw, bool):
        raw = None
    text = half_width(str(raw)).strip() if raw is not None else ""
    if not text:
        if default is not None:
            return default
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
    if not (text.isascii() and text.isdigit()) or len(text) > DIGITS_MAX or not low <= int(text) <= high:
        raise InvalidInput(
            _("%(label)s应为 %(low)d 到 %(high)d 之间的整数") % {"label": label, "low": low, "high": high}, field=field
        )
    return int(text)
