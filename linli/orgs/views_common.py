"""Helpers the orgs pages share: read a choice the page offered, and place an error beside its field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput
from linli.core.identifiers import parse_id


def pick(options: Iterable[Any], raw: Any, field: str, label: str) -> Any:
    """One of the options the page offered (already scoped), by id; anything else is "choose one"."""
    pk = parse_id(raw)
    for option in options:
        if option.pk == pk:
            return option
    raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)


def form_error(fields: dict[str, set[str]], form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    """What the templates need to show ``error`` beside its field of ``form``; an error on a field the form
    does not show (or on none) is shown at the top of the form (``orgs/_error.html`` with ``field=""``)."""
    if error is None:
        return {"error": None, "error_form": "", "error_field": ""}
    field = error.field if error.field in fields.get(form, set()) else ""
    return {"error": error, "error_form": form, "error_field": field}
