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


def test_list_rows_show_no_number_to_anyone_so_one_cached_page_serves_every_viewer(api_as, users, places):
    """A list page is rendered once and served to every viewer whose page holds the same rows
    (``tickets.list_cache``): a row may show nothing that depends on who looks. The number is on the
    request's own answer, for those who may see it."""
    data = _report(api_as, places, anonymous=False)
    staff = api_as("grid").get("/api/v1/requests?limit=50").json()["items"]
    mine = api_as("resident").get("/api/v1/requests?limit=50").json()["items"]
    row = next(r for r in staff if r["id"] == data["id"])
    assert row["contact_phone"] == "" and next(r for r in mine if r["id"] == data["id"])["contact_phone"] == ""
    assert api_as("grid").get(f"/api/v1/requests/{data['id']}").json()["contact_phone"] == "139****5678"


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
