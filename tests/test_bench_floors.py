"""The benchmarks' floors (bench/urls.py) do what their ratios claim: the real token check, then a
constant answer of the size asked for, or one row written and committed."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from linli.tickets.models import ListGeneration

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


def test_the_page_floor_requires_a_token():
    assert Client().get("/bench/floor/page").status_code == 401


def test_the_page_floor_answers_the_size_asked_for(api_as):
    answer = api_as("grid").get("/bench/floor/page?size=40000")
    assert answer.status_code == 200
    assert len(answer.content) == 40_000
    assert answer["Content-Type"].startswith("application/json")


def test_the_write_floor_requires_a_token():
    answer = Client().post("/bench/floor/write", data={"description": "x"}, content_type="application/json")
    assert answer.status_code == 401
    assert not ListGeneration.objects.filter(name="bench-floor").exists()


@override_settings(DEBUG=False)
def test_the_write_floor_commits_one_row_each_time(api_as):
    client = api_as("resident")
    for expected in (1, 2):
        answer = client.post("/bench/floor/write", data={"description": "楼道灯不亮"}, content_type="application/json")
        assert answer.status_code == 201, answer.content
        assert answer.json() == {"received": 5}
        assert ListGeneration.objects.get(name="bench-floor").value == expected


def test_the_open_floor_is_the_page_floor_without_the_token_check():
    answer = Client().get("/bench/floor/open?size=1000")
    assert answer.status_code == 200
    assert len(answer.content) == 1000
