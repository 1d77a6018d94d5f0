"""PIPL duties: the register of personal-information categories and data-subject requests
(access, correction, erasure, withdrawal) with a deadline, a workflow and cited refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.notify.models import Notification
from linli.people.models import CorrectionRequest, Person
from linli.privacy.models import DataCategory, RequestKind, RequestStatus, SubjectRequest
from linli.privacy.services import (
    data_category_update,
    subject_request_complete,
    subject_request_copy,
    subject_request_refuse,
    subject_request_review,
    subject_request_submit,
)
from linli.workdays.services import working_days_between


def _submit(users, kind=RequestKind.ACCESS, **extra):
    return subject_request_submit(
        actor=users["resident"], kind=kind, details=extra.pop("details", "请提供我的信息"), **extra
    )


def test_the_register_is_seeded_with_purpose_basis_and_retention_for_each_category(db):
    codes = set(DataCategory.objects.values_list("code", flat=True))
    assert {"ledger_identity", "contact", "care_tags", "requests", "visits", "votes"} <= codes
    care = DataCategory.objects.get(code="care_tags")
    assert care.sensitive and care.purpose and care.legal_basis == "legal_duty"
    assert DataCategory.objects.get(code="ledger_identity").retention_command == "purge_ledger"


def test_a_resident_reads_the_register_and_files_a_request_from_their_page(client_as, users):
    client = client_as("resident")
    register = client.get("/privacy/register/").content.decode()
    assert "重点人群标签" in register and "敏感个人信息" in register and "purge_ledger" in register
    page = client.get("/privacy/")
    assert page.status_code == 200
    key = page.context["idempotency_key"]
    for _ in range(2):  # a double submit files once
        response = client.post(
            "/privacy/", {"kind": "access", "details": "想看看社区登记了我哪些信息", "idempotency_key": key}
        )
        assert response.status_code == 302
    mine = SubjectRequest.objects.filter(person=users["resident"].person)
    assert mine.count() == 1
    assert "查阅、复制我的信息" in client.get("/privacy/").content.decode()


def test_a_request_is_due_in_fifteen_working_days_and_the_resident_is_told(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = _submit(users)
    assert request.status == RequestStatus.RECEIVED
    assert working_days_between(request.created_at, request.due_at) == 15
    assert request.due_at - request.created_at >= dt.timedelta(days=19)
    assert Notification.objects.filter(recipient=users["resident"], kind="privacy.request").exists()
    assert AuditEvent.objects.filter(action="privacy.request_submitted", target_id=str(request.pk)).exists()


def test_the_same_kind_cannot_be_filed_twice_while_open(users):
    _submit(users)
    with pytest.raises(Conflict):
        _submit(users)


def test_an_access_request_is_reviewed_answered_with_the_ledgers_full_copy_and_closed(users):
    request = _submit(users)
    subject_request_review(actor=users["community"], request_id=request.pk)
    copy = subject_request_copy(actor=users["community"], request_id=request.pk)
    assert copy["person"]["name"] == users["resident"].person.name and "tags" in copy
    done = subject_request_complete(actor=users["community"], request_id=request.pk, outcome="已现场交付副本")
    assert done.status == RequestStatus.DONE and done.resolved_by == users["community"]
    assert [e.to_status for e in done.events.all()] == ["received", "in_review", "done"]
    with pytest.raises(Conflict):
        subject_request_complete(actor=users["community"], request_id=request.pk, outcome="again")


def test_erasing_a_resident_who_still_lives_here_is_refused_and_the_refusal_must_cite_the_law(users):
    request = _submit(users, RequestKind.ERASURE, details="请删除我的全部信息")
    with pytest.raises(Conflict, match="户籍"):
        subject_request_complete(actor=users["community"], request_id=request.pk, outcome="")
    assert Person.objects.get(pk=users["resident"].person_id).name == users["resident"].person.name
    with pytest.raises(InvalidInput) as missing:
        subject_request_refuse(actor=users["community"], request_id=request.pk, citation="", reason="仍在本社区居住")
    assert missing.value.field == "citation"
    refused = subject_request_refuse(
        actor=users["community"],
        request_id=request.pk,
        citation="household_register",
        reason="您仍在本社区居住,登记信息须保存",
    )
    assert refused.status == RequestStatus.REFUSED and "户口登记条例" in refused.refusal_citation


def test_erasure_of_a_moved_out_resident_anonymises_the_record(users, places):
    from linli.people.services import person_move_out

    person = (
        Person.objects.filter(
            place_path__startswith=places.communities[0].path, user__isnull=True, positions__isnull=True
        )
        .exclude(phone_enc="")
        .first()
    )
    person_move_out(actor=users["community"], person=person, on=dt.date(2025, 1, 1))
    request = subject_request_submit(
        actor=users["community"], person=person, kind=RequestKind.ERASURE, details="居民来电要求删除"
    )
    assert request.on_behalf
    subject_request_complete(actor=users["community"], request_id=request.pk, outcome="核实身份后删除")
    person.refresh_from_db()
    assert person.anonymised_at is not None and person.phone_enc == "" and person.id_number_enc == ""


def test_a_correction_goes_through_the_ledgers_correction_queue(users):
    from linli.people.services import correction_resolve

    request = _submit(
        users,
        RequestKind.CORRECTION,
        correction_field="workplace",
        requested_value="北京市某某公司",
        details="换工作了",
    )
    assert request.correction is not None
    assert CorrectionRequest.objects.filter(pk=request.correction_id, status="open").exists()
    with pytest.raises(Conflict, match="更正队列"):
        subject_request_complete(actor=users["community"], request_id=request.pk, outcome="已更正")
    correction_resolve(actor=users["community"], correction=request.correction, accept=True)
    subject_request_complete(actor=users["community"], request_id=request.pk, outcome="已更正工作单位")
    assert Person.objects.get(pk=users["resident"].person_id).workplace == "北京市某某公司"


def test_a_grid_worker_cannot_see_or_act_on_a_residents_privacy_request(users, client_as):
    request = _submit(users)
    assert client_as("grid").get(f"/privacy/requests/{request.pk}/").status_code == 404
    for action in (subject_request_review,):
        with pytest.raises(NotFound):
            action(actor=users["grid"], request_id=request.pk)
    with pytest.raises(NotFound):
        subject_request_copy(actor=users["grid"], request_id=request.pk)
    assert (
        client_as("grid")
        .post(f"/privacy/requests/{request.pk}/refuse", {"citation": "open_request", "reason": "试试看能否拒绝"})
        .status_code
        == 404
    )
    assert SubjectRequest.objects.get(pk=request.pk).status == RequestStatus.RECEIVED


def test_another_resident_cannot_read_someone_elses_request(users, client_as):
    request = _submit(users)
    assert client_as("volunteer").get(f"/privacy/requests/{request.pk}/").status_code == 404
    assert client_as("resident").get(f"/privacy/requests/{request.pk}/").status_code == 200


def test_staff_cannot_file_on_behalf_of_someone_outside_their_scope(users, places):
    stranger = Person.objects.filter(place_path__startswith=places.other_community.path).first()
    with pytest.raises(NotFound):
        subject_request_submit(actor=users["grid"], person=stranger, kind=RequestKind.ACCESS, details="x")
    response_person = Person.objects.filter(place_path__startswith=places.other_community.path).first()
    assert response_person is not None


def test_only_an_administrator_edits_the_register(users):
    care = DataCategory.objects.get(code="care_tags")
    with pytest.raises(Forbidden):
        data_category_update(
            actor=users["community"], category_id=care.pk, purpose="随便用", legal_basis="consent", retention="永久"
        )
    updated = data_category_update(
        actor=users["admin"],
        category_id=care.pk,
        purpose="社会救助与关爱走访",
        legal_basis="legal_duty",
        retention="情形消失即移除",
    )
    assert updated.purpose == "社会救助与关爱走访"
    assert AuditEvent.objects.filter(action="privacy.category_updated").exists()


def test_the_staff_queue_costs_the_same_queries_for_few_or_many_requests(
    users, client_as, places, django_assert_max_num_queries
):
    client = client_as("community")
    _submit(users)
    client.get("/privacy/requests/")
    people = Person.objects.filter(place_path__startswith=places.communities[0].path).exclude(
        pk=users["resident"].person_id
    )[:15]
    for person in people:
        subject_request_submit(actor=users["community"], person=person, kind=RequestKind.ACCESS, details="代办")
    with django_assert_max_num_queries(14):
        response = client.get("/privacy/requests/")
    assert response.status_code == 200 and response.content.decode().count("data-request=") >= 16
