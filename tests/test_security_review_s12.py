"""Security review, session 12: what a grid worker, a volunteer or a resident tries that the existing
security tests (``test_security_attacks``, ``test_security_idor_sweep``, ``test_scoping``) do not:

* every *write* operation of the API and every POST-only page that takes an id, tried with the ids of
  objects in another community (the sweep covers GETs only, and docs/security.md lists POSTs as a gap);
* the neighbouring grid of the *same* community (the sweep's objects all sit in the other community);
* full ID and phone numbers in every list answer and page a role can open, and in every per-object
  read for staff who hold ``reveal`` but did not reveal;
* tampered keyset cursors; ``next=`` redirects; online proxy ballots.

The review found three holes, fixed in the same session: a tampered cursor was a 500 (``core.pagination.
cursor_key``), signing in to another branch's meeting told it from a missing one (now 404 like missing), and
one resident could cast every owner's ballot as an unverified online proxy (now one online proxy a person a
vote; more are entered by staff from the written authorisations). The rest are regression tests for paths no
other test covers.
"""

# ruff: noqa: F811  (``world``, the IDOR sweep's fixture, is imported and then requested by tests)
from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.support import png_upload, url_routes
from tests.test_security_idor_sweep import (  # noqa: F401  (``world`` is a fixture)
    MISSING,
    PAGES,
    TABLE,
    World,
    _fill,
    _ids_for,
    get_with_id_operations,
    world,
)

pytestmark = pytest.mark.django_db

# Not inside a longer run of letters and digits: a form's idempotency key (uuid4 hex) holds digit runs that
# would read as a phone or ID number about once in a few hundred pages.
PHONE = re.compile(r"(?<![0-9A-Za-z*])(?:\+?86)?1[3-9]\d{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z*])\d{17}[\dXx](?![0-9A-Za-z])")


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    try:
        return json.dumps(response.json(), ensure_ascii=False)  # the API escapes Chinese; compare parsed
    except Exception:  # a page, a file
        return response.content.decode(errors="replace")


def _token_client(user: Any) -> Client:
    """A bearer-token client that answers a crash with 500 instead of raising into the test."""
    from linli.accounts.services import token_issue

    _, key = token_issue(user=user, name="review-s12")
    return Client(headers={"Authorization": f"Bearer {key}"}, raise_request_exception=False)


def _session_client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- writes by id on objects in another community -------------------------------------------------

# path parameter → the ``world`` attribute whose id fills it (``meeting_id`` depends on the app)
WRITE_PARAMS: dict[str, str] = {
    "ticket_id": "ticket",
    "resident_id": "person",
    "person_id": "person",
    "household_id": "household",
    "batch_id": "import_batch",
    "visit_id": "visit",
    "hazard_id": "hazard",
    "activity_id": "activity",
    "wish_id": "wish",
    "registration_id": "registration",
    "station_id": "station",
    "topic_id": "topic",
    "vote_id": "vote",
    "branch_id": "branch",
    "company_id": "company",
    "rating_id": "rating",
    "need_id": "need",
    "project_id": "project",
    "contract_id": "contract",
    "resource_id": "resource",
    "fund_id": "fund",
    "case_id": "case",
    "venue_id": "venue",
    "legal_session_id": "legal_session",
    "material_id": "material",
    "report_id": "report",
    "request_id": "privacy_request",
    "org_id": "branch",
    "place_id": "place",
    "compound_id": "compound",
    "member_id": "team_member",
    "duty_item_id": "team_item",
    "standard_id": "team_standard",
    "task_id": "duty_task",
}
# Not per-object writes of scoped data: the caller's own token (ownership tested in test_accounts_tokens),
# and the public holiday calendar (a year or a day, not an id).
WRITE_SKIPPED = {"auth_token_revoke", "calendar_day_set", "calendar_day_clear", "calendar_year_publish",
                 "calendar_year_unpublish"}  # fmt: skip


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _sample(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A body that passes the schema (so the request reaches the lookup rather than stopping at 422)."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        return _sample(spec, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("default") is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {k: _sample(spec, v) for k, v in schema.get("properties", {}).items() if k in required}
    if kind == "string":
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        return {
            "date": tomorrow.isoformat(),
            "date-time": timezone.now().isoformat(),
            "time": "09:00:00",
        }.get(schema.get("format", ""), "核实情况")
    return {"integer": 1, "number": 1, "boolean": True, "array": []}.get(kind)


def _write_operations(client: Client) -> list[tuple[str, str, str, dict[str, Any]]]:
    spec = client.get("/api/v1/openapi.json").json()
    found = []
    for route, methods in spec["paths"].items():
        for method, op in methods.items():
            if method == "get" or "{" not in route or op["operationId"] in WRITE_SKIPPED:
                continue
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = {"json": _sample(spec, content["application/json"]["schema"])}
            elif content:
                body = {"multipart": True}
            else:
                body = {}
            found.append((op["operationId"], method, route, body))
    return found


def _call_write(api: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    if "json" in body:
        return getattr(api, method)(url, body["json"], content_type="application/json")
    if body.get("multipart"):
        data = {"photo": png_upload(), "file": png_upload("study.png"), "title": "学习资料", "body": "学习"}
        return api.post(url, data)
    return getattr(api, method)(url, content_type="application/json")


def test_a_grid_worker_posting_any_write_with_the_id_of_an_object_elsewhere_gets_the_answer_of_a_missing_id(
    client: Any, users: Any, world: World
) -> None:
    """POST/PUT/PATCH/DELETE with an id, every one the API serves: the other community's object is
    answered exactly like an id that does not exist (404, or 403 before any lookup for
    administrator-only operations), and is never changed."""
    api = _token_client(users["grid"])

    def filler(route: str, missing: bool) -> Any:
        def pk(name: str) -> int:
            if missing:
                return MISSING
            attr = ("party_meeting" if "party-life" in route else "meeting") if name == "meeting_id" else None
            attr = attr or WRITE_PARAMS.get(name)
            return getattr(world, attr).pk if attr else MISSING

        return pk

    holes = []
    operations = _write_operations(client)
    assert len(operations) > 80
    for op, method, route, body in operations:
        real = _call_write(api, method, _fill(route, filler(route, missing=False)), body)
        missing = _call_write(api, method, _fill(route, filler(route, missing=True)), body)
        if real.status_code < 400 or real.status_code != missing.status_code:
            holes.append(f"{op}: elsewhere {real.status_code}, missing {missing.status_code} {real.content[:120]!r}")
        elif "滨湖" in _text(real):
            holes.append(f"{op}: the refusal names the other community's object")
    assert holes == [], "writes by id outside the grid worker's scope:\n" + "\n".join(holes)


# POST-only page routes with an id (the sweep covers pages that answer GET); slug actions filled with
# a real action of each view so the request reaches the object lookup.
PAGE_POSTS: dict[str, str] = {
    "/requests/{ticket}/act/": "ticket",
    "/requests/{ticket}/problem/": "ticket",
    "/routing/requests/{ticket}/merge/": "ticket",
    "/ledger/people/{person}/reveal": "person",
    "/ledger/people/{person}/phones": "person",
    "/ledger/people/{person}/tags": "person",
    "/ledger/people/{person}/move-out": "person",
    "/ledger/people/{person}/move-in": "person",
    "/ledger/people/{person}/ownerships": "person",
    "/ledger/people/{person}/everything": "person",
    "/visits/{visit}/act/": "visit",
    "/visits/households/{household}/care-plan/": "household",
    "/volunteering/activities/{activity}/signup/": "activity",
    "/volunteering/activities/{activity}/publish/": "activity",
    "/volunteering/people/{person}/award/": "person",
    "/volunteering/wishes/{wish}/act/": "wish",
    "/volunteering/registrations/{registration}/decide/": "registration",
    "/deliberation/votes/{vote}/open/": "vote",
    "/deliberation/votes/{vote}/cast/": "vote",
    "/deliberation/votes/{vote}/paper/": "vote",
    "/deliberation/votes/{vote}/close/": "vote",
    "/deliberation/topics/{topic}/comment/": "topic",
    "/deliberation/topics/{topic}/escalate/": "topic",
    "/deliberation/topics/{topic}/close/": "topic",
    "/deliberation/meetings/{meeting}/publish-agenda/": "meeting",
    "/deliberation/meetings/{meeting}/invite/": "meeting",
    "/deliberation/mediation/{case}/close/": "case",
    "/deliberation/mediation/{case}/session/": "case",
    "/deliberation/venues/{venue}/edit/": "venue",
    "/deliberation/venues/{venue}/retire/": "venue",
    "/deliberation/legal-sessions/{legal_session}/hold/": "legal_session",
    "/deliberation/legal-sessions/{legal_session}/cancel/": "legal_session",
    "/deliberation/legal-sessions/{legal_session}/mediation/": "legal_session",
    "/deliberation/legal-sessions/{legal_session}/request/": "legal_session",
    "/party-life/branches/{branch}/meeting/": "branch",
    "/party-life/meetings/{party_meeting}/attendance/": "party_meeting",
    "/party-life/study/{material}/deliver/": "material",
    "/co-building/ratings/{rating}/close/": "rating",
    "/co-building/ratings/{rating}/answer/": "rating",
    "/co-building/needs/{need}/match/": "need",
    "/co-building/projects/{project}/approve/": "project",
    "/co-building/funds/{fund}/grant/": "fund",
    "/privacy/requests/{privacy_request}/review": "privacy_request",
    "/privacy/requests/{privacy_request}/complete": "privacy_request",
}


def test_a_grid_worker_posting_page_actions_on_objects_elsewhere_gets_not_found_and_changes_nothing(
    users: Any, world: World
) -> None:
    from linli.audit.models import AuditEvent

    grid = _session_client(users["grid"])
    form = {
        "reason": "核实",
        "action": "accept",
        "note": "x",
        "body": "x",
        "choice": "for",
        "other_id": world.ticket.pk,
    }
    actions = {"/volunteering/wishes/{wish}/act/": "claim", "/visits/{visit}/act/": "feedback"}
    holes = []
    for template, attr in PAGE_POSTS.items():
        pk = str(getattr(world, attr).pk)
        data = {**form, "action": actions.get(template, form["action"])}
        real = grid.post(template.replace("{" + attr + "}", pk), data)
        missing = grid.post(template.replace("{" + attr + "}", str(MISSING)), data)
        # 404, or the page's own "not found" flash and a redirect: the same for both ids
        where = real.get("Location", "").replace(pk, "X"), missing.get("Location", "").replace(str(MISSING), "X")
        if real.status_code != missing.status_code or where[0] != where[1] or real.status_code == 200:
            holes.append(
                f"{template}: elsewhere {real.status_code} {where[0]}, missing {missing.status_code} {where[1]}"
            )
        elif real.status_code == 302 and "滨湖" in _text(grid.get(real["Location"])):
            holes.append(f"{template}: the redirect target shows the other community's object")
    assert holes == [], "page actions by id outside the grid worker's scope:\n" + "\n".join(holes)
    assert not AuditEvent.objects.filter(actor=users["grid"], action="resident.reveal").exists()
    assert not AuditEvent.objects.filter(actor=users["grid"], action__contains="export").exists()


# --- the neighbouring grid of the same community ---------------------------------------------------


def test_a_grid_worker_cannot_read_the_neighbouring_grid_of_their_own_community(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    """The sweep's objects are all in the other community; a check done at community level instead
    of grid level would pass it. Here: a request, a resident and a household of 阳光小区 (same
    community as the grid worker's 锦绣小区), by API and page; the community worker sees them."""
    from linli.people.models import Person
    from linli.places.models import Household, Place
    from linli.tickets.services import ticket_submit

    neighbour = places.other_grid
    assert neighbour.path.startswith(places.communities[0].path)
    building = Place.objects.filter(kind="building", path__startswith=neighbour.path).order_by("path").first()
    ticket, _ = ticket_submit(actor=users["community"], description="阳光小区井盖缺失", place_id=building.pk)
    person = Person.objects.filter(place_path__startswith=neighbour.path).order_by("pk").first()
    household = Household.objects.filter(place_path__startswith=neighbour.path).order_by("pk").first()
    api_urls = [
        f"/api/v1/requests/{ticket.pk}",
        f"/api/v1/residents/{person.pk}",
        f"/api/v1/households/{household.pk}",
        f"/api/v1/places/{building.pk}",
    ]
    page_urls = [
        f"/requests/{ticket.pk}/",
        f"/ledger/people/{person.pk}/",
        f"/ledger/households/{household.pk}/",
        f"/visits/households/{household.pk}/",
    ]
    grid_api, grid_pages = api_as("grid"), client_as("grid")
    assert [grid_api.get(u).status_code for u in api_urls] == [404] * len(api_urls)
    assert [grid_pages.get(u).status_code for u in page_urls] == [404] * len(page_urls)
    listed = grid_api.get("/api/v1/requests", {"place_id": neighbour.pk, "limit": 200}).json()["items"]
    assert ticket.pk not in [t["id"] for t in listed]
    residents = grid_api.get("/api/v1/residents", {"place_id": neighbour.pk, "limit": 200})
    assert residents.status_code in (200, 404, 422)
    if residents.status_code == 200:
        assert person.pk not in [r["id"] for r in residents.json()["items"]]
    community_api = api_as("community")
    assert [community_api.get(u).status_code for u in api_urls] == [200] * len(api_urls)


# --- numbers in answers ----------------------------------------------------------------------------


def _list_operations(client: Client) -> list[str]:
    spec = client.get("/api/v1/openapi.json").json()
    return [route for route, methods in spec["paths"].items() if "get" in methods and "{" not in route]


def _page_routes_without_ids() -> list[str]:
    return [
        "/" + r for r, _name in url_routes() if "<" not in r and "^" not in r and not r.startswith(("api/", "i18n/"))
    ]


@pytest.mark.parametrize("who", ["resident", "volunteer", "grid", "community"])
def test_no_list_answer_or_page_a_role_opens_carries_a_full_phone_or_id_number(
    client: Any, users: Any, who: str
) -> None:
    """Every GET list operation of the API and every page address without an id, as each role:
    phone and ID numbers appear masked or not at all (a full one needs the audited reveal)."""
    api, pages = _token_client(users[who]), _session_client(users[who])
    leaks = []
    for route in _list_operations(client):
        response = api.get(route)
        assert response.status_code != 500, route
        text = _text(response)
        if PHONE.search(text) or ID_NUMBER.search(text):
            leaks.append(f"API {route}: {PHONE.findall(text)[:2]} {ID_NUMBER.findall(text)[:2]}")
    for url in _page_routes_without_ids():
        response = pages.get(url)
        assert response.status_code != 500, url
        text = _text(response)
        if PHONE.search(text) or ID_NUMBER.search(text):
            leaks.append(f"page {url}: {PHONE.findall(text)[:2]} {ID_NUMBER.findall(text)[:2]}")
    assert leaks == []


def test_per_object_reads_show_no_full_number_to_staff_who_may_reveal_but_did_not(
    client: Any, users: Any, world: World
) -> None:
    """The street leader holds ``reveal``: still, every per-object read of the API and every page of
    the sweep shows masked numbers only until the audited reveal."""
    from linli.audit.models import AuditEvent

    served = get_with_id_operations(client)
    api, pages = _token_client(users["street"]), _session_client(users["street"])
    leaks = []
    for op in sorted(TABLE):
        text = _text(api.get(_fill(served[op], _ids_for(op, world))))
        if PHONE.search(text) or ID_NUMBER.search(text):
            leaks.append(f"API {op}")
    for template, attr in PAGES.items():
        text = _text(pages.get(template.format(getattr(world, attr).pk)))
        if PHONE.search(text) or ID_NUMBER.search(text):
            leaks.append(f"page {template}")
    assert leaks == []
    assert not AuditEvent.objects.filter(actor=users["street"], action="resident.reveal").exists()


# --- keyset cursors ----------------------------------------------------------------------------------


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


KEYSET_LISTS = [
    "/api/v1/residents",
    "/api/v1/requests",
    "/api/v1/visits",
    "/api/v1/inbox",
    "/api/v1/volunteering/wishes",
    "/api/v1/volunteering/activities",
    "/api/v1/deliberation/topics",
    "/api/v1/privacy/requests",
    "/ledger/",
    "/requests/",
    "/visits/",
    "/inbox/",
]


@pytest.mark.parametrize("url", KEYSET_LISTS)
def test_a_tampered_cursor_that_is_not_a_number_is_refused_as_invalid_not_a_server_error(users: Any, url: str) -> None:
    client = _token_client(users["grid"]) if url.startswith("/api/") else _session_client(users["grid"])
    statuses = {json.dumps(v): client.get(url, {"cursor": _cursor(v)}).status_code for v in ({"a": 1}, [1, 2], None)}
    assert set(statuses.values()) <= {400, 422}, statuses


def test_a_numeric_cursor_only_moves_within_the_callers_own_rows(users: Any, places: Any, api_as: Any) -> None:
    """A hand-made cursor is just a position: starting past every id still lists only the grid's rows."""
    from linli.people.models import Person

    api = api_as("grid")
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    for cursor in (_cursor(0), _cursor(top + 1), _cursor(-1)):
        response = api.get("/api/v1/residents", {"cursor": cursor, "limit": 200})
        assert response.status_code == 200
        ids = [r["id"] for r in response.json()["items"]]
        paths = set(Person.objects.filter(pk__in=ids).values_list("place_path", flat=True))
        assert all(p.startswith(places.first_grid.path) for p in paths)


# --- redirects -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", " //evil.example"]
)
def test_next_after_login_or_reauthentication_never_leaves_the_site(client: Any, users: Any, target: str) -> None:
    from tests.conftest import PASSWORD

    login = client.post(f"/accounts/login/?next={target}", {"username": "resident", "password": PASSWORD})
    assert login.status_code == 302
    assert "evil" not in login["Location"]
    reauth = _session_client(users["grid"]).post(f"/accounts/reauth/?next={target}", {"password": PASSWORD})
    assert reauth.status_code in (200, 302)
    assert "evil" not in reauth.get("Location", "")


def test_a_request_action_posted_with_an_outside_next_goes_back_to_the_site(
    client_as: Any, users: Any, places: Any
) -> None:
    from linli.places.models import Place
    from linli.tickets.services import ticket_submit

    building = Place.objects.filter(kind="building", path__startswith=places.first_grid.path).first()
    ticket, _ = ticket_submit(actor=users["resident"], description="楼道堆物", place_id=building.pk)
    response = client_as("grid").post(
        f"/requests/{ticket.pk}/act/", {"action": "accept", "next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]


# --- party-meeting sign-in: an existence oracle --------------------------------------------------------


def test_a_grid_worker_cannot_tell_another_branchs_party_meeting_from_a_missing_one_by_signing_in(
    users: Any, world: World
) -> None:
    api = _token_client(users["grid"])
    real = api.post(
        f"/api/v1/party-life/meetings/{world.party_meeting.pk}/sign-in", {}, content_type="application/json"
    )
    missing = api.post(f"/api/v1/party-life/meetings/{MISSING}/sign-in", {}, content_type="application/json")
    assert real.status_code == missing.status_code == 404
    assert real.json() == missing.json()


# --- online proxy ballots ------------------------------------------------------------------------------

from tests.test_deliberation_votes import owners_vote  # noqa: E402, F401 - the six owners' vote, as a fixture


def test_a_resident_cannot_cast_every_other_owners_ballot_by_typing_an_authorisation(
    users: Any, owners_vote: Any
) -> None:
    from linli.deliberation.models import Ballot, Voter
    from linli.deliberation.tally import count_vote

    vote, _owners = owners_vote
    api = _token_client(users["resident"])
    url = f"/api/v1/deliberation/votes/{vote.pk}/ballots"
    assert api.post(url, {"choice": "for"}, content_type="application/json").status_code == 201
    mine = Ballot.objects.get(vote=vote).voter_id
    for voter in Voter.objects.filter(vote=vote).exclude(pk=mine).order_by("pk"):
        api.post(
            url,
            {"choice": "for", "voter_id": voter.pk, "proxy_authorisation": "口头同意"},
            content_type="application/json",
        )
    cast_by_one_account = Ballot.objects.filter(vote=vote, recorded_by=users["resident"]).count()
    assert cast_by_one_account < Voter.objects.filter(vote=vote).count(), count_vote(vote)
