"""评审与立项: one score per reviewer, changeable until the decision; approval with a granted amount no larger than
requested, never taking the round past its budget — also when two managers approve the last money at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.grants import services_review as sr
from linli.grants.models import GrantProject, GrantRound, ProjectStatus, ReviewScore
from linli.grants.selectors import score_summary
from tests.grants_support import application, approved, grant_round, reviewing_with, social_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users: Any, places: Any) -> Any:
    actor = users["street"]
    org = social_org(actor, places.street)
    round_, projects = reviewing_with(actor, places.street, org, [places.communities[0]], n=3, budget_fen=50_000_00)
    return round_, projects


def test_each_reviewer_gives_one_score_and_may_change_it_until_the_decision(users: Any, world: Any) -> None:
    _round, (project, *_rest) = world
    sr.score_set(actor=users["street"], project=project, score=80, comment="可行")
    sr.score_set(actor=users["street"], project=project, score=90, comment="很好")
    sr.score_set(actor=users["admin"], project=project, score="75")
    assert ReviewScore.objects.filter(project=project).count() == 2
    assert score_summary(project) == (82.5, 2)
    assert AuditEvent.objects.filter(action="grants.project_scored").count() == 3
    sr.score_set(actor=users["street"], project=project, score=90, comment="很好")  # unchanged: nothing recorded
    assert AuditEvent.objects.filter(action="grants.project_scored").count() == 3
    sr.project_reject(actor=users["street"], project=project, reason="与本轮方向不符")
    with pytest.raises(Conflict):
        sr.score_set(actor=users["street"], project=project, score=60)


@pytest.mark.parametrize("score", [-1, 101, "九十", "", None, 88.5])
def test_a_score_is_a_whole_number_from_0_to_100(users: Any, world: Any, score: Any) -> None:
    _round, (project, *_rest) = world
    with pytest.raises(InvalidInput) as refused:
        sr.score_set(actor=users["street"], project=project, score=score)
    assert refused.value.field == "score"


@pytest.mark.parametrize("who", ["community", "grid", "volunteer"])
def test_only_the_rounds_staff_and_leaders_score_and_decide(users: Any, world: Any, who: str) -> None:
    _round, (project, *_rest) = world
    with pytest.raises(Forbidden):
        sr.score_set(actor=users[who], project=project, score=70)
    with pytest.raises(Forbidden):
        sr.project_approve(actor=users[who], project=project, granted_fen=100)
    with pytest.raises(Forbidden):
        sr.project_reject(actor=users[who], project=project, reason="x")
    assert GrantProject.objects.get(pk=project.pk).status == ProjectStatus.SUBMITTED


def test_approval_grants_at_most_what_was_asked_and_records_the_decision(users: Any, world: Any) -> None:
    round_, (project, *_rest) = world
    actor = users["street"]
    with pytest.raises(Conflict, match="尚无评审评分"):
        sr.project_approve(actor=actor, project=project, granted_fen=10_000_00)
    sr.score_set(actor=actor, project=project, score=85)
    with pytest.raises(Conflict) as too_much:
        sr.project_approve(actor=actor, project=project, granted_fen=project.requested_fen + 1)
    assert too_much.value.field == "granted_fen"
    with pytest.raises(InvalidInput):
        sr.project_approve(actor=actor, project=project, granted_fen=0)
    done = sr.project_approve(actor=actor, project=project, granted_fen=25_000_00, note="核减宣传费")
    assert (done.status, done.granted_fen, done.decided_by) == (ProjectStatus.APPROVED, 25_000_00, actor)
    assert GrantRound.objects.get(pk=round_.pk).granted_fen == 25_000_00
    again = sr.project_approve(actor=actor, project=project, granted_fen=25_000_00)  # a double submit
    assert again.decided_at == done.decided_at
    assert GrantRound.objects.get(pk=round_.pk).granted_fen == 25_000_00
    with pytest.raises(Conflict):
        sr.project_approve(actor=actor, project=project, granted_fen=20_000_00)
    with pytest.raises(Conflict):
        sr.project_reject(actor=actor, project=project, reason="改主意")
    assert list(project.events.values_list("to_status", flat=True)) == ["submitted", "approved"]


def test_the_granted_amounts_of_a_round_never_pass_its_budget(users: Any, world: Any) -> None:
    round_, (first, second, third) = world
    actor = users["street"]
    approved(actor, first, granted_fen=30_000_00)
    with pytest.raises(Conflict) as refused:
        approved(actor, second, granted_fen=25_000_00)
    assert refused.value.field == "granted_fen" and "20,000.00" in refused.value.message
    approved(actor, second, granted_fen=20_000_00)
    with pytest.raises(Conflict):
        approved(actor, third, granted_fen=1)
    total = GrantProject.objects.filter(round=round_).aggregate(n=Sum("granted_fen"))["n"]
    assert total == GrantRound.objects.get(pk=round_.pk).granted_fen == round_.budget_fen


def test_approval_happens_in_review_not_while_applications_are_still_taken(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    project = application(actor, round_, social_org(actor, places.street), [places.communities[0]])
    sr.score_set(actor=actor, project=project, score=90)  # reviewers may score while open
    with pytest.raises(Conflict, match="评审中"):
        sr.project_approve(actor=actor, project=project, granted_fen=100)
    rejected = sr.project_reject(actor=actor, project=project, reason="申报材料不全")  # an ineligible one, at once
    assert rejected.status == ProjectStatus.REJECTED and rejected.granted_fen is None


def test_a_rejection_needs_its_reason_and_a_repeat_changes_nothing(users: Any, world: Any) -> None:
    _round, (project, *_rest) = world
    with pytest.raises(InvalidInput) as refused:
        sr.project_reject(actor=users["street"], project=project, reason=" ")
    assert refused.value.field == "reason"
    done = sr.project_reject(actor=users["street"], project=project, reason="服务对象与其他项目重复")
    again = sr.project_reject(actor=users["street"], project=project, reason="再次提交")
    assert again.decision_note == done.decision_note == "服务对象与其他项目重复"
    assert AuditEvent.objects.filter(action="grants.project_rejected").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_the_last_money_at_once_never_overspend() -> None:
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
    org = social_org(street_user, street)
    round_, (one, two) = reviewing_with(street_user, street, org, [community], n=2, budget_fen=40_000_00)
    for p in (one, two):
        sr.score_set(actor=street_user, project=p, score=80)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor: Any, project: GrantProject) -> None:
        try:
            barrier.wait()
            sr.project_approve(actor=actor, project=project, granted_fen=30_000_00)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(street_user, one)),
        threading.Thread(target=approve, args=(admin, two)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    granted = GrantProject.objects.filter(round=round_).aggregate(n=Sum("granted_fen"))["n"]
    assert granted == GrantRound.objects.get(pk=round_.pk).granted_fen == 30_000_00
