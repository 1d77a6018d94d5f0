"""实施与结项: progress reports raise the project's running totals; payments come in tranches and never exceed what was
granted (also two at once); a project ends completed with its grade or terminated with its reason, and nothing is
reported or paid after either. Reports, payments and events are append-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.grants import services_delivery as sd
from linli.grants.models import Disbursement, GrantProject, ProgressReport, ProjectEvent, ProjectStatus
from tests.grants_support import PHONE, approved, reviewing_with, social_org

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def project(users: Any, places: Any) -> GrantProject:
    actor = users["street"]
    org = social_org(actor, places.street)
    _round, (submitted,) = reviewing_with(actor, places.street, org, [places.communities[0]])
    return approved(actor, submitted, granted_fen=30_000_00)


def _pay(actor: Any, project: GrantProject, tranche: str, amount: int, **extra: Any) -> Any:
    return sd.disburse(actor=actor, project=project, tranche=tranche, amount_fen=amount, paid_on=TODAY, **extra)[0]


def test_progress_reports_add_up_to_the_projects_running_totals(users: Any, project: GrantProject) -> None:
    actor = users["street"]
    sd.report_add(actor=actor, project=project, on_date=TODAY, text="开展助餐服务", beneficiaries=120, activities=4)
    sd.report_add(actor=actor, project=project, on_date=TODAY, text="健康讲座", beneficiaries=45, activities=1)
    fresh = GrantProject.objects.get(pk=project.pk)
    assert (fresh.served_total, fresh.activities_total) == (165, 5)
    sums = ProgressReport.objects.filter(project=project).aggregate(b=Sum("beneficiaries"), a=Sum("activities"))
    assert (sums["b"], sums["a"]) == (165, 5)
    assert AuditEvent.objects.filter(action="grants.progress_reported", target_id=str(project.pk)).count() == 2


def test_a_double_submitted_report_records_one(users: Any, project: GrantProject) -> None:
    actor = users["street"]
    for _ in range(2):
        sd.report_add(actor=actor, project=project, on_date=TODAY, text="走访", beneficiaries=10, idempotency_key="r1")
    assert ProgressReport.objects.filter(project=project).count() == 1
    assert GrantProject.objects.get(pk=project.pk).served_total == 10


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"on_date": None}, "on_date"),
        ({"on_date": TODAY + dt.timedelta(days=1)}, "on_date"),
        ({"on_date": TODAY - dt.timedelta(days=3)}, "on_date"),  # before the approval
        ({"text": ""}, "text"),
        ({"beneficiaries": -1}, "beneficiaries"),
        ({"beneficiaries": "一百"}, "beneficiaries"),
        ({"activities": 5000}, "activities"),
    ],
)
def test_a_wrong_report_is_refused_naming_the_field(users: Any, project: GrantProject, change: Any, field: str) -> None:
    values: dict[str, Any] = {"on_date": TODAY, "text": "开展活动", "beneficiaries": 10, "activities": 1, **change}
    with pytest.raises(InvalidInput) as refused:
        sd.report_add(actor=users["street"], project=project, **values)
    assert refused.value.field == field


def test_the_staff_of_a_community_the_project_serves_report_but_do_not_pay(users: Any, project: GrantProject) -> None:
    community = users["community"]
    sd.report_add(actor=community, project=project, on_date=TODAY, text="社区反馈", beneficiaries=8)
    with pytest.raises(Forbidden):
        _pay(community, project, "first", 100)
    with pytest.raises(Forbidden):
        sd.report_add(actor=users["grid"], project=project, on_date=TODAY, text="x", beneficiaries=1)


def test_payments_come_in_tranches_and_never_exceed_the_grant(users: Any, project: GrantProject) -> None:
    actor = users["street"]
    with pytest.raises(Conflict, match="第一笔拨付应为首期"):
        _pay(actor, project, "middle", 1)
    first = _pay(actor, project, "first", 12_000_00, voucher="财付〔2026〕18号")
    assert first.amount_fen == 12_000_00
    with pytest.raises(Conflict, match="首期"):
        _pay(actor, project, "first", 100)
    _pay(actor, project, "middle", 9_000_00)
    with pytest.raises(Conflict) as too_much:
        _pay(actor, project, "final", 9_000_01)
    assert too_much.value.field == "amount_fen" and "9,000.00" in too_much.value.message
    _pay(actor, project, "final", 9_000_00)
    with pytest.raises(Conflict, match="尾款已拨付"):
        _pay(actor, project, "middle", 1)
    fresh = GrantProject.objects.get(pk=project.pk)
    assert fresh.paid_fen == fresh.granted_fen == 30_000_00
    assert Disbursement.objects.filter(project=project).aggregate(n=Sum("amount_fen"))["n"] == fresh.paid_fen


def test_a_double_submitted_payment_pays_once(users: Any, project: GrantProject) -> None:
    actor = users["street"]
    for _ in range(2):
        _pay(actor, project, "first", 10_000_00, idempotency_key="pay-1")
    assert Disbursement.objects.filter(project=project).count() == 1
    assert GrantProject.objects.get(pk=project.pk).paid_fen == 10_000_00


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tranche": "bonus"}, "tranche"),
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": "100"}, "amount_fen"),
        ({"paid_on": TODAY + dt.timedelta(days=1)}, "paid_on"),
        ({"voucher": "x" * 65}, "voucher"),
    ],
)
def test_a_wrong_payment_is_refused_naming_the_field(
    users: Any, project: GrantProject, change: Any, field: str
) -> None:
    values: dict[str, Any] = {"tranche": "first", "amount_fen": 100, "paid_on": TODAY, **change}
    with pytest.raises(InvalidInput) as refused:
        sd.disburse(actor=users["street"], project=project, **values)
    assert refused.value.field == field
    assert not Disbursement.objects.exists()


def test_a_completed_project_keeps_its_grade_and_takes_no_more_reports_or_payments(
    users: Any, project: GrantProject
) -> None:
    actor = users["street"]
    _pay(actor, project, "first", 10_000_00)
    with pytest.raises(InvalidInput) as no_grade:
        sd.project_complete(actor=actor, project=project, grade="great", summary="x")
    assert no_grade.value.field == "grade"
    done = sd.project_complete(actor=actor, project=project, grade="good", summary="服务对象满意度 96%")
    assert (done.status, done.grade, done.ended_by) == (ProjectStatus.COMPLETED, "good", actor)
    assert sd.project_complete(actor=actor, project=project, grade="good", summary="再次").end_note == done.end_note
    with pytest.raises(Conflict):
        sd.report_add(actor=actor, project=project, on_date=TODAY, text="结项后", beneficiaries=1)
    with pytest.raises(Conflict):
        _pay(actor, project, "final", 100)
    with pytest.raises(Conflict):
        sd.project_terminate(actor=actor, project=project, reason="x")
    assert list(ProjectEvent.objects.filter(project=project).values_list("to_status", flat=True)) == [
        "submitted",
        "approved",
        "completed",
    ]


def test_a_terminated_project_keeps_what_was_paid_and_takes_nothing_more(users: Any, project: GrantProject) -> None:
    actor = users["street"]
    _pay(actor, project, "first", 8_000_00)
    with pytest.raises(InvalidInput):
        sd.project_terminate(actor=actor, project=project, reason="")
    ended = sd.project_terminate(actor=actor, project=project, reason="承接组织注销")
    assert (ended.status, ended.end_note, ended.paid_fen) == (ProjectStatus.TERMINATED, "承接组织注销", 8_000_00)
    with pytest.raises(Conflict):
        _pay(actor, project, "middle", 100)
    with pytest.raises(Conflict):
        sd.project_complete(actor=actor, project=project, grade="pass", summary="x")


def test_a_project_not_yet_approved_takes_no_report_payment_or_end(users: Any, places: Any) -> None:
    actor = users["street"]
    _round, (submitted,) = reviewing_with(
        actor, places.street, social_org(actor, places.street), [places.communities[0]]
    )
    with pytest.raises(Conflict):
        sd.report_add(actor=actor, project=submitted, on_date=TODAY, text="x", beneficiaries=1)
    with pytest.raises(Conflict):
        _pay(actor, submitted, "first", 100)
    with pytest.raises(Conflict):
        sd.project_complete(actor=actor, project=submitted, grade="good", summary="x")


def test_reports_payments_and_events_cannot_be_rewritten(users: Any, project: GrantProject) -> None:
    actor = users["street"]
    report, _ = sd.report_add(actor=actor, project=project, on_date=TODAY, text="活动", beneficiaries=5)
    payment = _pay(actor, project, "first", 100)
    for model, pk, change in (
        (ProgressReport, report.pk, {"beneficiaries": 500}),
        (Disbursement, payment.pk, {"amount_fen": 1}),
        (ProjectEvent, project.events.first().pk, {"note": "改写"}),
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            model.objects.filter(pk=pk).update(**change)


def test_the_database_refuses_paying_more_than_granted_even_past_the_service(project: GrantProject) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantProject.objects.filter(pk=project.pk).update(paid_fen=project.granted_fen + 1)


def test_a_street_leader_reveals_the_contacts_phone_with_a_reason_and_it_is_audited(
    users: Any, project: GrantProject
) -> None:
    with pytest.raises(InvalidInput):
        sd.contact_reveal(actor=users["street"], project=project, reason="")
    assert sd.contact_reveal(actor=users["street"], project=project, reason="核实拨付账户") == PHONE
    event = AuditEvent.objects.get(action="grants.contact_revealed")
    assert event.detail["reason"] == "核实拨付账户" and PHONE not in str(event.detail)
    with pytest.raises(Forbidden):
        sd.contact_reveal(actor=users["community"], project=project, reason="想看看")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_never_pay_more_than_granted() -> None:
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
    admin = User.objects.get(username="admin")
    street = Place.objects.get(kind="street")
    community = Place.objects.filter(kind="community").order_by("path").first()
    _round, (submitted,) = reviewing_with(street_user, street, social_org(street_user, street), [community])
    project = approved(street_user, submitted, granted_fen=10_000_00)
    _pay(street_user, project, "first", 4_000_00)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay(actor: Any) -> None:
        try:
            barrier.wait()
            _pay(actor, project, "middle", 5_000_00)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(who,)) for who in (street_user, admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    fresh = GrantProject.objects.get(pk=project.pk)
    assert (
        fresh.paid_fen == 9_000_00 == Disbursement.objects.filter(project=project).aggregate(n=Sum("amount_fen"))["n"]
    )
