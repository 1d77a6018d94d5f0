"""A number typed as 5,000 digits is a clear 422 naming its field, never a 500.

Python's ``int()`` refuses to convert a string of more than 4,300 digits (``ValueError``, CVE-2020-10735's
limit). Every whole-number check that tested ``isdigit()`` and then called ``int()`` turned such a field into
a 500: the venue booking form's 预计人数 (found in session 27), the elections and grants forms, and the query
parameters the API checks for ids beyond 64 bits. The counts now go through ``linli.core.text.whole_number``;
the checks with messages of their own refuse a run of digits longer than ``DIGITS_MAX`` before converting."""

from __future__ import annotations

from typing import Any

import pytest

from linli.core.errors import InvalidInput
from linli.duties.services import sort_value
from linli.guide.services import _days
from linli.places.models import Place
from linli.rota.services_desks import DeskFields, clean_desk
from linli.venues.selectors import parse_capacity
from linli.workforce.services import grade_of

pytestmark = pytest.mark.django_db
HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("check", "field"),
    [
        (lambda raw: sort_value(raw, 0), "sort"),
        (
            lambda raw: clean_desk(Place(name="幸福里"), DeskFields("010-12345678", "一楼", required_people=raw)),
            "required_people",
        ),
        (_days, "time_limit_days"),
        (grade_of, "grade"),
        (parse_capacity, "capacity"),
    ],
)
def test_each_whole_number_check_refuses_5000_digits_naming_its_field(check: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check(HUGE)
    assert caught.value.field == field


@pytest.mark.parametrize(("path", "param"), [("/api/v1/requests", "category_id"), ("/api/v1/residents", "limit")])
def test_an_api_query_parameter_of_5000_digits_is_422_naming_it(api_as: Any, path: str, param: str) -> None:
    response = api_as("community").get(path, {param: HUGE})
    assert response.status_code == 422, response.status_code
    assert response.json()["field"] == param


def test_the_venue_list_filter_of_5000_digits_is_a_message_not_a_500(client_as: Any) -> None:
    response = client_as("resident").get("/venues/", {"capacity": HUGE})
    assert response.status_code in (200, 422) and "人数应为整数" in response.content.decode()
