"""Helpers the venue pages share: a refused form's error, a choice the page offered, the period of the figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from linli.core.dates import parse_day
from linli.core.errors import Conflict, InvalidInput
from linli.core.forms import pick  # noqa: F401  (the pages import it from here)
from linli.venues import selectors as sel


def form_error(form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form}


def period(request: HttpRequest) -> tuple[dt.date, dt.date, InvalidInput | None]:
    """``?from=&to=`` (default: this month so far); a bad or reversed range falls back, with its error."""
    first, last = sel.default_period()
    try:
        since = parse_day(request.GET.get("from"), "from") or first
        until = parse_day(request.GET.get("to"), "to") or last
        if since > until:
            raise InvalidInput(_("开始日期不能晚于结束日期"), field="from")
        if (until - since).days > 366 * 5:
            raise InvalidInput(_("统计期间最长五年"), field="to")
    except InvalidInput as exc:
        return first, last, exc
    return since, until, None


SAFE_NEXT = {"mine": "venues:mine", "approvals": "venues:approvals"}
