"""双报到积分管理办法 and 报到考评 API (/api/v1/volunteering/party-point-rules, /reporting-assessment).

The rule in force at a district, street or community in a year is read by the node's staff and by residents
who live under it, with the node's own versions; a version is set for a year, or withdrawn from a year, by
staff who manage the node (``services_reporting``, audited). The year's
assessment names members, so it is read by staff who manage or lead the node; anything else is 404.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from linli.core.schemas import ErrorOut, PageQuery
from linli.places.models import Place
from linli.volunteering import services_reporting as svc
from linli.volunteering.models import PartyPointRule
from linli.volunteering.selectors_reporting import (
    RULE_FIELDS,
    CommunityFigures,
    MemberFigures,
    RuleInForce,
    assessment_members,
    assessment_place,
    assessment_year,
    party_rule_at,
    reporting_assessment,
    rule_place,
    rule_versions,
    rule_year,
)

router = Router(tags=["volunteering"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PartyPointRuleOut(Schema):
    place_id: int
    place_name: str
    year: int = Field(..., description="the year asked")
    title: str = Field(..., description="the document's name; blank for the default")
    points_per_activity: int = Field(..., description="党员积分 for each confirmed volunteer activity")
    points_per_order: int = Field(..., description="党员积分 for each order (接单) resolved by the member")
    points_per_wish: int = Field(..., description="党员积分 for each micro-wish the member fulfilled")
    annual_points: int = Field(..., description="the year's target in 党员积分; 0: none")
    annual_services: int = Field(..., description="the year's target in confirmed activities; 0: none")
    set_at_id: int | None = Field(..., description="the node whose rule is in force here; null: the default")
    set_at_name: str | None
    since: int | None = Field(..., description="施行年度 of the version in force; null: the default")


class PartyPointRuleVersionOut(Schema):
    year: int = Field(..., description="施行年度: in force from this year until a later year's version")
    withdrawn: bool = Field(..., description="from this year the node sets no rule of its own")
    title: str
    points_per_activity: int
    points_per_order: int
    points_per_wish: int
    annual_points: int
    annual_services: int
    updated_at: datetime


class PartyPointRuleIn(Schema):
    year: int | None = Field(None, description="施行年度, 2015 to next year; default this year")
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


class RuleYearQuery(Schema):
    year: int | None = Field(None, description="2015 to next year; default this year")


class MemberQuery(PageQuery):
    year: int | None = Field(None, description="2015 to this year; default this year")


def _rule_out(place: Place, year: int) -> PartyPointRuleOut:
    rule = party_rule_at(place.path, year=year)
    return PartyPointRuleOut(
        place_id=place.pk, place_name=place.name, year=year, title=rule.title, **rule.values(),
        set_at_id=rule.set_at.pk if rule.set_at else None, set_at_name=rule.set_at.name if rule.set_at else None,
        since=rule.since,
    )  # fmt: skip


def _version_out(v: PartyPointRule) -> PartyPointRuleVersionOut:
    values: dict[str, Any] = {name: getattr(v, name) for name in RULE_FIELDS}
    return PartyPointRuleVersionOut(
        year=v.year, withdrawn=v.withdrawn, title=v.title, updated_at=v.updated_at, **values
    )


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
    response={200: PartyPointRuleOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="volunteering_party_point_rule_read",
    summary="The 双报到积分管理办法 in force at a district, street or community in a year, and where it is set",
)
def party_point_rule_read(request: HttpRequest, place_id: int, q: Query[RuleYearQuery]) -> PartyPointRuleOut:
    place = rule_place(request.user, place_id)
    return _rule_out(place, rule_year(q.year))


@router.get(
    "/party-point-rules/{place_id}/versions",
    response={200: list[PartyPointRuleVersionOut], 404: ErrorOut},
    operation_id="volunteering_party_point_rule_versions",
    summary="The versions of the 积分管理办法 set at the node itself, latest year first",
)
def party_point_rule_versions(request: HttpRequest, place_id: int) -> list[PartyPointRuleVersionOut]:
    place = rule_place(request.user, place_id)
    return [_version_out(v) for v in rule_versions(place)]


@router.put(
    "/party-point-rules/{place_id}",
    response={200: PartyPointRuleOut, **ERRORS},
    operation_id="volunteering_party_point_rule_set",
    summary="Set the node's own 积分管理办法 for a year (managers of the node); awards already made keep their points",
)
def party_point_rule_set(request: HttpRequest, place_id: int, payload: PartyPointRuleIn) -> PartyPointRuleOut:
    place = rule_place(request.user, place_id)
    rule = svc.party_point_rule_set(actor=request.user, place=place, **payload.dict())
    return _rule_out(place, rule.year)


@router.delete(
    "/party-point-rules/{place_id}",
    response={200: PartyPointRuleOut, **ERRORS},
    operation_id="volunteering_party_point_rule_clear",
    summary="Withdraw the node's own 积分管理办法 from a year: the rule above it, or the default, is then in force",
)
def party_point_rule_clear(request: HttpRequest, place_id: int, q: Query[RuleYearQuery]) -> PartyPointRuleOut:
    place = rule_place(request.user, place_id)
    year = rule_year(q.year)
    svc.party_point_rule_clear(actor=request.user, place=place, year=year)
    return _rule_out(place, year)


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
