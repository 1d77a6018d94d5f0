"""Changing the party organisation tree and the organisation register (linli.orgs.services): who may,
what the tree allows, what stops a dissolution, credit codes, the audit trail, the pages' forms and the API.

The demo: 幸福里街道党工委 (street) → 花园社区党委 / 滨湖社区党委 (communities) → compound branches →
building groups → 党员中心户 at units. ``community`` manages 花园社区, ``street`` the street, ``grid``
handles one grid of 锦绣小区 (no ``manage``), ``admin`` is the system administrator.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.orgs import services as s
from linli.orgs.models import Organisation, OrganisationKind, PartyOrg, PartyOrgKind
from linli.places.models import Place

pytestmark = pytest.mark.django_db
JSON = "application/json"


def credit_code(body: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return body + stdnum_uscc.calc_check_digit(body)


COMPANY_CODE = credit_code("91340100MA2N00010")
SOCIAL_CODE = credit_code("52340100MA2N00030")


def committee(places: Any, n: int = 0) -> PartyOrg:
    return PartyOrg.objects.get(kind=PartyOrgKind.COMMITTEE, place=places.communities[n])


def compounds_of(places: Any, n: int) -> list[Place]:
    return [c for c in places.compounds if c.path.startswith(places.communities[n].path)]


def new_branch(users: Any, places: Any, name: str = "新建党支部", n: int = 0) -> PartyOrg:
    who = "community" if n == 0 else "street"
    return s.party_org_create(
        actor=users[who],
        parent=committee(places, n),
        kind=PartyOrgKind.BRANCH,
        name=name,
        place=compounds_of(places, n)[0],
    )


def grid_group(places: Any) -> PartyOrg:
    return PartyOrg.objects.filter(kind=PartyOrgKind.GROUP, place_path__startswith=places.first_grid.path).first()


def events(action: str, target: Any) -> Any:
    return AuditEvent.objects.filter(action=action, target_id=str(target.pk))


# ----------------------------------------------------------------------------- setting up party orgs


def test_community_staff_set_up_a_branch_under_their_committee_at_one_of_its_compounds(users, places):
    parent = committee(places)
    before = parent.numchild
    branch = new_branch(users, places)
    parent.refresh_from_db()
    assert branch.path.startswith(parent.path) and branch.depth == parent.depth + 1
    assert parent.numchild == before + 1
    assert branch.place_path == compounds_of(places, 0)[0].path
    event = events("party_org.created", branch).get()
    assert event.actor == users["community"] and event.detail["kind"] == "branch"


def test_two_orgs_set_up_one_after_the_other_under_one_parent_get_their_own_paths(users, places):
    first = new_branch(users, places, "甲支部")
    second = new_branch(users, places, "乙支部")
    assert first.path != second.path
    assert PartyOrg.objects.filter(path__startswith=committee(places).path, depth=3).count() >= 4


def test_the_administrator_sets_up_a_root_working_committee_and_a_street_leader_may_not(users, places):
    with pytest.raises(Forbidden):
        s.party_org_create(
            actor=users["street"],
            parent=None,
            kind=PartyOrgKind.WORKING_COMMITTEE,
            name="新党工委",
            place=places.street,
        )
    root = s.party_org_create(
        actor=users["admin"], parent=None, kind=PartyOrgKind.WORKING_COMMITTEE, name="新党工委", place=places.street
    )
    assert root.depth == 1 and root.is_root()
    assert events("party_org.created", root).exists()


def test_a_root_can_only_be_a_working_committee_at_a_district_or_a_street(users, places):
    with pytest.raises(InvalidInput) as err:
        s.party_org_create(
            actor=users["admin"], parent=None, kind=PartyOrgKind.COMMITTEE, name="无上级党委", place=places.street
        )
    assert err.value.field == "parent_id"
    with pytest.raises(InvalidInput) as err:
        s.party_org_create(
            actor=users["admin"],
            parent=None,
            kind=PartyOrgKind.WORKING_COMMITTEE,
            name="社区党工委",
            place=places.communities[0],
        )
    assert err.value.field == "place_id"


@pytest.mark.parametrize(
    ("parent_kind", "child_kind"),
    [
        ("branch", "committee"),
        ("group", "branch"),
        ("committee", "working_committee"),
        ("center_household", "group"),
        ("committee", "nonsense"),
    ],
)
def test_a_kind_the_parent_may_not_hold_is_refused_naming_the_kind(users, places, parent_kind, child_kind):
    parent = PartyOrg.objects.filter(kind=parent_kind).first()
    with pytest.raises(InvalidInput) as err:
        s.party_org_create(actor=users["admin"], parent=parent, kind=child_kind, name="下级", place=parent.place)
    assert err.value.field == "kind"


def test_the_refusal_of_a_kind_names_both_kinds(users, places):
    branch = PartyOrg.objects.filter(kind="branch").first()
    with pytest.raises(InvalidInput, match="党支部下不能设立党委"):
        s.party_org_create(actor=users["admin"], parent=branch, kind="committee", name="下级", place=branch.place)


def test_a_child_must_sit_at_its_parents_place_or_inside_it(users, places):
    with pytest.raises(InvalidInput) as err:
        s.party_org_create(
            actor=users["admin"],
            parent=committee(places, 0),
            kind=PartyOrgKind.BRANCH,
            name="跨社区支部",
            place=compounds_of(places, 1)[0],
        )
    assert err.value.field == "place_id"
    with pytest.raises(InvalidInput):  # above the parent's place is not inside it either
        s.party_org_create(
            actor=users["admin"],
            parent=committee(places, 0),
            kind=PartyOrgKind.BRANCH,
            name="街道支部",
            place=places.street,
        )


def test_a_name_is_required_and_kept_to_a_hundred_characters(users, places):
    for name in ("  ", "支" * 101):
        with pytest.raises(InvalidInput) as err:
            new_branch(users, places, name)
        assert err.value.field == "name"


# ----------------------------------------------------------------------------- who is refused


def test_a_grid_worker_may_not_set_up_rename_or_dissolve_the_party_orgs_they_can_see(users, places, api_as):
    group = grid_group(places)
    branch = PartyOrg.objects.get(path=group.path[:-4])
    grid = users["grid"]
    with pytest.raises(Forbidden):
        s.party_org_create(actor=grid, parent=branch, kind=PartyOrgKind.GROUP, name="网格党小组", place=group.place)
    with pytest.raises(Forbidden):
        s.party_org_rename(actor=grid, org=group, name="改名")
    with pytest.raises(Forbidden):
        s.party_org_dissolve(actor=grid, org=group)
    api = api_as("grid")
    assert api.patch(f"/api/v1/orgs/party/{group.pk}", {"name": "改名"}, content_type=JSON).status_code == 403
    assert api.delete(f"/api/v1/orgs/party/{group.pk}").status_code == 403
    body = {"parent_id": group.pk, "kind": "center_household", "name": "中心户", "place_id": group.place_id}
    assert api.post("/api/v1/orgs/party", body, content_type=JSON).status_code == 403
    group.refresh_from_db()
    assert group.name != "改名"


def test_a_community_worker_is_refused_in_another_community(users, places, api_as):
    other = committee(places, 1)
    community = users["community"]
    with pytest.raises(Forbidden):
        s.party_org_create(
            actor=community, parent=other, kind=PartyOrgKind.BRANCH, name="越界支部", place=compounds_of(places, 1)[0]
        )
    with pytest.raises(Forbidden):
        s.party_org_rename(actor=community, org=other, name="越界改名")
    with pytest.raises(Forbidden):
        s.party_org_dissolve(actor=community, org=other)
    api = api_as("community")
    body = {"parent_id": other.pk, "kind": "branch", "name": "越界支部", "place_id": compounds_of(places, 1)[0].pk}
    assert api.post("/api/v1/orgs/party", body, content_type=JSON).status_code == 404  # not theirs to see
    assert api.patch(f"/api/v1/orgs/party/{other.pk}", {"name": "越界"}, content_type=JSON).status_code == 404
    assert api.delete(f"/api/v1/orgs/party/{other.pk}").status_code == 404
    other.refresh_from_db()
    assert other.name == "滨湖社区党委"


def test_a_street_leader_may_not_rename_or_dissolve_the_root_working_committee(users, places):
    root = PartyOrg.objects.get(kind=PartyOrgKind.WORKING_COMMITTEE, place=places.street)
    with pytest.raises(Forbidden, match="党工委"):
        s.party_org_rename(actor=users["street"], org=root, name="改名党工委")
    s.party_org_rename(actor=users["admin"], org=root, name="幸福里街道党工委(新)")
    assert events("party_org.renamed", root).exists()


# ----------------------------------------------------------------------------- rename and re-anchor


def test_a_rename_is_audited_with_the_old_and_new_name_and_an_unchanged_name_writes_nothing(users, places):
    org = committee(places)
    s.party_org_rename(actor=users["community"], org=org, name="花园社区党委(新)")
    org.refresh_from_db()
    assert org.name == "花园社区党委(新)"
    event = events("party_org.renamed", org).get()
    assert event.detail == {"old_name": "花园社区党委", "new_name": "花园社区党委(新)"}
    s.party_org_rename(actor=users["community"], org=org, name="  花园社区党委(新) ")
    assert events("party_org.renamed", org).count() == 1


def test_an_org_is_re_anchored_inside_its_parents_place_and_its_path_copy_follows(users, places):
    branch = new_branch(users, places)
    target = compounds_of(places, 0)[1]
    s.party_org_reanchor(actor=users["community"], org=branch, place=target)
    branch.refresh_from_db()
    assert branch.place == target and branch.place_path == target.path
    event = events("party_org.reanchored", branch).get()
    assert event.detail["new_place"] == target.pk


def test_re_anchoring_outside_the_parents_place_or_away_from_the_children_is_refused(users, places):
    branch = new_branch(users, places)
    with pytest.raises(InvalidInput) as err:
        s.party_org_reanchor(actor=users["admin"], org=branch, place=compounds_of(places, 1)[0])
    assert err.value.field == "place_id"
    full = PartyOrg.objects.filter(kind="branch", place=compounds_of(places, 0)[0]).exclude(pk=branch.pk).first()
    assert full.numchild
    with pytest.raises(Conflict, match="下级组织"):
        s.party_org_reanchor(actor=users["community"], org=full, place=compounds_of(places, 0)[1])
    assert not events("party_org.reanchored", full).exists()


def test_re_anchoring_to_a_place_the_actor_does_not_manage_is_refused(users, places):
    branch = new_branch(users, places)
    with pytest.raises(Forbidden):
        s.party_org_reanchor(actor=users["grid"], org=branch, place=compounds_of(places, 0)[1])


# ----------------------------------------------------------------------------- dissolving


def test_a_leaf_org_nothing_depends_on_is_dissolved_and_audited(users, places):
    parent = committee(places)
    branch = new_branch(users, places)
    parent.refresh_from_db()
    children = parent.numchild
    pk = branch.pk
    s.party_org_dissolve(actor=users["community"], org=branch)
    assert not PartyOrg.objects.filter(pk=pk).exists()
    parent.refresh_from_db()
    assert parent.numchild == children - 1
    event = AuditEvent.objects.get(action="party_org.dissolved", target_id=str(pk))
    assert event.actor == users["community"] and event.detail["kind"] == "branch"


def test_an_org_with_child_orgs_is_not_dissolved_and_the_refusal_says_why(users, places):
    org = committee(places)
    with pytest.raises(Conflict, match="下级组织") as err:
        s.party_org_dissolve(actor=users["community"], org=org)
    assert "花园社区党委" in err.value.message
    assert PartyOrg.objects.filter(pk=org.pk).exists()


def _free_person(places: Any) -> Any:
    """A resident of the first community who is no branch's member now."""
    from linli.partylife.models import Membership
    from linli.people.models import Person

    members = Membership.objects.filter(left_on__isnull=True).values("person_id")
    return Person.objects.filter(place_path__startswith=places.communities[0].path).exclude(pk__in=members).first()


def _attach(what: str, branch: PartyOrg, places: Any) -> None:
    """Something that makes ``branch`` impossible to dissolve."""
    from linli.cobuilding.models import Fund
    from linli.partylife.models import CenterHouseholdDuty, Membership, StudyMaterial
    from linli.people.models import Position
    from linli.places.models import Household

    today = timezone.localdate()
    if what in ("member", "former member"):
        Membership.objects.create(
            person=_free_person(places),
            branch=branch,
            org_path=branch.path,
            joined_on=today - dt.timedelta(days=30),
            left_on=today if what == "former member" else None,
        )
    elif what in ("position", "past position"):
        Position.objects.create(
            person=_free_person(places),
            kind="branch_secretary",
            place=branch.place,
            place_path=branch.place_path,
            party_org=branch,
            start_date=today - dt.timedelta(days=400),
            end_date=today - dt.timedelta(days=30) if what == "past position" else None,
        )
    elif what == "study material":
        StudyMaterial.objects.create(org=branch, org_path=branch.path, title="学习党章")
    elif what == "fund":  # a foreign key without a reverse name (related_name="+") counts too
        Fund.objects.create(
            name="支部经费", holder="branch", party_org=branch, place=branch.place, place_path=branch.place_path
        )
    elif what == "duty":
        household = Household.objects.filter(place_path__startswith=branch.place_path).first()
        CenterHouseholdDuty.objects.create(
            center=branch, member=_free_person(places), household=household, since=today, org_path=branch.path
        )


@pytest.mark.parametrize(
    ("what", "reason"),
    [
        ("member", "在册党员"),
        ("former member", "已转出党员的组织关系记录"),
        ("position", "任职"),
        ("past position", "历史任职记录"),
        ("study material", "学习资料"),
        ("fund", "党组织经费账户"),
        ("duty", "责任区"),
    ],
)
def test_an_org_that_members_positions_or_records_still_point_at_is_not_dissolved(users, places, what, reason):
    branch = new_branch(users, places)
    _attach(what, branch, places)
    with pytest.raises(Conflict, match=reason):
        s.party_org_dissolve(actor=users["community"], org=branch)
    assert PartyOrg.objects.filter(pk=branch.pk).exists()
    assert not AuditEvent.objects.filter(action="party_org.dissolved", target_id=str(branch.pk)).exists()


def test_a_refused_dissolution_is_a_409_with_the_reason_through_the_api(users, places, api_as):
    branch = new_branch(users, places)
    _attach("study material", branch, places)
    response = api_as("community").delete(f"/api/v1/orgs/party/{branch.pk}")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict" and "学习资料" in response.json()["detail"]


# ----------------------------------------------------------------------------- organisations


def test_community_staff_register_an_owners_committee_without_a_credit_code(users, places):
    compound = compounds_of(places, 0)[0]
    org = s.organisation_register(
        actor=users["community"],
        kind=OrganisationKind.OWNERS_COMMITTEE,
        name="锦绣小区第二届业委会",
        home=compound,
        contact_name="王主任",
        contact_phone="0551-6123 4567",
    )
    assert org.uscc == "" and org.place_path == compound.path and org.created_by == users["community"]
    assert org.contact_phone == "0551-61234567"
    assert events("organisation.registered", org).get().detail["kind"] == "owners_committee"


def test_a_property_company_must_have_a_valid_credit_code(users, places):
    register = {
        "actor": users["community"],
        "kind": OrganisationKind.PROPERTY_COMPANY,
        "name": "红心物业",
        "home": places.communities[0],
    }
    for bad in ("", "123", COMPANY_CODE[:-1] + ("0" if COMPANY_CODE[-1] != "0" else "1")):
        with pytest.raises(InvalidInput) as err:
            s.organisation_register(**register, uscc=bad)
        assert err.value.field == "uscc"
    org = s.organisation_register(**register, uscc=COMPANY_CODE.lower())
    assert org.uscc == COMPANY_CODE


def test_a_social_organisation_may_register_without_a_code_but_not_with_a_wrong_one(users, places):
    register = {"actor": users["community"], "kind": OrganisationKind.SOCIAL_ORG, "home": places.communities[0]}
    assert s.organisation_register(**register, name="花园社区书画社").uscc == ""
    with pytest.raises(InvalidInput, match="统一社会信用代码"):
        s.organisation_register(**register, name="花园社区舞蹈队", uscc="52340100MA2N000300")


def test_a_duplicate_credit_code_of_the_same_kind_is_a_conflict_naming_the_code(users, places, api_as):
    register = {"actor": users["street"], "kind": OrganisationKind.SOCIAL_ORG, "home": places.street}
    s.organisation_register(**register, name="幸福里志愿者协会", uscc=SOCIAL_CODE)
    with pytest.raises(Conflict) as err:
        s.organisation_register(**register, name="另一个协会", uscc=SOCIAL_CODE)
    assert SOCIAL_CODE in err.value.message and err.value.field == "uscc"
    partner = s.organisation_register(
        actor=users["street"],
        kind=OrganisationKind.PARTNER_UNIT,
        name="协会(共建)",
        home=places.street,
        uscc=SOCIAL_CODE,
    )
    assert partner.uscc == SOCIAL_CODE  # once per kind
    response = api_as("street").post(
        "/api/v1/orgs/organisations",
        {"kind": "social_org", "name": "重复登记", "home_id": places.street.pk, "uscc": SOCIAL_CODE},
        content_type=JSON,
    )
    assert response.status_code == 409 and SOCIAL_CODE in response.json()["detail"]


def test_a_code_registered_through_co_building_is_a_duplicate_here_too(users, places):
    from linli.cobuilding import services_property as spr

    company = spr.property_company_register(
        actor=users["street"], home=places.communities[0], name="共建物业", uscc=COMPANY_CODE
    )
    assert company.kind == OrganisationKind.PROPERTY_COMPANY
    with pytest.raises(Conflict, match=COMPANY_CODE):
        s.organisation_register(
            actor=users["street"],
            kind=OrganisationKind.PROPERTY_COMPANY,
            name="同码物业",
            home=places.street,
            uscc=COMPANY_CODE,
        )


def test_an_organisation_is_registered_at_a_place_its_kind_belongs_to(users, places):
    with pytest.raises(InvalidInput, match="居委会应登记在社区") as err:
        s.organisation_register(
            actor=users["community"],
            kind=OrganisationKind.RESIDENTS_COMMITTEE,
            name="小区居委会",
            home=compounds_of(places, 0)[0],
        )
    assert err.value.field == "home_id"


def test_registering_outside_ones_manage_scope_is_refused(users, places):
    with pytest.raises(Forbidden):
        s.organisation_register(
            actor=users["grid"], kind=OrganisationKind.SOCIAL_ORG, name="网格社团", home=compounds_of(places, 0)[0]
        )
    with pytest.raises(Forbidden):
        s.organisation_register(
            actor=users["community"], kind=OrganisationKind.SOCIAL_ORG, name="越界社团", home=places.communities[1]
        )


def test_a_contact_edit_normalises_the_phone_and_records_what_changed(users, places):
    org = Organisation.objects.get(name="花园社区居委会")
    s.organisation_update(
        actor=users["community"], organisation=org, contact_name="李主任", contact_phone="13812345678"
    )
    org.refresh_from_db()
    assert (org.contact_name, org.contact_phone) == ("李主任", "13812345678")
    event = events("organisation.updated", org).get()
    assert event.detail["changes"]["contact_name"] == ["", "李主任"]
    with pytest.raises(InvalidInput) as err:
        s.organisation_update(actor=users["community"], organisation=org, contact_phone="电话找我")
    assert err.value.field == "contact_phone"
    with pytest.raises(Forbidden):
        s.organisation_update(actor=users["grid"], organisation=org, name="改名")


def test_an_unchanged_phone_typed_before_the_rules_is_left_as_it_was(users, places):
    department = Organisation.objects.filter(kind="department").first()
    old = department.contact_phone  # the demo's numbers are one digit short of a real Hefei number
    s.organisation_update(actor=users["street"], organisation=department, contact_name="联络员", contact_phone=old)
    department.refresh_from_db()
    assert department.contact_phone == old and department.contact_name == "联络员"


def test_places_served_must_be_in_the_actors_manage_scope_and_are_audited(users, places):
    org = s.organisation_register(
        actor=users["community"], kind=OrganisationKind.SOCIAL_ORG, name="花园社区书画社", home=places.communities[0]
    )
    mine, other = compounds_of(places, 0), compounds_of(places, 1)
    s.organisation_serves_set(actor=users["community"], organisation=org, places=mine)
    assert set(org.serves.values_list("pk", flat=True)) == {p.pk for p in mine}
    event = events("organisation.serves_set", org).get()
    assert event.detail == {"added": sorted(p.pk for p in mine), "removed": []}
    with pytest.raises(Forbidden):
        s.organisation_serves_set(actor=users["community"], organisation=org, places=[*mine, other[0]])
    assert org.serves.count() == len(mine)
    # a served place the actor does not manage (set by the street) stays when they edit the rest
    s.organisation_serves_set(actor=users["street"], organisation=org, places=[*mine, other[0]])
    with pytest.raises(Forbidden):
        s.organisation_serves_set(actor=users["community"], organisation=org, places=mine[:1])
    s.organisation_serves_set(actor=users["community"], organisation=org, places=[mine[0], other[0]])
    assert set(org.serves.values_list("pk", flat=True)) == {mine[0].pk, other[0].pk}


# ----------------------------------------------------------------------------- pages


def form_key(body: str) -> str:
    match = re.search(r'<input type="hidden" name="idempotency_key" value="([0-9a-f]{32})">', body)
    assert match, "the form carries no idempotency key"
    return match.group(1)


def test_the_tree_page_shows_each_form_only_to_those_who_may_use_it(client_as):
    admin = client_as("admin").get("/orgs/").content.decode()
    assert 'id="org-root"' in admin and 'id="org-child"' in admin
    street = client_as("street").get("/orgs/").content.decode()
    assert 'id="org-root"' not in street and 'id="org-child"' in street
    grid = client_as("grid").get("/orgs/").content.decode()
    assert 'id="org-root"' not in grid and 'id="org-child"' not in grid


def test_the_org_page_shows_rename_and_dissolve_to_its_managers_only(client_as, places):
    org = committee(places)
    page = client_as("community").get(f"/orgs/party/{org.pk}/").content.decode()
    assert 'id="org-rename"' in page and 'id="org-child"' in page
    assert re.search(r'<form method="post" id="org-dissolve" data-confirm="[^"]+"', page)
    group_page = client_as("grid").get(f"/orgs/party/{grid_group(places).pk}/").content.decode()
    assert "org-rename" not in group_page and "org-dissolve" not in group_page and "org-child" not in group_page


def test_a_refused_child_org_form_keeps_what_was_typed_and_puts_the_error_beside_the_field(client_as, places):
    branch = PartyOrg.objects.filter(kind="branch", place=compounds_of(places, 0)[0]).first()
    data = {
        "form": "child",
        "parent_id": branch.pk,
        "kind": "committee",
        "name": "我输入的名称",
        "place_id": branch.place_id,
        "idempotency_key": "a" * 32,
    }
    response = client_as("community").post("/orgs/", data)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'value="我输入的名称"' in body
    assert re.search(rf'<option value="{branch.pk}" selected>', body)
    assert '<option value="committee" selected>' in body
    kind_select, error, name_input = (
        body.index('name="kind"'),
        body.index("党支部下不能设立党委"),
        body.index('name="name"'),
    )
    assert kind_select < error < name_input  # beside the kind, not at the top of the page


def test_the_org_page_form_sets_up_a_child_once_however_often_it_is_posted(client_as, places):
    org = committee(places)
    client = client_as("community")
    key = form_key(client.get(f"/orgs/party/{org.pk}/").content.decode())
    data = {"form": "child", "kind": "branch", "name": "双击支部", "place_id": compounds_of(places, 0)[1].pk}
    for _ in range(2):
        response = client.post(f"/orgs/party/{org.pk}/", {**data, "idempotency_key": key})
        assert response.status_code == 302
    assert PartyOrg.objects.filter(name="双击支部").count() == 1


def test_the_org_page_renames_and_a_refused_dissolution_comes_back_saying_why(client_as, places):
    org = committee(places)
    client = client_as("community")
    assert client.post(f"/orgs/party/{org.pk}/", {"form": "rename", "name": "花园社区党委会"}).status_code == 302
    org.refresh_from_db()
    assert org.name == "花园社区党委会"
    response = client.post(f"/orgs/party/{org.pk}/", {"form": "dissolve"})
    assert response.status_code == 422 and "下级组织" in response.content.decode()
    refused = client.post(f"/orgs/party/{org.pk}/", {"form": "rename", "name": ""})
    assert refused.status_code == 422
    assert PartyOrg.objects.get(pk=org.pk).name == "花园社区党委会"


def test_the_org_page_dissolves_a_leaf_and_returns_to_its_parent(client_as, users, places):
    branch = new_branch(users, places)
    response = client_as("community").post(f"/orgs/party/{branch.pk}/", {"form": "dissolve"})
    assert response.status_code == 302 and response["Location"] == f"/orgs/party/{committee(places).pk}/"
    assert not PartyOrg.objects.filter(pk=branch.pk).exists()


def test_a_grid_worker_posting_to_an_org_page_changes_nothing(client_as, places):
    group = grid_group(places)
    response = client_as("grid").post(f"/orgs/party/{group.pk}/", {"form": "rename", "name": "改名"})
    assert response.status_code == 422  # the form is not theirs: nothing to run
    assert PartyOrg.objects.get(pk=group.pk).name == group.name


def test_a_refused_registration_keeps_what_was_typed_and_names_the_code_beside_its_field(client_as, places):
    client = client_as("community")
    page = client.get("/orgs/organisations/").content.decode()
    assert 'id="org-register"' in page
    data = {
        "form": "register",
        "kind": "property_company",
        "name": "红心物业",
        "home_id": places.communities[0].pk,
        "uscc": "91340100MA2N00010X",
        "contact_name": "张经理",
        "contact_phone": "0551-61234567",
        "idempotency_key": form_key(page),
    }
    response = client.post("/orgs/organisations/", data)
    assert response.status_code == 422
    body = response.content.decode()
    for value in ("红心物业", "91340100MA2N00010X", "张经理", "0551-61234567"):
        assert f'value="{value}"' in body
    assert '<option value="property_company" selected>' in body
    assert (
        body.index('name="uscc"')
        < body.index("统一社会信用代码“91340100MA2N00010X”")
        < body.index('name="contact_name"')
    )
    assert not Organisation.objects.filter(name="红心物业").exists()


def test_the_registration_form_registers_once_and_leads_to_the_organisation_page(client_as, places):
    client = client_as("community")
    key = form_key(client.get("/orgs/organisations/").content.decode())
    data = {
        "form": "register",
        "kind": "social_org",
        "name": "花园社区合唱团",
        "home_id": places.communities[0].pk,
        "idempotency_key": key,
    }
    first = client.post("/orgs/organisations/", data)
    second = client.post("/orgs/organisations/", data)
    org = Organisation.objects.get(name="花园社区合唱团")
    assert first["Location"] == second["Location"] == f"/orgs/organisations/{org.pk}/"
    assert client_as("grid").get("/orgs/organisations/").content.decode().count('id="org-register"') == 0


def test_the_organisation_page_saves_contact_and_served_places_for_its_managers(client_as, places):
    org = Organisation.objects.get(name="花园社区居委会")
    client = client_as("community")
    url = f"/orgs/organisations/{org.pk}/"
    page = client.get(url).content.decode()
    assert 'id="org-contact"' in page and 'id="org-serves"' in page
    refused = client.post(url, {"form": "contact", "name": org.name, "contact_name": "赵", "contact_phone": "0551-123"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'value="赵"' in body and 'value="0551-123"' in body
    assert body.index('name="contact_phone"') < body.index("电话“0551-123”")
    ok = client.post(url, {"form": "contact", "name": org.name, "contact_name": "赵", "contact_phone": "12345"})
    assert ok.status_code == 302
    compounds = compounds_of(places, 0)
    response = client.post(url, {"form": "serves", "serves": [places.communities[0].pk, compounds[0].pk]})
    assert response.status_code == 302
    assert set(org.serves.values_list("pk", flat=True)) == {places.communities[0].pk, compounds[0].pk}
    outside = client.post(url, {"form": "serves", "serves": [compounds_of(places, 1)[0].pk]})
    assert outside.status_code == 422
    org.refresh_from_db()
    assert (org.contact_name, org.contact_phone) == ("赵", "12345")


def test_the_organisation_page_is_read_only_for_others_and_not_found_outside_their_scope(client_as, users, places):
    street_unit = s.organisation_register(
        actor=users["street"], kind=OrganisationKind.PARTNER_UNIT, name="区图书馆", home=places.street
    )
    s.organisation_serves_set(actor=users["street"], organisation=street_unit, places=[compounds_of(places, 0)[0]])
    community = client_as("community")
    page = community.get(f"/orgs/organisations/{street_unit.pk}/")
    assert page.status_code == 200  # it serves one of their compounds
    assert "区图书馆" in page.content.decode() and 'id="org-contact"' not in page.content.decode()
    assert (
        community.post(f"/orgs/organisations/{street_unit.pk}/", {"form": "contact", "name": "改"}).status_code == 403
    )
    assert Organisation.objects.get(pk=street_unit.pk).name == "区图书馆"
    mine = Organisation.objects.get(name="花园社区居委会")
    assert client_as("grid").get(f"/orgs/organisations/{mine.pk}/").status_code == 404
    other = Organisation.objects.get(name="滨湖社区居委会")
    assert community.get(f"/orgs/organisations/{other.pk}/").status_code == 404


def test_the_tree_page_costs_the_same_queries_with_more_orgs(client_as, users, places):
    client = client_as("street")

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/orgs/")
        assert response.status_code == 200
        return len(ctx), response.content.count(b"<li")

    before, items_before = measure()
    for i in range(12):
        new_branch(users, places, f"新支部{i}")
    after, items_after = measure()
    assert items_after > items_before
    assert after == before


# ----------------------------------------------------------------------------- API


def test_an_api_round_trip_sets_up_renames_re_anchors_and_dissolves_a_party_org(api_as, places):
    api = api_as("community")
    parent = committee(places)
    first, second = compounds_of(places, 0)[:2]
    body = {"parent_id": parent.pk, "kind": "branch", "name": "接口支部", "place_id": first.pk}
    created = api.post("/api/v1/orgs/party", body, content_type=JSON, headers={"Idempotency-Key": "k-1"})
    assert created.status_code == 201, created.content
    org = created.json()
    assert org["kind"] == "branch" and org["place_id"] == first.pk and org["path"].startswith(parent.path)
    again = api.post("/api/v1/orgs/party", body, content_type=JSON, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json()["id"] == org["id"]
    other = api.post(
        "/api/v1/orgs/party", {**body, "name": "另一个"}, content_type=JSON, headers={"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 409
    patched = api.patch(
        f"/api/v1/orgs/party/{org['id']}", {"name": "接口支部(改)", "place_id": second.pk}, content_type=JSON
    )
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["place_id"]) == ("接口支部(改)", second.pk)
    assert api.get(f"/api/v1/orgs/party/{org['id']}").json()["place_name"] == second.name
    wrong = api.post("/api/v1/orgs/party", {**body, "kind": "committee"}, content_type=JSON)
    assert wrong.status_code == 422 and wrong.json()["field"] == "kind"
    assert api.delete(f"/api/v1/orgs/party/{org['id']}").status_code == 204
    assert api.get(f"/api/v1/orgs/party/{org['id']}").status_code == 404


def test_a_patch_that_fails_halfway_changes_nothing(api_as, places):
    api = api_as("community")
    branch = PartyOrg.objects.filter(kind="branch", place=compounds_of(places, 0)[0]).first()
    response = api.patch(
        f"/api/v1/orgs/party/{branch.pk}",
        {"name": "半途改名", "place_id": compounds_of(places, 0)[1].pk},
        content_type=JSON,
    )
    assert response.status_code == 409  # its groups sit in the old compound
    assert PartyOrg.objects.get(pk=branch.pk).name == branch.name


def test_an_api_round_trip_registers_and_edits_an_organisation(api_as, places):
    api = api_as("community")
    compound = compounds_of(places, 0)[0]
    created = api.post(
        "/api/v1/orgs/organisations",
        {
            "kind": "supervisory_board",
            "name": "锦绣小区业主监事会",
            "home_id": compound.pk,
            "contact_phone": "13912345678",
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    org = created.json()
    assert org["uscc"] == "" and org["serves"] == [] and org["contact_phone"] == "13912345678"
    patched = api.patch(
        f"/api/v1/orgs/organisations/{org['id']}",
        {"contact_name": "钱监事", "serves": [compound.pk]},
        content_type=JSON,
    )
    assert patched.status_code == 200
    assert patched.json()["contact_name"] == "钱监事" and patched.json()["serves"] == [compound.pk]
    read = api.get(f"/api/v1/orgs/organisations/{org['id']}").json()
    assert read["serves"] == [compound.pk] and read["name"] == "锦绣小区业主监事会"
    outside = api.patch(
        f"/api/v1/orgs/organisations/{org['id']}", {"serves": [compounds_of(places, 1)[0].pk]}, content_type=JSON
    )
    assert outside.status_code == 404 and outside.json()["field"] == "serves"
    bad = api.post(
        "/api/v1/orgs/organisations",
        {"kind": "property_company", "name": "无码物业", "home_id": places.communities[0].pk},
        content_type=JSON,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "uscc"
    assert api_as("grid").patch(
        f"/api/v1/orgs/organisations/{org['id']}", {"name": "x"}, content_type=JSON
    ).status_code in (403, 404)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0551-61234567", "0551-61234567"),
        ("０５５１－６１２３４５６７", "0551-61234567"),
        ("(010) 1234 5678", "010-12345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("400-800-1234", "4008001234"),
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_a_contact_phone_is_stored_as_it_is_dialled_in_china(typed, stored):
    from linli.core.identifiers import normalise_contact_phone

    assert normalise_contact_phone(typed) == stored


@pytest.mark.parametrize("typed", ["电话", "0551-612345", "12"])
def test_a_contact_phone_that_is_no_number_is_refused_naming_the_field(typed):
    from linli.core.identifiers import normalise_contact_phone

    with pytest.raises(InvalidInput) as err:
        normalise_contact_phone(typed)
    assert err.value.field == "contact_phone"
