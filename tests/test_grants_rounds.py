"""Funding rounds: set up at a street or district by its staff, moved draft → open → reviewing → closed one step at
a time, edited while not closed (never below what is granted), refused naming the field when a form is wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.grants import services as s
from linli.grants.models import GrantRound, RoundStatus
from tests.grants_support import approved, fields, grant_round, reviewing_with, social_org

pytestmark = pytest.mark.django_db


def test_it_sets_up_a_round_at_a_street_as_a_draft_with_money_in_fen(users: Any, places: Any) -> None:
    round_, created = s.round_create(actor=users["street"], node=places.street, fields=fields(budget_fen=123_456_78))
    assert created and round_.status == RoundStatus.DRAFT
    assert (round_.budget_fen, round_.granted_fen, round_.remaining_fen) == (12345678, 0, 12345678)
    assert round_.place_path == places.street.path
    assert round_.service_fields == ["elderly", "youth", "assistance", "mediation"]
    assert AuditEvent.objects.filter(action="grants.round_created", target_id=str(round_.pk)).count() == 1


def test_it_answers_a_retry_under_the_same_key_with_the_first_round(users: Any, places: Any) -> None:
    first, created = s.round_create(actor=users["street"], node=places.street, fields=fields(), idempotency_key="k1")
    again, created_again = s.round_create(
        actor=users["street"], node=places.street, fields=fields(), idempotency_key="k1"
    )
    assert created and not created_again and first.pk == again.pk
    assert GrantRound.objects.count() == 1
    with pytest.raises(Conflict) as refused:
        s.round_create(actor=users["street"], node=places.street, fields=fields(title="另一轮"), idempotency_key="k1")
    assert refused.value.field == "Idempotency-Key"


def test_it_refuses_a_second_round_with_the_same_title_at_the_node(users: Any, places: Any) -> None:
    s.round_create(actor=users["street"], node=places.street, fields=fields())
    with pytest.raises(Conflict) as refused:
        s.round_create(actor=users["street"], node=places.street, fields=fields())
    assert refused.value.field == "title"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"year": 1999}, "year"),
        ({"year": "二〇二六"}, "year"),
        ({"budget_fen": 0}, "budget_fen"),
        ({"budget_fen": -5}, "budget_fen"),
        ({"budget_fen": 1.5}, "budget_fen"),
        ({"opens_on": None}, "opens_on"),
        ({"closes_on": dt.date(2000, 1, 1)}, "closes_on"),
        ({"service_fields": []}, "service_fields"),
        ({"service_fields": ["elderly", "space"]}, "service_fields"),
        ({"kind": "lottery"}, "kind"),
    ],
)
def test_it_refuses_a_wrong_round_form_naming_the_field(users: Any, places: Any, change: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        s.round_create(actor=users["street"], node=places.street, fields=fields(**change))
    assert refused.value.field == field
    assert not GrantRound.objects.exists()


def test_a_round_belongs_to_a_street_or_district_not_a_community(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        s.round_create(actor=users["street"], node=places.communities[0], fields=fields())
    assert refused.value.field == "node_id"


@pytest.mark.parametrize("who", ["community", "grid", "volunteer", "resident"])
def test_only_those_who_manage_the_street_set_up_its_rounds(users: Any, places: Any, who: str) -> None:
    with pytest.raises(Forbidden):
        s.round_create(actor=users[who], node=places.street, fields=fields())


def test_a_round_moves_one_step_at_a_time_and_a_repeat_changes_nothing(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street, status=RoundStatus.DRAFT)
    with pytest.raises(Conflict):
        s.round_review(actor=actor, round_=round_)
    with pytest.raises(Conflict):
        s.round_close(actor=actor, round_=round_)
    opened = s.round_open(actor=actor, round_=round_)
    assert opened.status == RoundStatus.OPEN and opened.opened_at is not None
    assert s.round_open(actor=actor, round_=round_).opened_at == opened.opened_at
    assert AuditEvent.objects.filter(action="grants.round_opened").count() == 1
    reviewing = s.round_review(actor=actor, round_=round_)
    assert reviewing.status == RoundStatus.REVIEWING
    with pytest.raises(Conflict):
        s.round_open(actor=actor, round_=round_)
    closed = s.round_close(actor=actor, round_=round_)
    assert closed.status == RoundStatus.CLOSED and closed.closed_at is not None


def test_a_round_with_undecided_applications_cannot_be_closed(users: Any, places: Any) -> None:
    actor = users["street"]
    org = social_org(actor, places.street)
    round_, (project,) = reviewing_with(actor, places.street, org, [places.communities[0]])
    with pytest.raises(Conflict, match="1 个申报未作立项决定"):
        s.round_close(actor=actor, round_=round_)
    approved(actor, project)
    assert s.round_close(actor=actor, round_=round_).status == RoundStatus.CLOSED


def test_the_budget_cannot_drop_below_what_is_granted_and_a_closed_round_is_not_edited(users: Any, places: Any) -> None:
    actor = users["street"]
    org = social_org(actor, places.street)
    round_, (project,) = reviewing_with(actor, places.street, org, [places.communities[0]])
    approved(actor, project, granted_fen=25_000_00)
    with pytest.raises(Conflict) as refused:
        s.round_update(actor=actor, round_=round_, fields=fields(budget_fen=20_000_00))
    assert refused.value.field == "budget_fen" and "25,000.00" in refused.value.message
    updated = s.round_update(actor=actor, round_=round_, fields=fields(budget_fen=25_000_00))
    assert updated.remaining_fen == 0
    s.round_close(actor=actor, round_=round_)
    with pytest.raises(Conflict):
        s.round_update(actor=actor, round_=round_, fields=fields(title="改名"))


def test_a_service_field_an_application_chose_cannot_be_taken_from_the_round(users: Any, places: Any) -> None:
    actor = users["street"]
    org = social_org(actor, places.street)
    round_, _projects = reviewing_with(actor, places.street, org, [places.communities[0]])
    with pytest.raises(Conflict) as refused:
        s.round_update(actor=actor, round_=round_, fields=fields(service_fields=["youth"]))
    assert refused.value.field == "service_fields" and "助老" in refused.value.message
    unchanged = s.round_update(actor=actor, round_=round_, fields=fields())
    assert unchanged.updated_at == GrantRound.objects.get(pk=round_.pk).updated_at


def test_saving_a_round_unchanged_records_nothing(users: Any, places: Any) -> None:
    round_ = grant_round(users["street"], places.street, status=RoundStatus.DRAFT)
    s.round_update(actor=users["street"], round_=round_, fields=fields())
    assert not AuditEvent.objects.filter(action="grants.round_updated").exists()
    s.round_update(actor=users["street"], round_=round_, fields=fields(description="面向全街道社会组织"))
    assert AuditEvent.objects.filter(action="grants.round_updated").count() == 1
