"""Helpers the grant tests share (not a test module): a social organisation of the register, a round in a given
state, an application, and one approved through a score."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from linli.grants import services as s
from linli.grants import services_apply as sa
from linli.grants import services_review as sr
from linli.grants.models import GrantProject, GrantRound, RoundStatus
from linli.orgs.models import Organisation
from linli.places.models import Place

PHONE = "13912345678"


def demo() -> None:
    """The demo street's round and applications (the hook the demo builder runs on the bigger sizes)."""
    from linli.grants.demo import build_demo_grants

    build_demo_grants(random.Random(7))


def social_org(actor: Any, home: Place, name: str = "幸福里社工服务中心", kind: str = "social_org") -> Organisation:
    from linli.orgs.services import organisation_register

    return organisation_register(actor=actor, kind=kind, name=name, home=home)


def fields(**extra: Any) -> s.RoundFields:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "title": "2026年度幸福里街道公益创投",
        "year": today.year,
        "budget_fen": 100_000_00,
        "opens_on": today - dt.timedelta(days=10),
        "closes_on": today + dt.timedelta(days=10),
        "service_fields": ["elderly", "youth", "assistance", "mediation"],
    }
    values.update(extra)
    return s.RoundFields(**values)


def grant_round(actor: Any, node: Place, status: str = RoundStatus.OPEN, **extra: Any) -> GrantRound:
    """A round at ``node`` moved on to ``status`` (draft, open, reviewing)."""
    round_, _created = s.round_create(actor=actor, node=node, fields=fields(**extra))
    if status in (RoundStatus.OPEN, RoundStatus.REVIEWING, RoundStatus.CLOSED):
        round_ = s.round_open(actor=actor, round_=round_)
    if status in (RoundStatus.REVIEWING, RoundStatus.CLOSED):
        round_ = s.round_review(actor=actor, round_=round_)
    if status == RoundStatus.CLOSED:
        round_ = s.round_close(actor=actor, round_=round_)
    return round_


def application(
    actor: Any,
    round_: GrantRound,
    org: Organisation,
    communities: list[Place],
    title: str = "银龄互助·乐融邻里",
    *,
    requested_fen: int = 30_000_00,
    key: str = "",
    **extra: Any,
) -> GrantProject:
    values: dict[str, Any] = {
        "organisation": org,
        "title": title,
        "service_field": "elderly",
        "requested_fen": requested_fen,
        "planned_beneficiaries": 600,
        "summary": "为独居老人提供上门探访、助餐和健康讲座。",
        "contact_name": "王芳",
        "contact_phone": PHONE,
        "communities": communities,
    }
    values.update(extra)
    project, _created = sa.project_register(
        actor=actor, round_=round_, fields=sa.ApplicationFields(**values), idempotency_key=key
    )
    return project


def approved(actor: Any, project: GrantProject, granted_fen: int | None = None, score: int = 88) -> GrantProject:
    """Scored by ``actor`` and approved (the round must be reviewing)."""
    sr.score_set(actor=actor, project=project, score=score, comment="方案可行")
    return sr.project_approve(actor=actor, project=project, granted_fen=granted_fen or project.requested_fen)


def reviewing_with(
    actor: Any, node: Place, org: Organisation, communities: list[Place], n: int = 1, **extra: Any
) -> Any:
    """A round with ``n`` applications registered while open, then moved to reviewing: ``(round, projects)``."""
    round_ = grant_round(actor, node, **extra)
    projects = [application(actor, round_, org, communities, f"项目{k}") for k in range(n)]
    round_ = s.round_review(actor=actor, round_=round_)
    return round_, [GrantProject.objects.get(pk=p.pk) for p in projects]
