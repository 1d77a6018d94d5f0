"""The checklist templates page: everyone on the staff reads them; administrators add and switch them off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import LinliError
from linli.visits.models import ChecklistTemplate
from linli.visits.services_checklists import (
    checklist_template_create,
    checklist_template_set_active,
    may_edit_checklists,
    parse_item_lines,
)
from linli.visits.views_visits import _int, require_staff


@login_required
def checklists_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    error = None
    form = {"name": "", "description": "", "items": "", "requires_answer": True}
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("template_id"):
                checklist_template_set_active(
                    actor=request.user,
                    template_id=_int(p.get("template_id"), "template_id") or 0,
                    active=p.get("active") == "1",
                )
            else:
                form = {
                    "name": p.get("name", ""),
                    "description": p.get("description", ""),
                    "items": p.get("items", ""),
                    "requires_answer": p.get("requires_answer") == "1",
                }
                checklist_template_create(
                    actor=request.user,
                    name=form["name"],
                    description=form["description"],
                    items=parse_item_lines(form["items"]),
                    requires_answer=form["requires_answer"],
                )
        except LinliError as exc:
            if exc.status in (403, 404):
                raise
            error = exc
        else:
            messages.success(request, _("检查清单已保存。"))
            return redirect("visits:checklists")
    return render(
        request,
        "visits/checklists.html",
        {
            "templates": list(ChecklistTemplate.objects.all()),
            "may_edit": may_edit_checklists(request.user),
            "error": error,
            "form": form,
        },
        status=422 if error else 200,
    )
