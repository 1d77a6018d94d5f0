"""Red property writes: property companies, service contracts, committee members, red/black lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.cobuilding.models import CommitteeMember, CommitteeRole, ListEntry, ListKind, PropertyContract, Rating
from linli.cobuilding.permissions import require
from linli.core.errors import Conflict, InvalidInput
from linli.core.identifiers import validate_uscc
from linli.core.text import clean_text
from linli.orgs.models import Organisation, OrganisationKind
from linli.people.models import Person
from linli.places.models import Place, PlaceKind

COMMITTEE_KINDS: set[str] = {OrganisationKind.OWNERS_COMMITTEE, OrganisationKind.SUPERVISORY_BOARD}


def _require_kind(org: Organisation, kinds: set[str], field: str, label: str) -> None:
    if org.kind not in kinds:
        raise InvalidInput(_("“%(org)s”不是%(kind)s") % {"org": org.name, "kind": label}, field=field)


@transaction.atomic
def property_company_register(
    *, actor: Any, home: Place, name: str, uscc: str, contact_name: str = "", contact_phone: str = ""
) -> Organisation:
    """A property company registered at a community or street, its credit code validated."""
    require(actor, home.path, "manage", _("您的岗位无权登记物业服务企业"))
    if home.kind not in {PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.DISTRICT}:
        raise InvalidInput(_("物业服务企业应登记在区、街道或社区"), field="home_id")
    code = validate_uscc(uscc)
    existing = Organisation.objects.select_for_update().filter(kind=OrganisationKind.PROPERTY_COMPANY, uscc=code)
    if existing.exists():
        raise Conflict(_("统一社会信用代码 %(code)s 已登记") % {"code": code}, field="uscc")
    try:
        with transaction.atomic():  # the unique constraint settles a concurrent registration of the code
            org = Organisation.objects.create(
                kind=OrganisationKind.PROPERTY_COMPANY,
                name=clean_text(name, field="name", label=_("企业名称"), max_length=120),
                uscc=code,
                contact_name=clean_text(
                    contact_name, field="contact_name", label=_("联系人"), max_length=64, required=False
                ),
                contact_phone=clean_text(
                    contact_phone, field="contact_phone", label=_("办公电话"), max_length=32, required=False
                ),
                home=home,
                place_path=home.path,
            )
    except IntegrityError:
        raise Conflict(_("统一社会信用代码 %(code)s 已登记") % {"code": code}, field="uscc") from None
    audit_record(action="cobuilding.company_registered", actor=actor, target=org)
    return org


def _decimal(raw: Any, *, field: str, label: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("%(label)s应为数字") % {"label": label}, field=field) from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(_("%(label)s不能为负数") % {"label": label}, field=field)
    return value


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    company: Organisation,
    compound: Place,
    starts_on: dt.date,
    ends_on: dt.date,
    fee_grade: str,
    fee_per_m2: Any,
    project_manager: str,
    instructor: Person | None = None,
) -> PropertyContract:
    """A service contract; periods of one compound never overlap (the compound row is locked, so two
    concurrent submissions cannot both pass the check)."""
    require(actor, compound.path, "manage", _("您的岗位无权登记物业服务合同"))
    _require_kind(company, {OrganisationKind.PROPERTY_COMPANY}, "company_id", _("物业服务企业"))
    if compound.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("合同须对应一个小区"), field="compound_id")
    if ends_on < starts_on:
        raise InvalidInput(_("合同结束日期不能早于开始日期"), field="ends_on")
    fee = _decimal(fee_per_m2, field="fee_per_m2", label=_("物业费标准"))
    if fee > Decimal("100"):
        raise InvalidInput(_("物业费标准(元/平方米·月)不应超过 100"), field="fee_per_m2")
    Place.objects.select_for_update().filter(pk=compound.pk).first()
    clash = (
        PropertyContract.objects.filter(compound=compound, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .select_related("company")
        .first()
    )
    if clash is not None:
        raise Conflict(
            _("该小区已有 %(company)s 的合同(%(starts_on)s 至 %(ends_on)s),期限重叠")
            % {
                "company": clash.company.name,
                "starts_on": clash.starts_on.isoformat(),
                "ends_on": clash.ends_on.isoformat(),
            },
            field="starts_on",
        )
    contract = PropertyContract.objects.create(
        company=company,
        compound=compound,
        place_path=compound.path,
        starts_on=starts_on,
        ends_on=ends_on,
        fee_grade=clean_text(fee_grade, field="fee_grade", label=_("服务等级"), max_length=16),
        fee_per_m2=fee,
        project_manager=clean_text(project_manager, field="project_manager", label=_("项目经理"), max_length=64),
        instructor=instructor,
        created_by=actor,
    )
    if not company.serves.filter(pk=compound.pk).exists():
        company.serves.add(compound)
    audit_record(action="cobuilding.contract_created", actor=actor, target=contract, company=company.pk)
    return contract


@transaction.atomic
def contract_update(
    *,
    actor: Any,
    contract: PropertyContract,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    fee_grade: str | None = None,
    fee_per_m2: Any = None,
    project_manager: str | None = None,
) -> PropertyContract:
    """Correct a contract or end it early; ``None`` leaves a field as it is. The new period must not
    overlap another contract of the compound (checked under the same compound lock as creation)."""
    require(actor, contract.place_path, "manage", _("您的岗位无权修改物业服务合同"))
    Place.objects.select_for_update().filter(pk=contract.compound_id).first()
    contract = PropertyContract.objects.select_for_update().get(pk=contract.pk)
    new: dict[str, Any] = {
        "starts_on": starts_on,
        "ends_on": ends_on,
        "fee_grade": None
        if fee_grade is None
        else clean_text(fee_grade, field="fee_grade", label=_("服务等级"), max_length=16),
        "fee_per_m2": None
        if fee_per_m2 in (None, "")
        else _decimal(fee_per_m2, field="fee_per_m2", label=_("物业费标准")),
        "project_manager": None
        if project_manager is None
        else clean_text(project_manager, field="project_manager", label=_("项目经理"), max_length=64),
    }
    if new["fee_per_m2"] is not None and new["fee_per_m2"] > Decimal("100"):
        raise InvalidInput(_("物业费标准(元/平方米·月)不应超过 100"), field="fee_per_m2")
    start = new["starts_on"] or contract.starts_on
    end = new["ends_on"] or contract.ends_on
    if end < start:
        raise InvalidInput(_("合同结束日期不能早于开始日期"), field="ends_on")
    clash = (
        PropertyContract.objects.filter(compound_id=contract.compound_id, starts_on__lte=end, ends_on__gte=start)
        .exclude(pk=contract.pk)
        .select_related("company")
        .first()
    )
    if clash is not None:
        raise Conflict(
            _("该小区已有 %(company)s 的合同(%(starts_on)s 至 %(ends_on)s),期限重叠")
            % {
                "company": clash.company.name,
                "starts_on": clash.starts_on.isoformat(),
                "ends_on": clash.ends_on.isoformat(),
            },
            field="starts_on",
        )
    changes: dict[str, list[str]] = {}
    for name, value in new.items():
        if value is not None and getattr(contract, name) != value:
            changes[name] = [str(getattr(contract, name)), str(value)]
            setattr(contract, name, value)
    if changes:
        contract.save(update_fields=list(changes))
        audit_record(action="cobuilding.contract_updated", actor=actor, target=contract, changes=changes)
    return contract


@transaction.atomic
def contract_instructor_set(*, actor: Any, contract: PropertyContract, instructor: Person | None) -> PropertyContract:
    """派驻 (or, with ``None``, 撤回) the contract's 党建指导员: a party member in the ledger whom the street or
    community sends to guide the property company's party work (seed 002: 派出物业企业党建指导员146名). Audited."""
    require(actor, contract.place_path, "manage", _("您的岗位无权派驻党建指导员"))
    if instructor is not None and not instructor.is_party_member:
        raise InvalidInput(_("党建指导员须为党员(台账中未登记为党员)"), field="person_id")
    contract = PropertyContract.objects.select_for_update().get(pk=contract.pk)
    before = contract.instructor_id
    after = instructor.pk if instructor is not None else None
    if before == after:
        return contract
    contract.instructor = instructor
    contract.save(update_fields=["instructor"])
    audit_record(
        action="cobuilding.instructor_assigned" if instructor is not None else "cobuilding.instructor_withdrawn",
        actor=actor,
        target=contract,
        before=before,
        after=after,
    )
    return contract


@transaction.atomic
def committee_member_add(
    *,
    actor: Any,
    committee: Organisation,
    person: Person,
    role: str,
    term_starts: dt.date,
    term_ends: dt.date,
    cross_residents_committee: bool = False,
    cross_branch: bool = False,
) -> CommitteeMember:
    require(actor, committee.place_path, "manage", _("您的岗位无权维护业委会成员"))
    _require_kind(committee, COMMITTEE_KINDS, "committee_id", _("业委会或业主监事会"))
    if role not in CommitteeRole.values:
        raise InvalidInput(_("未知职务"), field="role")
    if term_ends < term_starts:
        raise InvalidInput(_("任期结束不能早于开始"), field="term_ends")
    if not person.place_path.startswith(committee.place_path):
        raise InvalidInput(_("%(person)s 不是本小区居民") % {"person": person.name}, field="person_id")
    if CommitteeMember.objects.filter(organisation=committee, person=person, term_starts=term_starts).exists():
        raise Conflict(_("%(person)s 已是本届成员") % {"person": person.name}, field="person_id")
    member = CommitteeMember.objects.create(
        organisation=committee,
        person=person,
        place_path=committee.place_path,
        role=role,
        term_starts=term_starts,
        term_ends=term_ends,
        cross_residents_committee=cross_residents_committee,
        cross_branch=cross_branch,
    )
    audit_record(action="cobuilding.committee_member_added", actor=actor, target=member)
    return member


@transaction.atomic
def list_decide(
    *,
    actor: Any,
    organisation: Organisation,
    kind: str,
    reason: str,
    evidence: str,
    valid_from: dt.date,
    valid_until: dt.date,
    rating: Rating | None = None,
) -> ListEntry:
    """Put a property company on the red (红榜) or black (黑榜) list, for the compound of the rating
    or where the company is registered. A company is never on both lists for overlapping periods."""
    place_path = rating.place_path if rating is not None else organisation.place_path
    require(actor, place_path, "manage", _("您的岗位无权作出红黑榜决定"))
    _require_kind(organisation, {OrganisationKind.PROPERTY_COMPANY}, "organisation_id", _("物业服务企业"))
    if kind not in ListKind.values:
        raise InvalidInput(_("请选择红榜或黑榜"), field="kind")
    text = clean_text(reason, field="reason", label=_("列入理由"), max_length=2000)
    if valid_until < valid_from:
        raise InvalidInput(_("有效期结束不能早于开始"), field="valid_until")
    if rating is not None and rating.company_id != organisation.pk:
        raise InvalidInput(_("评定结果不属于该企业"), field="rating_id")
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    clash = ListEntry.objects.filter(
        organisation=organisation,
        place_path=place_path,
        revoked_at__isnull=True,
        valid_from__lte=valid_until,
        valid_until__gte=valid_from,
    ).first()
    if clash is not None:
        raise Conflict(
            _("该企业在此期间已列入%(list)s(至 %(until)s),请先撤销")
            % {"list": clash.get_kind_display(), "until": clash.valid_until.isoformat()},
            field="kind",
        )
    entry = ListEntry.objects.create(
        organisation=organisation,
        kind=kind,
        reason=text,
        evidence=clean_text(evidence, field="evidence", label=_("依据"), max_length=5000, required=False),
        valid_from=valid_from,
        valid_until=valid_until,
        rating=rating,
        place_path=place_path,
        decided_by=actor,
    )
    audit_record(action="cobuilding.list_decided", actor=actor, target=entry, kind=kind, company=organisation.pk)
    return entry


@transaction.atomic
def list_revoke(*, actor: Any, entry: ListEntry, reason: str) -> ListEntry:
    require(actor, entry.place_path, "manage", _("您的岗位无权撤销红黑榜决定"))
    entry = ListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.revoked_at is not None:
        raise Conflict(_("该决定已撤销"))
    entry.revoke_reason = clean_text(reason, field="reason", label=_("撤销理由"), max_length=200)
    entry.revoked_at = timezone.now()
    entry.save(update_fields=["revoke_reason", "revoked_at"])
    audit_record(action="cobuilding.list_revoked", actor=actor, target=entry)
    return entry
