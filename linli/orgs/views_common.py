"""Helpers the orgs pages share: read a choice the page offered, and place an error beside its field."""

from __future__ import annotations

from typing import Any

from linli.core.errors import Conflict, InvalidInput
from linli.core.forms import pick  # noqa: F401  (the pages import it from here)


def form_error(fields: dict[str, set[str]], form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    """What the templates need to show ``error`` beside its field of ``form``; an error on a field the form
    does not show (or on none) is shown at the top of the form (``orgs/_error.html`` with ``field=""``)."""
    if error is None:
        return {"error": None, "error_form": "", "error_field": ""}
    field = error.field if error.field in fields.get(form, set()) else ""
    return {"error": error, "error_form": form, "error_field": field}
