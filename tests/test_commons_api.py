"""The shared-income API (/api/v1/commons/): reading a ledger and its entries, recording and reversing, the routine
threshold, publishing and reading a 公示, the figures; the 404 of a missing id for anyone who may not read it, and
lists whose statement count does not grow with their rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.commons.services_notices import notice_publish
from tests.commons_support import income, last_quarter, owners_vote

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commons"


def _income_body(**extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body = {
        "kind": "income",
        "category": "advertising",
        "amount_fen": 880_000,
        "occurred_on": today.isoformat(),
        "summary": "电梯广告收益",
        "period_start": today.replace(day=1).isoformat(),
        "period_end": today.isoformat(),
        "receipt_no": "GG-001",
    }
    body.update(extra)
    return body


def test_staff_record_income_once_under_an_idempotency_key_and_read_it_back(api_as: Any, places: Any) -> None:
    compound = places.compounds[0]
    api = api_as("community")
    first = api.post(
        f"{BASE}/ledgers/{compound.pk}/entries",
        _income_body(),
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    again = api.post(
        f"{BASE}/ledgers/{compound.pk}/entries",
        _income_body(),
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    ledger = api.get(f"{BASE}/ledgers/{compound.pk}").json()
    assert ledger["balance_fen"] == 880_000 and ledger["entries_count"] == 1 and ledger["may_record"] is True
    entry = api.get(f"{BASE}/entries/{first.json()['id']}").json()
    assert entry["effect_fen"] == 880_000 and entry["receipt_no"] == "GG-001"


def test_a_spending_without_a_vote_is_422_on_vote_id_and_with_a_passed_vote_201(
    api_as: Any, users: Any, places: Any
) -> None:
    compound = places.compounds[0]
    income(users["community"], compound, 3_000_000)
    api = api_as("community")
    body = {
        "kind": "spending",
        "category": "repair_fund",
        "amount_fen": 1_000_000,
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "补充专项维修资金",
    }
    refused = api.post(f"{BASE}/ledgers/{compound.pk}/entries", body, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "vote_id"
    missing_vote = api.post(
        f"{BASE}/ledgers/{compound.pk}/entries", {**body, "vote_id": 987654321}, content_type="application/json"
    )
    assert missing_vote.status_code == 422 and missing_vote.json()["field"] == "vote_id"
    vote = owners_vote(users["community"], compound)
    made = api.post(
        f"{BASE}/ledgers/{compound.pk}/entries", {**body, "vote_id": vote.pk}, content_type="application/json"
    )
    assert (
        made.status_code == 201
        and made.json()["vote_title"] == vote.title
        and made.json()["balance_after_fen"] == 2_000_000
    )


def test_reversing_over_the_api_answers_the_reversal_and_a_second_try_is_409(
    api_as: Any, users: Any, places: Any
) -> None:
    entry = income(users["community"], places.compounds[0], 500_000)
    api = api_as("community")
    made = api.post(f"{BASE}/entries/{entry.pk}/reverse", {"reason": "票据作废"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["reverses_id"] == entry.pk and made.json()["effect_fen"] == -500_000
    assert api.get(f"{BASE}/entries/{entry.pk}").json()["reversed"] is True
    again = api.post(f"{BASE}/entries/{entry.pk}/reverse", {"reason": "再冲"}, content_type="application/json")
    assert again.status_code == 409


def test_a_secretary_reads_but_writing_is_403_and_a_grid_worker_gets_404(api_as: Any, users: Any, places: Any) -> None:
    from django.test import Client

    from linli.accounts.services import token_issue
    from tests.commons_support import secretary_of

    compound = places.compounds[0]
    entry = income(users["community"], compound)
    _, key = token_issue(user=secretary_of(compound), name="t")
    secretary = Client(headers={"Authorization": f"Bearer {key}"})
    assert secretary.get(f"{BASE}/ledgers/{compound.pk}").status_code == 200
    assert (
        secretary.post(
            f"{BASE}/ledgers/{compound.pk}/entries", _income_body(), content_type="application/json"
        ).status_code
        == 403
    )
    grid = api_as("grid")
    for path in (f"/ledgers/{compound.pk}", f"/ledgers/{compound.pk}/entries", f"/entries/{entry.pk}"):
        assert grid.get(BASE + path).status_code == 404
    assert (
        grid.post(f"{BASE}/entries/{entry.pk}/reverse", {"reason": "x"}, content_type="application/json").status_code
        == 404
    )


def test_publishing_over_the_api_and_residents_read_the_frozen_notice(api_as: Any, users: Any, places: Any) -> None:
    compound = places.compounds[0]
    year, quarter, first, last = last_quarter()
    income(
        users["community"],
        compound,
        1_500_000,
        occurred_on=last,
        period_start=first,
        period_end=last,
        counterparty="张三",
    )
    published = api_as("community").post(
        f"{BASE}/ledgers/{compound.pk}/notices", {"year": year, "quarter": quarter}, content_type="application/json"
    )
    assert published.status_code == 201 and published.json()["closing_fen"] == 1_500_000
    resident = api_as("resident")
    notices = resident.get(f"{BASE}/ledgers/{compound.pk}/notices").json()["items"]
    assert [n["id"] for n in notices] == [published.json()["id"]]
    read = resident.get(f"{BASE}/notices/{published.json()['id']}").json()
    assert read["lines"][0]["amount_fen"] == 1_500_000 and "张三" not in str(read)
    assert resident.get(f"{BASE}/ledgers/{compound.pk}").status_code == 404
    twice = api_as("street").post(
        f"{BASE}/ledgers/{compound.pk}/notices", {"year": year, "quarter": quarter}, content_type="application/json"
    )
    assert twice.status_code == 409 and twice.json()["field"] == "quarter"


def test_the_figures_sum_the_compounds_under_a_node(api_as: Any, users: Any, places: Any) -> None:
    year, quarter, first, last = last_quarter()
    income(users["street"], places.compounds[0], 1_000_000)
    income(users["street"], places.compounds[-1], 2_000_000, occurred_on=last, period_start=first, period_end=last)
    notice_publish(actor=users["street"], compound=places.compounds[-1], year=year, quarter=quarter)
    figures = api_as("street").get(f"{BASE}/figures", {"place_id": places.street.pk, "since": first.isoformat()}).json()
    assert figures["income_fen"] == 3_000_000 and figures["balance_fen"] == 3_000_000
    assert figures["with_income"] == 2 and figures["published_this_quarter"] == 1
    assert figures["compounds"] == len(places.compounds)
    community = (
        api_as("community")
        .get(f"{BASE}/figures", {"place_id": places.communities[0].pk, "since": first.isoformat()})
        .json()
    )
    assert community["income_fen"] == 1_000_000
    assert api_as("grid").get(f"{BASE}/figures", {"place_id": places.street.pk}).status_code == 404


def test_a_bad_cursor_is_422_on_cursor_before_anything_else(api_as: Any, places: Any) -> None:
    api = api_as("grid")
    for path in (
        "/ledgers",
        f"/ledgers/{places.compounds[-1].pk}/entries",
        f"/ledgers/{places.compounds[-1].pk}/notices",
    ):
        response = api.get(BASE + path, {"cursor": "!!!"})
        assert response.status_code == 422 and response.json()["field"] == "cursor", path


def test_the_entries_list_costs_the_same_statements_for_one_row_or_many(api_as: Any, users: Any, places: Any) -> None:
    compound = places.compounds[0]
    api = api_as("community")
    income(users["community"], compound)
    url = f"{BASE}/ledgers/{compound.pk}/entries"
    api.get(url)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(url).json()["items"]) == 1
    vote = owners_vote(users["community"], compound)
    for _ in range(6):
        income(users["community"], compound, payer=None)
    from tests.commons_support import outflow

    outflow(users["community"], compound, "distribution", 1000, vote=vote)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url).json()["items"]) == 8
    assert len(many) == len(one)
    street = api_as("street")
    street.get(f"{BASE}/ledgers")
    with CaptureQueriesContext(connection) as ledgers_one:
        assert len(street.get(f"{BASE}/ledgers").json()["items"]) == 1
    income(users["street"], places.compounds[1])
    income(users["street"], places.compounds[-1])
    with CaptureQueriesContext(connection) as ledgers_many:
        assert len(street.get(f"{BASE}/ledgers").json()["items"]) == 3
    assert len(ledgers_many) == len(ledgers_one)
