"""Resident pages: my own record (masked, all my tags) and a correction request form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput
from linli.people.models import CorrectionField
from linli.people.selectors import own_corrections, own_record
from linli.people.services import correction_request


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    context = {
        "person": own_record(request.user),
        "corrections": own_corrections(request.user)[:20],
        "fields": CorrectionField.choices,
    }
    if request.method == "POST":
        try:
            correction_request(
                actor=request.user,
                field=request.POST.get("field", ""),
                requested_value=request.POST.get("requested_value", ""),
                message=request.POST.get("message", ""),
            )
        except (InvalidInput, Conflict) as exc:
            return render(request, "people/my_record.html", {**context, "error": exc.message}, status=exc.status)
        messages.success(request, _("更正申请已提交,社区工作人员会尽快处理"))
        return redirect("people:my_record")
    return render(request, "people/my_record.html", context)
