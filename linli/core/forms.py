"""Helpers for server-rendered forms that every app's pages share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.core.identifiers import parse_id


def pick(options: Iterable[Any], raw: Any, field: str, label: str, *, required: bool = True) -> Any:
    """One of the options the page offered (already scoped), by id; anything else is "choose one" naming the field.
    Blank is None when the choice is not ``required``."""
    if not required and not str(raw or "").strip():
        return None
    pk = parse_id(raw)
    for option in options:
        if option.pk == pk:
            return option
    raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
