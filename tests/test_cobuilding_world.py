"""Shared set-up for the co-building tests (no tests here): a property company with a contract at the resident's
compound, an owners' committee, a rating template and a partner unit with a resource."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import uscc

from linli.cobuilding import services_partners as sp
from linli.cobuilding import services_property as spr
from linli.cobuilding import services_rating as sr
from linli.orgs.models import Organisation, OrganisationKind

CRITERIA = [("服务态度", 30), ("环境卫生", 30), ("安全管理", 20), ("设施维护", 20)]


def make_uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


class World:
    company: Organisation
    committee: Organisation
    partner: Organisation
    template: Any
    compound: Any


def build_world(users: dict[str, Any], places: Any) -> World:
    w = World()
    street = users["street"]
    w.compound = places.compounds[0]
    w.company = spr.property_company_register(
        actor=street,
        home=places.communities[0],
        name="红盾物业(测试)",
        uscc=make_uscc("91340100MA2N00001"),
    )
    spr.contract_create(
        actor=street,
        company=w.company,
        compound=w.compound,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        fee_grade="二级",
        fee_per_m2="1.20",
        project_manager="王经理",
    )
    w.committee = Organisation.objects.create(
        kind=OrganisationKind.OWNERS_COMMITTEE,
        name="测试业委会",
        home=w.compound,
        place_path=w.compound.path,
    )
    w.template = sr.template_create(
        actor=street,
        name="2026 年度红色物业星级评定",
        year=2026,
        criteria=CRITERIA,
        survey_weight=50,
        branch_weight=25,
        committee_weight=25,
    )
    w.partner = Organisation.objects.create(
        kind=OrganisationKind.PARTNER_UNIT,
        name="区供电公司党支部(测试)",
        home=places.street,
        place_path=places.street.path,
    )
    return w


def all_scores(template: Any, value: int) -> dict[str, int]:
    return {str(c.pk): value for c in template.criteria.all()}


def make_need_and_resource(users: dict[str, Any], places: Any, w: World) -> tuple[Any, Any]:
    resource = sp.resource_add(
        actor=users["street"],
        partner=w.partner,
        place=places.communities[0],
        category="volunteers",
        title="电力党员志愿服务队",
    )
    need = sp.need_raise(
        actor=users["resident"],
        place=w.compound,
        category="volunteers",
        title="楼道老旧电线需要检修",
    )
    return need, resource
