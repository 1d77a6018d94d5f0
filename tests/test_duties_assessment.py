"""部门评议与考核参考 (seed 003: the street's say over the departments serving it): street and community leaders
and staff rate each department once a year; the scorecard puts the ratings beside the department's whistles and
the tasks it pushed down, each from its own report; raters stay unsigned."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.audit.models import AuditEvent
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.duties import assessment as a
from linli.duties import services_tasks as st
from linli.duties.models import DepartmentRating, TaskStatus
from linli.duties.selectors import figures, street_departments_qs
from linli.insights.periods import Period
from linli.insights.whistles import whistle_report
from linli.people.models import Position
from linli.tickets import transitions as tr
from linli.tickets.services import ticket_submit
from tests.duties_support import task

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def departments(places: Any) -> list[Any]:
    found = list(street_departments_qs(places.street).order_by("name", "id"))
    assert len(found) >= 2
    return found


def liaison_of(department: Any) -> User:
    position = Position.objects.filter(organisation=department, kind="department_liaison").first()
    assert position is not None
    return User.objects.get_or_create(username=f"liaison{department.pk}", defaults={"person": position.person})[0]


def rate(user: Any, places: Any, department: Any, rating: str, comment: str = "", year: int = YEAR) -> Any:
    return a.department_rate(
        actor=user, street=places.street, department_id=department.pk, year=year, rating=rating, comment=comment
    )


def card_of(card: a.Scorecard, department: Any) -> a.DepartmentCard:
    return next(c for c in card.cards if c.department_id == department.pk)


def test_street_and_community_staff_rate_and_the_card_sums_them_unsigned(users: Any, places: Any) -> None:
    dept = departments(places)[0]
    before = card_of(a.scorecard(places.street, YEAR), dept)
    mine = rate(users["community"], places, dept, "satisfied")
    rate(users["street"], places, dept, "unsatisfied", "报到慢,两次吹哨都超时")
    assert mine.rater_place.kind == "community"
    card = card_of(a.scorecard(places.street, YEAR), dept)
    assert (card.ratings, card.satisfied, card.unsatisfied) == (before.ratings + 2, before.satisfied + 1, 1)
    assert ("unsatisfied", "报到慢,两次吹哨都超时") in card.comments
    assert card.rating_rate == round((card.satisfied + card.basic) / card.ratings, 4)


def test_rating_again_changes_the_rating_instead_of_adding_one(users: Any, places: Any) -> None:
    dept = departments(places)[0]
    rate(users["community"], places, dept, "unsatisfied", "没人接电话")
    rate(users["community"], places, dept, "basic")
    rows = DepartmentRating.objects.filter(department=dept, rater=users["community"], year=YEAR)
    assert [(r.rating, r.comment) for r in rows] == [("basic", "")]
    assert AuditEvent.objects.filter(action="duties.department_rated").count() >= 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": "great"}, "rating"),
        ({"rating": "unsatisfied", "comment": "  "}, "comment"),
        ({"department_id": "abc"}, "department_id"),
        ({"year": YEAR + 1}, "year"),
        ({"year": YEAR - 2}, "year"),
        ({"comment": "长" * 301}, "comment"),
    ],
)
def test_a_bad_rating_is_refused_naming_the_field_and_records_nothing(
    users: Any, places: Any, change: dict[str, Any], field: str
) -> None:
    dept = departments(places)[0]
    args = {"department_id": dept.pk, "year": YEAR, "rating": "satisfied", "comment": "", **change}
    with pytest.raises(InvalidInput) as err:
        a.department_rate(actor=users["street"], street=places.street, **args)
    assert err.value.field == field
    assert not DepartmentRating.objects.filter(rater=users["street"]).exists()


def test_a_department_that_does_not_serve_the_street_cannot_be_rated(users: Any, places: Any) -> None:
    from linli.orgs.models import Organisation

    elsewhere = Organisation.objects.exclude(kind="department").order_by("pk").first()
    with pytest.raises(InvalidInput) as err:
        a.department_rate(
            actor=users["street"], street=places.street, department_id=elsewhere.pk, year=YEAR, rating="satisfied"
        )
    assert err.value.field == "department_id"


def test_grid_workers_residents_departments_and_the_administrator_do_not_rate(users: Any, places: Any) -> None:
    dept = departments(places)[0]
    for who in (users["grid"], users["resident"], users["admin"], liaison_of(dept)):
        with pytest.raises(Forbidden):
            rate(who, places, dept, "satisfied")
    assert not DepartmentRating.objects.exists()


def test_last_years_rating_stays_open_until_the_end_of_march() -> None:
    assert a.open_years(dt.date(2027, 3, 31)) == [2027, 2026]
    assert a.open_years(dt.date(2027, 4, 1)) == [2027]


def test_the_card_takes_whistles_and_tasks_from_their_own_reports(users: Any, places: Any) -> None:
    dept = departments(places)[0]
    liaison = liaison_of(dept)
    ticket, _ = ticket_submit(
        actor=users["resident"], description="小区门口占道经营,请执法", contact_phone="13812345678"
    )
    tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)
    tr.ticket_escalate(actor=users["grid"], ticket_id=ticket.pk, note="请执法", organisation_id=dept.pk)
    tr.ticket_acknowledge(actor=liaison, ticket_id=ticket.pk)
    returned = task(users["street"], places.street, "填报表格", department=dept, department_name="")
    returned = st.task_return(actor=users["street"], task=returned, reason="不在准入清单")
    since, until = a.year_window(YEAR)
    card = card_of(a.scorecard(places.street, YEAR), dept)
    unit = next(u for u in whistle_report(places.street, Period(since, until)).units if u.key == f"org:{dept.pk}")
    row = next(d for d in figures(places.street, since=since, until=until).departments if d.department == dept.name)
    assert (card.whistled, card.report_rate, card.on_time_rate) == (unit.whistled, unit.report_rate, unit.on_time_rate)
    assert card.whistled >= 1 and card.report_rate is not None
    assert (card.tasks_registered, card.tasks_returned) == (row.registered, row.returned)
    assert card.tasks_returned >= 1 and returned.status == TaskStatus.RETURNED


def test_a_liaison_reads_their_own_departments_row_only_and_others_nothing(users: Any, places: Any) -> None:
    first, second = departments(places)[:2]
    card = a.access_scorecard(liaison_of(first), places.street, YEAR)
    assert [c.department_id for c in card.cards] == [first.pk]
    assert {c.department_id for c in a.access_scorecard(users["street"], places.street, YEAR).cards} >= {
        first.pk,
        second.pk,
    }
    for who in (users["grid"], users["resident"]):
        with pytest.raises(NotFound):
            a.access_scorecard(who, places.street, YEAR)


def test_the_page_rates_all_at_once_or_none_and_keeps_what_was_chosen(users: Any, places: Any, client_as: Any) -> None:
    first, second = departments(places)[:2]
    client = client_as("community")
    page = client.get(f"/duties/assessment/?street={places.street.pk}")
    assert page.status_code == 200 and 'id="rate-form"' in page.content.decode()
    assert 'id="scorecard"' not in page.content.decode()  # a community reads no street scorecard
    form = {"street": places.street.pk, "year": YEAR, f"rating_{first.pk}": "satisfied"}
    refused = client.post("/duties/assessment/rate/", {**form, f"rating_{second.pk}": "unsatisfied"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert second.name in body and "请写明原因" in body
    assert f'name="rating_{first.pk}" value="satisfied" checked' in body
    assert not DepartmentRating.objects.exists()
    done = client.post("/duties/assessment/rate/", {**form, f"rating_{second.pk}": "basic"})
    assert done.status_code == 302
    assert set(DepartmentRating.objects.values_list("department_id", "rating")) == {
        (first.pk, "satisfied"),
        (second.pk, "basic"),
    }


def test_the_street_reads_the_scorecard_and_the_download_is_audited(users: Any, places: Any, client_as: Any) -> None:
    from openpyxl import load_workbook

    dept = departments(places)[0]
    rate(users["community"], places, dept, "unsatisfied", "推诿")
    client = client_as("street")
    page = client.get(f"/duties/assessment/?street={places.street.pk}&year={YEAR}").content.decode()
    assert 'id="scorecard"' in page and "推诿" in page and users["community"].person.name not in page
    sheet = client.get(f"/duties/assessment/?street={places.street.pk}&year={YEAR}&format=xlsx")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "职能部门" and any(r[0] == dept.name and "推诿" in (r[-1] or "") for r in rows[1:])
    assert AuditEvent.objects.filter(action="duties.assessment_exported", actor=users["street"]).exists()
    assert client_as("grid").get(f"/duties/assessment/?street={places.street.pk}").status_code == 404
    assert client_as("grid").get(f"/duties/assessment/?street={places.street.pk}&format=xlsx").status_code == 404


def test_the_page_query_count_does_not_grow_with_ratings(
    users: Any, places: Any, client_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_as("street")
    url = f"/duties/assessment/?street={places.street.pk}&year={YEAR}"
    rate(users["street"], places, departments(places)[0], "satisfied")
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for dept in departments(places):
        rate(users["community"], places, dept, "unsatisfied", f"意见{dept.pk}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_api_reads_the_card_and_records_a_rating(users: Any, places: Any, api_as: Any) -> None:
    dept = departments(places)[0]
    base = f"/api/v1/duties/streets/{places.street.pk}/assessment"
    put = api_as("community").put(
        f"{base}/ratings",
        {"year": YEAR, "department_id": dept.pk, "rating": "unsatisfied", "comment": "报到慢"},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["rater_place_id"] == places.communities[0].pk
    bad = api_as("community").put(
        f"{base}/ratings",
        {"year": YEAR, "department_id": dept.pk, "rating": "unsatisfied"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "comment"
    card = api_as("street").get(f"{base}?year={YEAR}").json()
    row = next(d for d in card["departments"] if d["department_id"] == dept.pk)
    assert row["unsatisfied"] >= 1 and "unsatisfied: 报到慢" in row["comments"]
    assert api_as("grid").get(base).status_code == 404
    assert (
        api_as("grid")
        .put(
            f"{base}/ratings",
            {"year": YEAR, "department_id": dept.pk, "rating": "basic"},
            content_type="application/json",
        )
        .status_code
        == 404
    )
