"""Visits API, plans part (/api/v1/visits/…): hazard points, care plans, quota rules.

Lists are scoped to the caller; an id outside their scope is the same 404 as a missing one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import ErrorOut
from linli.visits import selectors as s
from linli.visits.models import CarePlan, ChecklistTemplate, HazardLevel, HazardPoint, QuotaMode, QuotaPeriod, QuotaRule
from linli.visits.services import household_for_visit
from linli.visits.services_checklists import (
    ChecklistItemInput,
    checklist_template_create,
    checklist_template_set_active,
)
from linli.visits.services_plans import care_plan_set, hazard_create, quota_rule_add, quota_rule_set_active
from linli.visits.views_visits import require_staff

router = Router(tags=["visits"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class VisitHazardOut(Schema):
    id: int
    place_id: int
    name: str
    description: str
    level: str
    lat: Decimal | None
    lng: Decimal | None
    responsible_id: int
    responsible: str
    inspect_every_days: int
    warning_plan: str
    response_plan: str
    active: bool
    last_inspected_at: dt.datetime | None
    next_due: dt.datetime | None
    overdue: bool


class VisitHazardListOut(Schema):
    items: list[VisitHazardOut]
    next: str | None


class VisitHazardFilter(Schema):
    node_id: int | None = None
    active: bool | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


class VisitHazardIn(Schema):
    place_id: int
    name: str = Field(..., max_length=100)
    responsible_id: int
    level: HazardLevel = HazardLevel.LOW
    inspect_every_days: int = Field(7, ge=1, le=366)
    lat: Decimal | None = None
    lng: Decimal | None = None
    description: str = Field("", max_length=2000)
    warning_plan: str = Field("", max_length=2000)
    response_plan: str = Field("", max_length=2000)


class VisitCarePlanOut(Schema):
    id: int
    household_id: int
    responsible_id: int
    responsible: str
    frequency_days: int
    note: str
    active: bool
    created_at: dt.datetime


class VisitCarePlanListOut(Schema):
    items: list[VisitCarePlanOut]


class VisitCarePlanIn(Schema):
    responsible_id: int
    frequency_days: int = Field(30, ge=1, le=366)
    note: str = Field("", max_length=500)
    active: bool = True


class VisitQuotaRuleOut(Schema):
    id: int
    position_kind: str
    period: str
    mode: str
    target: int
    active: bool


class VisitQuotaRuleListOut(Schema):
    items: list[VisitQuotaRuleOut]
    next: str | None


class VisitQuotaRuleFilter(Schema):
    active: bool | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


class VisitQuotaRuleIn(Schema):
    position_kind: str = Field(..., max_length=32)
    period: QuotaPeriod
    mode: QuotaMode
    target: int = Field(0, ge=0, le=1000)


class VisitQuotaRulePatch(Schema):
    active: bool


class VisitChecklistItemOut(Schema):
    key: str
    text: str
    required: bool


class VisitChecklistOut(Schema):
    id: int
    code: str
    name: str
    description: str
    requires_answer: bool
    active: bool
    items: list[VisitChecklistItemOut]


class VisitChecklistListOut(Schema):
    items: list[VisitChecklistOut]
    next: str | None


class VisitChecklistItemIn(Schema):
    text: str = Field(..., description="1–60 characters, unique within the template")
    required: bool = False


class VisitChecklistIn(Schema):
    # Lengths are checked by the service, which names the field and the item in Chinese.
    name: str = Field(..., description="1–64 characters; no other active template may have it")
    description: str = Field("", description="at most 200 characters")
    requires_answer: bool = True
    items: list[VisitChecklistItemIn] = Field(..., description="1–30 items")


class VisitChecklistPatch(Schema):
    active: bool


class VisitChecklistFilter(Schema):
    active: bool | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


def hazard_out(h: HazardPoint) -> VisitHazardOut:
    return VisitHazardOut(
        id=h.pk,
        place_id=h.place_id,
        name=h.name,
        description=h.description,
        level=h.level,
        lat=h.lat,
        lng=h.lng,
        responsible_id=h.responsible_id,
        responsible=h.responsible.name,
        inspect_every_days=h.inspect_every_days,
        warning_plan=h.warning_plan,
        response_plan=h.response_plan,
        active=h.active,
        last_inspected_at=h.last_inspected_at,
        next_due=h.next_due,
        overdue=h.is_overdue,
    )


def plan_out(p: CarePlan) -> VisitCarePlanOut:
    return VisitCarePlanOut(
        id=p.pk,
        household_id=p.household_id,
        responsible_id=p.responsible_id,
        responsible=p.responsible.name,
        frequency_days=p.frequency_days,
        note=p.note,
        active=p.active,
        created_at=p.created_at,
    )


def rule_out(r: QuotaRule) -> VisitQuotaRuleOut:
    return VisitQuotaRuleOut(
        id=r.pk, position_kind=r.position_kind, period=r.period, mode=r.mode, target=r.target, active=r.active
    )


@router.get(
    "/hazards",
    response={200: VisitHazardListOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="visits_hazards_list",
    summary="Hazard points in the caller's scope, newest first, keyset-paginated (each says whether it is overdue)",
)
def visits_hazards_list(request: HttpRequest, filters: Query[VisitHazardFilter]) -> VisitHazardListOut:
    require_staff(request.user)
    qs = s.hazards_for(request.user)
    if filters.node_id is not None:
        qs = qs.filter(place_path__startswith=s.node_for(request.user, filters.node_id).path)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return VisitHazardListOut(items=[hazard_out(h) for h in page.items], next=page.next)


@router.post(
    "/hazards",
    response={201: VisitHazardOut, **ERRORS},
    operation_id="visits_hazards_create",
    summary="Register a hazard point with its inspection schedule, warning and response plans",
)
def visits_hazards_create(request: HttpRequest, payload: VisitHazardIn) -> Status[VisitHazardOut]:
    hazard = hazard_create(actor=request.user, **payload.dict())
    return Status(201, hazard_out(s.access_hazard(request.user, hazard.pk)))


@router.get(
    "/hazards/{hazard_id}",
    response={200: VisitHazardOut, 404: ErrorOut},
    operation_id="visits_hazards_read",
    summary="One hazard point with its schedule and whether its inspection is overdue",
)
def visits_hazards_read(request: HttpRequest, hazard_id: int) -> VisitHazardOut:
    return hazard_out(s.access_hazard(request.user, hazard_id))


@router.get(
    "/households/{household_id}/care-plans",
    response={200: VisitCarePlanListOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="visits_care_plans_list",
    summary="A household's care plan (zero or one), if the household is in the caller's scope",
)
def visits_care_plans_list(request: HttpRequest, household_id: int) -> VisitCarePlanListOut:
    household = household_for_visit(request.user, household_id)
    plans = CarePlan.objects.visible_to(request.user).filter(household=household).select_related("responsible")
    return VisitCarePlanListOut(items=[plan_out(p) for p in plans])


@router.put(
    "/households/{household_id}/care-plan",
    response={200: VisitCarePlanOut, **ERRORS},
    operation_id="visits_care_plan_set",
    summary="Create or change a household's care plan (frequency, responsible person, active)",
)
def visits_care_plan_set(request: HttpRequest, household_id: int, payload: VisitCarePlanIn) -> VisitCarePlanOut:
    plan = care_plan_set(actor=request.user, household_id=household_id, **payload.dict())
    return plan_out(CarePlan.objects.select_related("responsible").get(pk=plan.pk))


@router.get(
    "/rules",
    response={200: VisitQuotaRuleListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="visits_rules_list",
    summary="Visiting quota rules (走访要求) per position kind, keyset-paginated",
)
def visits_rules_list(request: HttpRequest, filters: Query[VisitQuotaRuleFilter]) -> VisitQuotaRuleListOut:
    require_staff(request.user)
    qs = QuotaRule.objects.all()
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return VisitQuotaRuleListOut(items=[rule_out(r) for r in page.items], next=page.next)


@router.post(
    "/rules",
    response={201: VisitQuotaRuleOut, **ERRORS},
    operation_id="visits_rules_create",
    summary="Add a quota rule (administrators and leaders only)",
)
def visits_rules_create(request: HttpRequest, payload: VisitQuotaRuleIn) -> Status[VisitQuotaRuleOut]:
    rule = quota_rule_add(
        actor=request.user,
        position_kind=payload.position_kind,
        period=payload.period,
        mode=payload.mode,
        target=payload.target,
    )
    return Status(201, rule_out(rule))


@router.patch(
    "/rules/{rule_id}",
    response={200: VisitQuotaRuleOut, **ERRORS},
    operation_id="visits_rules_update",
    summary="Switch a quota rule on or off (administrators and leaders only)",
)
def visits_rules_update(request: HttpRequest, rule_id: int, payload: VisitQuotaRulePatch) -> VisitQuotaRuleOut:
    return rule_out(quota_rule_set_active(actor=request.user, rule_id=rule_id, active=payload.active))


@router.get(
    "/checklists",
    response={200: VisitChecklistListOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="visits_checklists_list",
    summary="Checklist templates (检查清单) with their items; active=true for those offered on new visits",
)
def visits_checklists_list(request: HttpRequest, filters: Query[VisitChecklistFilter]) -> VisitChecklistListOut:
    require_staff(request.user)
    qs = ChecklistTemplate.objects.all()
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    return VisitChecklistListOut(items=[checklist_out(t) for t in page.items], next=page.next)


def checklist_out(t: ChecklistTemplate) -> VisitChecklistOut:
    return VisitChecklistOut(
        id=t.pk,
        code=t.code,
        name=t.name,
        description=t.description,
        requires_answer=t.requires_answer,
        active=t.active,
        items=[VisitChecklistItemOut(key=i["key"], text=i["label"], required=bool(i.get("required"))) for i in t.items],
    )


@router.post(
    "/checklists",
    response={201: VisitChecklistOut, **ERRORS},
    operation_id="visits_checklists_create",
    summary="Add a checklist template (system administrators); its items never change afterwards",
)
def visits_checklists_create(request: HttpRequest, payload: VisitChecklistIn) -> Status[VisitChecklistOut]:
    template = checklist_template_create(
        actor=request.user,
        name=payload.name,
        description=payload.description,
        requires_answer=payload.requires_answer,
        items=[ChecklistItemInput(text=i.text, required=i.required) for i in payload.items],
    )
    return Status(201, checklist_out(template))


@router.patch(
    "/checklists/{template_id}",
    response={200: VisitChecklistOut, **ERRORS},
    operation_id="visits_checklists_update",
    summary="Switch a checklist template off (or back on) for new visits (system administrators)",
)
def visits_checklists_update(request: HttpRequest, template_id: int, payload: VisitChecklistPatch) -> VisitChecklistOut:
    return checklist_out(
        checklist_template_set_active(actor=request.user, template_id=template_id, active=payload.active)
    )
