"""Work report pages (list, request, progress, download) and the streaming request export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput, NotFound
from linli.core.scoping import get_or_not_found
from linli.insights import drilldown, periods, services
from linli.insights import selectors as s
from linli.insights.models import PeriodKind, WorkReport
from linli.insights.views import list_filter, period_from
from linli.tickets import export

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def visible_reports(user: Any) -> Any:
    return WorkReport.objects.visible_to(user).select_related("node")


# The numbers each kind of report is asked for by: a month (1–12), a quarter (1–4); a year needs none.
PERIOD_NUMBERS = {PeriodKind.MONTH: range(1, 13), PeriodKind.QUARTER: range(1, 5), PeriodKind.YEAR: range(0)}


@login_required
def reports_page(request: HttpRequest) -> HttpResponse:
    node = s.dashboard_node(request.user, request.GET.get("node"))
    return _reports(request, node)


def _reports(
    request: HttpRequest, node: Any, *, form: dict[str, str] | None = None, error: InvalidInput | None = None
) -> HttpResponse:
    """The report list with the request form: last month's report by default, or what was sent when
    the form was refused (``error`` shown on the form, 422)."""
    reports = list(visible_reports(request.user).filter(place_path__under=node.path).order_by("-since", "-id")[:100])
    last = periods.last_month()
    today = timezone.localdate()
    form = form or {
        "period_kind": PeriodKind.MONTH,
        "year": str(last.since.year),
        "number": str(last.since.month),
    }
    return render(
        request,
        "insights/reports.html",
        {
            "node": node,
            "reports": reports,
            "kinds": PeriodKind.choices,
            "form": form,
            "error": error,
            "years": [str(y) for y in range(today.year, today.year - 6, -1)],
            "numbers": [
                {"value": str(n), "kinds": " ".join(k for k, ns in PERIOD_NUMBERS.items() if n in ns)}
                for n in PERIOD_NUMBERS[PeriodKind.MONTH]
            ],
        },
        status=error.status if error else 200,
    )


def _int(raw: Any, field: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("请填写数字"), field=field) from None


@login_required
@require_POST
def report_request(request: HttpRequest) -> HttpResponse:
    """Queue a report; a period that does not fit its kind (quarter 11) or has not begun yet is shown
    as an error on the form, with what was chosen still chosen."""
    p = request.POST
    kind = p.get("period_kind") or PeriodKind.MONTH
    try:
        report = services.report_request(
            actor=request.user,
            node_id=p.get("node"),
            period_kind=kind,
            year=_int(p.get("year"), "year"),
            number=_int(p.get("number") or 1, "number"),
        )
    except InvalidInput as exc:
        node = s.dashboard_node(request.user, p.get("node"))
        form = {"period_kind": kind, "year": p.get("year", ""), "number": p.get("number", "")}
        return _reports(request, node, form=form, error=exc)
    messages.success(request, _("已提交:%(node)s%(title)s") % {"node": report.node.name, "title": report.title})
    return redirect("insights:report", report_id=report.pk)


@login_required
def report_page(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_or_not_found(visible_reports(request.user), report_id)
    template = "insights/_report_status.html" if request.headers.get("HX-Request") else "insights/report.html"
    return render(request, template, {"report": report})


@login_required
def report_download(request: HttpRequest, report_id: int, fmt: str) -> FileResponse:
    if fmt not in FORMATS:
        raise NotFound(_("未找到该文件"))
    report = get_or_not_found(visible_reports(request.user), report_id)
    stored = getattr(report, fmt)
    if not stored:
        raise NotFound(_("报告尚未生成"))
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ObjectDoesNotExist):
        raise NotFound(_("报告文件不存在,请重新生成")) from None
    services.report_downloaded(actor=request.user, report=report, fmt=fmt, request=request)
    return FileResponse(
        handle, as_attachment=True, filename=f"{report.node.name}{report.title}.{fmt}", content_type=FORMATS[fmt]
    )


@login_required
def export_requests(request: HttpRequest) -> StreamingHttpResponse:
    """The requests behind a figure as CSV: the same streamed writer as ``/requests/export.csv``
    (``linli.tickets.export``), fed with the figure's list. Audited as an insights export."""
    node = s.dashboard_node(request.user, request.GET.get("node"))
    period = period_from(request.GET)
    f = list_filter(request.GET)
    qs = drilldown.requests_behind(request.user, node, period, f).order_by("id")
    services.export_recorded(
        actor=request.user, node=node, period=period, figure="overdue" if f.overdue else f.figure, request=request
    )
    return export.csv_response(export.rows_of(qs), filename=f"requests-{period.since}-{period.until}.csv")
