"""The audit log page for system administrators: filter by action, actor, outcome; keyset pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden
from linli.core.pagination import keyset_page
from linli.core.scoping import scope_for


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).everything:
        raise Forbidden("只有系统管理员可以查看审计日志")
    qs = AuditEvent.objects.all()
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    outcome = request.GET.get("outcome", "")
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_label=actor)
    if outcome in ("ok", "fail"):
        qs = qs.filter(success=outcome == "ok")
    page = keyset_page(qs, key="id", cursor=request.GET.get("cursor"), limit=50, descending=True)
    return render(
        request,
        "audit/index.html",
        {"events": page.items, "next": page.next, "action": action, "actor": actor, "outcome": outcome},
    )
