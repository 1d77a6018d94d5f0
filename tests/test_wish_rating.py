"""The wisher rates a fulfilled micro-wish when confirming it (满意 / 基本满意 / 不满意), and the dashboards and
reports give 微心愿满意度 (seed 001: 微心愿…满意度达95%以上) from those ratings."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from linli.core.errors import InvalidInput
from linli.insights import periods
from linli.insights import selectors as s
from linli.insights.reports import build_content
from linli.volunteering import wishes as w
from linli.volunteering.models import Wish

pytestmark = pytest.mark.django_db


def fulfilled_wish(users: Any, title: str = "想要一副老花镜") -> Wish:
    wish = w.wish_submit(actor=users["resident"], title=title)
    w.wish_review(actor=users["community"], wish_id=wish.pk, approve=True)
    w.wish_claim(actor=users["volunteer"], wish_id=wish.pk)
    w.wish_fulfil(actor=users["volunteer"], wish_id=wish.pk, note="已送到家")
    return wish


def test_the_wisher_confirms_with_a_rating_and_the_wish_page_shows_it(users, client_as):
    wish = fulfilled_wish(users)
    client = client_as("resident")
    assert 'name="rating"' in client.get(f"/volunteering/wishes/{wish.pk}/").content.decode()

    client.post(f"/volunteering/wishes/{wish.pk}/act/", {"action": "confirm", "rating": "basic", "note": "稍晚了两天"})

    wish.refresh_from_db()
    assert (wish.status, wish.rating, wish.rating_note) == ("confirmed", "basic", "稍晚了两天")
    assert "基本满意 · 稍晚了两天" in client.get(f"/volunteering/wishes/{wish.pk}/").content.decode()


def test_unsatisfied_without_a_reason_is_refused_and_the_form_keeps_the_choice(users, client_as):
    wish = fulfilled_wish(users)

    response = client_as("resident").post(
        f"/volunteering/wishes/{wish.pk}/act/", {"action": "confirm", "rating": "unsatisfied", "note": " "}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "不满意时请说明原因" in page
    assert 'value="unsatisfied" required checked' in page
    wish.refresh_from_db()
    assert wish.status == "fulfilled" and wish.rating == ""


def test_an_unknown_rating_is_refused_by_the_service(users):
    wish = fulfilled_wish(users)
    with pytest.raises(InvalidInput) as err:
        w.wish_confirm(actor=users["resident"], wish_id=wish.pk, rating="great")
    assert err.value.field == "rating"


def test_the_api_confirms_with_a_rating_and_answers_it(users, api_as):
    wish = fulfilled_wish(users)
    response = api_as("resident").post(
        f"/api/v1/volunteering/wishes/{wish.pk}/act",
        {"action": "confirm", "rating": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == "satisfied"


def test_the_dashboard_and_the_report_give_the_wish_satisfaction_and_the_list_behind_it(users, places, client_as):
    period = periods.default_period()
    before = s.dashboard_figures(places.street, period).modules
    ratings = [("satisfied", ""), ("satisfied", ""), ("basic", ""), ("unsatisfied", "尺寸不合适")]
    for i, (rating, note) in enumerate(ratings):
        wish = fulfilled_wish(users, title=f"心愿{i}")
        w.wish_confirm(actor=users["resident"], wish_id=wish.pk, rating=rating, note=note)
    unrated = fulfilled_wish(users, title="没有评价的心愿")
    w.wish_confirm(actor=users["resident"], wish_id=unrated.pk)  # an old client: confirmed, not rated

    m = s.dashboard_figures(places.street, period).modules
    rated, satisfied = m.wishes_rated - before.wishes_rated, m.wishes_satisfied - before.wishes_satisfied
    assert (rated, satisfied) == (4, 3)
    assert m.wish_satisfaction_rate == round(m.wishes_satisfied / m.wishes_rated, 4)
    page = client_as("street").get(reverse("insights:records", args=["wishes_rated"])).content.decode()
    assert "不满意 · 尺寸不合适" in page and "没有评价的心愿" not in page
    assert "心愿人满意度" in "".join(build_content(places.street, period, "报告").sentences)
