"""Deadlines as people read them ("还剩 X 天" / "已超期 X 天"), the unpublished-calendar warning, and
the pause for the resident's information counted in working days."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from linli.tickets import transitions as tr
from linli.tickets.deadlines import due_text
from linli.tickets.models import Status, Ticket
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CN)


def fake(*, due: dt.datetime | None, status: str = Status.ACCEPTED, paused: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        is_open=status in {Status.ACCEPTED, Status.SUBMITTED},
        resolve_due=due,
        paused_at=NOW if paused else None,
    )


@pytest.mark.parametrize(
    ("due", "text"),
    [
        (NOW + dt.timedelta(days=3, hours=5), "还剩 3 天"),
        (NOW + dt.timedelta(hours=5, minutes=20), "还剩 5 小时"),
        (NOW + dt.timedelta(minutes=20), "不到 1 小时到期"),
        (NOW - dt.timedelta(days=2, hours=1), "已超期 2 天"),
        (NOW - dt.timedelta(hours=7), "已超期 7 小时"),
    ],
)
def test_due_text_reads_in_days_and_hours(due, text):
    assert due_text(fake(due=due), now=NOW) == text


def test_due_text_is_empty_when_closed_and_says_paused_while_waiting():
    assert due_text(fake(due=NOW, status=Status.CLOSED), now=NOW) == ""
    assert due_text(fake(due=None), now=NOW) == ""
    assert due_text(fake(due=NOW - dt.timedelta(days=9), paused=True), now=NOW) == "等待居民补充材料,计时暂停"


@pytest.fixture
def overdue(users):
    t, _ = ticket_submit(actor=users["resident"], description="楼顶漏水")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    Ticket.objects.filter(pk=t.pk).update(resolve_due=timezone.now() - dt.timedelta(days=4, hours=2))
    return t


def test_overdue_by_days_shows_on_detail_workbench_and_the_residents_pages(overdue, client_as):
    detail = client_as("grid").get(f"/requests/{overdue.pk}/").content.decode()
    assert 'id="due-text">已超期 4 天<' in detail
    workbench = client_as("grid").get("/requests/?queue=subtree").content.decode()
    row = workbench.split(f'data-number="{overdue.number}"', 1)[1].split("</tr>", 1)[0]
    assert "已超期 4 天" in row
    resident_status = client_as("resident").get(f"/requests/{overdue.pk}/").content.decode()
    assert "已超期 4 天" in resident_status
    mine = client_as("resident").get("/requests/mine/").content.decode()
    assert "已超期 4 天" in mine


def test_a_fresh_request_shows_the_days_left(users, client_as):
    t, _ = ticket_submit(actor=users["resident"], description="井盖松动")
    left = (t.resolve_due - timezone.now()).days
    assert f"还剩 {left} 天" in client_as("resident").get(f"/requests/{t.pk}/").content.decode()
    body = client_as("resident").get(f"/api/v1/requests/{t.pk}").json()
    assert body["deadlines"]["due_text"] == f"还剩 {left} 天"


def test_deadline_in_an_unpublished_year_carries_a_visible_warning(users, client_as, api_as):
    t, _ = ticket_submit(actor=users["resident"], description="小区路面塌陷")
    plain = client_as("grid").get(f"/requests/{t.pk}/").content.decode()
    if t.resolve_due.year == t.submitted_at.year:
        assert 'id="calendar-warning"' not in plain
    Ticket.objects.filter(pk=t.pk).update(resolve_due=dt.datetime(2031, 1, 10, 23, 59, 59, tzinfo=CN))
    detail = client_as("grid").get(f"/requests/{t.pk}/").content.decode()
    warning = detail.split('id="calendar-warning">', 1)[1].split("</p>", 1)[0]
    assert "2031年" in warning and "按周末计算" in warning
    row = client_as("grid").get("/requests/?queue=subtree").content.decode()
    assert "节假日未公布" in row.split(f'data-number="{t.number}"', 1)[1].split("</tr>", 1)[0]
    api = api_as("resident").get(f"/api/v1/requests/{t.pk}").json()
    assert "2031" in api["deadlines"]["calendar_warning"]


def test_a_closed_request_shows_no_deadline_text(users, client_as):
    t, _ = ticket_submit(actor=users["resident"], description="已处理")
    tr.ticket_decline(actor=users["grid"], ticket_id=t.pk, note="不属于受理范围")
    tr.ticket_close(actor=users["grid"], ticket_id=t.pk)
    html = client_as("resident").get(f"/requests/{t.pk}/").content.decode()
    assert 'id="due-text"' not in html and "还剩" not in html


# --- the pause, in working days --------------------------------------------------------------------


def cn(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CN)


@pytest.mark.parametrize(
    ("paused", "resumed", "due", "expected", "days"),
    [
        # Friday afternoon → Monday morning: the weekend costs nothing, Monday counts.
        (cn(2026, 3, 6, 15), cn(2026, 3, 9, 10), cn(2026, 3, 11, 23, 59, 59), cn(2026, 3, 12, 23, 59, 59), 1),
        # The same day: the deadline stays.
        (cn(2026, 3, 9, 9), cn(2026, 3, 9, 17), cn(2026, 3, 11, 23, 59, 59), cn(2026, 3, 11, 23, 59, 59), 0),
        # Over National Day 2025: Sun 28 Sep (make-up), 29, 30 Sep and Thu 9 Oct are working days;
        # the deadline Fri 10 Oct moves over Sat 11 Oct (make-up), 13, 14, 15 Oct.
        (cn(2025, 9, 26, 10), cn(2025, 10, 9, 9), cn(2025, 10, 10, 23, 59, 59), cn(2025, 10, 15, 23, 59, 59), 4),
    ],
)
def test_a_pause_moves_the_deadline_by_working_days_not_wall_clock(paused, resumed, due, expected, days):
    from linli.tickets.deadlines import resume_deadline

    assert resume_deadline(resolve_due=due, paused_at=paused, resumed_at=resumed) == (expected, days)


def test_supplying_information_after_national_day_moves_the_deadline_four_working_days(users, monkeypatch):
    t, _ = ticket_submit(actor=users["resident"], description="楼道堆放杂物")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_request_info(actor=users["grid"], ticket_id=t.pk, note="请拍一张照片")
    Ticket.objects.filter(pk=t.pk).update(paused_at=cn(2025, 9, 26, 10), resolve_due=cn(2025, 10, 10, 23, 59, 59))
    monkeypatch.setattr(tr, "timezone", SimpleNamespace(now=lambda: cn(2025, 10, 9, 9)))
    t = tr.ticket_supply_info(actor=users["resident"], ticket_id=t.pk, note="照片已补充")
    assert t.resolve_due == cn(2025, 10, 15, 23, 59, 59)  # wall-clock would have said 23 October
    assert t.paused_at is None and t.status == Status.ACCEPTED
    event = t.events.get(action="supply_info")
    assert event.data["paused_workdays"] == 4
    assert event.data["paused_seconds"] == (cn(2025, 10, 9, 9) - cn(2025, 9, 26, 10)).total_seconds()
