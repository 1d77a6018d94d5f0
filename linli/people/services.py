"""Writes to the resident ledger. One function per state change, keyword-only, one transaction,
an audit event each. Imports live in ``import_services``; key rotation and retention in
``maintenance``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import birth_date_from_id, gender_from_id, normalise_id_number, normalise_phone
from linli.core.scoping import capabilities_at
from linli.people.models import (
    CareTag,
    CorrectionField,
    CorrectionRequest,
    CorrectionStatus,
    Ownership,
    Person,
    PersonPhone,
    PersonTag,
    PoliticalStatus,
    Relation,
    Residence,
    ResidenceType,
)
from linli.places.models import Household

MIN_REASON = 4


def _require(actor: Any, person: Person, capability: str, message: str) -> set[str]:
    caps = capabilities_at(actor, person.place_path)
    if capability not in caps:
        raise Forbidden(message)
    return caps


@dataclass(frozen=True)
class Revealed:
    id_number: str
    phone: str
    extra_phones: list[tuple[str, str]]


@transaction.atomic
def person_reveal(*, actor: Any, person: Person, reason: str, request: HttpRequest | None = None) -> Revealed:
    """Show one person's full ID and phone numbers: needs ``reveal`` and a stated reason; audited."""
    reason = (reason or "").strip()
    _require(actor, person, "reveal", "您的岗位无权查看完整证件号和电话")
    if len(reason) < MIN_REASON:
        raise InvalidInput(f"请填写查看原因(至少{MIN_REASON}个字)", field="reason")
    audit_record(
        action="resident.reveal",
        actor=actor,
        target=person,
        request=request,
        reason=reason[:500],
        fields=["id", "phone"],
    )
    return Revealed(
        id_number=person.id_number,
        phone=person.phone,
        extra_phones=[(p.label, p.phone) for p in person.extra_phones.all()],
    )


EDITABLE = {
    "name",
    "id_number",
    "phone",
    "workplace",
    "political_status",
    "residence_type",
    "relation_to_head",
    "notes",
}


@transaction.atomic
def person_update(*, actor: Any, person: Person, changes: dict[str, str], note: str = "") -> Person:
    """Change ledger fields (staff with ``manage``). Identifiers are validated and re-hashed."""
    _require(actor, person, "manage", "您的岗位无权修改台账")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"不能修改:{'、'.join(sorted(unknown))}", field=sorted(unknown)[0])
    changed: list[str] = []
    for key, raw in changes.items():
        value = (raw or "").strip()
        if key == "name":
            if not value or len(value) > 64:
                raise InvalidInput("姓名应为1到64个字", field="name")
            person.name = value
        elif key == "id_number":
            number = normalise_id_number(value)
            digest = crypto.keyed_hash("id", number)
            if Person.objects.filter(id_number_hash=digest).exclude(pk=person.pk).exists():
                raise Conflict("该身份证号已登记在另一条记录上", field="id_number")
            person.id_number_enc, person.id_number_hash = crypto.encrypt(number), digest
            person.gender, person.birth_date = gender_from_id(number), birth_date_from_id(number)
        elif key == "phone":
            phone = normalise_phone(value) if value else ""
            person.phone_enc, person.phone_hash = crypto.encrypt(phone), crypto.keyed_hash("phone", phone)
        elif key == "political_status":
            _choice(value, PoliticalStatus.values, key)
            person.political_status = value
            person.is_party_member = value in (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)
        elif key == "residence_type":
            _choice(value, ResidenceType.values, key)
            person.residence_type = value
        elif key == "relation_to_head":
            _choice(value, Relation.values, key)
            person.relation_to_head = value
        elif key == "workplace":
            person.workplace = value[:200]
        elif key == "notes":
            person.notes = value
        changed.append(key)
    person.save()
    # The audit trail names the fields, never the values (they are personal data).
    audit_record(action="resident.updated", actor=actor, target=person, fields=changed, note=note[:200])
    return person


def _choice(value: str, allowed: list[str], field: str) -> None:
    if value not in allowed:
        raise InvalidInput("选项无效", field=field)


@transaction.atomic
def person_phone_add(*, actor: Any, person: Person, phone: str, label: str = "") -> PersonPhone:
    _require(actor, person, "manage", "您的岗位无权修改台账")
    e164 = normalise_phone(phone)
    row = PersonPhone.objects.create(
        person=person, label=label[:32], phone_enc=crypto.encrypt(e164), phone_hash=crypto.keyed_hash("phone", e164)
    )
    audit_record(action="resident.phone_added", actor=actor, target=person)
    return row


@transaction.atomic
def person_tag_set(*, actor: Any, person: Person, tag: CareTag, present: bool) -> None:
    """Add or remove a care tag. Sensitive tags need the ``sensitive`` capability as well."""
    caps = _require(actor, person, "manage", "您的岗位无权修改台账")
    if tag.sensitive and "sensitive" not in caps:
        raise Forbidden("您的岗位无权登记敏感标签")
    if present:
        PersonTag.objects.get_or_create(person=person, tag=tag)
    else:
        PersonTag.objects.filter(person=person, tag=tag).delete()
    audit_record(action="resident.tagged" if present else "resident.untagged", actor=actor, target=person, tag=tag.code)


@transaction.atomic
def person_move_out(*, actor: Any, person: Person, on: dt.date, note: str = "") -> Person:
    """Record a move-out: the open residence is closed (history is kept, never deleted)."""
    _require(actor, person, "manage", "您的岗位无权修改台账")
    if person.moved_out_on is not None:
        raise Conflict("此人已登记迁出")
    if on > timezone.localdate():
        raise InvalidInput("迁出日期不能在未来", field="on")
    open_rows = Residence.objects.filter(person=person, moved_out_on__isnull=True)
    if not open_rows.exists():  # records that predate the history table get their stay recorded now
        Residence.objects.create(
            person=person,
            place=person.place,
            place_path=person.place_path,
            household=person.household,
            residence_type=person.residence_type,
            source="迁出登记时补记",
        )
    open_rows.update(moved_out_on=on)
    person.moved_out_on = on
    person.save(update_fields=["moved_out_on", "updated_at"])
    audit_record(action="resident.moved_out", actor=actor, target=person, on=on.isoformat(), note=note[:200])
    return person


@transaction.atomic
def ownership_record(
    *, actor: Any, person: Person, household: Household, area_m2: Any, share: Any = 1, since: dt.date | None = None
) -> Ownership:
    """Register ownership of a dwelling with its exclusive area (专有部分面积), for owners' votes."""
    _require(actor, person, "manage", "您的岗位无权修改台账")
    if "manage" not in capabilities_at(actor, household.place_path):
        raise Forbidden("该房屋不在您的管辖范围内")
    try:
        area, part = Decimal(str(area_m2)), Decimal(str(share))
    except InvalidOperation:
        raise InvalidInput("面积或份额不是数字", field="area_m2") from None
    if area <= 0 or area > Decimal("100000"):
        raise InvalidInput("专有部分面积应大于0", field="area_m2")
    if part <= 0 or part > 1:
        raise InvalidInput("份额应在 0 到 1 之间", field="share")
    try:
        ownership = Ownership.objects.create(
            person=person, household=household, place_path=household.place_path, area_m2=area, share=part, since=since
        )
    except IntegrityError:
        raise InvalidInput("面积或份额超出范围", field="area_m2") from None
    audit_record(action="resident.ownership_recorded", actor=actor, target=person, household=household.pk)
    return ownership


@transaction.atomic
def correction_request(*, actor: Any, field: str, requested_value: str = "", message: str = "") -> CorrectionRequest:
    """A resident asks for their own record to be corrected; staff see it in their queue."""
    person_id = getattr(actor, "person_id", None)
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    if person is None:
        raise Forbidden("您的账号没有关联居民档案")
    if field not in CorrectionField.values:
        raise InvalidInput("请选择要更正的内容", field="field")
    if not (requested_value.strip() or message.strip()):
        raise InvalidInput("请填写正确的内容或说明", field="requested_value")
    if CorrectionRequest.objects.filter(person=person, field=field, status=CorrectionStatus.OPEN).exists():
        raise Conflict("同一项内容已有待处理的更正申请", field="field")
    correction = CorrectionRequest.objects.create(
        person=person,
        place_path=person.place_path,
        requested_by=actor,
        field=field,
        requested_value=requested_value.strip()[:200],
        message=message.strip()[:2000],
    )
    audit_record(action="resident.correction_requested", actor=actor, target=person, field=field)
    return correction


APPLICABLE = {CorrectionField.NAME: "name", CorrectionField.ID_NUMBER: "id_number", CorrectionField.PHONE: "phone"}
APPLICABLE[CorrectionField.WORKPLACE] = "workplace"


@transaction.atomic
def correction_resolve(*, actor: Any, correction: CorrectionRequest, accept: bool, note: str = "") -> CorrectionRequest:
    """Accept (applying the requested value where it maps to a field) or reject, with a note."""
    _require(actor, correction.person, "manage", "您的岗位无权处理更正申请")
    if correction.status != CorrectionStatus.OPEN:
        raise Conflict("该申请已处理")
    if not accept and not note.strip():
        raise InvalidInput("不采纳时请说明原因", field="note")
    target = APPLICABLE.get(correction.field)  # type: ignore[call-overload]
    if accept and target and correction.requested_value:
        person_update(
            actor=actor, person=correction.person, changes={target: correction.requested_value}, note="更正申请"
        )
    correction.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REJECTED
    correction.resolved_by = actor
    correction.resolution_note = note.strip()[:2000]
    correction.resolved_at = timezone.now()
    correction.save()
    audit_record(
        action="resident.correction_resolved",
        actor=actor,
        target=correction.person,
        correction=correction.pk,
        outcome=correction.status,
    )
    return correction
