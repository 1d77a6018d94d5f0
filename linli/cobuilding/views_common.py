"""Helpers shared by the co-building pages: run a service from a form, read ids and dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from linli.core.dates import require_day
from linli.core.errors import Conflict, InvalidInput
from linli.core.scoping import scope_for
from linli.places.models import Place


def int_or_none(raw: Any, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("选择无效"), field=field) from None


def required_int(raw: Any, field: str, label: str) -> int:
    value = int_or_none(raw, field)
    if value is None:
        raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
    return value


def date_or_error(raw: Any, field: str, label: str) -> dt.date:
    """``require_day``, its message led by the field's label (a page has several dates)."""
    try:
        return require_day(raw, field)
    except InvalidInput as exc:
        raise InvalidInput(_("%(label)s:%(reason)s") % {"label": label, "reason": exc.message}, field=field) from None


def managed_places(user: Any, kinds: Iterable[str], *, capability: str = "manage", limit: int = 500) -> list[Place]:
    scope = scope_for(user, capability)
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind__in=list(kinds)).order_by("path")[:limit])


def pick(options: Iterable[Any], raw: Any, field: str, label: str) -> Any:
    """One of the options offered on the page (already scoped), by id."""
    pk = required_int(raw, field, label)
    for option in options:
        if option.pk == pk:
            return option
    raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)


def act(
    request: HttpRequest,
    action: Callable[[], Any],
    ok: str,
    to: str,
    *args: Any,
    refused: Callable[[InvalidInput | Conflict], HttpResponse] | None = None,
) -> HttpResponse:
    """Run a service and go back to the page. A refusal (bad input, wrong state) re-renders the page
    through ``refused`` with the error and the form as typed (422), so nothing is lost; without
    ``refused`` it becomes a message after the redirect."""
    try:
        action()
    except (InvalidInput, Conflict) as exc:
        if refused is not None:
            return refused(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect(to, *args)
