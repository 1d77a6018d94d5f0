"""The figures: 专职社区工作者 in post on a day by community, 持证率, workers per 10,000 residents against the
standard of 18, hires and leaves in a period, sessions and 人次, and workers with no training this year — each
checked against rows made here; the lists and figures cost the same queries for few rows and many."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from linli.people.models import Person
from linli.workforce import services as ws
from linli.workforce import services_training as st
from linli.workforce.models import Worker
from linli.workforce.selectors import dashboard_tile, figures, residents_q
from tests.workforce_support import days_ago, hire, resident_of, session, staff_person

pytestmark = pytest.mark.django_db
API = "/api/v1/workforce"


def _crew(users: Any, places: Any) -> dict[str, Any]:
    first, other = places.communities[0], places.communities[1]
    street = users["street"]
    crew = {
        "a": hire(street, staff_person(first), first, qualification="social_worker", hired_on=dt.date(2020, 1, 1)),
        "b": hire(
            street, staff_person(first, nth=1), first, qualification="", certificate_no="", hired_on=days_ago(20)
        ),
        "c": hire(street, staff_person(other), other, hired_on=dt.date(2021, 1, 1)),
        "welfare": hire(
            street, staff_person(other, nth=1), other, employment="public_welfare", hired_on=dt.date(2022, 1, 1)
        ),
        "gone": hire(street, resident_of(first), first, hired_on=dt.date(2019, 1, 1)),
    }
    ws.worker_leave(actor=street, worker=crew["gone"], left_on=days_ago(5), reason="resigned")
    return crew


def test_figures_count_workers_qualifications_residents_hires_leaves_and_training(users: Any, places: Any) -> None:
    crew = _crew(users, places)
    training = session(users["street"], places.street, held_on=days_ago(3))
    st.attendance_record(actor=users["street"], training=training, worker_ids=[crew["a"].pk, crew["c"].pk])
    today = days_ago(0)
    f = figures(users["street"], places.street, on=today, since=days_ago(30), until=today)
    assert (f.active, f.all_kinds, f.qualified) == (3, 4, 2)  # a, b, c full-time; welfare counted in all kinds
    assert f.qualified_rate == round(2 / 3, 4)
    residents = Person.objects.under(places.street.path).filter(residents_q()).count()
    assert f.residents == residents and f.per_10k == round(3 * 10000 / residents, 2)
    assert f.meets_standard == (f.per_10k >= 18)
    assert (f.hires, f.leaves, f.sessions, f.attendances) == (1, 1, 1, 2)
    assert f.untrained == 2 and {w.pk for w in f.untrained_workers} == {crew["b"].pk, crew["welfare"].pk}
    rows = {r.place.pk: r for r in f.communities}
    assert (rows[places.communities[0].pk].active, rows[places.communities[0].pk].qualified) == (2, 1)
    assert rows[places.communities[1].pk].active == 1
    # a leaver counts on a day before they left
    earlier = figures(users["street"], places.street, on=days_ago(10), since=days_ago(30), until=today)
    assert earlier.all_kinds == 5


def test_a_moved_out_or_nominal_resident_is_not_a_resident_of_the_figures(users: Any, places: Any) -> None:
    before = figures(users["street"], places.communities[0], on=days_ago(0), since=days_ago(1), until=days_ago(0))
    person = Person.objects.under(places.communities[0].path).filter(residents_q()).order_by("pk").first()
    Person.objects.filter(pk=person.pk).update(residence_type="nominal")
    after = figures(users["street"], places.communities[0], on=days_ago(0), since=days_ago(1), until=days_ago(0))
    assert after.residents == before.residents - 1


def test_the_dashboard_tile_agrees_with_the_figures(
    users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    _crew(users, places)
    with django_assert_max_num_queries(1):
        tile = dashboard_tile(places.street)
    f = figures(users["street"], places.street, on=days_ago(0), since=days_ago(30), until=days_ago(0))
    assert (tile.active, tile.qualified, tile.residents, tile.per_10k) == (
        f.active,
        f.qualified,
        f.residents,
        f.per_10k,
    )


def test_the_figures_api_answers_for_the_street_and_hides_the_street_from_community_staff(
    users: Any, places: Any, api_as: Any
) -> None:
    _crew(users, places)
    answer = api_as("street").get(f"{API}/figures", {"place_id": places.street.pk})
    assert answer.status_code == 200 and answer.json()["active"] == 3 and answer.json()["standard"] == 18
    community = api_as("community").get(f"{API}/figures", {"place_id": places.communities[0].pk}).json()
    assert community["active"] == 2 and len(community["communities"]) == 1
    assert api_as("community").get(f"{API}/figures", {"place_id": places.street.pk}).status_code == 404
    assert api_as("grid").get(f"{API}/figures", {"place_id": places.communities[0].pk}).status_code == 404
    reversed_period = {"place_id": places.street.pk, "since": "2026-02-01", "until": "2026-01-01"}
    bad = api_as("street").get(f"{API}/figures", reversed_period)
    assert bad.status_code == 422 and bad.json()["field"] == "since"


def test_the_figures_page_shows_the_standard_and_the_untrained(users: Any, places: Any, client_as: Any) -> None:
    crew = _crew(users, places)
    page = client_as("street").get("/workforce/figures/", {"node": places.street.pk})
    body = page.content.decode()
    assert page.status_code == 200 and "标准 18 人" in body and crew["b"].person.name in body


def _more(users: Any, places: Any, n: int) -> None:
    """``n`` more workers: residents of the first community not in the register yet."""
    first = places.communities[0]
    hired = Worker.objects.values("person_id")
    people = Person.objects.filter(place_path__startswith=first.path, positions__isnull=True, user__isnull=True)
    for person in people.exclude(pk__in=hired).order_by("pk")[:n]:
        hire(users["street"], person, first)


@pytest.mark.parametrize(
    "url",
    [f"{API}/workers", f"{API}/workers?on=2025-06-01", f"{API}/trainings", "/workforce/", "/workforce/trainings/"],
)
@pytest.mark.parametrize("who", ["street", "community"])
def test_each_list_costs_the_same_queries_for_one_row_and_for_many(
    users: Any, places: Any, api_as: Any, client_as: Any, django_assert_max_num_queries: Any, url: str, who: str
) -> None:
    _more(users, places, 1)
    session(users["street"], places.street, title="第一场")
    client = api_as(who) if url.startswith(API) else client_as(who)
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    _more(users, places, 8)
    for k in range(6):
        t = session(users["street"], places.street, title=f"第{k + 2}场")
        workers = list(Worker.objects.filter(st.eligible_q(t)).values_list("pk", flat=True))
        st.attendance_record(actor=users["street"], training=t, worker_ids=workers)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_figures_cost_the_same_queries_for_few_and_many_workers(
    users: Any, places: Any, django_assert_max_num_queries: Any
) -> None:
    today = days_ago(0)
    _more(users, places, 1)
    with django_assert_max_num_queries(12) as small:
        figures(users["street"], places.street, on=today, since=days_ago(30), until=today)
    _more(users, places, 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        figures(users["street"], places.street, on=today, since=days_ago(30), until=today)
