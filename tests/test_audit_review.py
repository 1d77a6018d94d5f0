"""Full-number reveals are budgeted per account, and the 敏感信息访问审查 page shows administrators whose pattern to
look at: reveals (and how many residents, how many at night), exports, permission denials and refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.audit.review import sensitive_review
from linli.audit.services import audit_record
from linli.core.ratelimit import RateLimited
from linli.people.models import Person
from linli.people.services import person_reveal
from linli.workforce.services import certificate_reveal
from tests.workforce_support import hire, staff_person

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def residents(places: Any) -> list[Person]:
    return list(
        Person.objects.filter(place_path__startswith=places.first_grid.path, user__isnull=True)
        .exclude(phone_enc="")
        .order_by("pk")[:4]
    )


@pytest.fixture
def small_budget(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reveal.user": (3, 3600)}


def at_beijing(monkeypatch: pytest.MonkeyPatch, hour: int) -> None:
    """Events recorded from now on are stamped today at ``hour`` Beijing time."""
    moment = dt.datetime.combine(timezone.localdate(), dt.time(hour, 30), tzinfo=BEIJING)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def row_of(actor: str) -> Any:
    today = timezone.localdate()
    return next(r for r in sensitive_review(since=today - dt.timedelta(days=1), until=today) if r.actor == actor)


def test_an_account_past_its_hourly_reveal_budget_is_refused_and_audited_once(users, residents, small_budget):
    for person in residents[:3]:
        person_reveal(actor=users["community"], person=person, reason="核对低保申请材料")
    for _ in range(2):
        with pytest.raises(RateLimited):
            person_reveal(actor=users["community"], person=residents[3], reason="核对低保申请材料")
    assert AuditEvent.objects.filter(action="resident.reveal", actor=users["community"]).count() == 3
    refusal = AuditEvent.objects.get(action="ratelimit.exceeded", actor=users["community"])
    assert refusal.detail["purpose"] == "reveal.user" and refusal.detail["limit"] == 3


def test_the_budget_is_per_account(users, residents, small_budget):
    for person in residents[:3]:
        person_reveal(actor=users["community"], person=person, reason="核对低保申请材料")
    assert person_reveal(actor=users["street"], person=residents[3], reason="核对低保申请材料").id_number


def test_a_certificate_reveal_spends_the_same_budget(users, places, residents, small_budget):
    worker = hire(users["street"], staff_person(places.communities[0]), places.communities[0], certificate_no="ZS1234")
    for person in residents[:3]:
        person_reveal(actor=users["street"], person=person, reason="核对低保申请材料")
    with pytest.raises(RateLimited):
        certificate_reveal(actor=users["street"], worker=worker)
    assert not AuditEvent.objects.filter(action="workforce.certificate_revealed").exists()


def test_the_page_says_the_budget_is_spent_with_a_429(client_as, residents, small_budget):
    client = client_as("community")
    for person in residents[:3]:
        assert client.post(f"/ledger/people/{person.pk}/reveal", {"reason": "核对户籍信息"}).status_code == 200
    refused = client.post(f"/ledger/people/{residents[3].pk}/reveal", {"reason": "核对户籍信息"})
    html = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert 'role="alert">操作过于频繁' in html  # on the person's page, in the reveal card
    assert residents[3].id_number not in html and residents[3].id_number_masked in html


def test_the_review_counts_reveals_residents_exports_denials_and_refusals_per_account(
    users, residents, small_budget, monkeypatch
):
    at_beijing(monkeypatch, 14)  # in the working day: after 22:00 Beijing time these reveals would be flagged
    community = users["community"]
    person_reveal(actor=community, person=residents[0], reason="核对低保申请材料")
    person_reveal(actor=community, person=residents[0], reason="再次核对低保材料")
    person_reveal(actor=community, person=residents[1], reason="核对低保申请材料")
    audit_record(action="resident.export", actor=community, rows=20)
    for _ in range(12):
        audit_record(action="permission.denied", actor=users["grid"], success=False, path="/ledger/people/1/")
    audit_record(action="ticket.accept", actor=community)  # not sensitive: not counted
    row = row_of("community")
    assert (row.reveals, row.residents, row.exports, row.denials, row.refusals) == (3, 2, 1, 0, 0)
    assert row.flags == []
    grid = row_of("grid")
    assert grid.denials == 12 and grid.flags == ["probing"]


def test_a_reveal_at_night_is_flagged_and_one_in_the_day_is_not(users, residents, monkeypatch):
    at_beijing(monkeypatch, 14)
    person_reveal(actor=users["community"], person=residents[0], reason="核对低保申请材料")
    assert row_of("community").night == 0
    at_beijing(monkeypatch, 23)
    person_reveal(actor=users["street"], person=residents[1], reason="核对低保申请材料")
    at_beijing(monkeypatch, 6)
    person_reveal(actor=users["street"], person=residents[2], reason="核对低保申请材料")
    street = row_of("street")
    assert street.night == 2 and "night" in street.flags


def test_administrators_read_the_review_page_and_api_and_the_read_is_audited(
    users, residents, client_as, api_as, monkeypatch
):
    at_beijing(monkeypatch, 14)  # in the working day, whenever the suite runs
    person_reveal(actor=users["community"], person=residents[0], reason="核对低保申请材料")
    page = client_as("admin").get("/audit/review/")
    html = page.content.decode()
    assert page.status_code == 200 and "敏感信息访问审查" in html
    assert "?actor=community&amp;from=" in html
    body = api_as("admin").get("/api/v1/audit/review").json()
    community = next(a for a in body["accounts"] if a["actor"] == "community")
    assert community["reveals"] == 1 and community["residents"] == 1 and community["flags"] == []
    assert AuditEvent.objects.filter(action="audit.reviewed", actor=users["admin"]).count() == 2


@pytest.mark.parametrize("role", ["street", "community", "grid", "resident"])
def test_anyone_but_an_administrator_is_refused(role, client_as, api_as):
    assert client_as(role).get("/audit/review/").status_code == 403
    assert api_as(role).get("/api/v1/audit/review").status_code == 403


def test_a_reversed_or_too_long_period_is_a_clear_error(client_as, api_as):
    page = client_as("admin").get("/audit/review/?from=2026-05-02&to=2026-05-01")
    assert page.status_code == 200 and "开始日期晚于结束日期" in page.content.decode()
    answer = api_as("admin").get("/api/v1/audit/review?since=2024-01-01&until=2026-01-01")
    assert answer.status_code == 422 and answer.json()["field"] == "until"
    assert api_as("admin").get("/api/v1/audit/review?since=2026-13-01").status_code == 422


def test_the_review_is_one_statement_however_many_accounts_and_events(users, residents, django_assert_num_queries):
    today = timezone.localdate()
    with django_assert_num_queries(1):
        sensitive_review(since=today, until=today)
    for role in ("community", "street", "grid", "volunteer", "resident"):
        for _ in range(5):
            audit_record(action="permission.denied", actor=users[role], success=False)
    person_reveal(actor=users["community"], person=residents[0], reason="核对低保申请材料")
    with django_assert_num_queries(1):
        assert len(sensitive_review(since=today, until=today)) == 5


def test_a_subject_copy_from_the_ledger_spends_the_budget_but_one_for_the_residents_own_request_does_not(
    users, residents, small_budget
):
    from linli.people.exporting import subject_access_export

    for person in residents[:3]:
        subject_access_export(actor=users["community"], person=person, reason="居民申请查阅本人信息")
    with pytest.raises(RateLimited):
        person_reveal(actor=users["community"], person=residents[3], reason="核对低保申请材料")
    copy = subject_access_export(
        actor=users["community"], person=residents[3], reason="个人信息查阅复制申请 #1", budgeted=False
    )
    assert copy["person"]["id_number"] == residents[3].id_number
