from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from linli.accounts.roles import roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    roles = roles_of(getattr(request, "user", None))
    return {"roles": roles, "is_staff_like": bool(set(roles) & {"admin", "leader", "staff", "grid"})}
