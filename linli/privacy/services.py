"""Writes for PIPL duties: data-subject requests and the data-category register.

The ledger already answers two of the duties; these services call it rather than copy it:
``linli.people.exporting.subject_access_export`` (everything we hold, Art. 45) for access
requests and ``linli.people.services.correction_request`` (the correction queue, Art. 46) for
corrections a resident files. Erasure anonymises the record the way ``purge_ledger`` does, and is
refused — with the law cited — while the law requires keeping the data.

Deadline: PIPL Art. 50 asks for a timely answer without fixing a period; we use 15 working days
(the official calendar, ``linli.workdays``), the period GB/T 35273-2020 §8.7 gives for answering
a data subject, and the queue shows what is overdue.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.scoping import may_manage_at, scope_for
from linli.people.models import Person
from linli.privacy.models import (
    DataCategory,
    LegalBasis,
    RequestKind,
    RequestStatus,
    SubjectRequest,
    SubjectRequestEvent,
)
from linli.workdays.services import add_working_days

RESPONSE_WORKDAYS = 15
DETAILS_MAX = 2000
# Refusals must cite why the law requires keeping the data (PIPL Art. 47 para. 2, Art. 13 (3)).
REFUSAL_CITATIONS = {
    "household_register": "《户口登记条例》及《城市居民委员会组织法》第三条:居民户籍与居住信息属法定登记事项,须保存",
    "open_request": "《个人信息保护法》第十三条第一款第三项:相关诉求尚未办结,履行法定职责所必需",
    "retention_period": "《个人信息保护法》第四十七条第二款:法律、行政法规规定的保存期限未届满",
    "care_duty": "《个人信息保护法》第十三条第一款第三项:社会救助、优抚等法定职责所必需(《社会救助暂行办法》)",
    "identity_unverified": "《个人信息保护法》第五十条:无法核实申请人身份",
}
KIND_NOTE = {
    RequestKind.ACCESS: "查阅、复制",
    RequestKind.CORRECTION: "更正、补充",
    RequestKind.ERASURE: "删除",
    RequestKind.WITHDRAWAL: "撤回同意",
}


def _event(request: SubjectRequest, *, actor: Any, from_status: str, note: str = "") -> None:
    SubjectRequestEvent.objects.create(
        request=request, actor=actor, from_status=from_status, to_status=request.status, note=note[:DETAILS_MAX]
    )


def _tell_resident(request: SubjectRequest, title: str) -> None:
    from linli.notify.services import notify

    user = getattr(request.person, "user", None)
    if user is None:
        return
    link = "/privacy/"
    transaction.on_commit(lambda: notify(users=[user], kind="privacy.request", title=title, link=link))


def _staff_may(actor: Any, person: Person) -> bool:
    return may_manage_at(actor, person.place_path)


def is_privacy_admin(actor: Any) -> bool:
    return bool(getattr(actor, "is_superuser", False)) or not scope_for(actor, "admin").empty


@transaction.atomic
def subject_request_submit(
    *,
    actor: Any,
    kind: str,
    details: str = "",
    person: Person | None = None,
    correction_field: str = "",
    requested_value: str = "",
    category_codes: list[str] | None = None,
    idempotency_key: str = "",
) -> SubjectRequest:
    """A resident files a request about their own record, or staff file one on a resident's behalf."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录"))
    if kind not in RequestKind.values:
        raise InvalidInput(_("请选择申请类型"), field="kind")
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise InvalidInput(_("说明不能超过 %(max)d 字") % {"max": DETAILS_MAX}, field="details")
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = SubjectRequest.objects.filter(submitted_by=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    own_id = getattr(actor, "person_id", None)
    on_behalf = person is not None and person.pk != own_id
    if on_behalf:
        assert person is not None
        if not _staff_may(actor, person):
            raise NotFound(_("未找到该居民,或您无权查看"))
    else:
        person = Person.objects.filter(pk=own_id).first() if own_id else None
        if person is None:
            raise Forbidden(_("您的账号没有关联居民档案,请到社区现场办理"))
    if SubjectRequest.objects.filter(
        person=person, kind=kind, status__in=[RequestStatus.RECEIVED, RequestStatus.IN_REVIEW]
    ).exists():
        raise Conflict(_("同类申请正在办理中,请勿重复提交"), field="kind")
    correction = None
    if kind == RequestKind.CORRECTION:
        if on_behalf:
            if not details:
                raise InvalidInput(_("请写明要更正的内容"), field="details")
        else:
            from linli.people.services import correction_request

            # The ledger's own correction queue does the work; this request tracks the deadline.
            correction = correction_request(
                actor=actor, field=correction_field, requested_value=requested_value, message=details
            )
    elif kind in (RequestKind.ERASURE, RequestKind.WITHDRAWAL) and not details and not category_codes:
        raise InvalidInput(_("请说明要删除或撤回同意的信息"), field="details")
    now = timezone.now()
    request = SubjectRequest(
        person=person,
        place_path=person.place_path,
        kind=kind,
        details=details,
        submitted_by=actor,
        on_behalf=on_behalf,
        correction=correction,
        due_at=add_working_days(now, days=RESPONSE_WORKDAYS),
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        existing = SubjectRequest.objects.filter(submitted_by=actor, idempotency_key=key).first()
        if existing is None:
            raise
        return existing
    if category_codes:
        categories = list(DataCategory.objects.filter(code__in=category_codes))
        if len(categories) != len(set(category_codes)):
            raise InvalidInput(_("有未知的信息类别"), field="categories")
        request.categories.set(categories)
    _event(request, actor=actor, from_status="", note="工作人员代为提交" if on_behalf else "")
    audit_record(action="privacy.request_submitted", actor=actor, target=request, kind=kind, on_behalf=on_behalf)
    _tell_resident(request, f"您的个人信息{KIND_NOTE[RequestKind(kind)]}申请已受理,我们将在15个工作日内答复")
    return request


def _lock(actor: Any, request_id: int) -> SubjectRequest:
    request = (
        SubjectRequest.objects.visible_to(actor)
        .select_for_update()
        .select_related("person")
        .filter(pk=request_id)
        .first()
    )
    if request is None or not _staff_may(actor, request.person):
        raise NotFound(_("未找到该申请,或您无权查看"))
    return request


@transaction.atomic
def subject_request_review(*, actor: Any, request_id: int) -> SubjectRequest:
    request = _lock(actor, request_id)
    if request.status != RequestStatus.RECEIVED:
        raise Conflict(_("该申请已在审核或已办结"))
    request.status = RequestStatus.IN_REVIEW
    request.save(update_fields=["status"])
    _event(request, actor=actor, from_status=RequestStatus.RECEIVED)
    audit_record(action="privacy.request_review", actor=actor, target=request)
    return request


def _erase(actor: Any, request: SubjectRequest) -> str:
    """Anonymise the record as ``purge_ledger`` does, unless the law requires keeping it."""
    from linli.people.maintenance import _blank
    from linli.people.models import CorrectionRequest, PersonPhone, PersonTag
    from linli.tickets.models import OPEN_STATUSES, Ticket

    person = Person.objects.select_for_update().get(pk=request.person_id)
    if person.moved_out_on is None:
        raise Conflict(_("该居民仍在本辖区居住,户籍与居住信息须保存:请以“不予办理”答复并引用户籍登记依据"))
    user = getattr(person, "user", None)
    if user is not None and Ticket.objects.filter(submitted_by=user, status__in=OPEN_STATUSES).exists():
        raise Conflict(_("该居民有尚未办结的诉求:请以“不予办理”答复并引用履行法定职责依据"))
    if person.positions.exists():
        raise Conflict(_("该居民仍担任岗位,信息在使用中"))
    PersonPhone.objects.filter(person=person).delete()
    PersonTag.objects.filter(person=person).delete()
    CorrectionRequest.objects.filter(person=person).update(requested_value="", message="")
    Person.objects.filter(pk=person.pk).update(**_blank())
    return "已匿名化:姓名、证件号、电话、标签与备注已删除,仅保留不可识别的居住时段"


@transaction.atomic
def subject_request_complete(*, actor: Any, request_id: int, outcome: str) -> SubjectRequest:
    """Finish a request. Access: the copy is produced through the ledger's Art. 45 export (the
    caller hands it over). Correction: the linked ledger correction must be resolved first.
    Erasure: the record is anonymised (refused by ``Conflict`` when the law requires keeping it)."""
    request = _lock(actor, request_id)
    if not request.is_open:
        raise Conflict(_("该申请已办结"))
    outcome = (outcome or "").strip()
    correction = request.correction if request.kind == RequestKind.CORRECTION else None
    if correction is not None and correction.status == "open":
        raise Conflict(_("请先在更正队列中处理对应的更正申请"))
    if request.kind == RequestKind.ERASURE:
        outcome = f"{outcome}\n{_erase(actor, request)}".strip()
    if not outcome:
        raise InvalidInput(_("请写明办理结果"), field="outcome")
    before = request.status
    request.status = RequestStatus.DONE
    request.outcome = outcome[:DETAILS_MAX]
    request.resolved_by = actor
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "outcome", "resolved_by", "resolved_at"])
    _event(request, actor=actor, from_status=before, note=request.outcome)
    audit_record(action="privacy.request_done", actor=actor, target=request, kind=request.kind)
    _tell_resident(request, f"您的个人信息{KIND_NOTE[RequestKind(request.kind)]}申请已办结")
    return request


@transaction.atomic
def subject_request_refuse(*, actor: Any, request_id: int, citation: str, reason: str) -> SubjectRequest:
    """Refuse with a reason and the legal provision that requires keeping the data."""
    request = _lock(actor, request_id)
    if not request.is_open:
        raise Conflict(_("该申请已办结"))
    if citation not in REFUSAL_CITATIONS:
        raise InvalidInput(_("不予办理须引用法律依据"), field="citation")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput(_("请写明不予办理的具体理由(至少5个字)"), field="reason")
    before = request.status
    request.status = RequestStatus.REFUSED
    request.refusal_citation = REFUSAL_CITATIONS[citation]
    request.outcome = reason[:DETAILS_MAX]
    request.resolved_by = actor
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "refusal_citation", "outcome", "resolved_by", "resolved_at"])
    _event(request, actor=actor, from_status=before, note=f"{reason}({request.refusal_citation})")
    audit_record(action="privacy.request_refused", actor=actor, target=request, citation=citation)
    _tell_resident(request, f"您的个人信息{KIND_NOTE[RequestKind(request.kind)]}申请不予办理,请查看理由")
    return request


def subject_request_copy(*, actor: Any, request_id: int) -> dict[str, Any]:
    """The Art. 45 copy for an access request, built by the ledger's export (audited there)."""
    from linli.people.exporting import subject_access_export

    with transaction.atomic():
        request = _lock(actor, request_id)
        if request.kind != RequestKind.ACCESS:
            raise Conflict(_("只有查阅、复制申请可以导出副本"))
        # The resident's own recorded request, not a staff member's lookup: outside the reveal budget.
        return subject_access_export(
            actor=actor, person=request.person, reason=f"个人信息查阅复制申请 #{request.pk}", budgeted=False
        )


@transaction.atomic
def data_category_update(
    *, actor: Any, category_id: int, purpose: str, legal_basis: str, retention: str, legal_reference: str = ""
) -> DataCategory:
    """Administrators keep the register true (audited)."""
    if not is_privacy_admin(actor):
        raise Forbidden(_("只有系统管理员可以修改个人信息处理清单"))
    category = DataCategory.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise NotFound(_("未找到该信息类别"))
    if legal_basis not in LegalBasis.values:
        raise InvalidInput(_("请选择处理依据"), field="legal_basis")
    purpose, retention = (purpose or "").strip(), (retention or "").strip()
    if len(purpose) < 4:
        raise InvalidInput(_("请写明处理目的"), field="purpose")
    if not retention:
        raise InvalidInput(_("请写明保存期限"), field="retention")
    before = {"purpose": category.purpose, "legal_basis": category.legal_basis, "retention": category.retention}
    category.purpose, category.legal_basis, category.retention = purpose[:2000], legal_basis, retention[:200]
    category.legal_reference = (legal_reference or "").strip()[:300]
    category.save()
    audit_record(action="privacy.category_updated", actor=actor, target=category, before=before)
    return category
