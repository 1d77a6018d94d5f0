"""Open311 GeoReport v2 over raw HTTP (Django test client), in JSON and XML, with every bad input."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.interop.keys import open311_key_create
from linli.interop.models import Open311Key, Open311Request, ServiceAttribute
from linli.places.models import Place
from linli.tickets import transitions as tr
from linli.tickets.models import Category, Ticket
from linli.tickets.selectors import visible_tickets

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def services() -> dict[str, Category]:
    top = Category.objects.create(name="市政设施")
    lamp = Category.objects.create(parent=top, level=2, name="路灯不亮", response_hours=4, resolve_workdays=2)
    water = Category.objects.create(parent=top, level=2, name="道路积水")
    ServiceAttribute.objects.create(
        category=water,
        code="depth",
        datatype="singlevaluelist",
        required=True,
        description="积水深度",
        values=[{"key": "ankle", "name": "没过脚踝"}, {"key": "knee", "name": "没过膝盖"}],
    )
    return {"top": top, "lamp": lamp, "water": water}


@pytest.fixture
def street() -> Place:
    return Place.objects.get(kind="street")


@pytest.fixture
def key(street: Place) -> str:
    _row, raw = open311_key_create(actor=None, name="随手拍小程序", jurisdiction_id=street.pk, actor_label="test")
    return raw


def building() -> Place:
    return Place.objects.filter(kind="building").order_by("path").first()  # type: ignore[return-value]


def post(client: Any, fmt: str = "json", **fields: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", fields)


def xml(response: Any) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def error_of(response: Any) -> tuple[int, str]:
    if response["Content-Type"].startswith("text/xml"):
        err = xml(response).find("error")
        assert err is not None
        return int(err.findtext("code") or 0), err.findtext("description") or ""
    data = response.json()
    assert isinstance(data, list) and set(data[0]) == {"code", "description"}
    return data[0]["code"], data[0]["description"]


# --- discovery and services ----------------------------------------------------------------------


def test_discovery_names_the_endpoint_and_both_formats_in_json_and_xml(client):
    data = client.get(f"{BASE}/discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_list_leaf_categories_with_group_and_metadata(client, services):
    data = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in data}
    lamp = by_code[str(services["lamp"].pk)]
    assert lamp == {
        "service_code": str(services["lamp"].pk),
        "service_name": "路灯不亮",
        "description": "市政设施 / 路灯不亮",
        "metadata": False,
        "type": "realtime",
        "keywords": "市政设施",
        "group": "市政设施",
    }
    assert by_code[str(services["water"].pk)]["metadata"] is True
    assert str(services["top"].pk) not in by_code  # a parent category is a group, not a service
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert str(services["lamp"].pk) in codes
    assert root.find("service/metadata").text in ("true", "false")  # type: ignore[union-attr]


def test_service_definition_lists_attributes_and_404s_for_unknown_codes(client, services):
    data = client.get(f"{BASE}/services/{services['water'].pk}.json").json()
    assert data["service_code"] == str(services["water"].pk)
    attribute = data["attributes"][0]
    assert attribute["code"] == "depth" and attribute["required"] is True and attribute["variable"] is True
    assert attribute["values"] == [{"key": "ankle", "name": "没过脚踝"}, {"key": "knee", "name": "没过膝盖"}]
    root = xml(client.get(f"{BASE}/services/{services['water'].pk}.xml"))
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.iter("value")] == ["ankle", "knee"]
    missing = client.get(f"{BASE}/services/999999.json")
    assert missing.status_code == 404 and error_of(missing) == (404, "service_code “999999” not found")
    missing_xml = client.get(f"{BASE}/services/999999.xml")
    assert missing_xml.status_code == 404 and error_of(missing_xml)[0] == 404


# --- POST requests -----------------------------------------------------------------------------


def test_post_by_lat_long_creates_a_request_in_the_staff_workbench(client, services, key, users):
    b = building()
    r = post(
        client,
        api_key=key,
        service_code=services["lamp"].pk,
        lat=str(b.lat),
        long=str(b.lng),
        description="3栋门口路灯不亮",
        first_name="伟",
        last_name="张",
        email="zhang@example.com",
        phone="13912345678",
        media_url="https://img.example.com/1.jpg",
    )
    assert r.status_code == 201, r.content
    answer = r.json()[0]
    ticket = Ticket.objects.get(pk=int(answer["service_request_id"]))
    assert answer["token"] == ticket.open311.token and ticket.number in answer["service_notice"]
    assert ticket.source == "api" and ticket.place == b and ticket.reporter_name == "张伟"
    assert ticket.category == services["lamp"] and ticket.contact_phone == "+8613912345678"
    assert ticket.open311.email == "zhang@example.com" and "zhang" not in ticket.open311.email_enc
    assert ticket.events.get().action == "submit"
    assert visible_tickets(users["grid"]).filter(pk=ticket.pk).exists()  # the grid worker's workbench
    assert AuditEvent.objects.filter(action="open311.request_created", target_id=str(ticket.pk)).exists()


def test_post_by_address_string_finds_the_building_and_answers_in_xml(client, services, key):
    b = building()
    r = post(
        client,
        "xml",
        api_key=key,
        service_code=services["lamp"].pk,
        address_string=f"{b.name}2单元门口",
        description="路灯坏了",
    )
    assert r.status_code == 201, r.content
    root = xml(r)
    assert root.tag == "service_requests"
    ticket = Ticket.objects.get(pk=int(root.findtext("request/service_request_id") or 0))
    assert ticket.place.path.startswith(b.path)
    assert root.findtext("request/token") == ticket.open311.token


def test_post_by_address_id_and_with_attributes(client, services, key):
    b = building()
    r = post(
        client,
        api_key=key,
        service_code=services["water"].pk,
        address_id=b.pk,
        description="积水",
        **{"attribute[depth]": "knee"},
    )
    assert r.status_code == 201, r.content
    row = Open311Request.objects.get(ticket_id=int(r.json()[0]["service_request_id"]))
    assert row.attributes == {"depth": "knee"}


def test_post_accepts_a_json_body(client, services, key):
    b = building()
    body = {"api_key": key, "service_code": services["lamp"].pk, "address_id": b.pk, "description": "路灯"}
    r = client.post(f"{BASE}/requests.json", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_or_with_a_bad_key_is_403_in_the_spec_format(client, services, fmt):
    b = building()
    r = post(client, fmt, service_code=services["lamp"].pk, address_id=b.pk, description="x")
    assert r.status_code == 403 and error_of(r) == (403, "api_key is missing, unknown or revoked")
    r = post(client, fmt, api_key="o311_forged", service_code=services["lamp"].pk, address_id=b.pk)
    assert r.status_code == 403
    assert Ticket.objects.count() == 0
    assert AuditEvent.objects.filter(action="open311.key_refused", success=False).count() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service_code": "999999", "address_id": "B"}, "service_code “999999” is not a service of this endpoint"),
        ({"service_code": "TOP", "address_id": "B"}, "is not a service of this endpoint"),
        ({"address_id": "B"}, "service_code is required"),
        ({"service_code": "LAMP"}, "a location is required: lat and long, address_string or address_id"),
        ({"service_code": "LAMP", "lat": "31.8"}, "lat and long must be given together"),
        ({"service_code": "LAMP", "lat": "91", "long": "117"}, "lat/long: 纬度应在 -90 到 90 之间"),
        ({"service_code": "LAMP", "lat": "39.9", "long": "116.4"}, "is outside every community of the jurisdiction"),
        ({"service_code": "LAMP", "address_string": "火星基地"}, "names no community, compound or building"),
        ({"service_code": "LAMP", "address_id": "99999999"}, "is not a place in the jurisdiction"),
        ({"service_code": "LAMP", "address_id": "STREET"}, "use a community, compound or building"),
        ({"service_code": "LAMP", "address_id": "B", "description": "长" * 4001}, "description may be at most 4000"),
        ({"service_code": "LAMP", "address_id": "B", "email": "not-an-email"}, "is not a valid address"),
        ({"service_code": "LAMP", "address_id": "B", "media_url": "ftp://x/y.jpg"}, "media_url must be an http"),
        ({"service_code": "LAMP", "address_id": "B", "phone": "12"}, "phone: "),
        ({"service_code": "WATER", "address_id": "B"}, "attribute[depth] is required for this service"),
        ({"service_code": "WATER", "address_id": "B", "attribute[depth]": "neck"}, "must be one of ankle, knee"),
    ],
)
def test_post_bad_input_is_400_with_a_specific_description(client, services, key, street, fields, message):
    b = building()
    swap = {
        "B": str(b.pk),
        "STREET": str(street.pk),
        "LAMP": str(services["lamp"].pk),
        "WATER": str(services["water"].pk),
        "TOP": str(services["top"].pk),
    }
    data = {k: swap.get(str(v), v) for k, v in fields.items()}
    for fmt in ("json", "xml"):
        r = post(client, fmt, api_key=key, **data)
        assert r.status_code == 400, r.content
        code, description = error_of(r)
        assert code == 400 and message in description
    assert Ticket.objects.count() == 0


def test_post_with_a_point_and_an_address_that_disagree_is_400(client, services, key):
    here = Place.objects.filter(kind="compound").order_by("path").first()
    elsewhere = Place.objects.filter(kind="compound").order_by("-path").first()
    assert here is not None and elsewhere is not None and here.path[:12] != elsewhere.path[:12]
    r = post(
        client,
        api_key=key,
        service_code=services["lamp"].pk,
        lat=str(here.lat),
        long=str(here.lng),
        address_string=elsewhere.name,
    )
    assert r.status_code == 400
    assert "send one location or two that agree" in error_of(r)[1]
    agree = post(
        client,
        api_key=key,
        service_code=services["lamp"].pk,
        lat=str(here.lat),
        long=str(here.lng),
        address_string=here.name,
        description="一致",
    )
    assert agree.status_code == 201


def test_malformed_json_and_xml_bodies_get_the_spec_error(client, services, key):
    r = client.post(f"{BASE}/requests.json", "{not json", content_type="application/json")
    assert r.status_code == 400 and error_of(r)[1].startswith("request body is not valid JSON")
    r = client.post(f"{BASE}/requests.xml", "<request><api_key>", content_type="text/xml")
    assert r.status_code == 400 and error_of(r)[1].startswith("request body is not well-formed XML")
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><request>&a;</request>'
    r = client.post(f"{BASE}/requests.xml", bomb, content_type="application/xml")
    assert r.status_code == 400 and "DTD" in error_of(r)[1]


def test_unsupported_format_and_unknown_paths_answer_in_the_error_format(client):
    r = client.get(f"{BASE}/services.csv")
    assert r.status_code == 400 and error_of(r) == (400, "format “csv” is not supported: use .json or .xml")
    r = client.get(f"{BASE}/nothing.json")
    assert r.status_code == 404 and error_of(r)[0] == 404
    r = client.delete(f"{BASE}/requests.json")
    assert r.status_code == 405


def test_key_for_another_jurisdiction_is_refused(client, services, street):
    _row, other = open311_key_create(actor=None, name="别处", jurisdiction_id=street.pk)
    r = post(
        client,
        api_key=other,
        service_code=services["lamp"].pk,
        address_id=building().pk,
        jurisdiction_id="999999999999",
    )
    assert r.status_code == 404 and "jurisdiction_id" in error_of(r)[1]


def calls_at(monkeypatch, when: dt.datetime, client, services, key, *, n: int) -> list[int]:
    """``n`` submissions with the clock standing at ``when`` (a slow run must not cross a minute between them)."""
    monkeypatch.setattr(timezone, "now", lambda: when)
    b = building()
    return [
        post(client, api_key=key, service_code=services["lamp"].pk, address_id=b.pk, description="x").status_code
        for _ in range(n)
    ]


def test_rate_limit_counts_per_key_per_minute(client, services, key, monkeypatch):
    row = Open311Key.objects.get()
    row.rate_per_minute = 2
    row.save()
    minute = timezone.now().replace(second=0, microsecond=0)
    codes = calls_at(monkeypatch, minute + dt.timedelta(seconds=59), client, services, key, n=3)
    assert codes == [201, 201, 429]
    assert Open311Key.objects.get().window_count == 3
    assert AuditEvent.objects.filter(action="open311.rate_limited").count() == 1


def test_the_next_minute_starts_a_new_count(client, services, key, monkeypatch):
    row = Open311Key.objects.get()
    row.rate_per_minute = 2
    row.save()
    minute = timezone.now().replace(second=0, microsecond=0)
    assert calls_at(monkeypatch, minute + dt.timedelta(seconds=59), client, services, key, n=3) == [201, 201, 429]
    assert calls_at(monkeypatch, minute + dt.timedelta(seconds=60), client, services, key, n=3) == [201, 201, 429]
    assert Open311Key.objects.get().window_count == 3
    assert AuditEvent.objects.filter(action="open311.rate_limited").count() == 2


def test_revoked_key_is_refused(client, services, key):
    call_command("open311_key", "revoke", str(Open311Key.objects.get().prefix))
    r = post(client, api_key=key, service_code=services["lamp"].pk, address_id=building().pk)
    assert r.status_code == 403


def test_issued_keys_never_start_with_something_a_command_line_reads_as_an_option():
    from linli.interop.keys import random_key_body

    assert all(random_key_body()[0].isalnum() for _ in range(2000))


def test_a_key_whose_prefix_starts_with_a_dash_is_revoked_after_a_double_dash(client, services, key):
    Open311Key.objects.update(prefix="-22shG55")  # as a key issued before the rule could have
    call_command("open311_key", "revoke", "--", "-22shG55")
    assert Open311Key.objects.get().revoked_at is not None


# --- GET requests, tokens, updates --------------------------------------------------------------


def make(client: Any, services: dict[str, Category], key: str, text: str = "路灯不亮") -> Ticket:
    r = post(client, api_key=key, service_code=services["lamp"].pk, address_id=building().pk, description=text)
    assert r.status_code == 201, r.content
    return Ticket.objects.get(pk=int(r.json()[0]["service_request_id"]))


def test_get_request_shows_spec_fields_with_beijing_offset(client, services, key):
    ticket = make(client, services, key)
    data = client.get(f"{BASE}/requests/{ticket.pk}.json").json()
    assert len(data) == 1
    item = data[0]
    assert item["service_request_id"] == str(ticket.pk) and item["status"] == "open"
    assert item["service_code"] == str(services["lamp"].pk) and item["service_name"] == "路灯不亮"
    assert item["requested_datetime"].endswith("+08:00") and item["expected_datetime"].endswith("+08:00")
    assert dt.datetime.fromisoformat(item["requested_datetime"]) == ticket.submitted_at.replace(microsecond=0)
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert "phone" not in json.dumps(item) and "13912345678" not in json.dumps(item)
    root = xml(client.get(f"{BASE}/requests/{ticket.pk}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/status") == "open"
    assert client.get(f"{BASE}/requests/0.json").status_code == 404
    assert client.get(f"{BASE}/requests/abc.xml").status_code == 404


def test_token_lookup_returns_the_request_id(client, services, key):
    ticket = make(client, services, key)
    token = ticket.open311.token
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [{"service_request_id": str(ticket.pk), "token": token}]
    assert xml(client.get(f"{BASE}/tokens/{token}.xml")).findtext("request/service_request_id") == str(ticket.pk)
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


def test_request_list_filters_and_window(client, services, key, street):
    a = make(client, services, key, "一")
    b = make(client, services, key, "二")
    Ticket.objects.filter(pk=b.pk).update(submitted_at=timezone.now() - dt.timedelta(days=120))
    ids = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert ids == [str(a.pk)]  # the default window is the last 90 days
    listed = client.get(f"{BASE}/requests.json", {"service_request_id": f"{a.pk},{b.pk}"}).json()
    assert {r["service_request_id"] for r in listed} == {str(a.pk), str(b.pk)}  # ids override the window
    assert client.get(f"{BASE}/requests.json", {"status": "closed"}).json() == []
    assert len(client.get(f"{BASE}/requests.json", {"status": "open", "service_code": services["lamp"].pk}).json()) == 1
    assert len(client.get(f"{BASE}/requests.json", {"jurisdiction_id": street.code}).json()) == 1
    old = client.get(
        f"{BASE}/requests.xml",
        {
            "start_date": (timezone.now() - dt.timedelta(days=130)).date().isoformat(),
            "end_date": (timezone.now() - dt.timedelta(days=100)).date().isoformat(),
        },
    )
    assert [r.findtext("service_request_id") for r in xml(old).findall("request")] == [str(b.pk)]
    too_long = client.get(f"{BASE}/requests.json", {"start_date": "2025-01-01", "end_date": "2025-12-31"})
    assert too_long.status_code == 400 and "more than 90 days" in error_of(too_long)[1]
    bad = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert bad.status_code == 400 and "ISO 8601" in error_of(bad)[1]
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "123"}).status_code == 404


def test_status_change_shows_as_closed_with_notes_and_in_servicerequestupdates(client, services, key, users):
    ticket = make(client, services, key)
    grid = users["grid"]
    tr.ticket_accept(actor=grid, ticket_id=ticket.pk, note="已受理,马上处理")
    tr.ticket_decline(actor=grid, ticket_id=ticket.pk, note="属于供电公司维护范围,已告知电话")
    item = client.get(f"{BASE}/requests/{ticket.pk}.json").json()[0]
    assert item["status"] == "closed" and item["status_notes"] == "属于供电公司维护范围,已告知电话"
    updates = client.get(f"{BASE}/servicerequestupdates.json", {"api_key": key}).json()
    mine = [u for u in updates if u["service_request_id"] == str(ticket.pk)]
    assert [u["status"] for u in mine] == ["INVESTIGATING", "NO_FURTHER_ACTION"]
    assert mine[0]["description"] == "已受理,马上处理" and mine[1]["updated_datetime"].endswith("+08:00")
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml", {"api_key": key}))
    assert root.tag == "service_request_updates"
    assert [u.findtext("status") for u in root.findall("request_update")][-1] == "NO_FURTHER_ACTION"
    assert client.get(f"{BASE}/servicerequestupdates.json").status_code == 403


def test_what_a_resident_wrote_is_published_only_after_acceptance_with_numbers_masked_and_a_coarse_point(
    client, services, key, users, api_as
):
    """Session 14 review: a request was in the internet feed the moment it was sent, phone number, exact
    point and photo included, before anyone had read it."""
    b = building()
    made = api_as("resident").post(
        "/api/v1/requests",
        {
            "description": "我是3单元502的张阿姨,电话13912345678,身份证340104199003071234,楼上噪音",
            "place_id": b.pk,
            "lat": "31.230417",
            "lng": "121.473706",
        },
        content_type="application/json",
    )
    ticket_id = made.json()["id"]
    pending = client.get(f"{BASE}/requests/{ticket_id}.json").json()[0]
    assert pending["description"] == "" and pending["media_url"] == ""
    assert (pending["lat"], pending["long"]) == (31.23, 121.474)
    tr.ticket_accept(actor=users["grid"], ticket_id=ticket_id, note="已受理,请留意来电 13812345678")
    seen = client.get(f"{BASE}/requests/{ticket_id}.json").json()[0]
    assert seen["description"] == "我是3单元502的张阿姨,电话139****5678,身份证340104********1234,楼上噪音"
    assert seen["status_notes"] == "已受理,请留意来电 138****5678"
    updates = client.get(f"{BASE}/servicerequestupdates.json", {"api_key": key}).json()
    assert [u["description"] for u in updates if u["service_request_id"] == str(ticket_id)] == [
        "已受理,请留意来电 138****5678"
    ]
    feed = json.dumps(client.get(f"{BASE}/requests.json").json(), ensure_ascii=False)
    assert "13912345678" not in feed and "340104199003071234" not in feed and "31.230417" not in feed


def test_a_declined_request_keeps_its_description_out_of_the_feed(client, services, key, users):
    ticket = make(client, services, key, "邻居家的狗天天叫,他叫王某某")
    tr.ticket_decline(actor=users["grid"], ticket_id=ticket.pk, note="属于邻里纠纷,已转人民调解")
    item = client.get(f"{BASE}/requests/{ticket.pk}.json").json()[0]
    assert item["description"] == "" and item["status_notes"] == "属于邻里纠纷,已转人民调解"


def test_the_feed_shows_an_escalated_request_as_in_progress_not_the_handlers_internal_state(
    client, services, key, users
):
    ticket = make(client, services, key)
    tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)
    tr.ticket_escalate(actor=users["grid"], ticket_id=ticket.pk, note="需社区协调", ack_hours=4)
    item = client.get(f"{BASE}/requests/{ticket.pk}.json").json()[0]
    assert item["status_notes"] == "办理中" and "需社区协调" not in json.dumps(item, ensure_ascii=False)


def test_private_requests_never_appear_in_the_public_feed(client, services, key):
    ticket = make(client, services, key)
    Ticket.objects.filter(pk=ticket.pk).update(public=False)
    assert client.get(f"{BASE}/requests/{ticket.pk}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json").json() == []


# --- keys: command and audit ---------------------------------------------------------------------


def test_open311_key_command_prints_the_key_on_its_last_line_and_stores_only_a_digest(capsys, street):
    call_command("open311_key", "create", "热线对接", "--jurisdiction", str(street.pk))
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert raw.startswith("o311_")
    row = Open311Key.objects.get(name="热线对接")
    assert row.jurisdiction == street and raw not in row.digest and row.prefix == raw[5:13]
    assert AuditEvent.objects.filter(action="open311.key_issued", target_id=str(row.pk)).exists()
    call_command("open311_key", "revoke", str(row.pk))
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert AuditEvent.objects.filter(action="open311.key_revoked", target_id=str(row.pk)).exists()
