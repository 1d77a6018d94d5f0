"""Helpers the rota pages share: a choice the page offered, a time typed into a form, where a refused form's error
goes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.forms import pick  # noqa: F401  (the pages import it from here)

FormError = InvalidInput | Conflict | Forbidden


def parse_time(raw: Any, field: str) -> dt.time | None:
    """``HH:MM`` from a time field; blank is None."""
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("时间“%(raw)s”无效,请用 时:分") % {"raw": text[:10]}, field=field) from None


def form_error(form: str, error: FormError | None, row: Any = "") -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": "", "error_row": ""}
    return {"error": error, "error_form": form, "error_row": str(row or "")}
