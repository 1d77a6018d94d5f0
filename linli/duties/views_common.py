"""Helpers the duty pages share: where a refused form's error goes, a choice the page offered."""

from __future__ import annotations

from typing import Any

from linli.core.errors import Conflict, InvalidInput
from linli.core.forms import pick  # noqa: F401  (the pages import it from here)


def form_error(form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form, "error_rows": getattr(error, "rows", [])}
