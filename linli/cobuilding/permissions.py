"""Who may do what in co-building, from the capabilities at the node (``linli.people.positions``).

- ``manage`` (street and community staff, leaders): contracts, committees, ratings, list decisions,
  partners' resources, needs, projects and funds.
- ``handle`` (grid workers, branch secretaries …): record needs heard on patrol or at a visit.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import Forbidden
from linli.core.scoping import capabilities_at


def may(actor: Any, path: str, capability: str) -> bool:
    caps = capabilities_at(actor, path)
    return capability in caps or "admin" in caps


def require(actor: Any, path: str, capability: str, message: str) -> None:
    if not may(actor, path, capability):
        raise Forbidden(message)


def clean_text(value: Any, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    from linli.core.errors import InvalidInput

    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
    if len(text) > max_length:
        raise InvalidInput(
            _("%(label)s不能超过 %(max_length)d 字") % {"label": label, "max_length": max_length}, field=field
        )
    return text
