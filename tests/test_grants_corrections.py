"""修改与撤回申报: an application typed in wrong is corrected while the round is 申报中 and nothing is decided; an
organisation that changes its mind withdraws before the decision, its application kept with the reason and its
title freed; neither is possible for someone who could not have registered it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.grants import selectors as sel
from linli.grants import services as s
from linli.grants import services_apply as sa
from linli.grants.models import GrantProject, ProjectEvent, ProjectStatus
from tests.grants_support import PHONE, application, approved, grant_round, reviewing_with, social_org

pytestmark = pytest.mark.django_db


def correction(project: GrantProject, communities: list[Any], **changes: Any) -> sa.ApplicationFields:
    values: dict[str, Any] = {
        "organisation": None,
        "title": project.title,
        "service_field": project.service_field,
        "requested_fen": project.requested_fen,
        "planned_beneficiaries": project.planned_beneficiaries,
        "summary": project.summary,
        "contact_name": project.contact_name,
        "contact_phone": "",
        "communities": communities,
    }
    values.update(changes)
    return sa.ApplicationFields(**values)


def test_a_mistyped_amount_and_title_are_corrected_and_audited_by_field_name(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    project = application(actor, round_, social_org(actor, places.street), places.communities[:1])
    fixed = sa.project_correct(
        actor=actor,
        project=project,
        fields=correction(project, places.communities, title="银龄互助·乐融邻里(二期)", requested_fen=28_000_00),
    )
    assert (fixed.title, fixed.requested_fen) == ("银龄互助·乐融邻里(二期)", 2800000)
    assert sorted(fixed.served.values_list("place_id", flat=True)) == sorted(c.pk for c in places.communities)
    audit = AuditEvent.objects.get(action="grants.project_corrected", target_id=str(project.pk))
    assert set(audit.detail["fields"]) == {"title", "requested_fen", "communities"}
    note = ProjectEvent.objects.filter(project=project).latest("id").note
    assert "项目名称" in note and "申请资助金额" in note
    again = sa.project_correct(actor=actor, project=fixed, fields=correction(fixed, places.communities))
    assert again.pk == fixed.pk
    assert AuditEvent.objects.filter(action="grants.project_corrected", target_id=str(project.pk)).count() == 1


def test_a_blank_phone_keeps_the_one_on_file_and_a_new_one_is_stored_encrypted_and_never_audited(
    users: Any, places: Any
) -> None:
    actor = users["street"]
    project = application(
        actor, grant_round(actor, places.street), social_org(actor, places.street), places.communities
    )
    kept = sa.project_correct(
        actor=actor, project=project, fields=correction(project, places.communities, contact_name="李强")
    )
    assert crypto.decrypt(kept.phone_enc) == "+86" + PHONE
    changed = sa.project_correct(
        actor=actor, project=kept, fields=correction(kept, places.communities, contact_phone="13800001111")
    )
    assert crypto.decrypt(changed.phone_enc) == "+8613800001111"
    assert changed.phone_hash == crypto.keyed_hash("phone", "+8613800001111")
    for event in AuditEvent.objects.filter(action="grants.project_corrected", target_id=str(project.pk)):
        assert "13800001111" not in str(event.detail) and PHONE not in str(event.detail)
    with pytest.raises(InvalidInput) as exc:
        sa.project_correct(
            actor=actor, project=changed, fields=correction(changed, places.communities, contact_phone="12")
        )
    assert exc.value.field == "contact_phone"


def test_a_correction_is_refused_once_review_began_or_over_budget_naming_the_field(users: Any, places: Any) -> None:
    actor = users["street"]
    round_ = grant_round(actor, places.street)
    project = application(actor, round_, social_org(actor, places.street), places.communities)
    with pytest.raises(InvalidInput) as exc:
        sa.project_correct(
            actor=actor, project=project, fields=correction(project, places.communities, requested_fen=200_000_00)
        )
    assert exc.value.field == "requested_fen"
    with pytest.raises(InvalidInput) as exc:
        sa.project_correct(actor=actor, project=project, fields=correction(project, []))
    assert exc.value.field == "community_ids"
    s.round_review(actor=actor, round_=round_)
    with pytest.raises(Conflict):
        sa.project_correct(actor=actor, project=project, fields=correction(project, places.communities, title="改名"))
    assert GrantProject.objects.get(pk=project.pk).title == project.title


def test_a_community_worker_cannot_correct_or_withdraw_an_application_serving_another_community(
    users: Any, places: Any
) -> None:
    street = users["street"]
    round_ = grant_round(street, places.street)
    project = application(street, round_, social_org(street, places.street), [places.other_community])
    with pytest.raises(Forbidden):
        sa.project_correct(
            actor=users["community"], project=project, fields=correction(project, [places.other_community])
        )
    with pytest.raises(Forbidden):
        sa.project_withdraw(actor=users["community"], project=project, reason="不办了")


def test_a_withdrawn_application_is_kept_with_its_reason_leaves_decisions_and_frees_its_title(
    users: Any, places: Any
) -> None:
    actor = users["street"]
    org = social_org(actor, places.street)
    _round, [project] = reviewing_with(actor, places.street, org, places.communities)
    with pytest.raises(InvalidInput) as exc:
        sa.project_withdraw(actor=actor, project=project, reason="")
    assert exc.value.field == "reason"
    gone = sa.project_withdraw(actor=actor, project=project, reason="机构人手不足,书面申请撤回")
    assert gone.status == ProjectStatus.WITHDRAWN and gone.decision_note.startswith("机构人手不足")
    assert sa.project_withdraw(actor=actor, project=gone, reason="再点一次").decision_note.startswith("机构")
    assert AuditEvent.objects.filter(action="grants.project_withdrawn", target_id=str(project.pk)).count() == 1
    from linli.grants import services_review as sr

    with pytest.raises(Conflict):
        sr.score_set(actor=actor, project=gone, score=80)
    with pytest.raises(Conflict):
        approved(actor, gone)
    again = grant_round(actor, places.street, title="第二轮")
    fresh = application(actor, again, org, places.communities)
    open_round = grant_round(actor, places.street, title="第三轮")
    first = application(actor, open_round, org, places.communities, title="同名项目")
    sa.project_withdraw(actor=actor, project=first, reason="重新申报")
    second = application(actor, open_round, org, places.communities, title="同名项目")
    assert second.pk != first.pk and fresh.status == ProjectStatus.SUBMITTED


def test_a_decided_application_cannot_be_withdrawn(users: Any, places: Any) -> None:
    actor = users["street"]
    _round, [project] = reviewing_with(actor, places.street, social_org(actor, places.street), places.communities)
    done = approved(actor, project)
    with pytest.raises(Conflict):
        sa.project_withdraw(actor=actor, project=done, reason="不想做了")


def test_withdrawn_applications_count_as_registered_but_never_as_decided(users: Any, places: Any) -> None:
    actor = users["street"]
    org = social_org(actor, places.street)
    round_ = grant_round(actor, places.street)
    before = sel.figures(actor, places.street, since=timezone.localdate(), until=timezone.localdate())
    keep = application(actor, round_, org, places.communities, title="保留")
    drop = application(actor, round_, org, places.communities, title="撤回")
    sa.project_withdraw(actor=actor, project=drop, reason="撤回")
    today = timezone.localdate()
    f = sel.figures(actor, places.street, since=today, until=today)
    assert f.registered == before.registered + 2
    assert (f.rejected, f.approved) == (before.rejected, before.approved)
    assert keep.status == ProjectStatus.SUBMITTED


def test_the_project_page_corrects_and_withdraws_and_keeps_a_refused_correction(
    users: Any, places: Any, client_as: Any
) -> None:
    actor = users["street"]
    project = application(
        actor, grant_round(actor, places.street), social_org(actor, places.street), places.communities
    )
    url = f"/grants/projects/{project.pk}/"
    street = client_as("street")
    page = street.get(url).content.decode()
    assert 'id="correct"' in page and 'id="withdraw"' in page and f'value="{project.title}"' in page
    form = {
        "form": "correct",
        "title": "改过的名称",
        "service_field": "elderly",
        "requested": "abc",
        "planned_beneficiaries": "600",
        "summary": "简介",
        "contact_name": "王芳",
        "community_ids": [str(c.pk) for c in places.communities],
    }
    refused = street.post(url, form)
    assert refused.status_code == 422 and 'value="改过的名称"' in refused.content.decode()
    form["requested"] = "12000.50"
    assert street.post(url, form).status_code == 302
    assert GrantProject.objects.get(pk=project.pk).requested_fen == 1200050
    assert street.post(url, {"form": "withdraw", "reason": "书面撤回"}).status_code == 302
    page = street.get(url).content.decode()
    assert GrantProject.objects.get(pk=project.pk).status == ProjectStatus.WITHDRAWN
    assert 'data-event="withdrawn"' in page and 'id="correct"' not in page


def test_the_api_corrects_and_withdraws(users: Any, places: Any, api_as: Any) -> None:
    actor = users["street"]
    project = application(
        actor, grant_round(actor, places.street), social_org(actor, places.street), places.communities
    )
    body = {
        "title": "API 修改",
        "service_field": "youth",
        "community_ids": [places.communities[0].pk],
        "requested_fen": 10_000_00,
        "planned_beneficiaries": 100,
        "summary": "简介",
        "contact_name": "王芳",
    }
    api = api_as("street")
    done = api.put(f"/api/v1/grants/projects/{project.pk}", body, content_type="application/json")
    assert done.status_code == 200 and done.json()["title"] == "API 修改"
    bad = api.put(
        f"/api/v1/grants/projects/{project.pk}", {**body, "community_ids": [999999]}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["field"] == "community_ids"
    gone = api.post(
        f"/api/v1/grants/projects/{project.pk}/withdraw", {"reason": "撤回"}, content_type="application/json"
    )
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert (
        api_as("grid")
        .post(f"/api/v1/grants/projects/{project.pk}/withdraw", {"reason": "x"}, content_type="application/json")
        .status_code
        == 404
    )
