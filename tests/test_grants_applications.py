"""申报: applications registered from the paper form by street or community staff, only while the round is open and
inside its window, for a registered social organisation or partner unit of the round's node, for communities under
it; the contact's phone stored encrypted with its keyed hash; a double submit registers one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.grants import services as s
from linli.grants.models import GrantProject, ProjectEvent, ProjectStatus, RoundStatus
from linli.grants.selectors import masked_phone
from linli.orgs.models import Organisation
from tests.grants_support import PHONE, application, grant_round, social_org

pytestmark = pytest.mark.django_db


def test_street_staff_register_an_application_with_its_communities_and_a_protected_phone(
    users: Any, places: Any
) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    project = application(actor, round_, org, places.communities, requested_fen=45_000_50)
    assert project.status == ProjectStatus.SUBMITTED and project.place_path == places.street.path
    assert sorted(project.served.values_list("place_id", flat=True)) == sorted(c.pk for c in places.communities)
    assert project.requested_fen == 4500050 and project.granted_fen is None
    assert PHONE not in project.phone_enc and crypto.decrypt(project.phone_enc) == "+86" + PHONE
    assert project.phone_hash == crypto.keyed_hash("phone", "+86" + PHONE)
    assert masked_phone(project) == "139****5678"
    assert list(ProjectEvent.objects.filter(project=project).values_list("to_status", flat=True)) == ["submitted"]
    audit = AuditEvent.objects.get(action="grants.project_registered", target_id=str(project.pk))
    assert PHONE not in str(audit.detail)


def test_a_double_submitted_form_registers_one_application(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    first = application(actor, round_, org, [places.communities[0]], key="paper-17")
    again = application(actor, round_, org, [places.communities[0]], key="paper-17")
    assert first.pk == again.pk and GrantProject.objects.count() == 1
    s.round_review(actor=actor, round_=round_)
    late_retry = application(actor, round_, org, [places.communities[0]], key="paper-17")
    assert late_retry.pk == first.pk  # a retry after the window closed still answers with what it created


def test_the_same_organisation_cannot_apply_twice_under_one_title_in_a_round(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    application(actor, round_, org, [places.communities[0]])
    with pytest.raises(Conflict) as refused:
        application(actor, round_, org, [places.communities[1]])
    assert refused.value.field == "title"


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.REVIEWING])
def test_applications_are_registered_only_while_the_round_is_open(users: Any, places: Any, status: str) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street, status=status)
    org = social_org(actor, places.street)
    with pytest.raises(Conflict) as refused:
        application(actor, round_, org, [places.communities[0]])
    assert refused.value.field == "round_id"
    assert not GrantProject.objects.exists()


@pytest.mark.parametrize(
    ("opens", "closes", "words"), [(3, 10, "尚未开始"), (-20, -1, "已于")]
)  # fmt: skip
def test_an_open_round_takes_applications_only_inside_its_window(
    users: Any, places: Any, opens: int, closes: int, words: str
) -> None:
    actor = users["street"]
    today = timezone.localdate()
    round_ = grant_round(
        actor,
        places.street,
        opens_on=today + dt.timedelta(days=opens),
        closes_on=today + dt.timedelta(days=closes),
    )
    with pytest.raises(Conflict, match=words):
        application(actor, round_, social_org(actor, places.street), [places.communities[0]])


def test_an_organisation_of_another_kind_or_outside_the_round_cannot_apply(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    department = Organisation.objects.filter(kind="department").first()
    with pytest.raises(InvalidInput) as refused:
        application(actor, round_, department, [places.communities[0]])
    assert refused.value.field == "organisation_id"
    from linli.places.models import Place

    district = Place.objects.get(path=places.street.path[: Place.steplen])
    elsewhere = Place.objects.add_child(district, create_kwargs={"name": "第二街道", "kind": "street"})
    outsider = social_org(users["admin"], elsewhere, "第二街道社工站")
    with pytest.raises(InvalidInput, match="不在本轮范围内"):
        application(actor, round_, outsider, [places.communities[0]])
    district_org = social_org(users["admin"], district, "区青少年服务中心")
    with pytest.raises(InvalidInput):
        application(actor, round_, district_org, [places.communities[0]])
    district_org.serves.add(places.communities[1])  # registered at the district, serving a community here: eligible
    assert application(actor, round_, district_org, [places.communities[1]]).organisation_id == district_org.pk
    partner = Organisation.objects.filter(kind="partner_unit", place_path=places.street.path).first()
    assert application(actor, round_, partner, [places.communities[0]], "共建助老").organisation_id == partner.pk


def test_the_communities_served_lie_under_the_round_and_one_is_needed(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    with pytest.raises(InvalidInput) as none:
        application(actor, round_, org, [])
    assert none.value.field == "community_ids"
    with pytest.raises(InvalidInput) as compound:
        application(actor, round_, org, [places.compounds[0]])
    assert compound.value.field == "community_ids"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"service_field": "environment"}, "service_field"),  # not a field this round funds
        ({"requested_fen": 0}, "requested_fen"),
        ({"requested_fen": 100_000_01}, "requested_fen"),  # above the round's budget
        ({"planned_beneficiaries": 0}, "planned_beneficiaries"),
        ({"planned_beneficiaries": "很多"}, "planned_beneficiaries"),
        ({"summary": "  "}, "summary"),
        ({"contact_name": ""}, "contact_name"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": ""}, "contact_phone"),
    ],
)
def test_a_wrong_paper_form_is_refused_naming_the_field(users: Any, places: Any, change: Any, field: str) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    org = social_org(actor, places.street)
    with pytest.raises(InvalidInput) as refused:
        application(actor, round_, org, [places.communities[0]], **change)
    assert refused.value.field == field
    assert not GrantProject.objects.exists()


def test_community_staff_register_for_their_own_community_only(users: Any, places: Any) -> None:
    round_ = grant_round(users["street"], places.street)
    org = social_org(users["street"], places.street)
    community = users["community"]
    project = application(community, round_, org, [places.communities[0]])
    assert project.created_by == community
    with pytest.raises(Forbidden):
        application(community, round_, org, [places.communities[1]], "滨湖项目")
    with pytest.raises(Forbidden):
        application(community, round_, org, places.communities, "两社区项目")


@pytest.mark.parametrize("who", ["grid", "volunteer", "resident"])
def test_grid_workers_volunteers_and_residents_register_nothing(users: Any, places: Any, who: str) -> None:
    round_ = grant_round(users["street"], places.street)
    org = social_org(users["street"], places.street)
    with pytest.raises(Forbidden):
        application(users[who], round_, org, [places.communities[0]])
