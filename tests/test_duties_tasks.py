"""下派事项登记与准入审查: registering a task pushed down, and each decision of the review — its checks, the
illegal transitions, double submits, the timeline and the audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.duties import services as s
from linli.duties import services_tasks as st
from linli.duties.models import PushedTask, PushedTaskEvent, TaskStatus
from tests.duties_support import entry, task

pytestmark = pytest.mark.django_db


def test_a_registered_task_waits_for_review_with_one_event_and_an_audit_record(users: Any, places: Any) -> None:
    item = task(users["street"], places.street, target=places.communities[0], content="复核低保家庭收入")
    assert item.status == TaskStatus.REGISTERED
    assert item.place_path == places.communities[0].path  # it lands in the community
    assert [(e.from_status, e.to_status) for e in item.events.all()] == [("", "registered")]
    assert AuditEvent.objects.filter(action="duties.task_registered", target_id=str(item.pk)).exists()


def test_a_double_submitted_registration_creates_one_task(users: Any, places: Any) -> None:
    fields = st.TaskFields(title="防汛值守", target=places.street, department_name="区应急管理局")
    first, created = st.task_register(actor=users["street"], street=places.street, fields=fields, idempotency_key="a1")
    again, created_again = st.task_register(
        actor=users["street"], street=places.street, fields=fields, idempotency_key="a1"
    )
    assert created and not created_again and first.pk == again.pk
    assert PushedTask.objects.filter(title="防汛值守").count() == 1


def test_the_same_key_for_another_task_is_refused_rather_than_answered_with_the_first(users: Any, places: Any) -> None:
    st.task_register(
        actor=users["street"],
        street=places.street,
        fields=st.TaskFields(title="防汛值守", target=places.street, department_name="区应急管理局"),
        idempotency_key="a2",
    )
    with pytest.raises(Conflict):
        st.task_register(
            actor=users["street"],
            street=places.street,
            fields=st.TaskFields(title="另一件事", target=places.street, department_name="区应急管理局"),
            idempotency_key="a2",
        )


def test_a_task_can_only_land_at_the_street_or_one_of_its_communities(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        task(users["street"], places.street, target=places.compounds[0])
    assert refused.value.field == "target_id"


def test_a_due_date_in_the_past_is_refused(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        task(users["street"], places.street, due_on=timezone.localdate() - dt.timedelta(days=1))
    assert refused.value.field == "due_on"


@pytest.mark.parametrize("who", ["community", "grid", "resident"])
def test_only_street_staff_register_tasks(users: Any, places: Any, who: str) -> None:
    with pytest.raises(Forbidden):
        task(users[who], places.street)
    assert not PushedTask.objects.exists()


def test_a_departments_liaison_registers_a_task_from_their_own_department_only(users: Any, places: Any) -> None:
    from linli.accounts.models import User
    from linli.orgs.models import Organisation
    from linli.people.models import Position

    liaison = Position.objects.filter(kind="department_liaison", organisation__isnull=False).order_by("pk").first()
    account = User.objects.create_user(username="liaison", person=liaison.person)
    own = liaison.organisation
    other = Organisation.objects.filter(kind="department").exclude(pk=own.pk).order_by("pk").first()
    mine = task(account, places.street, department=own, department_name="")
    assert mine.department_name == own.name
    with pytest.raises(Forbidden):
        task(account, places.street, department=other)
    with pytest.raises(Forbidden):
        st.task_return(actor=account, task=mine, reason="不归我审")


def test_a_task_on_the_entry_list_is_accepted_by_street_staff(users: Any, places: Any) -> None:
    on_list = entry(users["street"], places.street)
    item = task(users["street"], places.street, entry=on_list)
    accepted = st.task_accept(actor=users["street"], task=item, note="在清单内")
    assert accepted.status == TaskStatus.ACCEPTED and accepted.entry_id == on_list.pk
    assert accepted.decided_by == users["street"] and accepted.decided_at is not None
    assert list(accepted.events.values_list("to_status", flat=True)) == ["registered", "accepted"]
    assert AuditEvent.objects.filter(action="duties.task_accepted", target_id=str(item.pk)).count() == 1


def test_a_task_matched_to_no_entry_cannot_be_accepted_without_choosing_one(users: Any, places: Any) -> None:
    item = task(users["street"], places.street)
    with pytest.raises(InvalidInput) as refused:
        st.task_accept(actor=users["street"], task=item)
    assert refused.value.field == "entry_id"
    on_list = entry(users["street"], places.street)
    assert st.task_accept(actor=users["street"], task=item, entry=on_list).entry_id == on_list.pk


def test_a_cancelled_entry_item_cannot_admit_a_task(users: Any, places: Any) -> None:
    on_list = entry(users["street"], places.street)
    item = task(users["street"], places.street, entry=on_list)
    s.entry_cancel(actor=users["street"], entry=on_list, reason="已取消")
    with pytest.raises(InvalidInput):
        st.task_accept(actor=users["street"], task=item)
    assert PushedTask.objects.get(pk=item.pk).status == TaskStatus.REGISTERED


def test_an_exception_needs_the_working_committees_reference_and_a_note(users: Any, places: Any) -> None:
    item = task(users["street"], places.street)
    with pytest.raises(InvalidInput) as refused:
        st.task_approve(actor=users["street"], task=item, approval_ref="", note="同意")
    assert refused.value.field == "approval_ref"
    with pytest.raises(InvalidInput) as refused:
        st.task_approve(actor=users["street"], task=item, approval_ref="党工委会议纪要〔2026〕3号", note="")
    assert refused.value.field == "note"
    approved = st.task_approve(
        actor=users["street"], task=item, approval_ref="党工委会议纪要〔2026〕3号", note="民生实事,同意"
    )
    assert (approved.status, approved.approval_ref) == ("approved", "党工委会议纪要〔2026〕3号")


def test_a_task_is_returned_with_its_reason(users: Any, places: Any) -> None:
    item = task(users["street"], places.street)
    with pytest.raises(InvalidInput):
        st.task_return(actor=users["street"], task=item, reason="")
    returned = st.task_return(actor=users["street"], task=item, reason="不在准入清单内")
    assert (returned.status, returned.decision_note) == ("returned", "不在准入清单内")
    event = PushedTaskEvent.objects.get(task=item, to_status="returned")
    assert (event.from_status, event.note) == ("registered", "不在准入清单内")


def test_a_returned_task_cannot_be_accepted(users: Any, places: Any) -> None:
    on_list = entry(users["street"], places.street)
    item = task(users["street"], places.street, entry=on_list)
    st.task_return(actor=users["street"], task=item, reason="退回")
    with pytest.raises(Conflict) as refused:
        st.task_accept(actor=users["street"], task=item)
    assert "已“退回”" in refused.value.message and "不能再“准入”" in refused.value.message
    assert PushedTask.objects.get(pk=item.pk).status == TaskStatus.RETURNED


def test_an_accepted_task_cannot_be_returned_or_approved(users: Any, places: Any) -> None:
    item = task(users["street"], places.street, entry=entry(users["street"], places.street))
    st.task_accept(actor=users["street"], task=item)
    with pytest.raises(Conflict):
        st.task_return(actor=users["street"], task=item, reason="改主意了")
    with pytest.raises(Conflict):
        st.task_approve(actor=users["street"], task=item, approval_ref="x", note="y")


def test_a_decision_submitted_twice_is_made_once(users: Any, places: Any) -> None:
    item = task(users["street"], places.street)
    st.task_return(actor=users["street"], task=item, reason="第一次")
    again = st.task_return(actor=users["street"], task=item, reason="第二次")
    assert again.decision_note == "第一次"
    assert PushedTaskEvent.objects.filter(task=item, to_status="returned").count() == 1
    assert AuditEvent.objects.filter(action="duties.task_returned", target_id=str(item.pk)).count() == 1


def test_community_staff_may_not_review_a_task_that_reached_their_community(users: Any, places: Any) -> None:
    item = task(users["street"], places.street, target=places.communities[0])
    with pytest.raises(Forbidden):
        st.task_return(actor=users["community"], task=item, reason="我们不接")
    assert PushedTask.objects.get(pk=item.pk).status == TaskStatus.REGISTERED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_accept_and_a_return_at_the_same_moment_leave_one_decision() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    import threading

    from django.db import connections

    from linli.accounts.models import User
    from linli.places.models import Place
    from tests.conftest import build_demo

    if not Place.objects.exists():
        build_demo()
    street_user = User.objects.get(username="street")
    street = Place.objects.get(kind="street")
    item = task(street_user, street, entry=entry(street_user, street))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(kind: str) -> None:
        try:
            barrier.wait()
            if kind == "accept":
                st.task_accept(actor=street_user, task=item)
            else:
                st.task_return(actor=street_user, task=item, reason="并发退回")
            outcomes.append(kind)
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(k,)) for k in ("accept", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and "refused" in outcomes
    decided = PushedTask.objects.get(pk=item.pk)
    assert decided.status in ("accepted", "returned")
    assert PushedTaskEvent.objects.filter(task=item).exclude(to_status="registered").count() == 1
