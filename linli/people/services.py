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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import birth_date_from_id, gender_from_id, normalise_id_number, normalise_phone
from linli.core.locks import serialize_on
from linli.core.ratelimit import reveal_budget
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
    is_party_status,
)
from linli.places.models import Household, Place, PlaceKind
from linli.places.services import household_create

MIN_REASON = 4
EDIT_CAPABILITIES = frozenset({"admin", "manage", "handle"})  # community staff and grid workers keep the ledger
NOT_YOURS = gettext_noop("您的岗位无权修改台账")  # translated when raised


def _require(actor: Any, person: Person, capability: str, message: str) -> set[str]:
    caps = capabilities_at(actor, person.place_path)
    if capability not in caps:
        raise Forbidden(message)
    return caps


def _require_edit(actor: Any, path: str, message: str = "") -> set[str]:
    """Editing the ledger needs ``manage`` or ``handle`` at the node (``admin`` everywhere)."""
    caps = capabilities_at(actor, path)
    if not caps & EDIT_CAPABILITIES:
        raise Forbidden(message or _(NOT_YOURS))
    return caps


@dataclass(frozen=True)
class Revealed:
    id_number: str
    phone: str
    extra_phones: list[tuple[str, str]]


def person_reveal(*, actor: Any, person: Person, reason: str, request: HttpRequest | None = None) -> Revealed:
    """Show one person's full ID and phone numbers: needs ``reveal`` and a stated reason; audited. Not atomic: a
    refusal past the reveal budget must keep its count and its audit event (``reveal_budget``)."""
    reason = (reason or "").strip()
    _require(actor, person, "reveal", _("您的岗位无权查看完整证件号和电话"))
    if len(reason) < MIN_REASON:
        raise InvalidInput(_("请填写查看原因(至少%(n)d个字)") % {"n": MIN_REASON}, field="reason")
    reveal_budget(actor=actor, request=request)
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


def person_update(*, actor: Any, person: Person, changes: dict[str, str], note: str = "") -> list[str]:
    """Change ledger fields (staff with ``manage`` or ``handle`` at the person's address).

    Identifiers are validated and re-hashed; a phone given as "" is cleared. Only fields whose
    value really changes are saved and named in the audit event (never the values: personal data).
    Returns the names of the changed fields. An ID number registered on another record is refused
    before anything is written (``_refuse_registered_id_number``: audited and rate-limited).
    """
    _require_edit(actor, person.place_path)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(
            _("不能修改:%(fields)s") % {"fields": _("、").join(sorted(unknown))}, field=sorted(unknown)[0]
        )
    if "id_number" in changes:
        _refuse_registered_id_number(actor=actor, person=person, raw=changes["id_number"])
    with transaction.atomic():
        return _apply_changes(actor=actor, person=person, changes=changes, note=note)


ID_TAKEN = gettext_noop("该身份证号已登记在另一条记录上")


def _refuse_registered_id_number(*, actor: Any, person: Person, raw: str) -> None:
    """Refuse an ID number that another record holds. The refusal itself tells the editor that the
    number is registered somewhere — in the district, beyond their grid — so a grid worker could sweep
    numbers through the edit form to learn who lives here. Each refusal is therefore audited
    (``resident.id_number_refused``: who, on which record, whether the other record is within their
    own scope; never the number) and counted: past ``ledger.id_conflict``'s budget (10 an hour) the
    editor is refused outright (429, itself audited once). Runs outside the edit's transaction, so
    that neither the count nor the audit event is rolled back with the refused edit."""
    from linli.core.ratelimit import rate_limit
    from linli.core.scoping import scope_for

    digest = crypto.keyed_hash("id", normalise_id_number((raw or "").strip()))
    if digest == person.id_number_hash:
        return
    other = Person.objects.filter(id_number_hash=digest).exclude(pk=person.pk).values_list("place_path", flat=True)
    paths = list(other[:1])
    if not paths:
        return
    rate_limit(purpose="ledger.id_conflict", key=str(actor.pk), actor=actor)
    audit_record(
        action="resident.id_number_refused",
        actor=actor,
        target=person,
        success=False,
        other_in_scope=scope_for(actor).covers(paths[0]),
    )
    raise Conflict(_(ID_TAKEN), field="id_number")


def _apply_changes(*, actor: Any, person: Person, changes: dict[str, str], note: str) -> list[str]:
    changed: list[str] = []
    for key, raw in changes.items():
        value = (raw or "").strip()
        if key == "name":
            if not value or len(value) > 64:
                raise InvalidInput(_("姓名应为1到64个字"), field="name")
            if value != person.name:
                person.name = value
                changed.append(key)
        elif key == "id_number":
            number = normalise_id_number(value)
            digest = crypto.keyed_hash("id", number)
            if digest == person.id_number_hash:
                continue
            if Person.objects.filter(id_number_hash=digest).exclude(pk=person.pk).exists():
                raise Conflict(_(ID_TAKEN), field="id_number")  # registered since the check above
            person.id_number_enc, person.id_number_hash = crypto.encrypt(number), digest
            person.gender, person.birth_date = gender_from_id(number), birth_date_from_id(number)
            changed.append(key)
        elif key == "phone":
            phone = normalise_phone(value) if value else ""
            digest = crypto.keyed_hash("phone", phone)
            if digest != person.phone_hash:
                person.phone_enc, person.phone_hash = crypto.encrypt(phone), digest
                changed.append(key)
        elif key in CHOICES:
            if value not in CHOICES[key]:
                raise InvalidInput(_("选项无效"), field=key)
            if value != getattr(person, key):
                setattr(person, key, value)
                changed.append(key)
        elif key in ("workplace", "notes"):
            value = value[:200] if key == "workplace" else value[:5000]
            if value != getattr(person, key):
                setattr(person, key, value)
                changed.append(key)
    if not changed:
        return changed
    if "political_status" in changed:
        person.is_party_member = is_party_status(person.political_status)
    person.save()
    audit_record(action="resident.updated", actor=actor, target=person, fields=changed, note=note[:200])
    return changed


CHOICES: dict[str, list[str]] = {
    "political_status": PoliticalStatus.values,
    "residence_type": ResidenceType.values,
    "relation_to_head": Relation.values,
}


@transaction.atomic
def person_phone_add(*, actor: Any, person: Person, phone: str, label: str = "") -> PersonPhone:
    """A secondary phone (家属、单位), encrypted with its keyed hash like the main one."""
    _require_edit(actor, person.place_path)
    e164 = normalise_phone(phone)
    digest = crypto.keyed_hash("phone", e164)
    serialize_on("person_phone", person.pk, digest)
    if digest == person.phone_hash or PersonPhone.objects.filter(person=person, phone_hash=digest).exists():
        raise Conflict(_("此人已登记这个号码"), field="phone")
    row = PersonPhone.objects.create(
        person=person, label=label.strip()[:32], phone_enc=crypto.encrypt(e164), phone_hash=digest
    )
    audit_record(action="resident.phone_added", actor=actor, target=person, phone=row.pk)
    return row


@transaction.atomic
def person_phone_remove(*, actor: Any, phone: PersonPhone) -> None:
    person = phone.person
    _require_edit(actor, person.place_path)
    phone_id = phone.pk
    phone.delete()
    audit_record(action="resident.phone_removed", actor=actor, target=person, phone=phone_id)


@transaction.atomic
def person_tag_set(*, actor: Any, person: Person, tag: CareTag, present: bool) -> bool:
    """Add or remove a care tag; sensitive tags need the ``sensitive`` capability as well.
    Returns whether anything changed (an unchanged request is not audited)."""
    caps = _require_edit(actor, person.place_path)
    if tag.sensitive and not caps & {"sensitive", "admin"}:
        raise Forbidden(_("您的岗位无权登记敏感标签"))
    if present:
        if not tag.active:
            raise InvalidInput(_("该标签已停用"), field="tag")
        changed = PersonTag.objects.get_or_create(person=person, tag=tag)[1]
    else:
        changed = PersonTag.objects.filter(person=person, tag=tag).delete()[0] > 0
    if changed:
        audit_record(
            action="resident.tagged" if present else "resident.untagged", actor=actor, target=person, tag=tag.code
        )
    return changed


def _check_move_date(on: dt.date, field: str = "on") -> None:
    if on > timezone.localdate():
        raise InvalidInput(_("日期不能在未来"), field=field)
    if on.year < 1900:
        raise InvalidInput(_("日期不合常理"), field=field)


@transaction.atomic
def person_move_out(*, actor: Any, person: Person, on: dt.date, note: str = "") -> Person:
    """Record a move-out: the open residence is closed (history is kept, never deleted) and the person leaves
    any compound governance team seat they held (小区治理团队: the gap shows in 配齐率 at once)."""
    _require_edit(actor, person.place_path)
    _lock(person)
    if person.moved_out_on is not None:
        raise Conflict(_("此人已登记迁出"))
    if on > timezone.localdate():
        raise InvalidInput(_("迁出日期不能在未来"), field="on")
    _check_move_date(on)
    open_rows = Residence.objects.filter(person=person, moved_out_on__isnull=True)
    latest = open_rows.exclude(moved_in_on__isnull=True).order_by("-moved_in_on").first()
    if latest is not None and latest.moved_in_on and on < latest.moved_in_on:
        raise InvalidInput(
            _("迁出日期不能早于迁入日期 %(date)s") % {"date": f"{latest.moved_in_on:%Y-%m-%d}"}, field="on"
        )
    if not open_rows.exists():  # records that predate the history table get their stay recorded now
        _record_stay(person, source="迁出登记时补记")
    open_rows.update(moved_out_on=on)
    person.moved_out_on = on
    person.save(update_fields=["moved_out_on", "updated_at"])
    audit_record(action="resident.moved_out", actor=actor, target=person, on=on.isoformat(), note=note[:200])
    from linli.teams.services import members_end_on_move_out  # teams stand on the ledger, not the reverse

    members_end_on_move_out(actor=actor, person=person, on=on)
    return person


def _lock(person: Person) -> None:
    """Serialise moves of one person (two clerks at once) and work on the stored state."""
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    person.refresh_from_db()


def _record_stay(person: Person, *, source: str, moved_in_on: dt.date | None = None) -> Residence:
    return Residence.objects.create(
        person=person,
        place=person.place,
        place_path=person.place_path,
        household=person.household,
        residence_type=person.residence_type,
        moved_in_on=moved_in_on,
        source=source,
    )


@transaction.atomic
def person_move_in(
    *,
    actor: Any,
    person: Person,
    place: Place,
    room: str = "",
    on: dt.date,
    residence_type: str = "",
    note: str = "",
) -> Person:
    """Record a move-in at a building or unit (and room): a new stay in the history. Someone still
    living at another address is moved out of it on the same day; nothing is deleted. The room
    becomes a household, registered on the way if it is new."""
    _require_edit(actor, person.place_path)
    if place.kind not in (PlaceKind.BUILDING, PlaceKind.UNIT):
        raise InvalidInput(_("请选择楼栋或单元"), field="place")
    _require_edit(actor, place.path, _("新住址不在您的管辖范围内"))
    _check_move_date(on)
    kind = residence_type or person.residence_type
    if kind not in ResidenceType.values:
        raise InvalidInput(_("人员类型无效"), field="residence_type")
    room = room.strip()
    if len(room) > 32:
        raise InvalidInput(_("房号超过32个字"), field="room")
    _lock(person)
    if person.moved_out_on is not None and on < person.moved_out_on:
        raise InvalidInput(
            _("迁入日期不能早于上次迁出日期 %(date)s") % {"date": f"{person.moved_out_on:%Y-%m-%d}"}, field="on"
        )
    household = None
    if room:
        household = Household.objects.filter(place=place, room=room).first()
        if household is None:
            household = household_create(actor=actor, place=place, room=room)
    if person.moved_out_on is None:  # moving house within the area: close the current stay first
        open_rows = Residence.objects.filter(person=person, moved_out_on__isnull=True)
        if not open_rows.exists():
            _record_stay(person, source="迁入登记时补记")
        if open_rows.filter(moved_in_on__gt=on).exists():
            raise InvalidInput(_("迁入日期早于当前住址的迁入日期"), field="on")
        open_rows.update(moved_out_on=on)
    person.place, person.place_path, person.household = place, place.path, household
    person.residence_type, person.moved_out_on = kind, None
    person.save()
    _record_stay(person, source="迁入登记", moved_in_on=on)
    audit_record(
        action="resident.moved_in", actor=actor, target=person, place=place.pk, on=on.isoformat(), note=note[:200]
    )
    return person


@transaction.atomic
def ownership_record(
    *, actor: Any, person: Person, household: Household, area_m2: Any, share: Any = 1, since: dt.date | None = None
) -> Ownership:
    """Register ownership of a dwelling with its exclusive area (专有部分面积), for owners' votes."""
    _require_edit(actor, person.place_path)
    _require_edit(actor, household.place_path, _("该房屋不在您的管辖范围内"))
    try:
        area, part = Decimal(str(area_m2).strip()), Decimal(str(share).strip() or "1")
    except InvalidOperation:
        raise InvalidInput(_("面积或份额不是数字"), field="area_m2") from None
    if not area.is_finite() or area <= 0 or area > Decimal("100000"):
        raise InvalidInput(_("专有部分面积应大于0"), field="area_m2")
    if not part.is_finite() or part <= 0 or part > 1:
        raise InvalidInput(_("份额应在 0 到 1 之间"), field="share")
    if since is not None:
        _check_move_date(since, "since")
    serialize_on("ownership", person.pk, household.pk)  # a double-clicked form must not count the area twice
    if Ownership.objects.filter(person=person, household=household, until__isnull=True).exists():
        raise Conflict(_("此人对该房屋的产权已登记"), field="household")
    try:
        with transaction.atomic():
            ownership = Ownership.objects.create(
                person=person,
                household=household,
                place_path=household.place_path,
                area_m2=area,
                share=part,
                since=since,
            )
    except IntegrityError:
        raise InvalidInput(_("面积或份额超出范围"), field="area_m2") from None
    audit_record(action="resident.ownership_recorded", actor=actor, target=person, household=household.pk)
    return ownership


@transaction.atomic
def ownership_end(*, actor: Any, ownership: Ownership, on: dt.date) -> Ownership:
    """Close an ownership (sold, transferred); the row stays as history."""
    _require_edit(actor, ownership.place_path)
    if ownership.until is not None:
        raise Conflict(_("该产权已登记结束"))
    _check_move_date(on)
    if ownership.since and on < ownership.since:
        raise InvalidInput(_("结束日期不能早于取得日期"), field="on")
    ownership.until = on
    ownership.save(update_fields=["until"])
    audit_record(
        action="resident.ownership_ended", actor=actor, target=ownership.person, household=ownership.household_id
    )
    return ownership


@transaction.atomic
def correction_request(*, actor: Any, field: str, requested_value: str = "", message: str = "") -> CorrectionRequest:
    """A resident asks for their own record to be corrected; staff see it in their queue."""
    person_id = getattr(actor, "person_id", None)
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    if person is None:
        raise Forbidden(_("您的账号没有关联居民档案"))
    if field not in CorrectionField.values:
        raise InvalidInput(_("请选择要更正的内容"), field="field")
    if not (requested_value.strip() or message.strip()):
        raise InvalidInput(_("请填写正确的内容或说明"), field="requested_value")
    serialize_on("correction", person.pk, field)
    if CorrectionRequest.objects.filter(person=person, field=field, status=CorrectionStatus.OPEN).exists():
        raise Conflict(_("同一项内容已有待处理的更正申请"), field="field")
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
    _require(actor, correction.person, "manage", _("您的岗位无权处理更正申请"))
    # Two staff resolving it at once: the second waits for the first and sees it resolved.
    correction = CorrectionRequest.objects.select_for_update().select_related("person").get(pk=correction.pk)
    if correction.status != CorrectionStatus.OPEN:
        raise Conflict(_("该申请已处理"))
    if not accept and not note.strip():
        raise InvalidInput(_("不采纳时请说明原因"), field="note")
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
