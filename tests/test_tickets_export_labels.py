"""The request CSV writes the rating as its label (满意), like the status, source and priority columns,
never the stored code ("satisfied") — on the workbench export and the insights drill-down alike."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest
from django.urls import reverse

from linli.core.scale.generate import generate_requests
from linli.insights import rollups
from linli.tickets.demo import build_demo_tickets
from linli.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def rated(codes: dict[str, str]) -> dict[str, str]:
    """Give the newest requests these ratings; answers number → rating code."""
    chosen = list(Ticket.objects.order_by("-id")[: len(codes)])
    given = {}
    for ticket, code in zip(chosen, codes.values(), strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(rating=code)
        given[ticket.number] = code
    return given


def test_the_workbench_export_writes_each_rating_as_its_chinese_label(client_as: Any) -> None:
    generate_requests(count=10, seed=21, days=10)
    given = rated({"a": "satisfied", "b": "basic", "c": "unsatisfied"})
    table = rows(client_as("street").get("/requests/export.csv"))
    rating = table[0].index("评价")
    by_number = {r[0]: r[rating] for r in table[1:]}
    labels = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
    assert {n: by_number[n] for n in given} == {n: labels[c] for n, c in given.items()}
    assert not {"satisfied", "basic", "unsatisfied"} & set(by_number.values())
    unrated = [r[rating] for r in table[1:] if r[0] not in given]
    assert unrated and all(cell in ("", *labels.values()) for cell in unrated)


def test_the_insights_export_writes_the_rating_label_too(client_as: Any, places: Any) -> None:
    build_demo_tickets(random.Random(11), count=120, days=75)
    rollups.rebuild()
    url = f"{reverse('insights:export')}?node={places.street.pk}&figure=received"
    listed = [r[0] for r in rows(client_as("street").get(url))[1:]]
    assert listed, "the figure should list requests of the default period"
    Ticket.objects.filter(number=listed[0]).update(rating="unsatisfied")
    table = rows(client_as("street").get(url))
    cells = {r[0]: r[table[0].index("评价")] for r in table[1:]}
    assert cells[listed[0]] == "不满意"
    assert "unsatisfied" not in cells.values()


def test_an_english_speaker_gets_the_rating_in_english(client_as: Any) -> None:
    generate_requests(count=3, seed=23, days=3)
    ticket = Ticket.objects.order_by("-id").first()
    Ticket.objects.filter(pk=ticket.pk).update(rating="satisfied")
    response = client_as("street").get("/requests/export.csv", HTTP_ACCEPT_LANGUAGE="en")
    table = rows(response)
    cells = {r[0]: r[table[0].index("评价")] for r in table[1:]}
    assert cells[ticket.number] == "Satisfied"
