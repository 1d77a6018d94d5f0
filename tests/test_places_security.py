"""四层防控圈 and 闭环小区 (seed 001: "在有条件的网格(小区)安装智能门禁、人脸识别、安防监控等智能管理设施,
对“小区进出口、小区公共活动区域、单元出入区域、小区周界”四层防控圈实行智能管理,把无形小区建成闭环小区").

Each compound's register of facilities ring by ring, written by those who manage the compound, and the figures of the
compounds under a place — counted by hand below, including batches that must not count (retired, installed after the
day counted, another community's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.places.models import Place, PlaceKind, SecurityFacility
from linli.places.security import closed_loop_summary, compound_register, defence_figures
from linli.places.services import place_create
from linli.places.services_security import (
    FacilityInput,
    security_facility_add,
    security_facility_retire,
    security_facility_update,
)
from tests.venues_support import staff_of

pytestmark = pytest.mark.django_db

RINGS = ["entrance", "public_area", "unit_entrance", "perimeter"]


def _today() -> dt.date:
    return timezone.localdate()


def _ago(days: int) -> dt.date:
    return _today() - dt.timedelta(days=days)


def add(actor: Any, compound: Place, ring: str, kind: str = "cctv", quantity: Any = 1, **extra: Any) -> Any:
    data = FacilityInput(
        ring=ring,
        kind=kind,
        quantity=quantity,
        installed_on=extra.pop("installed_on", _ago(30)),
        note=extra.pop("note", ""),
    )
    return security_facility_add(actor=actor, compound=compound, data=data, **extra)[0]


def _branch_secretary(compound: Place) -> Any:
    from linli.accounts.models import User
    from linli.people.models import Position

    person = Position.objects.get(kind="branch_secretary", place=compound, end_date__isnull=True).person
    return User.objects.filter(person=person).first() or User.objects.create_user(
        username="branch-secretary", password="demo-pass-2026", person=person
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ----------------------------------------------------------------------------- the register


def test_community_staff_record_the_four_rings_and_the_compound_closes_only_with_the_fourth(users, places):
    staff, compound = users["community"], places.compounds[0]
    add(staff, compound, "entrance", "access_control", 2)
    add(staff, compound, "entrance", "face_recognition", 1)
    add(staff, compound, "public_area", "cctv", 6)
    add(staff, compound, "unit_entrance", "access_control", 9)
    register = compound_register(compound)
    assert (register.covered, register.closed_loop, register.missing) == (3, False, ["小区周界"])
    assert [(r.ring, r.devices) for r in register.rings] == [
        ("entrance", 3),
        ("public_area", 6),
        ("unit_entrance", 9),
        ("perimeter", 0),
    ]
    add(staff, compound, "perimeter", "perimeter_alarm", 1, note="东侧围墙红外对射")
    register = compound_register(compound)
    assert (register.covered, register.closed_loop, register.devices) == (4, True, 19)
    events = AuditEvent.objects.filter(action="places.security_facility_added", target_id=str(compound.pk))
    assert events.count() == 5
    last = events.order_by("pk").last().detail
    assert (last["ring"], last["kind"], last["quantity"]) == ("perimeter", "perimeter_alarm", 1)


def test_a_double_submit_under_one_key_records_one_batch_and_another_batch_under_it_is_refused(users, places):
    staff, compound = users["community"], places.compounds[0]
    first = add(staff, compound, "entrance", idempotency_key="k-1")
    again = add(staff, compound, "entrance", idempotency_key="k-1")
    assert again.pk == first.pk and SecurityFacility.objects.count() == 1
    with pytest.raises(Conflict) as err:
        add(staff, compound, "perimeter", idempotency_key="k-1")
    assert err.value.field == "Idempotency-Key"
    assert AuditEvent.objects.filter(action="places.security_facility_added").count() == 1


def test_the_street_may_record_and_a_grid_worker_a_branch_secretary_or_another_communitys_staff_may_not(users, places):
    compound = places.compounds[0]
    add(users["street"], compound, "entrance")
    outsiders = [users["grid"], _branch_secretary(compound), staff_of(places.other_community, "binhu-staff")]
    for outsider in outsiders:
        with pytest.raises(Forbidden):
            add(outsider, compound, "perimeter")
    assert SecurityFacility.objects.count() == 1


def test_only_a_compound_has_rings(users, places):
    with pytest.raises(InvalidInput) as err:
        add(users["community"], places.communities[0], "entrance")
    assert err.value.field == "compound"
    with pytest.raises(InvalidInput):
        add(users["community"], places.first_grid, "entrance")


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("ring", {"ring": "roof"}),
        ("ring", {"ring": ""}),
        ("kind", {"kind": "drone"}),
        ("quantity", {"quantity": "0"}),
        ("quantity", {"quantity": "三台"}),
        ("quantity", {"quantity": 10_001}),
        ("installed_on", {"installed_on": "2026-02-30"}),
        ("installed_on", {"installed_on": ""}),
        ("installed_on", {"installed_on": "0001-01-01"}),
        ("installed_on", {"installed_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}),
        ("note", {"note": "长" * 201}),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_saves_nothing(users, places, field, change):
    values = {"ring": "entrance", "kind": "cctv", "quantity": 2, "installed_on": _ago(3).isoformat(), "note": ""}
    values |= change
    with pytest.raises(InvalidInput) as err:
        security_facility_add(actor=users["community"], compound=places.compounds[0], data=FacilityInput(**values))
    assert err.value.field == field
    assert not SecurityFacility.objects.exists()


def test_a_correction_audits_what_changed_and_a_resubmit_writes_nothing(users, places):
    staff, compound = users["community"], places.compounds[0]
    batch = add(staff, compound, "entrance", "cctv", 2)
    same = FacilityInput("entrance", "cctv", 2, batch.installed_on, "")
    security_facility_update(actor=staff, facility=batch, data=same)
    assert not AuditEvent.objects.filter(action="places.security_facility_updated").exists()
    fixed = security_facility_update(
        actor=staff, facility=batch, data=FacilityInput("public_area", "cctv", 5, batch.installed_on, "")
    )
    assert (fixed.ring, fixed.quantity) == ("public_area", 5)
    event = AuditEvent.objects.get(action="places.security_facility_updated")
    assert event.detail["changed"] == ["ring", "quantity"]
    with pytest.raises(Forbidden):
        security_facility_update(actor=users["grid"], facility=batch, data=same)


def test_a_retired_batch_stops_covering_its_ring_from_that_day_and_stays_in_the_register(users, places):
    staff, compound = users["community"], places.compounds[0]
    for ring in RINGS:
        add(staff, compound, ring, installed_on=_ago(100))
    fence = SecurityFacility.objects.get(ring="perimeter")
    security_facility_retire(actor=staff, facility=fence, retired_on=_ago(10))
    now = compound_register(compound)
    assert (now.closed_loop, now.missing, [f.pk for f in now.retired]) == (False, ["小区周界"], [fence.pk])
    before = compound_register(compound, on=_ago(11))  # the register as it stood the day before
    assert before.closed_loop and before.retired == []
    assert not compound_register(compound, on=_ago(101)).rings[0].covered  # before anything was installed
    with pytest.raises(Conflict):
        security_facility_update(
            actor=staff, facility=fence, data=FacilityInput("perimeter", "cctv", 3, fence.installed_on, "")
        )
    with pytest.raises(Conflict):
        security_facility_retire(actor=staff, facility=fence, retired_on=_today())
    assert AuditEvent.objects.filter(action="places.security_facility_retired").count() == 1


@pytest.mark.parametrize("day", ["too-early", "future", "garbage"])
def test_a_bad_retirement_day_is_refused_naming_the_field(users, places, day):
    batch = add(users["community"], places.compounds[0], "entrance", installed_on=_ago(5))
    raw = {"too-early": _ago(6), "future": _today() + dt.timedelta(days=1), "garbage": "2026-13-01"}[day]
    with pytest.raises(InvalidInput) as err:
        security_facility_retire(actor=users["community"], facility=batch, retired_on=raw)
    assert err.value.field == "retired_on"
    batch.refresh_from_db()
    assert batch.retired_on is None


# ----------------------------------------------------------------------------- the figures


@pytest.fixture
def recorded(users: Any, places: Any) -> dict[str, Any]:
    """By hand, on the small demo's four compounds (two a community):

    - A (1st community): all four rings → 闭环; 智能门禁 2 + 3, 人脸识别 1, 安防监控 4 + 2, 周界报警 1.
    - B (1st community): gate and public area (安防监控 1 + 1) and a perimeter alarm installed today (it counts today,
      not on an earlier day's figures); no unit doors → 3 rings, not 闭环.
    - C (2nd community): all four rings once, but its perimeter camera was retired 3 days ago → 3 rings, not 闭环.
    - D (2nd community): nothing.
    """
    admin = users["admin"]
    a, b, c, _d = places.compounds
    add(admin, a, "entrance", "access_control", 2)
    add(admin, a, "entrance", "face_recognition", 1)
    add(admin, a, "public_area", "cctv", 4)
    add(admin, a, "unit_entrance", "access_control", 3)
    add(admin, a, "perimeter", "perimeter_alarm", 1)
    add(admin, a, "perimeter", "cctv", 2)
    add(admin, b, "entrance", "cctv", 1)
    add(admin, b, "public_area", "cctv", 1)
    add(admin, b, "perimeter", "perimeter_alarm", 1, installed_on=_today())
    for ring in RINGS[:3]:
        add(admin, c, ring, "access_control", 1)
    fence = add(admin, c, "perimeter", "cctv", 5)
    security_facility_retire(actor=admin, facility=fence, retired_on=_ago(3))
    return {"a": a, "b": b, "c": c}


def test_the_street_figures_count_compounds_closed_loops_rings_and_kinds_by_hand(users, places, recorded):
    f = defence_figures(places.street)
    assert (len(f.compounds), f.registered, f.closed_loop, f.closed_loop_rate) == (4, 3, 1, 0.25)
    assert [(r.ring, r.compounds, r.devices) for r in f.by_ring] == [
        ("entrance", 3, 2 + 1 + 1 + 1),
        ("public_area", 3, 4 + 1 + 1),
        ("unit_entrance", 2, 3 + 1),
        ("perimeter", 2, 1 + 2 + 1),  # A's two batches and B's alarm installed today; C's retired camera is out
    ]
    assert {k.kind: (k.devices, k.compounds) for k in f.by_kind} == {
        "access_control": (2 + 3 + 3, 2),
        "face_recognition": (1, 1),
        "cctv": (4 + 2 + 1 + 1, 2),
        "vehicle_gate": (0, 0),
        "perimeter_alarm": (1 + 1, 2),
        "other": (0, 0),
    }
    assert f.devices == 19
    assert [(p.place.pk, p.compounds, p.registered, p.closed_loop, p.devices) for p in f.parts] == [
        (places.communities[0].pk, 2, 2, 1, 13 + 3),
        (places.communities[1].pk, 2, 1, 0, 3),
    ]
    assert closed_loop_summary(places.street) == (3, 1)


def test_figures_on_an_earlier_day_leave_out_what_came_later_and_keep_what_was_retired_since(users, places, recorded):
    f = defence_figures(places.street, on=_ago(4))
    # B's perimeter alarm (installed today) is not there yet; C's perimeter camera (retired 3 days ago) still is
    assert (f.registered, f.closed_loop) == (3, 2)
    closed = {c.compound.pk for c in f.compounds if c.closed_loop}
    assert closed == {recorded["a"].pk, recorded["c"].pk}


def test_a_community_counts_only_its_own_compounds_and_has_no_parts(users, places, recorded):
    f = defence_figures(places.other_community)
    assert (len(f.compounds), f.registered, f.closed_loop, f.devices, f.parts) == (2, 1, 0, 3, [])
    assert closed_loop_summary(places.communities[0]) == (2, 1)


def test_the_figures_cost_the_same_statements_for_four_compounds_and_for_ten(users, places, recorded):
    district = Place.objects.get(kind=PlaceKind.DISTRICT)

    def statements() -> list[int]:
        counts = []
        for node in (places.compounds[0], places.communities[0], places.street, district):
            with CaptureQueriesContext(connection) as ctx:
                defence_figures(node)
            counts.append(len(ctx.captured_queries))
        return counts

    few = statements()
    for k in range(6):
        lane = place_create(actor=users["admin"], parent=places.communities[k % 2], kind="compound", name=f"清泉里{k}")
        for ring in RINGS[: k % 5]:
            add(users["admin"], lane, ring, "cctv", k + 1)
    assert statements() == few == [2, 2, 3, 3]


# ----------------------------------------------------------------------------- pages


def test_the_compound_page_shows_the_rings_and_records_a_batch(users, places, client_as):
    compound = places.compounds[0]
    add(users["community"], compound, "entrance", "access_control", 2)
    client = client_as("community")
    url = f"/places/{compound.pk}/security/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-ring="entrance" data-covered="yes"' in text and 'data-ring="perimeter" data-covered="no"' in text
    assert 'id="facility-form"' in text
    form = {"ring": "perimeter", "kind": "perimeter_alarm", "quantity": "1", "installed_on": _ago(2).isoformat()}
    form |= {"note": "", "idempotency_key": "page-key-1"}
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # a double click: the same key records once
    assert SecurityFacility.objects.filter(compound=compound, ring="perimeter").count() == 1
    detail = client.get(f"/places/{compound.pk}/").content.decode()
    assert 'id="compound-security"' in detail and "已覆盖 2/4 层" in detail


def test_a_refused_batch_on_the_page_names_the_field_and_keeps_what_was_typed(client_as, places):
    compound = places.compounds[0]
    form = {"ring": "public_area", "kind": "cctv", "quantity": "零", "installed_on": _ago(1).isoformat()}
    page = client_as("community").post(f"/places/{compound.pk}/security/", form)
    text = page.content.decode()
    assert page.status_code == 422 and 'data-field="quantity"' in text
    assert '<option value="public_area" selected>' in text and 'value="零"' in text
    assert not SecurityFacility.objects.exists()


def test_the_street_page_shows_the_figures_and_a_row_per_community(client_as, places, recorded):
    page = client_as("street").get(f"/places/{places.street.pk}/security/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-figure="closed_loop"><b>1</b>' in text and 'data-figure="closed_loop_rate"><b>25.0%</b>' in text
    assert f'data-compound="{recorded["a"].pk}" data-closed="yes"' in text
    assert f'data-place="{places.communities[0].pk}"' in text
    detail = client_as("street").get(f"/places/{places.street.pk}/").content.decode()
    assert "小区 4 个,已登记设施 3 个,闭环小区 1 个" in detail
    earlier = client_as("street").get(f"/places/{places.street.pk}/security/", {"on": _ago(4).isoformat()})
    assert 'data-figure="closed_loop"><b>2</b>' in earlier.content.decode()
    bad = client_as("street").get(f"/places/{places.street.pk}/security/", {"on": "2026-02-30"})
    assert bad.status_code == 422 and 'data-field="on"' in bad.content.decode()


def test_the_page_costs_the_same_statements_for_few_compounds_and_many(users, places, client_as, recorded):
    client = client_as("street")

    def counted(url: str) -> int:
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [f"/places/{places.street.pk}/security/", f"/places/{places.street.pk}/"]
    few = [counted(u) for u in urls]
    for k in range(5):
        lane = place_create(actor=users["admin"], parent=places.communities[k % 2], kind="compound", name=f"新巷{k}")
        for ring in RINGS:
            add(users["admin"], lane, ring)
    assert [counted(u) for u in urls] == few


def test_a_grid_worker_and_another_communitys_staff_get_a_404_and_a_branch_secretary_a_403(users, places, client_as):
    compound = places.compounds[0]
    batch = add(users["community"], compound, "entrance")
    other = _client(staff_of(places.other_community, "binhu-staff"))
    for client in (client_as("grid"), other):
        assert client.get(f"/places/{compound.pk}/security/").status_code == 404
        assert client.post(f"/places/{compound.pk}/security/", {"ring": "perimeter"}).status_code == 404
        assert client.get(f"/places/security/{batch.pk}/").status_code == 404
        assert client.post(f"/places/security/{batch.pk}/", {"action": "retire"}).status_code == 404
    secretary = _client(_branch_secretary(compound))
    page = secretary.get(f"/places/{compound.pk}/security/")
    assert page.status_code == 200 and 'id="facility-form"' not in page.content.decode()
    assert secretary.post(f"/places/{compound.pk}/security/", {"ring": "perimeter"}).status_code == 403
    assert secretary.get(f"/places/security/{batch.pk}/").status_code == 403
    batch.refresh_from_db()
    assert batch.retired_on is None and SecurityFacility.objects.count() == 1


def test_the_facility_page_corrects_and_retires_a_batch(users, places, client_as):
    compound = places.compounds[0]
    batch = add(users["community"], compound, "entrance", "cctv", 2, installed_on=_ago(20))
    client = client_as("community")
    url = f"/places/security/{batch.pk}/"
    assert client.get(url).status_code == 200
    form = {"action": "update", "ring": "entrance", "kind": "cctv", "quantity": "3"}
    form |= {"installed_on": _ago(20).isoformat(), "note": "北门"}
    assert client.post(url, form).status_code == 302
    batch.refresh_from_db()
    assert (batch.quantity, batch.note) == (3, "北门")
    refused = client.post(url, {"action": "retire", "retired_on": _ago(21).isoformat()})
    assert refused.status_code == 422 and 'data-field="retired_on"' in refused.content.decode()
    assert client.post(url, {"action": "retire", "retired_on": _ago(1).isoformat()}).status_code == 302
    batch.refresh_from_db()
    assert batch.retired_on == _ago(1)
    assert 'id="retired"' in client.get(url).content.decode()
    assert 'id="retired"' in client.get(f"/places/{compound.pk}/security/").content.decode()


# ----------------------------------------------------------------------------- API


def test_the_api_records_reads_corrects_and_retires(api_as, places):
    api = api_as("community")
    compound = places.compounds[0]
    url = f"/api/v1/places/{compound.pk}/security/facilities"
    body = {"ring": "entrance", "kind": "face_recognition", "quantity": 2, "installed_on": _ago(9).isoformat()}
    created = api.post(url, body, content_type="application/json", headers={"Idempotency-Key": "api-1"})
    assert created.status_code == 201, created.content
    replay = api.post(url, body, content_type="application/json", headers={"Idempotency-Key": "api-1"})
    assert replay.status_code == 200 and replay.json()["id"] == created.json()["id"]
    facility_id = created.json()["id"]
    register = api.get(f"/api/v1/places/{compound.pk}/security").json()
    assert (register["closed_loop"], register["covered"]) == (False, 1)
    assert register["rings"][0]["facilities"][0]["kind_label"] == "人脸识别"
    fixed = api.put(
        f"/api/v1/places/security-facilities/{facility_id}", body | {"quantity": 4}, content_type="application/json"
    )
    assert fixed.status_code == 200 and fixed.json()["quantity"] == 4
    retired = api.post(
        f"/api/v1/places/security-facilities/{facility_id}/retire",
        {"retired_on": _today().isoformat()},
        content_type="application/json",
    )
    assert retired.status_code == 200 and retired.json()["retired_on"] == _today().isoformat()
    again = api.put(f"/api/v1/places/security-facilities/{facility_id}", body, content_type="application/json")
    assert again.status_code == 409
    after = api.get(f"/api/v1/places/{compound.pk}/security").json()
    assert after["covered"] == 0 and [f["id"] for f in after["retired"]] == [facility_id]


def test_the_api_figures_match_the_page(api_as, places, recorded):
    body = api_as("street").get(f"/api/v1/places/{places.street.pk}/security/figures").json()
    assert (body["compounds"], body["registered"], body["closed_loop"], body["closed_loop_rate"]) == (4, 3, 1, 0.25)
    assert [p["closed_loop"] for p in body["parts"]] == [1, 0]
    assert {c["compound_id"]: c["devices_by_ring"]["perimeter"] for c in body["by_compound"]}[recorded["c"].pk] == 0
    earlier = api_as("street").get(f"/api/v1/places/{places.street.pk}/security/figures", {"on": _ago(4).isoformat()})
    assert earlier.json()["closed_loop"] == 2
    grid = api_as("street").get(f"/api/v1/places/{places.first_grid.pk}/security/figures")
    assert grid.status_code == 422 and grid.json()["field"] == "place_id"


def test_the_api_hides_other_compounds_and_names_a_bad_field(users, api_as, places):
    compound = places.compounds[0]
    batch = add(users["community"], compound, "entrance")
    body = {"ring": "perimeter", "kind": "cctv", "quantity": 1, "installed_on": _ago(1).isoformat()}
    grid = api_as("grid")
    assert grid.get(f"/api/v1/places/{compound.pk}/security").status_code == 404
    assert grid.get(f"/api/v1/places/{compound.pk}/security/figures").status_code == 404
    assert (
        grid.post(
            f"/api/v1/places/{compound.pk}/security/facilities", body, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        grid.put(f"/api/v1/places/security-facilities/{batch.pk}", body, content_type="application/json").status_code
        == 404
    )
    assert (
        grid.post(
            f"/api/v1/places/security-facilities/{batch.pk}/retire",
            {"retired_on": _today().isoformat()},
            content_type="application/json",
        ).status_code
        == 404
    )
    refused = api_as("community").post(
        f"/api/v1/places/{compound.pk}/security/facilities", body | {"ring": "roof"}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["field"] == "ring"
    community = api_as("community").get(f"/api/v1/places/{places.communities[0].pk}/security")
    assert community.status_code == 422 and community.json()["field"] == "place_id"
    assert SecurityFacility.objects.count() == 1


def test_the_demo_closes_one_compound_in_four(users, places):
    import random

    from linli.places.demo import build_demo_security

    build_demo_security(random.Random(1))
    f = defence_figures(places.street)
    assert (len(f.compounds), f.registered, f.closed_loop) == (4, 3, 1)
    build_demo_security(random.Random(1))  # a second run adds nothing to compounds that have a register
    assert defence_figures(places.street).devices == f.devices
