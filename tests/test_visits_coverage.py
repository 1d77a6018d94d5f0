"""Coverage, quotas, care plans, hazards, reminders, figures, API scope, household snippet, demo."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.notify.models import Notification
from linli.people.models import CareTag, PersonTag
from linli.places.models import Household
from linli.tickets.models import Ticket
from linli.visits.coverage import coverage, period_start
from linli.visits.demo import build_demo_visits
from linli.visits.figures import compute_figures
from linli.visits.models import CarePlan, HazardPoint, QuotaRule, Visit, VisitKind
from linli.visits.selectors import visits_for_household
from linli.visits.services import VisitInput, finding_solve_on_spot, finding_to_request, visit_record
from linli.visits.services_plans import care_plan_set, hazard_create, quota_rule_add
from linli.visits.sweep import sweep_visit_reminders

pytestmark = pytest.mark.django_db


def grid_households(places: Any) -> list[Household]:
    return list(Household.objects.filter(place_path__startswith=places.first_grid.path).order_by("id"))


def tag(household: Household, code: str) -> None:
    PersonTag.objects.create(person=household.members.order_by("id").first(), tag=CareTag.objects.get(code=code))


def visit(user: Any, household: Household, *, days_ago: float = 0, findings: list[str] | None = None) -> Visit:
    at = timezone.now() - dt.timedelta(days=days_ago, minutes=1)
    return visit_record(actor=user, data=VisitInput(household_id=household.pk, visited_at=at, findings=findings or []))[
        0
    ]


def test_a_key_household_visit_makes_one_fewer_overdue_key_household(users, places) -> None:
    first, second = grid_households(places)[:2]
    tag(first, "living_alone")
    tag(second, "elderly")
    community = places.communities[0]
    before = coverage(users["community"], community)
    assert {k.household.pk for k in before.key_overdue} >= {first.pk, second.pk}
    visit(users["grid"], first)
    after = coverage(users["community"], community)
    assert len(after.key_overdue) == len(before.key_overdue) - 1
    assert first.pk not in {k.household.pk for k in after.key_overdue}
    assert after.recent[0].household_id == first.pk


def test_a_visit_older_than_the_care_plan_frequency_leaves_the_household_overdue(users, places) -> None:
    hh = grid_households(places)[0]
    tag(hh, "living_alone")
    care_plan_set(
        actor=users["community"], household_id=hh.pk, responsible_id=users["grid"].person_id, frequency_days=7
    )
    visit(users["grid"], hh, days_ago=10)
    key = {k.household.pk: k for k in coverage(users["grid"], places.first_grid).key}
    assert key[hh.pk].overdue and key[hh.pk].frequency_days == 7
    visit(users["grid"], hh, days_ago=1)
    key = {k.household.pk: k for k in coverage(users["grid"], places.first_grid).key}
    assert not key[hh.pk].overdue


def test_sensitive_tags_make_a_key_household_only_for_viewers_with_the_sensitive_capability(users, places) -> None:
    from linli.people.models import Position

    hh = grid_households(places)[0]
    tag(hh, "low_income")
    assert hh.pk in {k.household.pk for k in coverage(users["grid"], places.first_grid).key}
    building_head = Position.objects.filter(kind="building_head", place_path__startswith=places.first_grid.path).first()
    from linli.accounts.models import User

    viewer = User.objects.create(username="bh", person=building_head.person)
    building = building_head.place
    assert hh.pk not in {k.household.pk for k in coverage(viewer, building).key}


def test_households_never_visited_shrink_as_visits_are_recorded(users, places) -> None:
    households = grid_households(places)
    before = coverage(users["grid"], places.first_grid)
    assert before.never_visited_count == len(households)
    visit(users["grid"], households[0])
    after = coverage(users["grid"], places.first_grid)
    assert after.never_visited_count == len(households) - 1
    assert after.visited_90 == 1


def test_the_grid_worker_behind_on_covering_the_grid_is_listed(users, places) -> None:
    households = grid_households(places)
    today = timezone.localdate()
    start = period_start("quarter", today)
    days = (today - start).days
    visit(users["grid"], households[0], days_ago=min(days, 0.01))
    progress = coverage(users["community"], places.communities[0]).progress
    mine = [p for p in progress if p.person_name == users["grid"].person.name and p.rule.mode == "cover"]
    assert mine and mine[0].target == len(households) and mine[0].done == 1


def test_community_leaders_count_rule_counts_distinct_households_this_week(users, places) -> None:
    households = grid_households(places)
    for hh in households[:3]:
        visit(users["community"], hh)
    visit(users["community"], households[0], days_ago=0.001)
    progress = coverage(users["street"], places.communities[0]).progress
    row = next(p for p in progress if p.person_name == users["community"].person.name and p.rule.mode == "count")
    assert row.done == 3 and row.target == 10


def test_quota_rules_are_configured_by_admin_and_refused_for_grid_workers(users) -> None:
    rule = quota_rule_add(actor=users["admin"], position_kind="building_head", period="month", mode="count", target=5)
    assert QuotaRule.objects.filter(pk=rule.pk, active=True).exists()
    with pytest.raises(Forbidden):
        quota_rule_add(actor=users["grid"], position_kind="building_head", period="week", mode="count", target=5)
    with pytest.raises(InvalidInput) as err:
        quota_rule_add(actor=users["admin"], position_kind="building_head", period="week", mode="count", target=0)
    assert err.value.field == "target"


def test_a_care_plan_needs_a_household_with_care_tags_and_a_responsible_person_in_the_area(users, places) -> None:
    hh = grid_households(places)[0]
    with pytest.raises(InvalidInput) as err:
        care_plan_set(
            actor=users["grid"], household_id=hh.pk, responsible_id=users["grid"].person_id, frequency_days=30
        )
    assert err.value.field == "household_id"
    tag(hh, "elderly")
    with pytest.raises(InvalidInput) as err:
        care_plan_set(actor=users["grid"], household_id=hh.pk, responsible_id=hh.members.first().pk, frequency_days=30)
    assert err.value.field == "responsible_id"
    plan = care_plan_set(
        actor=users["grid"], household_id=hh.pk, responsible_id=users["grid"].person_id, frequency_days=14
    )
    assert plan.frequency_days == 14 and plan.place_path == hh.place_path


def test_overdue_care_plans_and_hazards_remind_the_responsible_person_once_a_day(users, places) -> None:
    hh = grid_households(places)[0]
    tag(hh, "elderly")
    care_plan_set(actor=users["grid"], household_id=hh.pk, responsible_id=users["grid"].person_id, frequency_days=7)
    hazard = hazard_create(
        actor=users["grid"],
        place_id=places.first_grid.pk,
        name="积水点",
        responsible_id=users["grid"].person_id,
        inspect_every_days=3,
    )
    later = timezone.now() + dt.timedelta(days=8)
    result = sweep_visit_reminders(now=later)
    assert (result.care_reminded, result.hazards_reminded) == (1, 1)
    kinds = set(Notification.objects.filter(recipient=users["grid"]).values_list("kind", flat=True))
    assert {"visit.care_due", "visit.hazard_due"} <= kinds
    again = sweep_visit_reminders(now=later)
    assert (again.care_reminded, again.hazards_reminded) == (0, 0)
    visit_record(actor=users["grid"], data=VisitInput(hazard_id=hazard.pk, kind=VisitKind.HAZARD, notes="已抽排"))
    hazard.refresh_from_db()
    assert hazard.last_inspected_at is not None and not hazard.is_overdue


def test_hazards_outside_scope_are_refused_and_street_level_places_are_not_hazard_locations(users, places) -> None:
    with pytest.raises(NotFound):
        hazard_create(
            actor=users["grid"], place_id=places.other_grid.pk, name="x", responsible_id=users["grid"].person_id
        )
    with pytest.raises(InvalidInput) as err:
        hazard_create(
            actor=users["admin"], place_id=places.street.pk, name="x", responsible_id=users["street"].person_id
        )
    assert err.value.field == "place_id"


def test_figures_count_visits_households_people_and_problems_found_and_solved(users, places) -> None:
    a, b = grid_households(places)[:2]
    member = a.members.first()
    v1 = visit_record(
        actor=users["grid"],
        data=VisitInput(household_id=a.pk, person_ids=[member.pk], people_served=3, findings=["漏水", "灯坏"]),
    )[0]
    visit(users["grid"], a, days_ago=1)
    visit(users["grid"], b, days_ago=2, findings=["噪音"])
    f_leak, f_light = v1.findings.order_by("id")
    finding_solve_on_spot(actor=users["grid"], finding_id=f_leak.pk)
    ticket = finding_to_request(actor=users["grid"], finding_id=f_light.pk)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now(), status="resolved")
    today = timezone.localdate()
    report = compute_figures(places.communities[0], today - dt.timedelta(days=7), today)
    t = report.total
    assert (t.visits, t.households, t.people_served) == (3, 2, 3)
    assert (t.problems_found, t.to_requests, t.problems_solved) == (3, 1, 2)
    first_compound = next(f for c, f in report.children if c.pk == places.compounds[0].pk)
    assert first_compound.visits == 3
    assert compute_figures(places.other_community, today - dt.timedelta(days=7), today).total.visits == 0
    assert (
        compute_figures(places.communities[0], today - dt.timedelta(days=30), today - dt.timedelta(days=8)).total.visits
        == 0
    )


def test_figures_and_coverage_pages_and_api_are_scoped(users, places, client_as, api_as) -> None:
    visit(users["grid"], grid_households(places)[0])
    grid = client_as("grid")
    assert grid.get(reverse("visits:figures") + f"?node={places.other_community.pk}").status_code == 404
    assert grid.get(reverse("visits:coverage") + f"?node={places.other_grid.pk}").status_code == 404
    page = grid.get(reverse("visits:coverage") + f"?node={places.first_grid.pk}")
    assert page.status_code == 200 and 'id="key-overdue-count"' in page.content.decode()
    api = api_as("grid")
    assert api.get(f"/api/v1/visits/figures?node={places.other_community.pk}").status_code == 404
    body = api.get(f"/api/v1/visits/figures?node={places.first_grid.pk}").json()
    assert body["figures"]["visits"] == 1
    cov = api.get(f"/api/v1/visits/coverage?node={places.first_grid.pk}").json()
    assert cov["never_visited"] == len(grid_households(places)) - 1
    assert client_as("resident").get(reverse("visits:coverage")).status_code == 403


def test_api_records_a_visit_refuses_bad_input_and_hides_other_grids(users, places, api_as) -> None:
    api = api_as("grid")
    hh = grid_households(places)[0]
    created = api.post(
        "/api/v1/visits",
        {"household_id": hh.pk, "kind": "key_household", "findings": ["井盖松动"]},
        content_type="application/json",
        headers={"Idempotency-Key": "api-1"},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["kind"] == "key_household" and body["findings"][0]["text"] == "井盖松动"
    retry = api.post(
        "/api/v1/visits", {"household_id": hh.pk}, content_type="application/json", headers={"Idempotency-Key": "api-1"}
    )
    assert retry.json()["id"] == body["id"] and Visit.objects.count() == 1
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    bad = api.post("/api/v1/visits", {"household_id": hh.pk, "visited_at": future}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "visited_at"
    other = Household.objects.filter(place_path__startswith=places.other_grid.path).first()
    assert api.post("/api/v1/visits", {"household_id": other.pk}, content_type="application/json").status_code == 404
    ref = api.post(f"/api/v1/visits/findings/{body['findings'][0]['id']}/request", {}, content_type="application/json")
    assert ref.status_code == 200 and Ticket.objects.get(pk=ref.json()["ticket_id"]).source == "visit"
    assert api.get(f"/api/v1/visits/{body['id']}").json()["findings"][0]["ticket_number"] == ref.json()["ticket_number"]
    foreign = visit(users["admin"], other)
    assert api.get(f"/api/v1/visits/{foreign.pk}").status_code == 404
    assert api.get("/api/v1/visits/999999").status_code == 404
    listed = api.get("/api/v1/visits?limit=50").json()
    assert [v["id"] for v in listed["items"]] == [body["id"]]
    assert api.get("/api/v1/visits?limit=500").status_code == 422


def test_the_household_snippet_lists_visits_and_the_care_plan(users, places) -> None:
    hh = grid_households(places)[0]
    tag(hh, "elderly")
    care_plan_set(actor=users["grid"], household_id=hh.pk, responsible_id=users["grid"].person_id, frequency_days=30)
    v = visit(users["grid"], hh, findings=["扶手松动"])
    hv = visits_for_household(user=users["grid"], household=hh)
    assert [x.pk for x in hv.visits] == [v.pk] and hv.care_plan is not None and not hv.overdue
    html = render_to_string("visits/_household_visits.html", {"hv": hv})
    assert f'data-visit="{v.pk}"' in html and "扶手松动" in html
    assert visits_for_household(user=users["resident"], household=hh).visits == []


def test_the_demo_adds_visits_care_plans_and_hazards(users) -> None:
    build_demo_visits(random.Random(3))
    assert Visit.objects.filter(household__isnull=False).count() > 20
    assert CarePlan.objects.exists() and HazardPoint.objects.exists()
    assert Visit.objects.filter(kind=VisitKind.HAZARD).count() == HazardPoint.objects.count()


def test_every_visits_page_renders_for_a_grid_worker_and_the_coverage_page_has_bounded_queries(
    users, places, client_as, django_assert_max_num_queries
) -> None:
    households = grid_households(places)
    for i, hh in enumerate(households[:6]):
        tag(hh, "elderly")
        visit(users["grid"], hh, days_ago=i + 1, findings=["问题"])
    hazard = hazard_create(
        actor=users["grid"], place_id=places.first_grid.pk, name="积水点", responsible_id=users["grid"].person_id
    )
    client = client_as("grid")
    building = households[0].place_path[: 6 * 4]
    from linli.places.models import Place

    building_id = Place.objects.get(path=building).pk
    for url in [
        reverse("visits:list"),
        reverse("visits:list") + "?all=1",
        reverse("visits:new"),
        reverse("visits:new") + f"?building={building_id}",
        reverse("visits:new") + f"?hazard={hazard.pk}",
        reverse("visits:hazards"),
        reverse("visits:hazard", args=[hazard.pk]),
        reverse("visits:household", args=[households[0].pk]),
        reverse("visits:rules"),
        reverse("visits:figures"),
    ]:
        assert client.get(url).status_code == 200, url
    with django_assert_max_num_queries(30):
        response = client.get(reverse("visits:coverage") + f"?node={places.first_grid.pk}")
    assert response.content.decode().count("data-visit=") == 6


def test_the_coverage_page_lists_the_most_overdue_key_households_and_says_how_many_there_are(
    users, places, client_as, monkeypatch
) -> None:
    """A street has ~1,300 overdue key households: the page lists the most overdue ones and the count, and
    the street leader narrows down by community or grid for the rest (all of them took 1.7 s to render)."""
    from linli.visits import coverage as module

    for household in grid_households(places)[:3]:
        tag(household, "living_alone")
    overdue = len(coverage(users["grid"], places.first_grid).key_overdue)
    assert overdue >= 3
    monkeypatch.setattr(module, "KEY_OVERDUE_SHOWN", 2)
    html = client_as("grid").get(reverse("visits:coverage") + f"?node={places.first_grid.pk}").content.decode()
    section = html[html.index('id="key-overdue"') : html.index('id="behind"')]
    assert section.count("data-household=") == 2 and f"显示 2 / {overdue}" in section
