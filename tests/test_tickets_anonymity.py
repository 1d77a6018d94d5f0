"""An anonymous request keeps its promise — "匿名(工作人员看不到您的姓名)" — everywhere the request is shown:
its timeline (page and API) names the reporter's own events "匿名反映人" to staff and volunteers, and the
masked contact number is shown to nobody but the reporter. Found by the session 14 security review: the
timeline printed the reporter's real name to the grid worker and, once published, to volunteers."""

from __future__ import annotations

from typing import Any

import pytest

from linli.tickets import transitions as tr

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _report(api_as: Any, places: Any, *, anonymous: bool) -> dict[str, Any]:
    made = api_as("resident").post(
        "/api/v1/requests",
        {
            "description": "楼上噪音扰民很久了请处理",
            "place_id": places.first_grid.pk,
            "anonymous": anonymous,
            "contact_phone": "13912345678",
        },
        content_type=JSON,
    )
    assert made.status_code == 201, made.content
    return made.json()


def _real_name(users: dict[str, Any]) -> str:
    return users["resident"].person.name


def test_staff_see_anonymous_in_the_timeline_of_an_anonymous_request(api_as, client_as, users, places):
    data = _report(api_as, places, anonymous=True)
    name = _real_name(users)
    seen = api_as("grid").get(f"/api/v1/requests/{data['id']}").json()
    assert seen["events"][0]["actor"] == "匿名反映人"
    assert seen["contact_phone"] == ""
    assert name not in str(seen)
    page = client_as("grid").get(f"/requests/{data['id']}/").content.decode()
    assert "匿名反映人" in page and name not in page


def test_the_reporter_still_sees_their_own_name_and_number(api_as, client_as, users, places):
    data = _report(api_as, places, anonymous=True)
    assert data["events"][0]["actor"] == _real_name(users)
    assert data["contact_phone"] == "139****5678"
    page = client_as("resident").get(f"/requests/{data['id']}/").content.decode()
    assert _real_name(users) in page


def test_volunteers_on_the_order_board_see_neither_name_nor_number(api_as, client_as, users, places):
    data = _report(api_as, places, anonymous=True)
    tr.ticket_act(actor=users["grid"], ticket_id=data["id"], action="accept")
    tr.ticket_act(actor=users["grid"], ticket_id=data["id"], action="publish")
    seen = api_as("volunteer").get(f"/api/v1/requests/{data['id']}")
    assert seen.status_code == 200, seen.content
    assert seen.json()["contact_phone"] == ""
    assert _real_name(users) not in str(seen.json())
    page = client_as("volunteer").get(f"/requests/{data['id']}/").content.decode()
    assert _real_name(users) not in page


def test_a_volunteer_sees_no_number_on_a_named_request_either(api_as, users, places):
    data = _report(api_as, places, anonymous=False)
    tr.ticket_act(actor=users["grid"], ticket_id=data["id"], action="accept")
    tr.ticket_act(actor=users["grid"], ticket_id=data["id"], action="publish")
    assert api_as("volunteer").get(f"/api/v1/requests/{data['id']}").json()["contact_phone"] == ""


def test_staff_see_the_name_and_masked_number_of_a_named_request(api_as, users, places):
    data = _report(api_as, places, anonymous=False)
    seen = api_as("grid").get(f"/api/v1/requests/{data['id']}").json()
    assert seen["events"][0]["actor"] == _real_name(users)
    assert seen["contact_phone"] == "139****5678"


def test_staff_events_on_an_anonymous_request_keep_their_names(api_as, users, places):
    data = _report(api_as, places, anonymous=True)
    tr.ticket_act(actor=users["grid"], ticket_id=data["id"], action="accept")
    events = api_as("grid").get(f"/api/v1/requests/{data['id']}").json()["events"]
    assert [e["actor"] for e in events] == ["匿名反映人", users["grid"].person.name]


def test_the_list_shows_no_number_to_a_volunteer_and_stays_constant_in_queries(
    api_as, users, places, django_assert_max_num_queries
):
    for _ in range(3):
        data = _report(api_as, places, anonymous=False)
        tr.ticket_act(actor=users["grid"], ticket_id=data["id"], action="accept")
    client = api_as("grid")
    client.get("/api/v1/requests?limit=1")
    with django_assert_max_num_queries(8):
        rows = client.get("/api/v1/requests?limit=50").json()["items"]
    assert rows and all(r["contact_phone"] in ("", "139****5678") for r in rows)


def test_the_staff_page_of_a_request_without_a_submitter_or_whose_submitter_has_no_person_renders(
    client_as, users, places
):
    """Session 14 UX review: every request of the street-size demo (no submitter) and every Open311 request
    (submitted by a client account without a person) was a 500 for staff — ``|default:`` resolved its
    argument ``ticket.submitted_by.person.name`` on ``None``."""
    from linli.accounts.models import User
    from linli.tickets.models import Ticket
    from linli.tickets.services import ticket_submit

    ticket, _ = ticket_submit(actor=users["resident"], description="楼道堆物", place_id=places.first_grid.pk)
    robot = User.objects.create_user(username="open311-client", password=None)
    client = client_as("grid")
    for submitter in (None, robot):
        Ticket.objects.filter(pk=ticket.pk).update(submitted_by=submitter)
        page = client.get(f"/requests/{ticket.pk}/")
        assert page.status_code == 200
        assert "反映人" in page.content.decode()
