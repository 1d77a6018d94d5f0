"""双报到积分管理办法 and 报到考评 API (/api/v1/volunteering/party-point-rules, /reporting-assessment).

The rule in force at a district, street or community is read by the node's staff and by residents who live
under it; it is set or cleared by staff who manage the node (``services_reporting``, audited). The year's
assessment names members, so it is read by staff who manage or lead the node; anything else is 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from linli.core.schemas import ErrorOut, PageQuery
from linli.places.models import Place
from linli.volunteering import services_reporting as svc
from linli.volunteering.selectors_reporting import (
    CommunityFigures,
    MemberFigures,
    RuleInForce,
    assessment_members,
    assessment_place,
    assessment_year,
    party_rule_at,
    reporting_assessment,
    rule_place,
)

router = Router(tags=["volunteering"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PartyPointRuleOut(Schema):
    place_id: int
    place_name: str
    title: str = Field(..., description="the document's name; blank for the default")
    points_per_activity: int = Field(..., description="党员积分 for each confirmed volunteer activity")
    points_per_order: int = Field(..., description="党员积分 for each order (接单) resolved by the member")
    points_per_wish: int = Field(..., description="党员积分 for each micro-wish the member fulfilled")
    annual_points: int = Field(..., description="the year's target in 党员积分; 0: none")
    annual_services: int = Field(..., description="the year's target in confirmed activities; 0: none")
    set_at_id: int | None = Field(..., description="the node whose rule is in force here; null: the default")
    set_at_name: str | None


class PartyPointRuleIn(Schema):
    title: str = Field("", description="0–100 characters")
    points_per_activity: int = Field(..., description="0–50")
    points_per_order: int = Field(..., description="0–50")
    points_per_wish: int = Field(..., description="0–50")
    annual_points: int = Field(..., description="0–1000; 0: no points target")
    annual_services: int = Field(..., description="0–100; 0: no services target")


class TargetOut(Schema):
    annual_points: int
    annual_services: int
    set_at_id: int | None


class CommunityAssessmentOut(Schema):
    community_id: int
    community_name: str
    reported: int = Field(..., description="in-service party members whose 双报到 here is approved")
    assessed: int = Field(..., description="those whose community's rule sets a target")
    met: int
    rate: float | None = Field(..., description="达标率: met ÷ assessed, percent; null when none is assessed")
    services: int = Field(..., description="confirmed activities in the year")
    hours: Decimal
    points: int = Field(..., description="党员积分 earned in the year (awards, manual awards and deductions)")
    target: TargetOut


class AssessmentOut(Schema):
    place_id: int
    place_name: str
    year: int
    total: CommunityAssessmentOut
    communities: list[CommunityAssessmentOut]


class MemberAssessmentOut(Schema):
    registration_id: int
    person_id: int
    name: str
    community_id: int
    workplace: str
    services: int
    hours: Decimal
    points: int
    points_by_reason: dict[str, int] = Field(..., description="hours, order, wish, manual")
    target: TargetOut
    met: bool | None = Field(..., description="null where the rule in force sets no target")


class MemberAssessmentListOut(Schema):
    items: list[MemberAssessmentOut]
    next: str | None


class YearQuery(Schema):
    year: int | None = Field(None, description="2015 to this year; default this year")


class MemberQuery(PageQuery):
    year: int | None = Field(None, description="2015 to this year; default this year")


def _rule_out(place: Place, rule: RuleInForce) -> PartyPointRuleOut:
    return PartyPointRuleOut(
        place_id=place.pk, place_name=place.name, title=rule.title, **rule.values(),
        set_at_id=rule.set_at.pk if rule.set_at else None, set_at_name=rule.set_at.name if rule.set_at else None,
    )  # fmt: skip


def _target(rule: RuleInForce) -> TargetOut:
    return TargetOut(
        annual_points=rule.annual_points,
        annual_services=rule.annual_services,
        set_at_id=rule.set_at.pk if rule.set_at else None,
    )


def _community_out(c: CommunityFigures) -> CommunityAssessmentOut:
    return CommunityAssessmentOut(
        community_id=c.community.pk, community_name=c.community.name, reported=c.reported, assessed=c.assessed,
        met=c.met, rate=c.rate, services=c.services, hours=c.hours, points=c.points, target=_target(c.rule),
    )  # fmt: skip


def _member_out(m: MemberFigures) -> MemberAssessmentOut:
    reg = m.registration
    return MemberAssessmentOut(
        registration_id=reg.pk, person_id=reg.person_id, name=reg.person.name, community_id=reg.community_id,
        workplace=reg.workplace_org.name if reg.workplace_org else reg.workplace_name, services=m.services,
        hours=m.hours, points=m.points, points_by_reason=m.by_reason, target=_target(m.rule), met=m.met,
    )  # fmt: skip


@router.get(
    "/party-point-rules/{place_id}",
    response={200: PartyPointRuleOut, 404: ErrorOut},
    operation_id="volunteering_party_point_rule_read",
    summary="The 双报到积分管理办法 in force at a district, street or community, and where it is set",
)
def party_point_rule_read(request: HttpRequest, place_id: int) -> PartyPointRuleOut:
    place = rule_place(request.user, place_id)
    return _rule_out(place, party_rule_at(place.path))


@router.put(
    "/party-point-rules/{place_id}",
    response={200: PartyPointRuleOut, **ERRORS},
    operation_id="volunteering_party_point_rule_set",
    summary="Set the node's own 积分管理办法 (managers of the node); awards already made keep their points",
)
def party_point_rule_set(request: HttpRequest, place_id: int, payload: PartyPointRuleIn) -> PartyPointRuleOut:
    place = rule_place(request.user, place_id)
    svc.party_point_rule_set(actor=request.user, place=place, **payload.dict())
    return _rule_out(place, party_rule_at(place.path))


@router.delete(
    "/party-point-rules/{place_id}",
    response={200: PartyPointRuleOut, **ERRORS},
    operation_id="volunteering_party_point_rule_clear",
    summary="Clear the node's own 积分管理办法: the rule above it, or the default, is then in force",
)
def party_point_rule_clear(request: HttpRequest, place_id: int) -> PartyPointRuleOut:
    place = rule_place(request.user, place_id)
    svc.party_point_rule_clear(actor=request.user, place=place)
    return _rule_out(place, party_rule_at(place.path))


@router.get(
    "/reporting-assessment/{place_id}",
    response={200: AssessmentOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="volunteering_reporting_assessment",
    summary="The year's 双报到考评 under a node, by community: members, services, points, 达标率",
)
def reporting_assessment_read(request: HttpRequest, place_id: int, q: Query[YearQuery]) -> AssessmentOut:
    place = assessment_place(request.user, place_id)
    a = reporting_assessment(place, year=assessment_year(q.year))
    assert a.total is not None
    return AssessmentOut(
        place_id=place.pk, place_name=place.name, year=a.year, total=_community_out(a.total),
        communities=[_community_out(c) for c in a.communities],
    )  # fmt: skip


@router.get(
    "/reporting-assessment/{place_id}/members",
    response={200: MemberAssessmentListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="volunteering_reporting_assessment_members",
    summary="The members under a node with their year (keyset by registration), for feedback to workplaces",
)
def reporting_assessment_members(request: HttpRequest, place_id: int, q: Query[MemberQuery]) -> MemberAssessmentListOut:
    place = assessment_place(request.user, place_id)
    page = assessment_members(place, year=assessment_year(q.year), cursor=q.cursor, limit=q.limit)
    return MemberAssessmentListOut(items=[_member_out(m) for m in page.items], next=page.next)
