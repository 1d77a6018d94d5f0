"""No N+1 in the apps added last (issue #12): every list page and list operation of the service guide, the
community-worker register, the grants, the venues, the duty rota, the compound profiles and grid sizing, the
committee meetings and the compound charters reads the same number of statements for a few rows as for many.

Each test builds a few rows, counts the statements of a request (after one request that warms what the first
request of a session or token writes), builds more rows and counts again. Lists already counted in the apps' own
test modules are not repeated here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.cobuilding.models import CompoundCharter
from linli.deliberation.models import Meeting
from linli.deliberation.services_meetings import (
    agenda_add,
    meeting_invite,
    meeting_plan,
    meeting_record_attendance,
    meeting_record_minutes,
)
from linli.deliberation.services_topics import topic_raise
from linli.grants import services_delivery as sd
from linli.guide import services as gs
from linli.guide.models import ListPublication
from linli.people.models import Person, Position
from linli.places.services import household_create, place_create
from linli.places.services_compounds import compound_profile_set
from linli.rota.models import DutyShift
from linli.venues import services_bookings as sb
from linli.venues.models import Venue
from linli.workforce import services as ws
from linli.workforce import services_training as st
from linli.workforce.models import Worker
from tests.charter_support import compounds_of, days, record
from tests.grants_support import approved, reviewing_with, social_org
from tests.guide_support import draft, fields
from tests.rota_support import desk, freeze, staff_of
from tests.venues_support import book, later, venue
from tests.workforce_support import days_ago, details_of, hire, session, staff_person

pytestmark = pytest.mark.django_db


def counted(client: Client, url: str) -> int:
    """The statements of one GET of ``url`` (after one GET that warms the session, the token and the caches)."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(url)
    assert answer.status_code == 200, url
    return len(ctx.captured_queries)


def measured(urls: dict[str, tuple[Client, str]]) -> dict[str, int]:
    """The statements of each labelled ``(client, url)``."""
    return {label: counted(client, url) for label, (client, url) in urls.items()}


# ----------------------------------------------------------------------------- the service guide

GUIDE = "/api/v1/guide"


def _guide_list(actor: Any, community: Any, start: int, n: int) -> Any:
    items = [
        draft(actor, community, f"事项{k}", category="civil" if k % 2 else "health") for k in range(start, start + n)
    ]
    gs.list_publish(actor=actor, community=community)
    for item in items:
        item.refresh_from_db()
        gs.item_update(actor=actor, item=item, fields=fields(item.name, hours=f"工作日 {start}"))
    gs.list_publish(actor=actor, community=community)
    return items[0]


def test_the_guide_lists_read_the_same_statements_for_two_items_or_fourteen(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    home, other = places.communities[0], places.other_community
    first = _guide_list(users["community"], home, 0, 2)
    _guide_list(users["street"], other, 100, 1)
    anonymous, api, keeper = Client(), api_as("community"), client_as("community")
    street, street_api = client_as("street"), api_as("street")

    def measure() -> dict[str, int]:
        version = ListPublication.objects.filter(community=home).order_by("-number")[0]
        asked = {
            "public items of a community": (anonymous, f"{GUIDE}/public/items?community_id={home.pk}"),
            "public items": (anonymous, f"{GUIDE}/public/items"),
            "public communities": (anonymous, f"{GUIDE}/public/communities?street_id={places.street.pk}"),
            "street page": (anonymous, f"/guide/streets/{places.street.pk}/"),
            "versions page": (anonymous, f"/guide/communities/{home.pk}/versions/"),
            "version page": (anonymous, f"/guide/versions/{version.pk}/"),
            "start page": (anonymous, "/guide/"),
            "list download": (anonymous, f"/guide/communities/{home.pk}/services.xlsx"),
            "kept items of a community": (api, f"{GUIDE}/items?community_id={home.pk}"),
            "kept items": (api, f"{GUIDE}/items"),
            "an item": (api, f"{GUIDE}/items/{first.pk}"),
            "versions of a community": (api, f"{GUIDE}/publications?community_id={home.pk}"),
            "versions": (api, f"{GUIDE}/publications"),
            "a version": (api, f"{GUIDE}/publications/{version.pk}"),
            "item page": (keeper, f"/guide/items/{first.pk}/"),
            "keeper's start page": (keeper, "/guide/"),
            "edit form": (keeper, f"/guide/items/{first.pk}/edit/"),
            "figures page": (street, f"/guide/figures/?place={places.street.pk}"),
            "figures": (street_api, f"{GUIDE}/figures?place_id={places.street.pk}"),
        }
        return measured(asked)

    few = measure()
    _guide_list(users["community"], home, 2, 12)
    _guide_list(users["street"], other, 200, 4)
    for k in range(4):
        first.refresh_from_db()
        gs.item_update(actor=users["community"], item=first, fields=fields(first.name, hours=f"周末 {k}"))
    many = measure()
    assert many == few
    assert max(few.values()) <= 16, few


# ----------------------------------------------------------------------------- the community-worker register

WORKFORCE = "/api/v1/workforce"


def test_a_workers_record_and_a_sessions_attendees_read_the_same_statements_for_one_row_or_eight(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    street_user, first = users["street"], places.communities[0]
    worker = hire(street_user, staff_person(first), first, hired_on=days_ago(400))
    training = session(street_user, places.street, title="第一场", held_on=days_ago(30))
    st.attendance_record(actor=street_user, training=training, worker_ids=[worker.pk])
    hired = Worker.objects.values("person_id")
    recruits = Person.objects.filter(place_path__startswith=first.path, positions__isnull=True, user__isnull=True)

    def more() -> None:
        others = [hire(street_user, p, first, hired_on=days_ago(300)) for p in recruits.exclude(pk__in=hired)[:7]]
        st.attendance_record(actor=street_user, training=training, worker_ids=[w.pk for w in others])
        for k in range(6):
            ws.worker_update(
                actor=street_user, worker=Worker.objects.get(pk=worker.pk),
                details=details_of(worker, grade=5 + k % 3), effective_on=days_ago(200 - k), note=f"第{k}次",
            )  # fmt: skip
            next_one = session(street_user, places.street, title=f"第{k + 2}场", held_on=days_ago(20 - k))
            st.attendance_record(actor=street_user, training=next_one, worker_ids=[worker.pk, others[k].pk])

    page, api = client_as("street"), api_as("street")
    urls = {
        "worker page": (page, f"/workforce/{worker.pk}/"),
        "worker": (api, f"{WORKFORCE}/workers/{worker.pk}"),
        "session page": (page, f"/workforce/trainings/{training.pk}/"),
        "session": (api, f"{WORKFORCE}/trainings/{training.pk}"),
        "figures page": (page, "/workforce/figures/"),
        "figures": (api, f"{WORKFORCE}/figures?place_id={places.street.pk}"),
        "hire form": (page, "/workforce/new/"),
        "register download": (page, "/workforce/export.xlsx"),
    }
    few = measured(urls)
    more()
    many = measured(urls)
    assert many == few
    assert max(few.values()) <= 18, few


# ----------------------------------------------------------------------------- grants

GRANTS = "/api/v1/grants"


def test_a_grant_project_and_the_figures_read_the_same_statements_for_a_short_record_or_a_long_one(
    users: Any, places: Any, api_as: Any
) -> None:
    actor, today = users["street"], timezone.localdate()
    org = social_org(actor, places.street)
    _round, (short, long) = reviewing_with(actor, places.street, org, [places.communities[0]], n=2)
    short, long = approved(actor, short, 100_00), approved(actor, long, 10_000_00)
    api = api_as("street")
    figures = f"{GRANTS}/figures?node_id={places.street.pk}"
    few = (counted(api, f"{GRANTS}/projects/{short.pk}"), counted(api, figures))
    for k in range(8):
        sd.report_add(actor=actor, project=long, on_date=today, text=f"第{k}次", beneficiaries=k)
        sd.disburse(actor=actor, project=long, tranche="first" if k == 0 else "middle", amount_fen=100, paid_on=today)
    _second, projects = reviewing_with(actor, places.street, org, places.communities, n=6, title="第二轮")
    for p in projects:
        approved(actor, p, 100_00)
    assert (counted(api, f"{GRANTS}/projects/{long.pk}"), counted(api, figures)) == few
    assert few[0] <= 12 and few[1] <= 8, few


# ----------------------------------------------------------------------------- venues

VENUES = "/api/v1/venues"


def test_a_venues_availability_and_the_figures_read_the_same_statements_for_two_bookings_or_twelve(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    community = places.communities[0]
    room = venue(users["community"], community, "计数厅", requires_approval=True, max_per_person=20)
    since, until = later(1), later(3)

    def grow(start: int, n: int) -> Any:
        made = None
        for k in range(start, start + n):
            who = users["resident"] if k % 2 else users["grid"]
            made = book(who, room, later(1 + k // 10), f"{8 + k % 10:02d}:00", f"{8 + k % 10:02d}:30")
            if k % 3 == 0:
                sb.booking_approve(actor=users["community"], booking=made)
            venue(users["community"], community, f"厅{k}")
        return made

    booking = grow(0, 2)
    staff, api = client_as("community"), api_as("community")
    urls = {
        "availability": (api_as("resident"), f"{VENUES}/{room.pk}/availability?since={since}&until={until}"),
        "venue": (api_as("resident"), f"{VENUES}/{room.pk}"),
        "booking": (api, f"{VENUES}/bookings/{booking.pk}"),
        "booking page": (staff, f"/venues/bookings/{booking.pk}/"),
        "figures": (api_as("street"), f"{VENUES}/figures?place_id={places.street.pk}"),
        "new venue form": (staff, "/venues/new/"),
        "edit form": (staff, f"/venues/{room.pk}/edit/"),
    }
    few = measured(urls)
    grow(2, 10)
    assert Venue.objects.filter(place=community).count() >= 12
    many = measured(urls)
    assert many == few
    assert max(few.values()) <= 10, few


# ----------------------------------------------------------------------------- the duty rota


def test_the_rota_schedule_preview_reads_the_same_statements_for_a_week_or_a_month_of_shifts(
    users: Any, places: Any, client_as: Any, api_as: Any, monkeypatch: Any
) -> None:
    freeze(monkeypatch, dt.date(2026, 4, 30))
    community = places.communities[0]
    the_desk = desk(users["community"], community)
    people = staff_of(community)

    def on_duty(dates: list[dt.date]) -> None:
        for day in dates:
            for person in people:
                DutyShift.objects.get_or_create(
                    desk=the_desk, day=day, person=person,
                    defaults={"place_path": the_desk.place_path, "starts_at": dt.time(9), "ends_at": dt.time(17),
                              "rest_day": True},
                )  # fmt: skip

    on_duty([dt.date(2026, 5, 2)])
    page, api = client_as("community"), api_as("community")
    short = f"/rota/desks/{the_desk.pk}/schedule/?since=2026-05-01&until=2026-05-07"
    month = f"/rota/desks/{the_desk.pk}/schedule/?since=2026-05-01&until=2026-05-31"
    few = (counted(page, short), counted(page, f"/rota/desks/{the_desk.pk}/settings/"))
    few_api = counted(api, f"/api/v1/rota/desks/{the_desk.pk}")
    on_duty([dt.date(2026, 5, d) for d in range(3, 31) if dt.date(2026, 5, d).weekday() >= 5])
    assert (counted(page, month), counted(page, f"/rota/desks/{the_desk.pk}/settings/")) == few
    assert counted(api, f"/api/v1/rota/desks/{the_desk.pk}") == few_api
    assert few[0] <= 14 and few[1] <= 9 and few_api <= 4, (few, few_api)


# ----------------------------------------------------------------------------- grid sizing and compound profiles


def test_the_grid_sizing_page_and_operation_read_the_same_statements_for_the_demos_grids_or_six_more(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    admin, street = users["admin"], places.street
    page, api = client_as("street"), api_as("street")
    urls = {
        "grids page": (page, f"/places/{street.pk}/grids/"),
        "grids page of a status": (page, f"/places/{street.pk}/grids/?status=small"),
        "grid sizing": (api, f"/api/v1/places/{street.pk}/grid-sizing"),
        "standards page": (page, f"/places/{street.pk}/grid-standards/"),
        "standards": (api, f"/api/v1/places/{street.pk}/grid-standards"),
    }
    few = measured(urls)
    for k in range(6):
        lane = place_create(actor=admin, parent=places.communities[k % 2], kind="compound", name=f"清泉里{k}")
        grid = place_create(actor=admin, parent=lane, kind="grid", name=f"清泉里{k}网格")
        building = place_create(actor=admin, parent=grid, kind="building", name=f"清泉里{k}号楼")
        for room in ("101", "102"):
            household_create(actor=admin, place=building, room=room)
        compound_profile_set(actor=admin, compound=lane, compound_type="mixed", management_mode="none", built_year=1990)
    many = measured(urls)
    assert many == few
    assert max(few.values()) <= 14, few


# ----------------------------------------------------------------------------- committee meetings


def test_the_meetings_and_the_committee_oversight_read_the_same_statements_for_one_meeting_or_seven(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    staff, compound = users["community"], places.compounds[0]
    secretary = Position.objects.get(kind="branch_secretary", place=compound, end_date__isnull=True).person
    residents = list(Person.objects.filter(place_path__startswith=compound.path, positions__isnull=True)[:6])

    def held(place: Any, ago: int, topics: int, invited: list[Any]) -> Any:
        m = meeting_plan(
            actor=staff, place=place, kind="owners_committee", title=f"{place.name}会议{ago}",
            location="小区议事厅", starts_at=timezone.now() - dt.timedelta(days=ago),
        )  # fmt: skip
        for k in range(topics):
            agenda_add(actor=staff, meeting=m, topic=topic_raise(actor=staff, place=place, title=f"议题{ago}-{k}"))
        for person in invited:
            meeting_invite(actor=staff, meeting=m, person=person, role="业主代表")
            meeting_record_attendance(actor=staff, meeting=m, person=person)
        meeting_record_minutes(actor=staff, meeting=m, minutes="会议纪要")
        return m

    first = held(compound, 10, 1, [])
    meeting_record_attendance(actor=staff, meeting=first, person=secretary)
    today = timezone.localdate()
    period = f"start={today - dt.timedelta(days=60)}&end={today}"
    page, api = client_as("community"), api_as("community")
    street_page, street_api = client_as("street"), api_as("street")
    urls = {
        "meetings page": (page, "/deliberation/meetings/"),
        "meeting page": (page, f"/deliberation/meetings/{first.pk}/"),
        "meetings": (api, "/api/v1/deliberation/meetings"),
        "meeting": (api, f"/api/v1/deliberation/meetings/{first.pk}"),
        "oversight page": (street_page, f"/deliberation/committee-meetings/?node={places.street.pk}&{period}"),
        "oversight": (street_api, f"/api/v1/deliberation/committee-oversight?node={places.street.pk}&{period}"),
    }
    few = measured(urls)
    status = Meeting.objects.get(pk=first.pk).status
    Meeting.objects.filter(pk=first.pk).update(status="planned")  # the agenda is built before the meeting is held
    for k, person in enumerate(residents[:3]):
        agenda_add(
            actor=staff, meeting=Meeting.objects.get(pk=first.pk),
            topic=topic_raise(actor=staff, place=compound, title=f"加议{k}"),
        )  # fmt: skip
        meeting_invite(actor=staff, meeting=first, person=person, role="业主代表")
        meeting_record_attendance(actor=staff, meeting=first, person=person)
    Meeting.objects.filter(pk=first.pk).update(status=status)
    for ago in (3, 4, 5):
        held(compound, ago, 2, residents[:2])
        held(places.compounds[1], ago, 1, [])
    many = measured(urls)
    assert many == few
    assert max(few.values()) <= 20, few


# ----------------------------------------------------------------------------- compound charters


def test_the_charter_pages_and_operations_read_the_same_statements_for_two_charters_or_twelve(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    staff = users["street"]
    a, b = compounds_of(places.communities[0])
    c, _d = compounds_of(places.other_community)
    record(staff, a, adopted_on=days(-900), title="规约0")
    record(staff, b, kind="civility_pact", title="文明公约")
    page, api = client_as("street"), api_as("street")
    api_base = "/api/v1/co-building/charters"

    def measure() -> dict[str, int]:
        latest = CompoundCharter.objects.filter(title__startswith="规约").order_by("-id")[0]  # its versions grow
        urls = {
            "charters page": (page, "/co-building/charters/"),
            "charters page of a node": (page, f"/co-building/charters/?node={places.street.pk}"),
            "charter page": (page, f"/co-building/charters/{latest.pk}/"),
            "new charter form": (page, "/co-building/charters/new/"),
            "charters": (api, api_base),
            "charter": (api, f"{api_base}/{latest.pk}"),
            "figures": (api, f"{api_base}/figures?place_id={places.street.pk}"),
        }
        return measured(urls)

    few = measure()
    for k in range(1, 6):  # five newer 管理规约 of one compound, each superseding the last
        record(staff, a, adopted_on=days(-900 + 100 * k), title=f"规约{k}")
        record(staff, c, kind="other", title=f"制度{k}")
    many = measure()
    assert many == few
    assert max(few.values()) <= 14, few
