"""Free text typed into a form or sent to the API (a title, a note, a reason): one cleaner for every service.

Lengths are counted in characters, as a resident counts them: "问题描述" is four, not twelve bytes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput


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
