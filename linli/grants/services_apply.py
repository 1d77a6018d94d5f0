"""申报: an application registered by street or community staff on a social organisation's behalf, from its paper
form, while the round is open and inside its window.

The organisation must be in the register (``orgs.Organisation``) as a 社会组织 or a 共建单位, registered at or
serving a place under the round's node; the communities it will serve lie under the node (a community's staff may
name only their own). The contact's phone is personal data: normalised, stored encrypted with its keyed hash
beside it (as the resident ledger's), and shown masked. A double submit creates one application (idempotency
key); the same organisation cannot apply twice under one title in a round (409).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import normalise_phone
from linli.core.text import clean_text
from linli.grants.models import GrantProject, GrantRound, ProjectCommunity, ProjectStatus, RoundStatus
from linli.grants.money import check_fen, yuan
from linli.grants.permissions import may_register
from linli.grants.services import TEXT_MAX, TITLE_MAX, choice, event, lock_round, whole_number
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place, PlaceKind

ELIGIBLE_KINDS = (OrganisationKind.SOCIAL_ORG, OrganisationKind.PARTNER_UNIT)
COMMUNITIES_MAX = 50
BENEFICIARIES_MAX = 1_000_000
CONTACT_MAX = 64


def eligible_q(node_path: str) -> Q:
    """Organisations that may apply in a round at ``node_path``: a 社会组织 or 共建单位 registered at or under the
    node, or serving a place under it."""
    return Q(kind__in=ELIGIBLE_KINDS) & (Q(place_path__under=node_path) | Q(serves__path__under=node_path))


def is_eligible(organisation: Organisation, node_path: str) -> bool:
    return Organisation.objects.filter(eligible_q(node_path), pk=organisation.pk).exists()


@dataclass(frozen=True)
class ApplicationFields:
    """What the paper form says (the requested amount already in 分)."""

    organisation: Organisation | None
    title: Any
    service_field: Any
    requested_fen: Any
    planned_beneficiaries: Any
    summary: Any
    contact_name: Any
    contact_phone: Any
    communities: list[Place] = field(default_factory=list)


def _communities(round_: GrantRound, chosen: list[Place]) -> list[Place]:
    unique = list({p.pk: p for p in chosen}.values())
    if not unique:
        raise InvalidInput(_("请至少选择一个服务社区"), field="community_ids")
    if len(unique) > COMMUNITIES_MAX:
        raise InvalidInput(_("服务社区最多 %(n)d 个") % {"n": COMMUNITIES_MAX}, field="community_ids")
    for place in unique:
        if place.kind != PlaceKind.COMMUNITY or not place.path.startswith(round_.place_path):
            raise InvalidInput(_("“%(place)s”不是本轮范围内的社区") % {"place": place.name}, field="community_ids")
    return sorted(unique, key=lambda p: p.path)


def _require_open(round_: GrantRound) -> None:
    if round_.status != RoundStatus.OPEN:
        raise Conflict(
            _("资助轮次当前为“%(now)s”,只在申报中登记申报") % {"now": RoundStatus(round_.status).label},
            field="round_id",
        )
    today = timezone.localdate()
    if today < round_.opens_on:
        raise Conflict(_("申报自 %(day)s 开始,尚未开始") % {"day": round_.opens_on.isoformat()}, field="round_id")
    if today > round_.closes_on:
        raise Conflict(_("申报已于 %(day)s 截止") % {"day": round_.closes_on.isoformat()}, field="round_id")


@transaction.atomic
def project_register(
    *, actor: Any, round_: GrantRound, fields: ApplicationFields, idempotency_key: str = ""
) -> tuple[GrantProject, bool]:
    """Register an application in an open round: ``(project, created)``. A retry under the same key answers with
    the first; anything the form lacks or gets wrong is refused naming the field."""
    communities = _communities(round_, list(fields.communities))
    if not may_register(actor, round_.place_path, communities):
        raise Forbidden(_("您的岗位无权为这些社区登记申报"))
    key = clean_key(idempotency_key)
    if key:  # a retry after the round moved on still answers with what it created
        earlier = GrantProject.objects.filter(created_by=actor, idempotency_key=key).first()
        organisation_id = getattr(fields.organisation, "pk", None)
        if earlier is not None and (earlier.round_id, earlier.organisation_id, earlier.title) == (
            round_.pk,
            organisation_id,
            str(fields.title or "").strip(),
        ):
            return earlier, False
    locked = lock_round(round_)  # the round cannot leave 申报中 while this application goes in
    _require_open(locked)
    organisation = fields.organisation
    if organisation is None or organisation.kind not in ELIGIBLE_KINDS:
        raise InvalidInput(_("请选择已登记的社会组织或共建单位"), field="organisation_id")
    if not is_eligible(organisation, locked.place_path):
        raise InvalidInput(
            _("“%(org)s”不在本轮范围内登记或服务,不能申报") % {"org": organisation.name}, field="organisation_id"
        )
    title = clean_text(fields.title, field="title", label=_("项目名称"), max_length=TITLE_MAX)
    service_field = choice(
        fields.service_field, list(locked.service_fields), field="service_field", label=_("服务领域")
    )
    requested = check_fen(fields.requested_fen, field="requested_fen", label=_("申请资助金额"))
    if requested > locked.budget_fen:
        raise InvalidInput(
            _("申请资助金额不能超过本轮预算 %(budget)s 元") % {"budget": yuan(locked.budget_fen)}, field="requested_fen"
        )
    planned = whole_number(
        fields.planned_beneficiaries,
        field="planned_beneficiaries",
        label=_("计划服务人次"),
        low=1,
        high=BENEFICIARIES_MAX,
    )
    summary = clean_text(fields.summary, field="summary", label=_("项目简介"), max_length=TEXT_MAX)
    contact = clean_text(fields.contact_name, field="contact_name", label=_("联系人"), max_length=CONTACT_MAX)
    phone = normalise_phone(str(fields.contact_phone or ""), field="contact_phone")

    def create() -> GrantProject:
        if GrantProject.objects.filter(round=locked, organisation=organisation, title=title).exists():
            raise Conflict(
                _("“%(org)s”已在本轮申报“%(title)s”") % {"org": organisation.name, "title": title}, field="title"
            )
        project = GrantProject.objects.create(
            round=locked,
            place_path=locked.place_path,
            organisation=organisation,
            title=title,
            service_field=service_field,
            requested_fen=requested,
            planned_beneficiaries=planned,
            summary=summary,
            contact_name=contact,
            phone_enc=crypto.encrypt(phone),
            phone_hash=crypto.keyed_hash("phone", phone),
            created_by=actor,
            idempotency_key=key,
        )
        ProjectCommunity.objects.bulk_create(
            [ProjectCommunity(project=project, place=p, place_path=p.path) for p in communities]
        )
        event(project, actor, "", ProjectStatus.SUBMITTED)
        return project

    project, created = create_once(
        earlier=GrantProject.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda e: e.round_id == locked.pk and e.title == title and e.organisation_id == organisation.pk,
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一项申报“%(title)s”") % {"title": e.title},
    )
    if created:
        audit_record(
            action="grants.project_registered",
            actor=actor,
            target=project,
            round=locked.pk,
            organisation=organisation.pk,
            requested_fen=requested,
            communities=[p.pk for p in communities],
            field=service_field,
        )
    return project, created
