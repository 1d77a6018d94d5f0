"""Every date and time a page takes goes through ``core.dates``: a clear refusal naming the field for
nonsense and for days outside 1900–2999, never a 500 and never a record dated in year 1."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.core.dates import parse_moment, require_moment
from linli.core.errors import InvalidInput
from linli.people.models import Residence
from linli.routing.services import HistoryRow, history_import
from linli.visits.models import Visit
from linli.volunteering.models import Activity
from tests.test_ledger_edit import neighbour  # noqa: F401 - a resident of the community worker's grid, as a fixture
from tests.test_visits import household_in, six_checks


def test_a_browser_time_is_read_as_local_time() -> None:
    moment = parse_moment("2026-03-01T09:30", "starts_at")
    assert moment is not None and timezone.is_aware(moment)
    assert timezone.localtime(moment).replace(tzinfo=None) == dt.datetime(2026, 3, 1, 9, 30)
    assert parse_moment("  ", "starts_at") is None


@pytest.mark.parametrize("raw", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31 08:00"])
def test_a_time_outside_the_calendar_the_records_use_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_moment(raw, "visited_at")
    assert caught.value.field == "visited_at" and "1900-01-01" in caught.value.message


def test_nonsense_and_a_missing_required_time_are_refused_with_the_format_to_use() -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM-DD HH:MM"):
        parse_moment("明天下午", "starts_at")
    with pytest.raises(InvalidInput, match="请填写时间"):
        require_moment("", "ends_at")


def test_a_visit_dated_in_year_one_is_refused_on_the_form_and_nothing_is_saved(places: Any, client_as: Any) -> None:
    hh = household_in(places.first_grid)
    response = client_as("grid").post(
        reverse("visits:new"),
        {
            "household_id": hh.pk,
            "template_id": six_checks().pk,
            "answer_people": "在家",
            "visited_at": "0001-01-01T00:00",
            "idempotency_key": "year-one",
        },
    )
    assert response.status_code == 200 and 'data-field="visited_at"' in response.content.decode()
    assert not Visit.objects.exists()


def test_an_activity_starting_in_year_one_is_refused_and_the_form_kept(places: Any, client_as: Any) -> None:
    response = client_as("community").post(
        "/volunteering/activities/new/",
        {
            "place_id": places.communities[0].pk,
            "title": "楼道清扫",
            "starts_at": "0001-01-01T08:00",
            "ends_at": "0001-01-01T10:00",
            "capacity": "5",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "1900-01-01" in body and "楼道清扫" in body
    assert not Activity.objects.exists()


def test_a_move_out_dated_in_year_one_is_refused_and_the_stay_stays_open(
    client_as: Any,
    neighbour: Any,  # noqa: F811 - the fixture imported above
) -> None:
    before = list(Residence.objects.filter(person=neighbour).values_list("pk", "moved_out_on"))
    response = client_as("community").post(f"/ledger/people/{neighbour.pk}/move-out", {"on": "0001-01-01"})
    assert response.status_code == 422 and "1900-01-01" in response.content.decode()
    assert list(Residence.objects.filter(person=neighbour).values_list("pk", "moved_out_on")) == before


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=9999-12-31", "since=2026-02-30"])
def test_the_insights_period_at_the_ends_of_the_calendar_is_refused_not_a_500(client_as: Any, query: str) -> None:
    response = client_as("street").get(f"/insights/?{query}")
    assert response.status_code in (200, 422)


def test_a_history_import_row_dated_in_year_one_is_named_and_nothing_is_written(places: Any) -> None:
    rows = [HistoryRow(line=2, title="路灯不亮", description="路灯不亮", category="", at="0001-01-01 08:00")]
    report = history_import(rows=rows, default_place=places.communities[0])
    assert report.created == 0 and any("第 2 行" in e for e in report.errors)


def test_a_vote_closing_in_year_one_is_refused_on_the_form_naming_the_field(client_as: Any, places: Any) -> None:
    data = {
        "place_id": places.compounds[0].pk,
        "title": "停车位",
        "question": "是否同意划线",
        "electorate": "adults",
        "rule": "simple",
        "closes_at": "0001-01-01T10:00",
    }
    response = client_as("community").post("/deliberation/votes/new/", data)
    assert response.status_code == 422 and "1900-01-01" in response.content.decode()


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01"])
def test_an_open311_window_at_the_ends_of_the_calendar_is_a_400_not_a_500(client: Any, start: str) -> None:
    response = client.get("/open311/v2/requests.json", {"start_date": start})
    assert response.status_code == 400 and "1900-01-01" in response.content.decode()
