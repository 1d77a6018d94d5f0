"""Who hears what when a request moves: inbox rows for the right people, SMS to the resident only for
what they must act on, and the first unit that accepted it (首接负责) kept informed. Notifications run
after commit, so each step runs inside ``django_capture_on_commit_callbacks(execute=True)``."""

from __future__ import annotations

import pytest
from django.test import override_settings

from linli.notify.models import Notification
from linli.notify.sms import OutboxSmsBackend
from linli.tickets import transitions as tr
from linli.tickets.services import ticket_submit

pytestmark = pytest.mark.django_db
OUTBOX = "linli.notify.sms.OutboxSmsBackend"


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    """Run one service call with its after-commit work (inbox, queued SMS task) executed."""
    OutboxSmsBackend.outbox.clear()

    def run(fn, **kwargs):
        with override_settings(SMS_BACKEND=OUTBOX), django_capture_on_commit_callbacks(execute=True):
            result = fn(**kwargs)
        return result[0] if isinstance(result, tuple) else result

    return run


def inbox(ticket, kind):
    return set(
        Notification.objects.filter(kind=f"ticket.{kind}", link=f"/requests/{ticket.pk}/").values_list(
            "recipient__username", flat=True
        )
    )


def sms_to(user):
    return [text for phone, text in OutboxSmsBackend.outbox if phone == user.person.phone]


@pytest.fixture
def submitted(users, step):
    return step(ticket_submit, actor=users["resident"], description="小区门口路灯不亮", contact_phone="13812345678")


def test_a_new_request_reaches_the_grid_not_the_resident(submitted, users):
    assert "grid" in inbox(submitted, "submit")
    assert "resident" not in inbox(submitted, "submit")
    title = Notification.objects.get(kind="ticket.submit", recipient=users["grid"]).title
    assert title == f"新诉求待受理:{submitted.number}"
    assert OutboxSmsBackend.outbox == []


def test_acceptance_is_texted_and_filed_for_the_resident_only(submitted, users, step):
    step(tr.ticket_accept, actor=users["grid"], ticket_id=submitted.pk)
    assert inbox(submitted, "accept") == {"resident"}
    [text] = sms_to(users["resident"])
    assert text.startswith("【邻里】您反映的诉求已受理") and submitted.number in text
    assert len(OutboxSmsBackend.outbox) == 1


def test_a_decline_texts_the_reason(submitted, users, step):
    step(tr.ticket_decline, actor=users["grid"], ticket_id=submitted.pk, note="属于物业合同范围,请联系物业")
    [text] = sms_to(users["resident"])
    assert "未予受理" in text and "属于物业合同范围" in text
    body = Notification.objects.get(kind="ticket.decline", recipient=users["resident"]).body
    assert body == "属于物业合同范围,请联系物业"


def test_asking_for_information_texts_the_resident_and_the_answer_reaches_the_handler(submitted, users, step):
    step(tr.ticket_accept, actor=users["grid"], ticket_id=submitted.pk)
    OutboxSmsBackend.outbox.clear()
    step(tr.ticket_request_info, actor=users["grid"], ticket_id=submitted.pk, note="请告知是几号楼门口")
    [text] = sms_to(users["resident"])
    assert "请补充诉求材料" in text and "几号楼" in text
    step(tr.ticket_supply_info, actor=users["resident"], ticket_id=submitted.pk, note="3号楼")
    assert "grid" in inbox(submitted, "supply_info") and "resident" not in inbox(submitted, "supply_info")
    assert len(OutboxSmsBackend.outbox) == 1  # the answer is not texted back to anyone


def test_a_claim_is_filed_but_not_texted_and_resolution_asks_for_a_rating(submitted, users, step):
    step(tr.ticket_accept, actor=users["grid"], ticket_id=submitted.pk)
    step(tr.ticket_publish, actor=users["grid"], ticket_id=submitted.pk)
    OutboxSmsBackend.outbox.clear()
    step(tr.ticket_claim, actor=users["volunteer"], ticket_id=submitted.pk)
    assert inbox(submitted, "claim") == {"resident"}
    assert OutboxSmsBackend.outbox == []
    step(tr.ticket_resolve, actor=users["volunteer"], ticket_id=submitted.pk, note="已更换灯泡")
    [text] = sms_to(users["resident"])
    assert "已办结,请评价" in text and "已更换灯泡" in text
    step(tr.ticket_rate, actor=users["resident"], ticket_id=submitted.pk, rating="satisfied")
    assert "grid" in inbox(submitted, "rate")  # the first acceptor hears the verdict
    assert inbox(submitted, "close") == {"resident"}


def test_escalation_reaches_the_community_and_supervision_reaches_the_first_acceptor(submitted, users, step):
    step(tr.ticket_accept, actor=users["grid"], ticket_id=submitted.pk)
    step(tr.ticket_escalate, actor=users["grid"], ticket_id=submitted.pk, note="需要社区协调")
    escalated = inbox(submitted, "escalate")
    assert "community" in escalated and "grid" not in escalated  # not told about their own whistle
    step(tr.ticket_supervise, actor=users["street"], ticket_id=submitted.pk, note="请今日答复")
    supervised = inbox(submitted, "supervise")
    assert {"community", "grid"} <= supervised and "street" not in supervised
    [(_phone, only_text)] = OutboxSmsBackend.outbox  # escalation and supervision are not texted
    assert "已受理" in only_text


def test_a_merged_duplicates_reporter_hears_of_the_merge(submitted, users, step):
    from linli.accounts.models import User
    from linli.people.models import Person

    neighbour_person = (
        Person.objects.filter(place_path__startswith=users["resident"].person.place_path[:12], user__isnull=True)
        .exclude(phone_enc="")
        .first()
    )
    neighbour = User.objects.create(username="neighbour", person=neighbour_person)
    duplicate = step(ticket_submit, actor=neighbour, description="门口路灯坏了")
    step(tr.ticket_merge, actor=users["grid"], ticket_id=duplicate.pk, master_id=submitted.pk)
    assert inbox(duplicate, "merge") == {"neighbour"}
    assert "合并办理" in Notification.objects.get(kind="ticket.merge", recipient=neighbour).title
