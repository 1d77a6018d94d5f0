"""Import pages: upload → preview (errors by row and column) → commit of the valid rows."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput
from linli.people.import_services import MAX_IMPORT_BYTES, access_batch, import_commit, import_preview
from linli.people.models import ImportBatch
from linli.people.sheets import TEMPLATE_HEADERS, XLSX_CONTENT_TYPE, write_template

SHOWN_ERRORS = 500


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    context = {
        "headers": TEMPLATE_HEADERS,
        "max_mb": MAX_IMPORT_BYTES // 1024 // 1024,
        "batches": ImportBatch.objects.filter(created_by=request.user)[:10],
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("请选择要上传的文件"), field="file")
            batch = import_preview(actor=request.user, upload=upload, name=upload.name or "", size=upload.size or 0)
        except InvalidInput as exc:
            return render(request, "people/import_upload.html", {**context, "error": exc.message}, status=422)
        return redirect("people:import_preview", batch_id=batch.pk)
    return render(request, "people/import_upload.html", context)


@login_required
def import_preview_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    return render(
        request,
        "people/import_preview.html",
        {"batch": batch, "errors": batch.errors[:SHOWN_ERRORS], "more": max(0, len(batch.errors) - SHOWN_ERRORS)},
    )


@login_required
@require_POST
def import_commit_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    import_commit(actor=request.user, batch=batch)
    return redirect("people:import_preview", batch_id=batch.pk)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    buffer = io.BytesIO()
    write_template(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E5%B1%85%E6%B0%91%E5%8F%B0%E8%B4%A6%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response
