"""Streaming CSV export of the requests a staff member may see (issue #12: every export streams).

The one request CSV of the platform: ``/requests/export.csv`` (workbench filters) and the insights
drill-down ``/insights/requests/export.csv`` (the list behind a dashboard figure) both write their
rows with ``rows_of`` and answer with ``csv_response``; each view audits its own export.

Rows come from one scoped query read through a server-side cursor (``iterator``) and are written
to the response as they arrive, so memory stays flat at a million rows. UTF-8 with a BOM so Excel
opens the Chinese correctly; cells that a spreadsheet would run as a formula are neutralised; no
personal data (contact phone, reporter) is exported. The export is audited with its filters.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import CharField, F, Func, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import is_staff_like
from linli.audit.services import audit_record
from linli.core.errors import Forbidden
from linli.tickets.models import Kind, Priority, Rating, Source, Status, Ticket
from linli.tickets.problems import safe_cell
from linli.tickets.selectors import TicketFilters, filter_tickets

HEADER = [
    "编号",
    "标题",
    "分类",
    "位置",
    "状态",
    "来源",
    "紧急程度",
    "提交时间",
    "受理时间",
    "办结时间",
    "关闭时间",
    "办理时限",
    "评价",
    "诉求类型",  # added last (session 15): spreadsheets built on the earlier columns keep working
]
COLUMNS = ("number", "title", "category__name", "place__name", "status", "source", "priority")
TIMES = ("submitted_at", "responded_at", "resolved_at", "closed_at", "resolve_due")
CHUNK = 2000
LINES_PER_WRITE = 500  # ~60 KB a write: one socket write per row cost more than the rows themselves


class _Echo:
    def write(self, value: str) -> str:
        return value


class LocalMinute(Func):
    """A datetime as local ``YYYY-MM-DD HH:MM`` text, formatted by the database: parsing five
    timestamps a row into Python datetimes and formatting them again was half of a big export's
    time. PostgreSQL converts with the zone's rules; SQLite (UTC text) adds the zone's current
    offset, exact for China, which has kept +08:00 all year since 1991."""

    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        zone = settings.TIME_ZONE.replace("'", "")
        template = f"to_char(%(expressions)s AT TIME ZONE '{zone}', 'YYYY-MM-DD HH24:MI')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        offset = timezone.localtime().utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        # %%%% → %% after the template, → % after the driver's parameter substitution
        template = f"strftime('%%%%Y-%%%%m-%%%%d %%%%H:%%%%M', %(expressions)s, '{minutes:+d} minutes')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if "template" not in extra:
            raise ImproperlyConfigured(f"Linli runs on SQLite or PostgreSQL, not {connection.vendor}")
        return super().as_sql(compiler, connection, **extra)


def csv_rows(user: Any, filters: TicketFilters) -> Iterator[str]:
    """The CSV text, in blocks of lines, of the user's requests matching ``filters`` (newest first)."""
    return rows_of(filter_tickets(Ticket.objects.visible_to(user), user, filters).order_by("-id"))


def rows_of(tickets: QuerySet[Ticket]) -> Iterator[str]:
    """The CSV text, in blocks of lines, of an already scoped and ordered queryset of requests."""
    local = {f"{name}_local": LocalMinute(F(name)) for name in TIMES}
    qs = tickets.annotate(**local).values_list(*COLUMNS, *local, "rating", "kind")
    writer = csv.writer(_Echo())
    # Labels translated once per export, not once per row
    labels = [{k: str(v) for k, v in c.choices} for c in (Status, Source, Priority, Rating, Kind)]
    yield codecs.BOM_UTF8.decode() + writer.writerow(HEADER)
    # Inside a transaction the server-side cursor is not WITH HOLD: PostgreSQL computes rows as they
    # are fetched instead of materialising the whole result (1M rows) before the first one.
    with transaction.atomic(using=qs.db):
        yield from _lines(qs, writer, *labels)


def _lines(
    qs: Any,
    writer: Any,
    status: dict[str, str],
    source: dict[str, str],
    priority: dict[str, str],
    rating_label: dict[str, str],
    kind_label: dict[str, str],
) -> Iterator[str]:
    lines: list[str] = []
    for row in qs.iterator(chunk_size=CHUNK):
        (number, title, category, place, st, src, pri, submitted, responded, resolved, closed, due, rating, kind) = row
        lines.append(
            writer.writerow(
                [
                    number,
                    safe_cell(title),
                    safe_cell(category or ""),
                    safe_cell(place),
                    status.get(st, st),
                    source.get(src, src),
                    priority.get(pri, pri),
                    submitted or "",
                    responded or "",
                    resolved or "",
                    closed or "",
                    due or "",
                    rating_label.get(rating, rating) if rating else "",
                    kind_label.get(kind, kind),
                ]
            )
        )
        if len(lines) >= LINES_PER_WRITE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


@login_required
def requests_csv(request: HttpRequest) -> StreamingHttpResponse:
    if not is_staff_like(request.user):
        raise Forbidden(_("该页面仅供工作人员使用"))
    status = request.GET.get("status") or None
    filters = TicketFilters(status=status)
    rows = csv_rows(request.user, filters)
    first = next(rows)  # validates the filters (InvalidInput → 422) before the response starts
    audit_record(action="ticket.exported", actor=request.user, request=request, status=status or "")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(_chain(first, rows), filename=f"requests-{stamp}.csv")


def csv_response(rows: Iterator[str], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
