"""Administrators keep the three-level category tree: add, rename, retune, deactivate — on a page and
through the API, each edit audited, and nobody else may touch it."""

from __future__ import annotations

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.tickets.categories import category_create, category_outline, category_update, leaf_categories
from linli.tickets.models import Category
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def tree(users):
    admin = users["admin"]
    top = category_create(actor=admin, name="市容环境", priority="normal", response_hours=12, resolve_workdays=3)
    mid = category_create(actor=admin, name="环境卫生", parent_id=top.pk)
    leaf = category_create(actor=admin, name="垃圾清运", parent_id=mid.pk, resolve_workdays=1)
    return top, mid, leaf


def test_children_inherit_the_parents_limits_unless_given(tree):
    _top, mid, leaf = tree
    assert (mid.level, mid.priority, mid.response_hours, mid.resolve_workdays) == (2, "normal", 12, 3)
    assert (leaf.level, leaf.resolve_workdays, leaf.response_hours) == (3, 1, 12)
    assert leaf.full_name == "市容环境 / 环境卫生 / 垃圾清运"


def test_the_outline_lists_parents_before_their_children(tree, users):
    other = category_create(actor=users["admin"], name="安全隐患")
    order = [c.pk for c in category_outline()]
    top, mid, leaf = tree
    assert order.index(top.pk) < order.index(mid.pk) < order.index(leaf.pk)
    assert order.index(other.pk) < order.index(top.pk)  # 安 sorts before 市 at the top level


def test_a_fourth_level_and_a_duplicate_name_are_refused(tree, users):
    _top, mid, leaf = tree
    with pytest.raises(InvalidInput) as deep:
        category_create(actor=users["admin"], name="更细", parent_id=leaf.pk)
    assert deep.value.field == "parent_id"
    with pytest.raises(Conflict):
        category_create(actor=users["admin"], name="垃圾清运", parent_id=mid.pk)
    with pytest.raises(InvalidInput) as hours:
        category_create(actor=users["admin"], name="x", response_hours=0)
    assert hours.value.field == "response_hours"


def test_only_administrators_edit_categories(tree, users):
    top, _mid, _leaf = tree
    for role in ("street", "community", "grid", "resident"):
        with pytest.raises(Forbidden):
            category_create(actor=users[role], name="越权")
        with pytest.raises(Forbidden):
            category_update(actor=users[role], category_id=top.pk, name="越权")
    assert not Category.objects.filter(name="越权").exists()


def test_rename_and_retune_are_audited_and_drive_new_deadlines(tree, users):
    _top, _mid, leaf = tree
    category_update(
        actor=users["admin"], category_id=leaf.pk, name="垃圾清运不及时", response_hours=2, priority="urgent"
    )
    leaf.refresh_from_db()
    assert (leaf.name, leaf.response_hours, leaf.priority) == ("垃圾清运不及时", 2, "urgent")
    event = AuditEvent.objects.filter(action="category.updated", target_id=str(leaf.pk)).latest("id")
    assert event.detail["changes"]["name"] == ["垃圾清运", "垃圾清运不及时"]
    assert event.actor == users["admin"]
    t, _ = ticket_submit(actor=users["resident"], description="垃圾桶满了", category_id=leaf.pk)
    assert t.priority == "urgent" and (t.response_due - t.submitted_at).total_seconds() == 2 * 3600


def test_deactivating_a_branch_hides_it_from_intake_and_reactivation_needs_the_parent(tree, users):
    top, mid, leaf = tree
    category_update(actor=users["admin"], category_id=mid.pk, active=False)
    assert not Category.objects.get(pk=leaf.pk).active
    assert leaf.pk not in [c.pk for c in leaf_categories()]
    with pytest.raises(InvalidInput, match="停用"):
        ticket_submit(actor=users["resident"], description="垃圾", category_id=leaf.pk)
    with pytest.raises(Conflict):
        category_update(actor=users["admin"], category_id=leaf.pk, active=True)
    category_update(actor=users["admin"], category_id=mid.pk, active=True)
    category_update(actor=users["admin"], category_id=leaf.pk, active=True)
    assert leaf.pk in [c.pk for c in leaf_categories()]
    assert top.pk not in [c.pk for c in leaf_categories()]  # a parent is not a pick


def test_admin_page_lists_the_tree_and_adds_and_edits(tree, client_as, django_assert_max_num_queries):
    top, mid, leaf = tree
    admin = client_as("admin")
    with django_assert_max_num_queries(10):  # session, user, positions, the tree in one query …
        page = admin.get("/requests/categories/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(f'id="c{top.pk}"') < html.index(f'id="c{mid.pk}"') < html.index(f'id="c{leaf.pk}"')
    r = admin.post("/requests/categories/", {"name": "占道经营", "parent_id": mid.pk, "resolve_workdays": "2"})
    assert r.status_code == 302
    added = Category.objects.get(name="占道经营")
    assert (added.parent_id, added.level, added.resolve_workdays, added.response_hours) == (mid.pk, 3, 2, 12)
    r = admin.post(
        f"/requests/categories/{leaf.pk}/",
        {"name": "垃圾清运", "default_unit_type": "property_company", "priority": "high", "response_hours": "4"},
    )
    assert r.status_code == 302 and r["Location"].endswith(f"#c{leaf.pk}")
    leaf.refresh_from_db()
    assert (leaf.default_unit_type, leaf.priority, leaf.response_hours, leaf.active) == (
        "property_company",
        "high",
        4,
        False,  # the checkbox was not sent: deactivated
    )
    bad = admin.post("/requests/categories/", {"name": "", "parent_id": mid.pk}, follow=True)
    assert "请填写分类名称" in bad.content.decode()


def test_the_page_is_refused_to_everyone_but_administrators(client_as, tree):
    for role in ("street", "community", "grid"):
        assert client_as(role).get("/requests/categories/").status_code == 403
        assert client_as(role).post("/requests/categories/", {"name": "越权"}).status_code == 403
    assert "/requests/categories/" in client_as("admin").get("/requests/").content.decode()
    assert "/requests/categories/" not in client_as("community").get("/requests/").content.decode()


def test_api_creates_and_patches_categories_for_administrators_only(api_as, tree):
    top, mid, leaf = tree
    admin = api_as("admin")
    r = admin.post("/api/v1/categories", {"name": "噪音扰民", "parent_id": top.pk}, content_type=JSON)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["level"] == 2 and body["full_name"] == "市容环境 / 噪音扰民" and body["active"] is True
    r = admin.patch(f"/api/v1/categories/{body['id']}", {"resolve_workdays": 7}, content_type=JSON)
    assert r.status_code == 200 and r.json()["resolve_workdays"] == 7 and r.json()["name"] == "噪音扰民"
    r = admin.patch(f"/api/v1/categories/{mid.pk}", {"active": False}, content_type=JSON)
    assert r.status_code == 200 and r.json()["active"] is False
    listed = [c["id"] for c in api_as("resident").get("/api/v1/categories").json()]
    assert leaf.pk not in listed and top.pk in listed
    everything = [c["id"] for c in admin.get("/api/v1/categories?include_inactive=true").json()]
    assert leaf.pk in everything
    grid = api_as("grid")
    assert grid.get("/api/v1/categories?include_inactive=true").status_code == 403
    assert grid.post("/api/v1/categories", {"name": "越权"}, content_type=JSON).status_code == 403
    assert grid.patch(f"/api/v1/categories/{top.pk}", {"name": "越权"}, content_type=JSON).status_code == 403
    dup = admin.post("/api/v1/categories", {"name": "环境卫生", "parent_id": top.pk}, content_type=JSON)
    assert dup.status_code == 409 and dup.json()["field"] == "name"
    assert admin.patch("/api/v1/categories/999999", {"name": "无"}, content_type=JSON).status_code == 404
    bad = admin.post("/api/v1/categories", {"name": "x", "priority": "whenever"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "priority"


def test_the_api_schema_names_the_category_operations(api_as):
    schema = api_as("admin").get("/api/v1/openapi.json").json()
    ops = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"categories_list", "categories_create", "categories_update"} <= ops
