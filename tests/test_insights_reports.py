"""Work reports: the dashboard's numbers, as PDF (text extracted back, no missing glyph), .xlsx and .docx;
generated in the background, scheduled monthly, stored per node, downloaded only in scope; exports stream."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.insights import periods, rollups, services
from linli.insights import selectors as s
from linli.insights.models import ReportStatus, WorkReport
from linli.insights.reports import pct

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_month_history(places):
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(11), count=120, days=75)
    rollups.rebuild()
    return periods.last_month()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def make(django_capture_on_commit_callbacks):
    """Request a report and run its background job (queued on commit) right away."""

    def run(**kw):
        with django_capture_on_commit_callbacks(execute=True):
            report = services.report_request(**kw)
        report.refresh_from_db()
        return report

    return run


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_monthly_report_pdf_says_the_dashboards_figures_in_chinese_with_no_missing_glyph(
    last_month_history, places, users, media, make
):
    period = last_month_history
    report = make(
        actor=users["street"],
        node_id=places.street.pk,
        period_kind="month",
        year=period.since.year,
        number=period.since.month,
    )
    assert report.status == ReportStatus.DONE and report.progress == 100, report.error
    board = s.dashboard_figures(places.street, period)
    assert report.figures["received"] == board.totals.received > 0
    assert report.figures["satisfaction_rate"] == board.totals.satisfaction_rate
    text = pdf_text(report.pdf.read())
    compact = "".join(text.split())
    assert f"共受理群众诉求{board.totals.received}件" in compact
    assert f"满意率{pct(board.totals.satisfaction_rate)}" in compact
    assert f"解决问题{board.totals.resolved}个" in compact
    assert places.street.name in compact
    assert "\ufffd" not in text and "□" not in text  # every glyph came back as the character it was


def test_the_xlsx_and_docx_carry_the_same_figures(last_month_history, places, users, media, make):
    from docx import Document
    from openpyxl import load_workbook

    period = last_month_history
    report = make(
        actor=users["street"],
        node_id=places.street.pk,
        period_kind="month",
        year=period.since.year,
        number=period.since.month,
    )
    report.refresh_from_db()
    board = s.dashboard_figures(places.street, period)
    wb = load_workbook(io.BytesIO(report.xlsx.read()))
    main = {row[0]: row[1] for row in wb["主要指标"].iter_rows(min_row=2, values_only=True)}
    assert main["受理诉求(件)"] == board.totals.received
    assert main["满意率"] == pct(board.totals.satisfaction_rate)
    doc = Document(io.BytesIO(report.docx.read()))
    body = "".join(p.text for p in doc.paragraphs)
    assert f"共受理群众诉求{board.totals.received}件" in body
    assert len(doc.inline_shapes) == 2  # the two charts, drawn on the server


def test_asking_twice_while_it_is_made_queues_one_report(places, users, media, settings):
    settings.HUEY = {**settings.HUEY}
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    try:
        period = periods.last_month()
        kw = dict(node_id=places.street.pk, period_kind="month", year=period.since.year, number=period.since.month)
        first = services.report_request(actor=users["street"], **kw)
        second = services.report_request(actor=users["street"], **kw)
    finally:
        HUEY.immediate = True
    assert first.pk == second.pk and WorkReport.objects.count() == 1
    assert WorkReport.objects.get().status == ReportStatus.QUEUED


def test_report_input_is_checked_with_the_field(places, users):
    with pytest.raises(Exception) as bad_month:
        services.report_request(
            actor=users["street"], node_id=places.street.pk, period_kind="month", year=2026, number=13
        )
    assert bad_month.value.field == "number"
    future = timezone.localdate() + dt.timedelta(days=400)
    with pytest.raises(Exception) as not_yet:
        services.report_request(actor=users["street"], node_id=places.street.pk, period_kind="year", year=future.year)
    assert not_yet.value.field == "number"


def test_the_schedule_makes_last_months_report_for_every_street_and_community(
    places, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        n = services.reports_schedule_month()
    assert n == 1 + len(places.communities)
    assert WorkReport.objects.filter(scheduled=True, status=ReportStatus.DONE).count() == n
    assert services.reports_schedule_month() == n and WorkReport.objects.count() == n  # idempotent


def test_reports_download_only_inside_scope_and_downloads_are_audited(places, users, client_as, media, make):
    period = periods.last_month()
    other = make(
        actor=users["street"],
        node_id=places.other_community.pk,
        period_kind="month",
        year=period.since.year,
        number=period.since.month,
    )
    mine = make(
        actor=users["community"],
        node_id=places.communities[0].pk,
        period_kind="month",
        year=period.since.year,
        number=period.since.month,
    )
    community = client_as("community")
    assert community.get(reverse("insights:report_download", args=[other.pk, "pdf"])).status_code == 404
    assert community.get(reverse("insights:report", args=[other.pk])).status_code == 404
    assert client_as("grid").get(reverse("insights:report_download", args=[mine.pk, "pdf"])).status_code == 404
    response = community.get(reverse("insights:report_download", args=[mine.pk, "pdf"]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="insights.report.downloaded", actor=users["community"]).exists()
    listed = community.get(reverse("insights:reports")).content.decode()
    assert mine.title in listed and reverse("insights:report", args=[other.pk]) not in listed


def test_the_report_page_generates_on_demand_and_shows_progress_then_links(
    places, client_as, media, django_capture_on_commit_callbacks
):
    client = client_as("street")
    period = periods.last_month()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("insights:report_request"),
            {"node": places.street.pk, "period_kind": "month", "year": period.since.year, "number": period.since.month},
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and 'id="download-pdf"' in page


def test_the_request_export_streams_csv_and_is_audited(last_month_history, places, users, client_as):
    response = client_as("street").get(f"{reverse('insights:export')}?node={places.street.pk}&figure=resolved")
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    period = periods.default_period()
    assert len(lines) - 1 == s.request_figures(places.street, period).resolved
    assert lines[0].startswith("编号,标题")
    assert AuditEvent.objects.filter(action="insights.requests.exported", actor=users["street"]).exists()


def test_the_figure_export_and_the_workbench_export_write_the_same_columns(last_month_history, places, client_as):
    from linli.tickets import export

    client = client_as("street")
    figure = client.get(f"{reverse('insights:export')}?node={places.street.pk}&figure=received")
    workbench = client.get("/requests/export.csv")
    figure_lines = b"".join(figure.streaming_content).decode("utf-8-sig").strip().splitlines()
    workbench_lines = b"".join(workbench.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert figure_lines[0] == workbench_lines[0] == ",".join(export.HEADER)
    assert len(figure_lines) > 1 and set(figure_lines[1:]) <= set(workbench_lines[1:])
