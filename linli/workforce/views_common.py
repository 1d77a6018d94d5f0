"""Helpers the workforce pages share: a refused form's error, the node a page is about, the 404 of nothing to see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.core.forms import pick  # noqa: F401  (the pages import it from here)
from linli.core.identifiers import parse_id
from linli.core.scoping import NOT_FOUND_MESSAGE
from linli.places.models import Place
from linli.workforce import selectors as sel


def form_error(form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form}


def nothing_here() -> NotFound:
    return NotFound(_(NOT_FOUND_MESSAGE))


def chosen_node(request: HttpRequest, nodes: list[Place]) -> Place | None:
    """``?node=`` among the nodes the page offers (anything else: the first of them)."""
    pk = parse_id(request.GET.get("node"))
    for node in nodes:
        if node.pk == pk:
            return node
    return sel.default_node(request.user) if nodes else None
