"""Helpers the shared-income pages share: a refused form's error, the figures' period, reading 元 and dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from linli.commons import selectors as sel
from linli.core.dates import parse_day
from linli.core.errors import Conflict, InvalidInput

PageError = InvalidInput | Conflict


def form_error(form: str, error: PageError | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form}


def period(request: HttpRequest) -> tuple[dt.date, dt.date, InvalidInput | None]:
    """``?from=&to=`` (default: this year so far); a bad or reversed range falls back, with its error."""
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


def whole(raw: Any, *, field: str, label: str) -> int:
    """A whole number typed into a form (a year, a quarter)."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
    return int(text)
