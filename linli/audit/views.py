"""The audit log for system administrators: filters, keyset pages, CSV/xlsx export for assessors.

Reading and exporting the log are themselves audit events (``audit.viewed``, ``audit.exported``).
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.actions import ACTION_LABELS, action_label
from linli.audit.models import AuditEvent
from linli.audit.review import PROBING_DENIALS, review_period, sensitive_review
from linli.audit.selectors import AuditFilter, audit_events, audit_filter_from, require_auditor
from linli.audit.services import audit_record
from linli.core.dates import parse_day
from linli.core.errors import InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.people.sheets import XLSX_CONTENT_TYPE

XLSX_MAX_ROWS = 1_000_000
# "操作代码" is the stored code (what the chain hashes and the filter matches); "操作" is its readable
# name, appended last so the columns before it keep the positions existing readers rely on.
HEADER = [
    "时间",
    "操作人",
    "地址",
    "操作代码",
    "对象类型",
    "对象编号",
    "对象",
    "结果",
    "详情",
    "链序号",
    "哈希",
    "操作",
]


def _filter(request: HttpRequest) -> AuditFilter:
    return audit_filter_from(
        {k: request.GET.get(k, "") for k in ("actor", "action", "target", "outcome", "from", "to")}
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require_auditor(request.user)
    try:
        flt = _filter(request)
        error = ""
    except InvalidInput as exc:
        flt, error = AuditFilter(), exc.message
    page = keyset_page(
        audit_events(flt).select_related("seal"), key="id", cursor=request.GET.get("cursor"), limit=50, descending=True
    )
    audit_record(action="audit.viewed", actor=request.user, request=request, filters=flt.as_detail())
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "audit/index.html",
        {"events": page.items, "next": page.next, "f": flt, "error": error, "query": query.urlencode()},
    )


@login_required
def review(request: HttpRequest) -> HttpResponse:
    """敏感信息访问审查: per account, reveals, exports, denials and refusals in a period (linli.audit.review)."""
    require_auditor(request.user)
    error, rows = "", []
    try:
        since, until = review_period(parse_day(request.GET.get("from"), "from"), parse_day(request.GET.get("to"), "to"))
        rows = sensitive_review(since=since, until=until)
    except InvalidInput as exc:
        since, until = review_period(None, None)
        error = exc.message
    audit_record(
        action="audit.reviewed", actor=request.user, request=request, since=since.isoformat(), until=until.isoformat()
    )
    return render(
        request,
        "audit/review.html",
        {
            "rows": rows,
            "since": since,
            "until": until,
            "error": error,
            "probing": PROBING_DENIALS,
        },
    )


def _safe_cell(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ is shown as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _labels() -> dict[str, str]:
    """Every label in the request's language, resolved before streaming starts (the rows may be
    produced after the view returns, outside the request's active translation)."""
    return {code: action_label(code) for code in ACTION_LABELS}


def _row(e: AuditEvent, labels: dict[str, str]) -> list[str]:
    seal = getattr(e, "seal", None)
    return [
        timezone.localtime(e.at).isoformat(timespec="seconds"),
        _safe_cell(e.actor_label),
        e.ip or "",
        e.action,
        e.target_type,
        _safe_cell(e.target_id),
        _safe_cell(e.target_label),
        "成功" if e.success else "失败",
        _safe_cell(json.dumps(e.detail, ensure_ascii=False, sort_keys=True, default=str)),
        str(seal.seq) if seal else "",
        seal.hash if seal else "",
        labels.get(e.action, e.action),
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[AuditEvent], labels: dict[str, str]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(HEADER)  # BOM: Excel opens UTF-8 Chinese correctly
    for event in rows:
        yield writer.writerow(_row(event, labels))


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    require_auditor(request.user)
    if fmt not in ("csv", "xlsx"):
        raise NotFound(_("只能导出 CSV 或 xlsx"))
    flt = _filter(request)
    qs = audit_events(flt).select_related("seal")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    audit_record(action="audit.exported", actor=request.user, request=request, format=fmt, filters=flt.as_detail())
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_lines(qs.iterator(chunk_size=2000), _labels()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
    from openpyxl import Workbook

    workbook: Any = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    sheet.append(HEADER)
    labels = _labels()
    for n, event in enumerate(qs.iterator(chunk_size=2000)):
        if n >= XLSX_MAX_ROWS:
            sheet.append([f"超过 {XLSX_MAX_ROWS} 行,其余请缩小日期范围或导出 CSV"])
            break
        sheet.append(_row(event, labels))
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"audit-{stamp}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
