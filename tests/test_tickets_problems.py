"""From a request's detail page, an overdue or escalated request goes onto its community's problem list
(问题清单) with a responsible person and a deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, InvalidInput
from linli.people.models import Position
from linli.tickets import transitions as tr
from linli.tickets.models import ProblemItem, Ticket
from linli.tickets.problems import problem_add_from_ticket
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(users):
    t, _ = ticket_submit(actor=users["resident"], description="单元门禁损坏一周")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    Ticket.objects.filter(pk=t.pk).update(resolve_due=timezone.now() - dt.timedelta(days=2))
    return t


def due_in(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_an_overdue_request_is_offered_and_listed_with_responsible_and_deadline(overdue, users, client_as):
    client = client_as("community")
    page = client.get(f"/requests/{overdue.pk}/").content.decode()
    assert 'id="problem-offer"' in page
    assert f'<option value="{users["grid"].person_id}">' in page
    r = client.post(
        f"/requests/{overdue.pk}/problem/",
        {"title": "门禁长期损坏", "responsible_id": users["grid"].person_id, "due_date": due_in(5)},
    )
    assert r.status_code == 302
    item = ProblemItem.objects.get(ticket=overdue)
    assert (item.title, item.responsible_id, item.due_date.isoformat()) == (
        "门禁长期损坏",
        users["grid"].person_id,
        due_in(5),
    )
    assert item.community.path == overdue.place_path[: len(item.community.path)]
    assert AuditEvent.objects.filter(action="problem.added", target_id=str(item.pk), actor=users["community"]).exists()
    after = client.get(f"/requests/{overdue.pk}/").content.decode()
    assert 'id="problem-item"' in after and 'id="problem-offer"' not in after
    listing = client.get(f"/requests/problems/?community={item.community_id}").content.decode()
    assert overdue.number in listing and "门禁长期损坏" in listing


def test_an_escalated_request_is_offered_too(users, client_as):
    t, _ = ticket_submit(actor=users["resident"], description="违建需要街道处理")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    tr.ticket_escalate(actor=users["grid"], ticket_id=t.pk, note="超出网格处置能力")
    assert 'id="problem-offer"' in client_as("community").get(f"/requests/{t.pk}/").content.decode()


def test_a_request_on_time_is_not_offered_and_a_forced_post_is_refused(users, client_as):
    t, _ = ticket_submit(actor=users["resident"], description="楼道灯不亮")
    client = client_as("community")
    assert 'id="problem-offer"' not in client.get(f"/requests/{t.pk}/").content.decode()
    r = client.post(
        f"/requests/{t.pk}/problem/",
        {"responsible_id": users["grid"].person_id, "due_date": due_in(3)},
        follow=True,
    )
    assert "只有超期、吹哨或被督办的诉求" in r.content.decode()
    assert not ProblemItem.objects.filter(ticket=t).exists()


def test_a_grid_worker_without_manage_is_not_offered_and_is_refused(overdue, users, client_as):
    client = client_as("grid")
    assert 'id="problem-offer"' not in client.get(f"/requests/{overdue.pk}/").content.decode()
    r = client.post(
        f"/requests/{overdue.pk}/problem/", {"responsible_id": users["grid"].person_id, "due_date": due_in(3)}
    )
    assert r.status_code == 403
    assert not ProblemItem.objects.filter(ticket=overdue).exists()


def test_the_responsible_person_must_hold_a_post_in_or_above_the_community(overdue, users, places):
    outsider = Position.objects.filter(place__path__startswith=places.other_community.path).first().person
    with pytest.raises(InvalidInput) as refused:
        problem_add_from_ticket(
            actor=users["community"],
            ticket_id=overdue.pk,
            responsible_id=outsider.pk,
            due_date=timezone.localdate() + dt.timedelta(days=3),
        )
    assert refused.value.field == "responsible_id"
    item = problem_add_from_ticket(
        actor=users["community"],
        ticket_id=overdue.pk,
        responsible_id=users["street"].person_id,  # a street leader may answer for it
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )
    assert item.title == overdue.title
    with pytest.raises(Conflict, match="已在问题清单"):
        problem_add_from_ticket(
            actor=users["community"],
            ticket_id=overdue.pk,
            responsible_id=users["grid"].person_id,
            due_date=timezone.localdate() + dt.timedelta(days=3),
        )


def test_a_bad_date_is_explained_and_saves_nothing(overdue, users, client_as):
    r = client_as("community").post(
        f"/requests/{overdue.pk}/problem/",
        {"responsible_id": users["grid"].person_id, "due_date": "明天"},
        follow=True,
    )
    assert "日期“明天”无效,请用 YYYY-MM-DD" in r.content.decode()
    assert not ProblemItem.objects.filter(ticket=overdue).exists()
