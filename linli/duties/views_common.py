"""Helpers the duty pages share: where a refused form's error goes, a choice the page offered."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput
from linli.core.identifiers import parse_id


def pick(options: Iterable[Any], raw: Any, field: str, label: str, *, required: bool = True) -> Any:
    """One of the options the page offered (already scoped), by id; blank is None unless ``required``."""
    if not required and not str(raw or "").strip():
        return None
    pk = parse_id(raw)
    for option in options:
        if option.pk == pk:
            return option
    raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)


def form_error(form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form, "error_rows": getattr(error, "rows", [])}
