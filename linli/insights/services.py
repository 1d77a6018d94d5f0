"""Writes of the insights app: work reports (request, generate, schedule) and rollup maintenance.

Rollups themselves move inside the request-event transaction (``linli.insights.rollups``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput
from linli.insights import periods
from linli.insights import selectors as s
from linli.insights.models import PeriodKind, ReportStatus, WorkReport
from linli.places.models import Place, PlaceKind

SCHEDULED_KINDS = (PlaceKind.STREET, PlaceKind.COMMUNITY)


def period_for(*, period_kind: str, year: int, number: int = 1) -> s.Period:
    if period_kind not in PeriodKind.values:
        raise InvalidInput(_("报告类型应为月报、季报或年报"), field="period_kind")
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("年份超出范围"), field="year")
    if period_kind == PeriodKind.MONTH:
        if not 1 <= number <= 12:
            raise InvalidInput(_("月份应在 1 到 12 之间"), field="number")
        return periods.month_period(year, number)
    if period_kind == PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise InvalidInput(_("季度应在 1 到 4 之间"), field="number")
        return periods.quarter_period(year, number)
    return periods.year_period(year)


def report_request(
    *, actor: Any, node_id: Any, period_kind: str, year: int, number: int = 1, scheduled: bool = False
) -> WorkReport:
    """Queue a report for a node and period (on demand, or by the schedule with ``actor=None``).

    One report per (node, kind, period): asking again while it is being made returns the same
    report (a double click queues nothing twice); asking again after it is done makes it afresh.
    """
    from linli.insights.tasks import generate_report_task

    node = s.dashboard_node(actor, node_id) if actor is not None else Place.objects.get(pk=node_id)
    period = period_for(period_kind=period_kind, year=year, number=number)
    if period.since > timezone.localdate():
        raise InvalidInput(_("不能为尚未开始的时期生成报告"), field="number")
    with transaction.atomic():
        report = (
            WorkReport.objects.select_for_update()
            .filter(node=node, period_kind=period_kind, since=period.since)
            .first()
        )
        if report is not None and report.status in (ReportStatus.QUEUED, ReportStatus.RUNNING):
            return report
        if report is None:
            try:
                with transaction.atomic():
                    report = WorkReport.objects.create(
                        node=node,
                        place_path=node.path,
                        period_kind=period_kind,
                        since=period.since,
                        until=period.until,
                        scheduled=scheduled,
                        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                    )
            except IntegrityError:  # a concurrent request created it first
                return WorkReport.objects.get(node=node, period_kind=period_kind, since=period.since)
        else:
            report.status, report.progress, report.error = ReportStatus.QUEUED, 0, ""
            report.requested_by = actor if getattr(actor, "is_authenticated", False) else report.requested_by
            report.save(update_fields=["status", "progress", "error", "requested_by"])
        audit_record(
            action="insights.report.requested",
            actor=actor,
            target=report,
            target_label=f"{node.name} {report.title}",
            actor_label="" if actor is not None else "schedule",
        )
        report_id = report.pk
        transaction.on_commit(lambda: generate_report_task(report_id))
    return report


def _progress(report: WorkReport, value: int) -> None:
    """Progress is saved on its own, so a page polling the report sees it move."""
    report.progress = value
    WorkReport.objects.filter(pk=report.pk).update(progress=value, status=ReportStatus.RUNNING)


def report_generate(*, report_id: int) -> WorkReport:
    """Build the three files of a queued report (run by the Huey task)."""
    from linli.insights import reports

    report = WorkReport.objects.select_related("node").get(pk=report_id)
    if report.status == ReportStatus.DONE:
        return report
    try:
        _progress(report, 5)
        content = reports.build_content(report.node, s.Period(report.since, report.until), report.title)
        _progress(report, 30)
        stem = f"{report.node.name}{report.title}"
        pdf = reports.render_pdf(content)
        _progress(report, 60)
        xlsx = reports.render_xlsx(content)
        _progress(report, 75)
        docx = reports.render_docx(content)
        _progress(report, 90)
        with transaction.atomic():
            for name in ("pdf", "xlsx", "docx"):
                old = getattr(report, name)
                if old:
                    old.delete(save=False)
            report.pdf.save(f"{report.pk}.pdf", ContentFile(pdf), save=False)
            report.xlsx.save(f"{report.pk}.xlsx", ContentFile(xlsx), save=False)
            report.docx.save(f"{report.pk}.docx", ContentFile(docx), save=False)
            report.figures = content.figures
            report.status, report.progress, report.error = ReportStatus.DONE, 100, ""
            report.finished_at = timezone.now()
            report.save()
            audit_record(action="insights.report.generated", target=report, target_label=stem, actor_label="worker")
    except Exception as exc:  # any failure is shown on the report, never lost in a worker log
        WorkReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.FAILED, error=f"{type(exc).__name__}: {str(exc)[:400]}"
        )
        report.refresh_from_db()
    return report


def reports_schedule_month(*, today: dt.date | None = None) -> int:
    """On the first of each month: last month's report for every street and community (idempotent)."""
    period = periods.last_month(today)
    n = 0
    for node_id in Place.objects.filter(kind__in=SCHEDULED_KINDS).values_list("pk", flat=True):
        report_request(
            actor=None,
            node_id=node_id,
            period_kind=PeriodKind.MONTH,
            year=period.since.year,
            number=period.since.month,
            scheduled=True,
        )
        n += 1
    return n


def report_downloaded(*, actor: Any, report: WorkReport, fmt: str, request: Any = None) -> None:
    audit_record(action="insights.report.downloaded", actor=actor, target=report, request=request, format=fmt)


def export_recorded(*, actor: Any, node: Place, period: s.Period, figure: str, request: Any = None) -> None:
    audit_record(
        action="insights.requests.exported",
        actor=actor,
        target=node,
        request=request,
        since=period.since.isoformat(),
        until=period.until.isoformat(),
        figure=figure,
    )
