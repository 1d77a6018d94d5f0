"""Insights API: the same figures as the pages, lists whose count is the figure, reports, scope."""

from __future__ import annotations

import random

import pytest

from linli.insights import periods, rollups
from linli.insights import selectors as s

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(places):
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(8), count=80, days=40)
    rollups.rebuild()


def test_the_dashboard_endpoint_gives_the_pages_figures_and_each_list_count_matches(history, places, api_as):
    api = api_as("street")
    body = api.get("/api/v1/insights/dashboard").json()
    board = s.dashboard_figures(places.street, periods.default_period())
    assert body["node_id"] == places.street.pk
    assert body["figures"]["received"] == board.totals.received > 0
    assert body["figures"]["satisfaction_rate"] == board.totals.satisfaction_rate
    assert [c["place_id"] for c in body["children"]] == [b.place.pk for b in board.children]
    for figure in ("received", "resolved", "unsatisfied", "late"):
        listed = api.get(f"/api/v1/insights/requests?figure={figure}&limit=200").json()
        expected = body["figures"].get(figure)
        if expected is None:
            expected = board.totals.late
        assert listed["count"] == expected, figure
        assert len(listed["items"]) == min(expected, 200)


def test_a_community_worker_gets_404_for_another_community_and_a_grid_worker_for_everything(api_as, places):
    other = places.other_community.pk
    assert api_as("community").get(f"/api/v1/insights/dashboard?node={other}").status_code == 404
    assert api_as("community").get(f"/api/v1/insights/requests?node={other}").status_code == 404
    assert api_as("grid").get("/api/v1/insights/dashboard").status_code == 404
    made = api_as("community").post(
        "/api/v1/insights/reports",
        {"node": other, "period_kind": "month", "year": 2026, "number": 1},
        content_type="application/json",
    )
    assert made.status_code == 404


def test_a_report_is_requested_read_and_listed_only_in_scope(
    api_as, places, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    period = periods.last_month()
    with django_capture_on_commit_callbacks(execute=True):
        made = api_as("street").post(
            "/api/v1/insights/reports",
            {
                "node": places.other_community.pk,
                "period_kind": "month",
                "year": period.since.year,
                "number": period.since.month,
            },
            content_type="application/json",
        )
    assert made.status_code == 202
    report_id = made.json()["id"]
    read = api_as("street").get(f"/api/v1/insights/reports/{report_id}").json()
    assert read["status"] == "done" and set(read["downloads"]) == {"pdf", "xlsx", "docx"}
    assert api_as("community").get(f"/api/v1/insights/reports/{report_id}").status_code == 404
    assert report_id not in [r["id"] for r in api_as("community").get("/api/v1/insights/reports").json()["items"]]
    bad = api_as("street").post(
        "/api/v1/insights/reports",
        {"node": places.street.pk, "period_kind": "quarter", "year": 2026, "number": 7},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "number"


def test_proactive_cases_have_their_own_source_and_share_on_the_dashboard_and_api(places, users, api_as, client_as):
    from linli.tickets.models import Source

    api = api_as("community")
    compound = places.compounds[0]
    staff = api.post(
        "/api/v1/requests",
        {"description": "巡查发现三号楼外墙砖松动,主动立案处置", "place_id": compound.pk, "source": "proactive"},
        content_type="application/json",
    )
    assert staff.status_code == 201 and staff.json()["source"] == Source.PROACTIVE
    resident = api_as("resident").post(
        "/api/v1/requests", {"description": "外墙砖松动", "source": "proactive"}, content_type="application/json"
    )
    assert resident.status_code == 403
    api.post(
        "/api/v1/requests",
        {"description": "路灯不亮", "place_id": compound.pk, "source": "phone"},
        content_type="application/json",
    )
    board = s.dashboard_figures(places.street, periods.default_period())
    assert (board.proactive, board.totals.received, board.proactive_share) == (1, 2, 0.5)
    body = api_as("street").get("/api/v1/insights/dashboard").json()
    assert (body["proactive"], body["proactive_share"]) == (1, 0.5)
    page = client_as("street").get("/insights/").content.decode()
    assert 'id="proactive-share"' in page and "50.0%" in page.split('id="proactive-share"')[1][:200]
    listed = api_as("street").get("/api/v1/insights/requests?figure=received&source=proactive").json()
    assert listed["count"] == board.proactive
