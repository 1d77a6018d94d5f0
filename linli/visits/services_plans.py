"""Plan writes: quota rules (走访要求), care plans for key households, hazard points (隐患点)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.locks import serialize_on
from linli.core.scoping import capabilities_at, scope_for
from linli.core.text import clean_text
from linli.people.models import Person, PersonTag, Position
from linli.people.positions import POSITION_KINDS
from linli.places.models import Place, PlaceKind
from linli.places.services import validate_point
from linli.visits.models import CarePlan, HazardLevel, HazardPoint, QuotaMode, QuotaPeriod, QuotaRule
from linli.visits.services import RECORDING_CAPABILITIES, household_for_visit, recording_q

HAZARD_KINDS = {PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING, PlaceKind.UNIT}
PLAN_TEXT_MAX = 2000


def may_configure_rules(user: Any) -> bool:
    return scope_for(user, "admin").everything or not scope_for(user, "lead").empty


def quota_rule_add(*, actor: Any, position_kind: str, period: str, mode: str, target: int = 0) -> QuotaRule:
    if not may_configure_rules(actor):
        raise Forbidden(_("只有系统管理员或领导可以设置走访要求"))
    if position_kind not in POSITION_KINDS or not POSITION_KINDS[position_kind].scoped:
        raise InvalidInput(_("请选择有辖区的岗位"), field="position_kind")
    if period not in QuotaPeriod.values:
        raise InvalidInput(_("周期应为每周、每月或每季度"), field="period")
    if mode not in QuotaMode.values:
        raise InvalidInput(_("未知的考核方式"), field="mode")
    if mode == QuotaMode.COUNT and not 1 <= int(target) <= 1000:
        raise InvalidInput(_("“至少走访 N 户”的 N 应在 1 到 1000 之间"), field="target")
    with transaction.atomic():
        serialize_on("quota_rule", position_kind, period, mode)
        if QuotaRule.objects.filter(position_kind=position_kind, period=period, mode=mode, active=True).exists():
            raise InvalidInput(_("同一岗位已有相同周期和方式的要求,请先停用旧的"), field="mode")
        rule = QuotaRule.objects.create(
            position_kind=position_kind, period=period, mode=mode, target=int(target) if mode == QuotaMode.COUNT else 0
        )
        audit_record(action="visit.rule_add", actor=actor, target=rule)
    return rule


def quota_rule_set_active(*, actor: Any, rule_id: int, active: bool) -> QuotaRule:
    if not may_configure_rules(actor):
        raise Forbidden(_("只有系统管理员或领导可以设置走访要求"))
    with transaction.atomic():
        rule = QuotaRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound(_("未找到该走访要求"))
        rule.active = bool(active)
        rule.save(update_fields=["active"])
        audit_record(action="visit.rule_active", actor=actor, target=rule, active=rule.active)
    return rule


def _responsible_at(person_id: Any, path: str) -> Person:
    """A person who holds a scoped position today at or above ``path``."""
    today = timezone.localdate()
    positions = Position.objects.filter(person_id=person_id, start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    for kind, root in positions.values_list("kind", "place__path"):
        spec = POSITION_KINDS.get(kind)
        if spec and spec.scoped and path.startswith(root):
            return Person.objects.get(pk=person_id)
    raise InvalidInput(_("责任人应为在该区域任职的工作人员"), field="responsible_id")


def care_plan_set(
    *, actor: Any, household_id: int, responsible_id: int, frequency_days: int, note: str = "", active: bool = True
) -> CarePlan:
    """Create or change a household's care plan. Only households with care tags get one."""
    household = household_for_visit(actor, household_id)
    if not capabilities_at(actor, household.place_path) & RECORDING_CAPABILITIES:
        raise Forbidden(_("只有该区域的工作人员可以制定关爱计划"))
    if not 1 <= int(frequency_days) <= 366:
        raise InvalidInput(_("走访频次应在 1 到 366 天之间"), field="frequency_days")
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput(_("备注最多 500 个字"), field="note")
    if not PersonTag.objects.filter(
        person__household=household, person__moved_out_on__isnull=True, tag__active=True
    ).exists():
        raise InvalidInput(_("该户没有关怀标签的成员,无需关爱计划"), field="household_id")
    responsible = _responsible_at(responsible_id, household.place_path)
    with transaction.atomic():
        plan, created = CarePlan.objects.select_for_update().get_or_create(
            household=household,
            defaults={
                "place_path": household.place_path,
                "responsible": responsible,
                "frequency_days": int(frequency_days),
                "note": note,
                "active": bool(active),
                "created_by": actor,
            },
        )
        if not created:
            plan.responsible = responsible
            plan.frequency_days = int(frequency_days)
            plan.note = note
            plan.active = bool(active)
            plan.reminded_on = None
            plan.save(update_fields=["responsible", "frequency_days", "note", "active", "reminded_on"])
        audit_record(action="visit.care_plan", actor=actor, target=household, frequency_days=plan.frequency_days)
    return plan


def hazard_create(
    *,
    actor: Any,
    place_id: int,
    name: str,
    responsible_id: int,
    level: str = HazardLevel.LOW,
    inspect_every_days: int = 7,
    lat: Any = None,
    lng: Any = None,
    description: str = "",
    warning_plan: str = "",
    response_plan: str = "",
) -> HazardPoint:
    """Register a risk or hazard point with its inspection schedule and plans."""
    place = Place.objects.filter(recording_q(actor, "path"), pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到该位置,或不在您的辖区内"), field="place_id")
    if place.kind not in HAZARD_KINDS:
        raise InvalidInput(_("位置应为社区、小区、网格、楼栋或单元"), field="place_id")
    if not capabilities_at(actor, place.path) & RECORDING_CAPABILITIES:
        raise Forbidden(_("只有该区域的工作人员可以登记隐患点"))
    name = clean_text(name, field="name", label=_("名称"), max_length=100, required=True, show_length=True)
    if level not in HazardLevel.values:
        raise InvalidInput(_("风险等级无效"), field="level")
    if not 1 <= int(inspect_every_days) <= 366:
        raise InvalidInput(_("巡查周期应在 1 到 366 天之间"), field="inspect_every_days")
    la, ln = validate_point(lat, lng)
    responsible = _responsible_at(responsible_id, place.path)
    plans = {
        field: clean_text(value, field=field, label=label, max_length=PLAN_TEXT_MAX, required=False, show_length=True)
        for field, value, label in [
            ("description", description, _("描述")),
            ("warning_plan", warning_plan, _("预警措施")),
            ("response_plan", response_plan, _("应急预案")),
        ]
    }
    with transaction.atomic():
        hazard = HazardPoint.objects.create(
            place=place,
            place_path=place.path,
            name=name,
            level=level,
            lat=la,
            lng=ln,
            responsible=responsible,
            inspect_every_days=int(inspect_every_days),
            **plans,
            created_by=actor,
        )
        audit_record(action="visit.hazard_create", actor=actor, target=hazard, level=level)
    return hazard


def hazard_set_active(*, actor: Any, hazard_id: int, active: bool) -> HazardPoint:
    """Close a hazard point once removed (or reopen it); its inspections stay."""
    with transaction.atomic():
        hazard = HazardPoint.objects.select_for_update().filter(recording_q(actor, "place_path"), pk=hazard_id).first()
        if hazard is None:
            raise NotFound(_("未找到该隐患点,或不在您的辖区内"))
        if not capabilities_at(actor, hazard.place_path) & RECORDING_CAPABILITIES:
            raise Forbidden(_("只有该区域的工作人员可以处理隐患点"))
        hazard.active = bool(active)
        hazard.save(update_fields=["active"])
        audit_record(action="visit.hazard_active", actor=actor, target=hazard, active=hazard.active)
    return hazard
