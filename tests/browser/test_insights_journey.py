"""Done-when of issue #10, in a browser: the street leader opens the dashboard, drills from the street's
satisfaction rate to one community's list of unsatisfied requests, opens the map coloured by overdue
requests, and downloads last month's report as a PDF whose text contains the same figures."""

from __future__ import annotations

import io
import random
import re
import urllib.request

import pytest

from linli.insights import periods, rollups
from linli.insights import selectors as s
from linli.places.models import Place

pytestmark = pytest.mark.browser


@pytest.fixture
def history(live_demo, settings, tmp_path):
    from linli.tickets.demo import build_demo_tickets

    settings.MEDIA_ROOT = tmp_path
    build_demo_tickets(random.Random(10), count=240, days=80)
    rollups.rebuild()
    # The first request imports every URLconf and API router; on a busy shared machine that alone can
    # outlast the page's 15 s load timeout, so warm the server up before the browser arrives.
    urllib.request.urlopen(f"{live_demo.url}/accounts/login/", timeout=180).read()  # noqa: S310  (http://localhost)
    return live_demo


def test_a_street_leader_drills_from_satisfaction_to_unsatisfied_requests_maps_overdue_and_gets_the_report(
    login, history
):
    page = login("street")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(60_000)  # a shared 2-core machine: report generation and first renders are slow
    page.click("a[data-nav=insights]")
    page.wait_for_selector("#figures")
    street = Place.objects.get(kind="street")
    board = s.dashboard_figures(street, periods.default_period())
    assert page.inner_text("[data-figure=received] b") == str(board.totals.received)
    assert page.inner_text("[data-figure=satisfaction_rate] b") == f"{board.totals.satisfaction_rate * 100:.1f}%"

    # Drill: satisfaction rate → by community → one community's unsatisfied requests.
    page.click("[data-figure=satisfaction_rate]")
    page.wait_for_selector("#breakdown")
    community = next(b for b in board.children if b.figures.unsatisfied > 0)
    link = page.locator(f"a[data-miss='{community.place.pk}']")
    assert link.inner_text() == str(community.figures.unsatisfied)
    link.click()
    page.wait_for_selector("#request-list")
    assert community.place.name in page.inner_text("h1") and "不满意" in page.inner_text("h1")
    assert page.inner_text("#list-count") == str(community.figures.unsatisfied)
    assert page.locator("#request-list tbody tr").count() == community.figures.unsatisfied
    assert all("不满意" in t for t in page.locator("#request-list tbody tr td:nth-child(5)").all_inner_texts())

    # The map, coloured by overdue requests (no tiles configured: boundaries only).
    page.click(".crumbs a")
    page.wait_for_selector("#open-map")
    page.click("#open-map")
    page.select_option("#map-figure", "overdue")
    page.click("#map-form button[type=submit]")
    page.wait_for_selector("#insights-map[data-figure=overdue][data-areas]")
    assert int(page.get_attribute("#insights-map", "data-areas")) > 0
    assert 0 < int(page.get_attribute("#insights-map", "data-points")) <= board.open_now
    assert "超期诉求" in page.inner_text("#map-legend")
    assert page.locator("#insights-map path.leaflet-interactive, #insights-map canvas").count() > 0

    # Last month's report, generated on demand, downloaded as PDF: its text has the dashboard's figures.
    page.click("a[data-nav=insights]")  # back to the street's own dashboard
    page.wait_for_selector("#open-reports")
    page.click("#open-reports")
    page.click("#report-generate")
    page.wait_for_selector("#download-pdf", timeout=60_000)
    with page.expect_download() as download:
        page.click("#download-pdf")
    with open(download.value.path(), "rb") as f:
        pdf = f.read()
    from pypdf import PdfReader

    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    last = periods.last_month()
    page.goto(f"{history.url}/insights/?node={street.pk}&since={last.since}&until={last.until}")
    received = page.inner_text("[data-figure=received] b")
    satisfaction = page.inner_text("[data-figure=satisfaction_rate] b")
    resolved = page.inner_text("[data-figure=resolved] b")
    assert f"共受理群众诉求{received}件" in text
    assert f"满意率{satisfaction}" in text
    assert f"解决问题{resolved}个" in text
    assert re.search(r"[\u4e00-\u9fff]{10}", text)  # Chinese text came back, not empty boxes
