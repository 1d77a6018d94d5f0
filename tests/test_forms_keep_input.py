"""A form refused for one mistake comes back with everything the user chose and typed still there:
selects keep their option, checkboxes their state, text its text (session review: a new activity
re-ticked 立即发布报名 and fell back to the first scope, so a second submit published to everyone)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.insights import periods
from linli.insights.models import WorkReport
from linli.people.models import Person, PoliticalStatus, Relation
from linli.places.models import Household
from linli.visits.models import ChecklistTemplate, Visit
from linli.volunteering.models import Activity, Team
from linli.volunteering.views_common import staff_places

pytestmark = pytest.mark.django_db


def tag(body: str, name: str, value: str | None = None) -> str:
    """The one ``<input>`` named ``name`` (with ``value``, for a group of checkboxes)."""
    found = [
        t
        for t in re.findall(r"<input[^>]*>", body)
        if f'name="{name}"' in t and (value is None or f'value="{value}"' in t)
    ]
    assert len(found) == 1, (name, value, found)
    return found[0]


def chosen(body: str, select: str) -> list[str]:
    """The values of the selected options of the ``<select name=select>``."""
    match = re.search(rf'<select name="{select}"[^>]*>(.*?)</select>', body, re.S)
    assert match, select
    return re.findall(r'<option value="([^"]*)"[^>]*\sselected', match.group(1))


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- a new volunteering activity ------------------------------------------------------------------


def test_a_refused_new_activity_keeps_its_scope_team_and_an_unticked_publish_box(users, client_as):
    scopes = staff_places(users["community"])
    assert len(scopes) > 1
    scope = scopes[-1]  # not the first option, which a forgetful form would fall back to
    team = Team.objects.create(name="银发志愿队", place=scope, place_path=scope.path)
    start = timezone.now() + dt.timedelta(days=2)
    response = client_as("community").post(
        "/volunteering/activities/new/",
        {
            "title": "楼道清扫",
            "place_id": scope.pk,
            "team_id": team.pk,
            "starts_at": local(start),
            "ends_at": local(start - dt.timedelta(hours=1)),  # ends before it starts
            "capacity": "8",
        },
    )
    body = response.content.decode()
    assert 'class="error"' in body and not Activity.objects.filter(title="楼道清扫").exists()
    assert chosen(body, "place_id") == [str(scope.pk)]
    assert chosen(body, "team_id") == [str(team.pk)]
    assert "checked" not in tag(body, "publish")
    assert 'value="楼道清扫"' in tag(body, "title")


def test_a_refused_new_activity_keeps_a_ticked_publish_box_and_a_fresh_form_starts_ticked(client_as):
    client = client_as("community")
    assert "checked" in tag(client.get("/volunteering/activities/new/").content.decode(), "publish")
    start = timezone.now() + dt.timedelta(days=2)
    body = client.post(
        "/volunteering/activities/new/",
        {"title": "x", "starts_at": local(start), "ends_at": local(start - dt.timedelta(hours=1)), "publish": "on"},
    ).content.decode()
    assert 'class="error"' in body and "checked" in tag(body, "publish")


# --- a home visit ---------------------------------------------------------------------------------


def household_with_members(places: Any, count: int) -> Household:
    for hh in Household.objects.filter(place_path__startswith=places.first_grid.path).order_by("id"):
        if Person.objects.filter(household=hh, moved_out_on__isnull=True).count() >= count:
            return hh
    raise AssertionError("no household with enough members in the demo")


def test_a_visit_refused_for_its_checklist_keeps_the_family_members_seen_ticked(places, client_as):
    hh = household_with_members(places, 2)
    members = list(Person.objects.filter(household=hh, moved_out_on__isnull=True).order_by("id"))
    seen, not_seen = members[0], members[1]
    response = client_as("grid").post(
        reverse("visits:new"),
        {
            "household_id": hh.pk,
            "template_id": ChecklistTemplate.objects.get(code="six_checks").pk,  # 至少填一项, none filled
            "person_ids": [seen.pk],
            "idempotency_key": "kept-1",
        },
    )
    body = response.content.decode()
    assert 'data-field="answers"' in body and not Visit.objects.exists()
    assert "checked" in tag(body, "person_ids", str(seen.pk))
    assert "checked" not in tag(body, "person_ids", str(not_seen.pk))


def test_a_visit_refused_for_another_field_keeps_the_checklist_answers_typed(places, client_as):
    hh = household_with_members(places, 1)
    six = ChecklistTemplate.objects.get(code="six_checks")
    response = client_as("grid").post(
        reverse("visits:new"),
        {
            "household_id": hh.pk,
            "template_id": six.pk,
            "answer_people": "独居老人,身体尚可",
            "people_served": "999",  # more than one visit serves
            "idempotency_key": "kept-2",
        },
    )
    body = response.content.decode()
    assert 'data-field="people_served"' in body and not Visit.objects.exists()
    checklist = re.search(rf'<fieldset class="checklist" data-template="{six.pk}">(.*?)</fieldset>', body, re.S)
    assert checklist and 'value="独居老人,身体尚可"' in tag(checklist.group(1), "answer_people")
    assert chosen(body, "template_id") == [str(six.pk)]


# --- the ledger's edit page -----------------------------------------------------------------------


@pytest.fixture
def neighbour(places):
    """A resident of the first grid with no account and no position (as in test_ledger_edit)."""
    return (
        Person.objects.filter(place_path__startswith=places.first_grid.path, user__isnull=True, positions__isnull=True)
        .exclude(phone_enc="")
        .order_by("pk")
        .first()
    )


def other_than(choices: Any, current: str) -> str:
    return next(code for code in choices.values if code and code != current)


def test_a_bad_phone_number_keeps_the_political_status_and_relation_chosen_with_it(client_as, neighbour):
    status = other_than(PoliticalStatus, neighbour.political_status)
    relation = other_than(Relation, neighbour.relation_to_head)
    response = client_as("grid").post(
        f"/ledger/people/{neighbour.pk}/edit",
        {
            "name": neighbour.name,
            "phone": "12345",
            "workplace": "社区卫生站",
            "political_status": status,
            "residence_type": neighbour.residence_type,
            "relation_to_head": relation,
            "notes": "",
        },
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert chosen(body, "political_status") == [status]
    assert chosen(body, "relation_to_head") == [relation]
    assert 'value="12345"' in tag(body, "phone", "12345")  # the basic form's, so it can be corrected
    assert 'value="社区卫生站"' in body
    neighbour.refresh_from_db()
    assert neighbour.political_status != status and neighbour.relation_to_head != relation


def test_a_refused_extra_phone_keeps_its_number_and_label_and_leaves_the_other_forms_alone(client_as, neighbour):
    response = client_as("grid").post(f"/ledger/people/{neighbour.pk}/phones", {"phone": "12345", "label": "女儿"})
    body = response.content.decode()
    assert response.status_code == 422
    add_form = body[body.index('id="phones"') : body.index('id="tags"')]
    assert 'value="12345"' in tag(add_form, "phone") and 'value="女儿"' in tag(add_form, "label")
    basic_form = body[body.index('id="basic"') : body.index('id="phones"')]
    assert 'value=""' in tag(basic_form, "phone")  # the number is not copied into the basic form
    assert chosen(body, "political_status") == [neighbour.political_status]


# --- work reports ---------------------------------------------------------------------------------


def test_a_quarter_out_of_range_is_an_error_on_the_report_form_with_the_choice_kept(places, client_as):
    response = client_as("street").post(
        reverse("insights:report_request"),
        {"node": places.street.pk, "period_kind": "quarter", "year": "2025", "number": "11"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert 'id="report-form"' in body and 'data-field="number"' in body and "季度应在 1 到 4 之间" in body
    assert chosen(body, "period_kind") == ["quarter"]
    assert chosen(body, "year") == ["2025"]
    assert chosen(body, "number") == ["11"]
    assert not WorkReport.objects.filter(period_kind="quarter").exists()


def test_a_period_not_begun_yet_is_an_error_on_the_report_form(places, client_as):
    next_year = str(timezone.localdate().year + 1)
    response = client_as("street").post(
        reverse("insights:report_request"),
        {"node": places.street.pk, "period_kind": "quarter", "year": next_year, "number": "1"},
    )
    body = response.content.decode()
    assert response.status_code == 422 and "不能为尚未开始的时期生成报告" in body
    assert chosen(body, "period_kind") == ["quarter"] and chosen(body, "number") == ["1"]


def test_the_report_form_says_which_numbers_fit_each_kind_and_starts_at_last_month(places, client_as):
    body = client_as("street").get(reverse("insights:reports") + f"?node={places.street.pk}").content.decode()
    kinds = dict(re.findall(r'<option value="(\d+)" data-kinds="([^"]*)"', body))
    assert kinds["1"] == kinds["4"] == "month quarter"
    assert kinds["5"] == kinds["12"] == "month"
    last = periods.last_month()
    assert chosen(body, "period_kind") == ["month"]
    assert chosen(body, "number") == [str(last.since.month)] and chosen(body, "year") == [str(last.since.year)]
    assert "data-period-kind" in body and "data-period-number" in body
