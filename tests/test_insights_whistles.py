"""吹哨报到情况 (seed 003: "居民诉求、街区吹哨、部门解答、社区督办"): for each unit whistled under a node in a period,
how many whistles it got, reported on time, late or not at all, and how the whistled requests ended."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.insights import whistles as w
from linli.insights.periods import Period
from linli.orgs.models import Organisation
from linli.people.models import Position
from linli.places.models import Place
from linli.tickets import transitions as tr
from linli.tickets.models import Rating, Ticket, TicketEvent
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db


def today() -> Period:
    return Period(timezone.localdate(), timezone.localdate())


def accepted(users: dict[str, Any], text: str = "3栋楼道灯坏了,晚上很黑") -> Ticket:
    t, _ = ticket_submit(actor=users["resident"], description=text, contact_phone="13812345678")
    return tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)


def department() -> tuple[Organisation, User]:
    dept = Organisation.objects.filter(kind="department").order_by("pk").first()
    assert dept is not None
    person = Position.objects.filter(organisation=dept, kind="department_liaison").first().person
    return dept, User.objects.get_or_create(username="liaison", defaults={"person": person})[0]


def street_of(t: Ticket) -> Place:
    return Place.objects.get(path=t.place_path[:8])


def row(report: w.WhistleReport, name: str) -> w.UnitWhistles:
    return next(u for u in report.units if u.name == name)


def test_a_department_that_reports_in_time_and_resolves_to_satisfaction_scores_full_marks(users: Any) -> None:
    dept, liaison = department()
    t = accepted(users)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="涉及违建,请执法", organisation_id=dept.pk)
    tr.ticket_acknowledge(actor=liaison, ticket_id=t.pk)
    tr.ticket_resolve(actor=liaison, ticket_id=t.pk, note="已拆除")
    tr.ticket_rate(actor=users["resident"], ticket_id=t.pk, rating=Rating.SATISFIED)
    unit = row(w.whistle_report(street_of(t), today()), dept.name)
    assert (unit.kind, unit.whistled, unit.reported, unit.reported_on_time, unit.reported_late) == (
        "department",
        1,
        1,
        1,
        0,
    )
    assert (unit.resolved, unit.rated, unit.satisfied) == (1, 1, 1)
    assert (unit.report_rate, unit.on_time_rate, unit.satisfaction_rate) == (1.0, 1.0, 1.0)


def test_a_report_after_the_deadline_counts_as_reported_late(users: Any) -> None:
    t = accepted(users)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="需社区协调", ack_hours=2)
    Ticket.objects.filter(pk=t.pk).update(ack_due=timezone.now() - dt.timedelta(minutes=5))
    tr.ticket_acknowledge(actor=users["community"], ticket_id=t.pk, note="社区报到")
    report = w.whistle_report(street_of(t), today())
    unit = report.units[0]
    assert unit.kind == "community" and (unit.reported, unit.reported_on_time, unit.reported_late) == (1, 0, 1)
    assert (unit.report_rate, unit.on_time_rate) == (1.0, 0.0)


def test_a_whistle_nobody_answered_is_waiting_and_past_its_deadline_overdue(users: Any) -> None:
    dept, _ = department()
    waiting, late = accepted(users, "路灯不亮已经一周"), accepted(users, "井盖缺失很危险")
    for t in (waiting, late):
        tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="请部门处理", organisation_id=dept.pk)
    Ticket.objects.filter(pk=late.pk).update(ack_due=timezone.now() - dt.timedelta(hours=1))
    unit = row(w.whistle_report(street_of(late), today()), dept.name)
    assert (unit.whistled, unit.reported, unit.waiting, unit.overdue) == (2, 0, 2, 1)
    # the whistle still inside its window is left out of the rates; the overdue one counts against them
    assert (unit.report_rate, unit.on_time_rate, unit.resolved) == (0.0, 0.0, 0)


def test_a_whistle_transferred_before_anyone_reported_counts_as_handed_on(users: Any, places: Any) -> None:
    t = accepted(users)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="需社区协调")
    community = Place.objects.get(path=t.place_path[:12])
    street = street_of(t)
    tr.ticket_transfer(actor=users["street"], ticket_id=t.pk, note="改由街道办理", place_id=street.pk)
    unit = row(w.whistle_report(street, today()), community.name)
    assert (unit.whistled, unit.reported, unit.handed_on, unit.waiting) == (1, 0, 1, 0)
    assert unit.report_rate == 0.0


def test_whistles_outside_the_node_or_the_period_are_not_counted(users: Any, places: Any) -> None:
    dept, _ = department()
    t = accepted(users)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="请部门处理", organisation_id=dept.pk)
    other = next(c for c in places.communities if not t.place_path.startswith(c.path))
    assert w.whistle_report(other, today()).total.whistled == 0
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert w.whistle_report(street_of(t), Period(yesterday, yesterday)).total.whistled == 0
    assert w.whistle_report(street_of(t), today()).total.whistled == 1


def test_the_total_adds_up_the_units_and_counts_a_request_whistled_twice_once_in_its_outcome(users: Any) -> None:
    dept, liaison = department()
    t = accepted(users)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="需社区协调")
    tr.ticket_acknowledge(actor=users["community"], ticket_id=t.pk)
    tr.ticket_escalate(actor=users["community"], ticket_id=t.pk, note="请部门处理", organisation_id=dept.pk)
    tr.ticket_acknowledge(actor=liaison, ticket_id=t.pk)
    tr.ticket_resolve(actor=liaison, ticket_id=t.pk, note="已处理")
    report = w.whistle_report(street_of(t), today())
    assert [u.whistled for u in report.units] == [1, 1]
    assert (report.total.whistled, report.total.reported, report.total.resolved) == (2, 2, 1)


def test_the_report_costs_one_query_however_many_whistles(users: Any, django_assert_num_queries: Any) -> None:
    dept, _ = department()
    street = None
    for n in range(4):
        t = accepted(users, f"第{n}号路灯不亮")
        tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="请部门处理", organisation_id=dept.pk)
        street = street_of(t)
    assert street is not None
    with django_assert_num_queries(1):
        report = w.whistle_report(street, today())
    assert report.total.whistled == 4


# ----------------------------------------------------------------------------- page, Excel, API


def whistled_to_department(users: dict[str, Any]) -> tuple[Ticket, Organisation]:
    dept, liaison = department()
    t = accepted(users)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="涉及违建,请执法", organisation_id=dept.pk)
    tr.ticket_acknowledge(actor=liaison, ticket_id=t.pk)
    return t, dept


def test_the_street_reads_the_page_and_downloads_the_same_table_as_excel(users: Any, client_as: Any) -> None:
    from openpyxl import load_workbook

    from linli.audit.models import AuditEvent

    t, dept = whistled_to_department(users)
    street = street_of(t)
    client = client_as("street")
    page = client.get("/insights/whistles/", {"node": street.pk}).content.decode()
    assert f'data-unit="org:{dept.pk}"' in page and "吹哨报到情况" in page and "100.0%" in page
    download = client.get("/insights/whistles/", {"node": street.pk, "format": "xlsx"})
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("单位", "类型", "吹哨次数")
    assert rows[1][:4] == (dept.name, "职能部门", 1, 1) and rows[-1][:3] == (street.name, "合计", 1)
    event = AuditEvent.objects.get(action="insights.whistles.exported")
    assert event.actor == users["street"] and event.detail["rows"] == 2


def test_a_period_without_whistles_says_so(users: Any, client_as: Any) -> None:
    page = client_as("street").get("/insights/whistles/").content.decode()
    assert 'id="whistles-none"' in page


def test_a_grid_worker_and_a_resident_cannot_read_the_report(users: Any, client_as: Any, api_as: Any) -> None:
    t, _ = whistled_to_department(users)
    for name in ("grid", "resident"):
        assert client_as(name).get("/insights/whistles/", {"node": street_of(t).pk}).status_code == 404
        assert api_as(name).get("/api/v1/insights/whistles", {"node": street_of(t).pk}).status_code == 404


def test_the_api_answers_the_same_numbers_as_the_page(users: Any, api_as: Any) -> None:
    t, dept = whistled_to_department(users)
    body = api_as("street").get("/api/v1/insights/whistles", {"node": street_of(t).pk}).json()
    unit = body["units"][0]
    assert (unit["key"], unit["kind"], unit["whistled"], unit["reported_on_time"], unit["requests"]) == (
        f"org:{dept.pk}",
        "department",
        1,
        1,
        1,
    )
    assert body["total"]["whistled"] == 1 and body["total"]["report_rate"] == 1.0


def test_the_dashboard_links_to_the_report_for_its_node_and_period(users: Any, client_as: Any) -> None:
    page = client_as("street").get("/insights/").content.decode()
    assert 'id="open-whistles"' in page and "/insights/whistles/?node=" in page


def test_the_demo_requests_whistle_their_street_which_reports_mostly_on_time(places: Any) -> None:
    import random

    from linli.tickets.demo import build_demo_tickets
    from linli.tickets.models import TicketEvent

    build_demo_tickets(random.Random(7), count=300, days=60)
    report = w.whistle_report(places.street, Period(timezone.localdate() - dt.timedelta(days=70), timezone.localdate()))
    whistles = TicketEvent.objects.filter(action="escalate", place_path__startswith=places.street.path).count()
    assert whistles > 0 and report.total.whistled == whistles
    assert [(u.key, u.name, u.kind) for u in report.units] == [
        (f"place:{places.street.pk}", places.street.name, "street")
    ]
    assert 0 < report.total.reported_late < report.total.reported_on_time


def test_whistles_recorded_without_their_unit_are_grouped_under_a_label_that_says_so(users: Any) -> None:
    t = accepted(users)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="需社区协调")
    TicketEvent.objects.create(  # as the old demo wrote them: flags, no unit
        ticket=t, place_path=t.place_path, action="escalate", from_status="accepted", to_status="escalated"
    )
    report = w.whistle_report(street_of(t), today())
    assert ("place:", "未记录单位", 1) in [(u.key, u.name, u.whistled) for u in report.units]
