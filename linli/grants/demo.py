"""Demo data for 公益创投与社会救助服务项目 (street and district sizes; tests call it on the small street): five social
organisations in the register of the first street and its communities, and this year's 公益创投 round with six
applications in every state — waiting for a decision, not approved, being carried out with reports and payments,
completed with its evaluation, terminated. Written through the services (audited, as street staff would), and safe
to run again: a street that has a round already is left as it is."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from linli.grants import services as s
from linli.grants import services_apply as sa
from linli.grants import services_delivery as sd
from linli.grants import services_review as sr
from linli.grants.models import GrantProject, GrantRound
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place, PlaceKind

# (name, where: "street" or the index of a community)
ORGANISATIONS: list[tuple[str, Any]] = [
    ("社会工作服务中心", "street"),
    ("银龄互助会", 0),
    ("青少年成长服务社", -1),
    ("和美邻里调解工作室", "street"),
    ("绿邻环保志愿服务队", 0),
]

# (title, organisation index, field, community indexes, requested 元, planned 人次, summary)
APPLICATIONS: list[tuple[str, int, str, list[int], int, int, str]] = [
    ("乐融邻里·独居老人关爱", 1, "elderly", [0], 60_000, 1200, "为独居、空巢老人提供每周上门探访、助餐送餐和讲座。"),
    ("爱心壹佰·困难家庭微心愿", 0, "assistance", [0, -1], 80_000, 800, "对接低保、低边家庭的微心愿,开展临时救助。"),
    ("四点半课堂", 2, "youth", [-1], 50_000, 2000, "为双职工家庭孩子提供放学后的课业辅导和安全看护。"),
    ("邻里和事佬", 3, "mediation", [0, -1], 40_000, 300, "培训小区调解骨干,就地化解邻里纠纷。"),
    ("垃圾分类绿色家园", 4, "environment", [0], 30_000, 1500, "入户宣传垃圾分类,组织楼栋督导志愿者。"),
    ("残疾人康复互助小组", 0, "disabled", [-1], 45_000, 400, "组织残疾人康复训练和家属互助。"),
]


def _actor() -> Any:
    User = get_user_model()
    return User.objects.filter(username="street").first() or User.objects.filter(is_superuser=True).first()


def _organisations(actor: Any, street: Place, communities: list[Place]) -> list[Organisation]:
    from linli.orgs.services import organisation_register

    found = []
    for name, where in ORGANISATIONS:
        home = street if where == "street" else communities[where]
        full = f"{home.name}{name}"
        org = Organisation.objects.filter(kind=OrganisationKind.SOCIAL_ORG, name=full).first()
        if org is None:
            org = organisation_register(
                actor=actor, kind=OrganisationKind.SOCIAL_ORG, name=full, home=home, contact_name="", contact_phone=""
            )
        found.append(org)
    return found


def build_demo_grants(rng: random.Random) -> None:
    """``rng`` is the demo builder's; nothing here is random, so running the hook again adds nothing."""
    actor = _actor()
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()
    if actor is None or street is None or GrantRound.objects.filter(node=street).exists():
        return
    communities = list(Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path"))
    if not communities:
        return
    orgs = _organisations(actor, street, communities)
    today = timezone.localdate()
    round_, _created = s.round_create(
        actor=actor,
        node=street,
        fields=s.RoundFields(
            title=f"{today.year}年度{street.name}公益创投",
            year=today.year,
            budget_fen=300_000_00,
            opens_on=today - dt.timedelta(days=45),
            closes_on=today,
            service_fields=["elderly", "disabled", "youth", "assistance", "culture", "environment", "mediation"],
            description="面向辖区登记的社会组织,围绕“一老一小”、困难群众帮扶和邻里矛盾调解征集公益项目。",
        ),
    )
    s.round_open(actor=actor, round_=round_)
    projects: list[GrantProject] = []
    for n, (title, org, field, where, requested, planned, summary) in enumerate(APPLICATIONS):
        project, _created = sa.project_register(
            actor=actor,
            round_=round_,
            fields=sa.ApplicationFields(
                organisation=orgs[org],
                title=title,
                service_field=field,
                requested_fen=requested * 100,
                planned_beneficiaries=planned,
                summary=summary,
                contact_name=["王芳", "李强", "陈静", "赵敏", "刘洋", "周婷"][n],
                contact_phone=f"1395550{1000 + n:04d}",
                communities=[communities[k] for k in where],
            ),
        )
        projects.append(project)
    round_ = s.round_review(actor=actor, round_=round_)
    elderly, wishes, homework, mediation, sorting, _waiting = projects  # the last waits for its decision
    for project, score in ((elderly, 92), (wishes, 88), (homework, 85), (mediation, 80), (sorting, 62)):
        sr.score_set(actor=actor, project=project, score=score, comment="方案具体,预算合理" if score > 70 else "")
    sr.project_approve(actor=actor, project=elderly, granted_fen=55_000_00, note="核减宣传印刷费")
    sr.project_approve(actor=actor, project=wishes, granted_fen=80_000_00)
    sr.project_approve(actor=actor, project=homework, granted_fen=45_000_00)
    sr.project_approve(actor=actor, project=mediation, granted_fen=40_000_00)
    sr.project_reject(actor=actor, project=sorting, reason="与区级垃圾分类专项重复,建议申报区级项目。")
    for project, people, held, text in (
        (elderly, 320, 12, "完成第一季度上门探访和每周助餐,开展健康讲座 2 场。"),
        (elderly, 410, 15, "第二阶段新增送餐线路 2 条,组织重阳节活动。"),
        (wishes, 126, 3, "收集并认领困难家庭微心愿 126 个。"),
        (homework, 60, 8, "开班两周后因场地问题暂停。"),
    ):
        sd.report_add(actor=actor, project=project, on_date=today, text=text, beneficiaries=people, activities=held)
    for project, tranche, amount in (
        (elderly, "first", 27_500_00),
        (elderly, "final", 27_500_00),
        (wishes, "first", 40_000_00),
        (homework, "first", 13_500_00),
        (mediation, "first", 20_000_00),
    ):
        sd.disburse(actor=actor, project=project, tranche=tranche, amount_fen=amount, paid_on=today)
    sd.project_complete(
        actor=actor, project=elderly, grade="excellent", summary="服务对象满意度 97%,台账完整,资金使用规范。"
    )
    sd.project_terminate(actor=actor, project=homework, reason="活动场地无法落实,经协商终止,已拨资金按实结算。")
