"""Who reads and who keeps a community's service list.

- **Reading** the published list, a published or withdrawn (停办) item, the publications (公示 versions) and the
  .xlsx of the list: anyone, signed in or not. The list carries no personal data: it is published so residents
  know what to ask for.
- **Keeping** the list (creating, editing, withdrawing and reordering items, importing from Excel, publishing):
  ``manage`` (or ``admin``) at the community: its staff and secretary, the street's staff and leaders above it,
  district leaders. A draft is seen only by them; for anyone else it is the 404 of a missing id.
- **Figures** of a street or community: ``manage``, ``lead`` or ``admin`` at that node.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from linli.core.scoping import may_lead_at, may_manage_at, scope_for


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def may_keep(user: Any, path: str) -> bool:
    """Whether the user keeps the list of the community at ``path``."""
    return signed_in(user) and may_manage_at(user, path)


def may_see_figures(user: Any, path: str) -> bool:
    return signed_in(user) and may_lead_at(user, path)


def kept_q(user: Any, field: str = "place_path") -> Q:
    """Rows of the communities whose list the user keeps."""
    if not signed_in(user):
        return Q(pk__in=[])
    scope = scope_for(user, "manage")
    return scope.q(field) if not scope.empty else Q(pk__in=[])


def keeps_anything(user: Any) -> bool:
    return signed_in(user) and not scope_for(user, "manage").empty
