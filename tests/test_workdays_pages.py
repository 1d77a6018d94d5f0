"""The holiday calendar page and API: readable by everyone signed in, editable by administrators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from linli.workdays.models import CalendarDay, CalendarYear
from linli.workdays.services import calendar_cache_clear, calendar_seed_from_package

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    calendar_seed_from_package()  # browser tests flush the database; a no-op when the years are there
    calendar_cache_clear()
    yield
    calendar_cache_clear()


def test_the_calendar_opens_on_this_year(client_as):
    response = client_as("community").get("/calendar/")
    assert response.status_code == 302
    assert response["Location"] == f"/calendar/{timezone.localdate().year}/"


def test_the_page_lists_holidays_and_make_up_workdays(client_as):
    html = client_as("admin").get("/calendar/2025/").content.decode()
    assert "2025年节假日日历" in html
    assert "国庆节" in html and "调休上班" in html
    assert "2025-10-11" in html
    assert "已发布" in html
    assert 'name="kind"' in html  # the admin gets the form


def test_the_page_shows_the_package_calendar_even_when_the_table_was_emptied(client_as):
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    html = client_as("community").get("/calendar/2026/").content.decode()
    assert "2026-02-28" in html and "春节" in html and "已发布" in html


def test_an_unpublished_year_shows_the_weekend_warning(client_as):
    html = client_as("community").get("/calendar/2027/").content.decode()
    assert "2027年节假日安排尚未公布,按周末计算" in html
    assert 'name="kind"' not in html  # no form for non-admins


def test_an_admin_adds_a_day_and_publishes_a_new_year_in_minutes(client_as):
    admin = client_as("admin")
    for day in ("2027-01-01", "2027-01-02", "2027-01-03"):
        response = admin.post("/calendar/2027/days/", {"day": day, "kind": "holiday", "name": "元旦"})
        assert response.status_code == 302
    assert admin.post("/calendar/2027/publish/").status_code == 302
    year = CalendarYear.objects.get(year=2027)
    assert year.published and year.source == "manual"
    assert CalendarDay.objects.filter(date__year=2027, kind="holiday").count() == 3
    assert "2027-01-02" in admin.get("/calendar/2027/").content.decode()


def test_an_admin_removes_a_day(client_as):
    response = client_as("admin").post("/calendar/2025/days/clear/", {"day": "2025-10-11"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=dt.date(2025, 10, 11)).exists()


def test_a_bad_entry_is_explained_on_the_form(client_as):
    response = client_as("admin").post("/calendar/2027/days/", {"day": "2027-01-04", "kind": "workday", "name": ""})
    assert response.status_code == 422
    assert "调休上班日应为周六或周日" in response.content.decode()
    response = client_as("admin").post("/calendar/2027/days/", {"day": "2026-01-04", "kind": "holiday"})
    assert response.status_code == 422
    assert not CalendarDay.objects.filter(date=dt.date(2027, 1, 4)).exists()


@pytest.mark.parametrize("role", ["street", "community", "grid", "resident"])
def test_it_refuses_a_non_admin_edit_with_403(client_as, role):
    client = client_as(role)
    assert client.post("/calendar/2025/days/", {"day": "2025-10-10", "kind": "holiday"}).status_code == 403
    assert client.post("/calendar/2025/days/clear/", {"day": "2025-10-01"}).status_code == 403
    assert client.post("/calendar/2027/publish/").status_code == 403
    assert not CalendarDay.objects.filter(date=dt.date(2025, 10, 10)).exists()
    assert CalendarDay.objects.filter(date=dt.date(2025, 10, 1)).exists()


def test_the_page_needs_a_login():
    assert Client().get("/calendar/2025/").status_code == 302


def test_the_api_returns_a_year_with_its_days(api_as):
    response = api_as("resident").get("/api/v1/calendar/2025")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2025 and body["published"] is True and body["source"] == "package"
    assert body["warning"] is None
    assert {"date": "2025-09-28", "kind": "workday", "name": "国庆节"} in body["days"]
    assert {"date": "2025-10-08", "kind": "holiday", "name": "国庆节"} in body["days"]


def test_the_api_warns_about_an_unpublished_year(api_as):
    body = api_as("grid").get("/api/v1/calendar/2027").json()
    assert body == {
        "year": 2027,
        "published": False,
        "source": "",
        "warning": "2027年节假日安排尚未公布,按周末计算",
        "days": [],
    }


def test_the_api_rejects_an_absurd_year_and_strangers(api_as):
    assert api_as("grid").get("/api/v1/calendar/1800").status_code == 422
    assert Client().get("/api/v1/calendar/2025").status_code == 401


def test_the_api_operation_is_documented(api_as):
    schema = api_as("admin").get("/api/v1/openapi.json").json()
    assert schema["paths"]["/api/v1/calendar/{year}"]["get"]["operationId"] == "calendar_year_read"
