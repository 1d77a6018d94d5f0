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
from linli.orgs.models import PartyOrg, PartyOrgKind
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
    [("member", "在册党员"), ("position", "任职"), ("duty", "责任区")],
)
def test_an_org_with_current_members_positions_or_duties_is_not_dissolved(users, places, what, reason):
    """Records of the past keep a dissolved org (tests/test_orgs_dissolve.py); these must be settled first."""
    branch = new_branch(users, places)
    _attach(what, branch, places)
    with pytest.raises(Conflict, match=reason):
        s.party_org_dissolve(actor=users["community"], org=branch)
    assert PartyOrg.objects.filter(pk=branch.pk).exists()
    assert not AuditEvent.objects.filter(action="party_org.dissolved", target_id=str(branch.pk)).exists()


def test_a_refused_dissolution_is_a_409_with_the_reason_through_the_api(users, places, api_as):
    branch = new_branch(users, places)
    _attach("member", branch, places)
    response = api_as("community").delete(f"/api/v1/orgs/party/{branch.pk}")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict" and "1 名在册党员" in response.json()["detail"]


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
